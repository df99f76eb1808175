from django.urls import include, path

app_name = "monitoring"

urlpatterns = [
    path("", include("vcsgrants.monitoring.urls.kpis")),
    path("", include("vcsgrants.monitoring.urls.returns")),
    path("", include("vcsgrants.monitoring.urls.dashboards")),
    path("", include("vcsgrants.monitoring.urls.imports")),
    path("", include("vcsgrants.monitoring.urls.settings")),
]
