from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.monitoring.urls.kpis")),
    path("", include("vcsgrants.monitoring.urls.returns")),
    path("", include("vcsgrants.monitoring.urls.dashboards")),
    path("", include("vcsgrants.monitoring.urls.imports")),
]
