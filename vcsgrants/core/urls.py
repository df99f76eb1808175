from django.urls import path

from vcsgrants.core import views, views_about, views_council, views_jobs, views_people, views_two_factor

app_name = "core"

urlpatterns = [
    # Answered by core.health.HealthCheckMiddleware before any other middleware; these are its names for reverse().
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("about/accessibility/", views_about.accessibility, name="about-accessibility"),
    path("about/cookies/", views_about.cookies, name="about-cookies"),
    path("about/privacy/", views_about.privacy, name="about-privacy"),
    path("council/logo", views.council_logo, name="council-logo"),
    path("council/settings/", views_council.council_settings, name="council-settings"),
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
    path("audit.<str:fmt>", views.audit_log_export, name="audit-log-export"),
    path("people/", views_people.people_list, name="people-list"),
    path("people/invite/", views_people.person_invite, name="person-invite"),
    path("people/<int:pk>/", views_people.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views_people.person_edit, name="person-edit"),
    path("people/<int:pk>/deactivate/", views_people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", views_people.person_reactivate, name="person-reactivate"),
    path("people/<int:pk>/resend/", views_people.person_resend, name="person-resend"),
    path("people/<int:pk>/two-factor/reset/", views_people.person_two_factor_reset, name="person-two-factor-reset"),
    # Background jobs (core.jobs): a report rendered, an export or an import, with its progress and its file.
    path("jobs/", views_jobs.job_list, name="job-list"),
    path("jobs/<uuid:pk>/", views_jobs.job_detail, name="job-detail"),
    path("jobs/<uuid:pk>/download", views_jobs.job_download, name="job-download"),
    # Two-factor sign-in (core.two_factor): each person's own, under /account/ beside their API tokens and e-mails.
    path("account/two-factor/", views_two_factor.account, name="two-factor"),
    path("account/two-factor/code/", views_two_factor.verify, name="two-factor-verify"),
    path("account/two-factor/set-up/", views_two_factor.setup, name="two-factor-setup"),
    path("account/two-factor/recovery-codes/", views_two_factor.recovery_codes, name="two-factor-recovery-codes"),
    path("account/two-factor/turn-off/", views_two_factor.turn_off, name="two-factor-turn-off"),
]
