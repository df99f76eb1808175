from django.urls import path

from vcsgrants.monitoring.views import settings as views

urlpatterns = [
    path("programmes/<slug:slug>/monitoring-settings/", views.monitoring_settings_edit, name="monitoring-settings"),
]
