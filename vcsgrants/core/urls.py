from django.urls import path

from vcsgrants.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("council/logo", views.council_logo, name="council-logo"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_edit, name="organisation-create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("areas/", views.area_list, name="area-list"),
    path("areas/new/", views.area_edit, name="area-create"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area-edit"),
    path("areas/<int:pk>/retire/", views.area_retire, name="area-retire"),
    path("areas/indicators/new/", views.indicator_edit, name="area-indicator-create"),
    path("areas/indicators/<int:pk>/edit/", views.indicator_edit, name="area-indicator-edit"),
    path("audit/", views.audit_log, name="audit-log"),
]
