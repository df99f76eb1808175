from django.urls import path

from vcsgrants.core import views, views_council

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("council/logo", views.council_logo, name="council-logo"),
    path("council/settings/", views_council.council_settings, name="council-settings"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_edit, name="organisation-create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("audit/", views.audit_log, name="audit-log"),
]
