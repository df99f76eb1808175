from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.monitoring.urls_kpis")),
    path("", include("vcsgrants.monitoring.urls_returns")),
    path("", include("vcsgrants.monitoring.urls_dashboards")),
    path("", include("vcsgrants.monitoring.urls_imports")),
]
