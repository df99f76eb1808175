from django.urls import path

from vcsgrants.calls.views import apply as views_apply
from vcsgrants.calls.views import build as views_build

urlpatterns = [
    # Officers build calls (views_build).
    path("calls/", views_build.call_list, name="call-index"),
    path("programmes/<slug:slug>/calls/", views_build.call_list, name="call-list"),
    path("programmes/<slug:slug>/calls/new/", views_build.call_create, name="call-create"),
    path("calls/<int:pk>/", views_build.call_detail, name="call-detail"),
    path("calls/<int:pk>/edit/", views_build.call_edit, name="call-edit"),
    path("calls/<int:pk>/publish/", views_build.call_publish, name="call-publish"),
    path("calls/<int:pk>/preview/", views_build.call_preview, name="call-preview"),
    path("calls/<int:pk>/applications/", views_build.call_applications, name="call-applications"),
    path("calls/<int:pk>/lots/new/", views_build.lot_create, name="call-lot-create"),
    path("call-lots/<int:pk>/edit/", views_build.lot_edit, name="call-lot-edit"),
    path("call-lots/<int:pk>/delete/", views_build.lot_delete, name="call-lot-delete"),
    path("calls/<int:pk>/eligibility/new/", views_build.eligibility_create, name="call-eligibility-create"),
    path("call-eligibility/<int:pk>/edit/", views_build.eligibility_edit, name="call-eligibility-edit"),
    path("call-eligibility/<int:pk>/delete/", views_build.eligibility_delete, name="call-eligibility-delete"),
    path("calls/<int:pk>/sections/new/", views_build.section_create, name="call-section-create"),
    path("call-sections/<int:pk>/edit/", views_build.section_edit, name="call-section-edit"),
    path("call-sections/<int:pk>/delete/", views_build.section_delete, name="call-section-delete"),
    path("call-sections/<int:pk>/move/", views_build.section_move, name="call-section-move"),
    path("call-sections/<int:pk>/questions/new/", views_build.question_create, name="call-question-create"),
    path("call-questions/<int:pk>/edit/", views_build.question_edit, name="call-question-edit"),
    path("call-questions/<int:pk>/delete/", views_build.question_delete, name="call-question-delete"),
    path("call-questions/<int:pk>/move/", views_build.question_move, name="call-question-move"),
    path("calls/<int:pk>/documents/new/", views_build.document_upload, name="call-document-upload"),
    path("call-documents/<int:pk>/delete/", views_build.document_delete, name="call-document-delete"),
    path(
        "applications/<int:pk>/eligibility-override/", views_build.eligibility_override, name="application-eligibility-override"
    ),
    # Public: no sign-in (core.middleware.PUBLIC_PREFIXES has /open-calls/).
    path("open-calls/", views_apply.open_calls, name="call-open-list"),
    path("open-calls/register/", views_apply.register, name="applicant-register"),
    path("open-calls/documents/<int:pk>/", views_apply.document_download, name="call-document-download"),
    path("open-calls/<slug:reference>/", views_apply.call_public, name="call-public"),
    # Applying (signed in: applicants, and providers for their own organisation).
    path("applications/", views_apply.application_list, name="application-list"),
    path("calls/<int:pk>/apply/", views_apply.application_start, name="application-start"),
    path("applications/<int:pk>/", views_apply.application_detail, name="application-detail"),
    path("applications/<int:pk>/details/", views_apply.application_edit, name="application-edit"),
    path("applications/<int:pk>/eligibility/", views_apply.application_eligibility, name="application-eligibility"),
    path("applications/<int:pk>/sections/<int:section_pk>/", views_apply.application_section, name="application-section"),
    path("applications/<int:pk>/co-applicants/", views_apply.application_co_applicants, name="application-co-applicants"),
    path("application-co-applicants/<int:pk>/remove/", views_apply.co_applicant_remove, name="application-co-applicant-remove"),
    path("applications/<int:pk>/check/", views_apply.application_check, name="application-check"),
    path("applications/<int:pk>/withdraw/", views_apply.application_withdraw, name="application-withdraw"),
    path("application-answers/<int:pk>/file/", views_apply.answer_file, name="application-answer-file"),
]
