from django.urls import path

from vcsgrants.engagement.views import consultations as views

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultation-list"),
    path("programmes/<slug:slug>/consultations/new/", views.consultation_create, name="consultation-create"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation-detail"),
    path("consultations/<int:pk>/edit/", views.consultation_edit, name="consultation-edit"),
    path("consultations/<int:pk>/questions/new/", views.question_create, name="consultation-question-create"),
    path("consultation-questions/<int:pk>/edit/", views.question_edit, name="consultation-question-edit"),
    path("consultation-questions/<int:pk>/delete/", views.question_delete, name="consultation-question-delete"),
    path("consultation-questions/<int:pk>/move/", views.question_move, name="consultation-question-move"),
    path("consultations/<int:pk>/documents/new/", views.document_upload, name="consultation-document-upload"),
    path("consultation-documents/<int:pk>/", views.document_download, name="consultation-document-download"),
    path("consultations/<int:pk>/respond/", views.consultation_respond, name="consultation-respond"),
    path("consultations/<int:pk>/summary/", views.consultation_summary, name="consultation-summary"),
    path("consultations/<int:pk>/summary.xlsx", views.consultation_summary_xlsx, name="consultation-summary-xlsx"),
    path("consultations/<int:pk>/responses/", views.consultation_responses, name="consultation-responses"),
    path("consultation-responses/<int:pk>/exclude/", views.response_exclude, name="consultation-response-exclude"),
    # The public link: no sign-in (core.middleware.PUBLIC_PREFIXES has /consult/).
    path("consult/<str:token>/", views.consultation_public, name="consultation-public"),
    path("consult/<str:token>/sent/", views.consultation_public_sent, name="consultation-public-sent"),
    path("consult/<str:token>/documents/<int:pk>/", views.consultation_public_document, name="consultation-public-document"),
]
