from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("vcsgrants.api.urls")),
    path("", include("vcsgrants.core.urls")),
    path("", include("vcsgrants.funding.urls")),
    path("", include("vcsgrants.monitoring.urls")),
    path("", include("vcsgrants.equity.urls")),
    path("", include("vcsgrants.reports.urls")),
    path("", include("vcsgrants.opendata.urls")),
    path("", include("vcsgrants.engagement.urls")),
    path("", include("vcsgrants.calls.urls")),
    path("", include("vcsgrants.notifications.urls")),
]
