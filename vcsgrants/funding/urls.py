from django.urls import include, path

from vcsgrants.funding import views

app_name = "funding"

urlpatterns = [
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<slug:slug>/periods/new/", views.period_create, name="period-create"),
    path("programmes/<slug:slug>/streams/new/", views.stream_edit, name="stream-create"),
    path("programmes/<slug:slug>/streams/<int:pk>/edit/", views.stream_edit, name="stream-edit"),
    path("programmes/<slug:slug>/streams/<int:pk>/budget/", views.budget_set, name="budget-set"),
    path("programmes/<slug:slug>/streams/<int:pk>/allocations/", views.allocations_edit, name="allocations-edit"),
    path("programmes/<slug:slug>/extend/", views.bulk_extension, name="bulk-extension"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/funding/new/", views.agreement_add_line, name="agreement-add-line"),
    path("agreements/<int:pk>/status/", views.agreement_status, name="agreement-status"),
    path("agreements/<int:pk>/variations/new/", views.variation_create, name="variation-create"),
    path("agreements/<int:pk>/schedule/<str:year_label>/", views.schedule_edit, name="schedule-edit"),
    path("agreements/<int:pk>/instalments/<int:instalment_pk>/pay/", views.payment_record, name="payment-record"),
    path("agreements/<int:pk>/documents/new/", views.document_upload, name="document-upload"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("payments/", views.payment_list, name="payment-list"),
    path("decisions/", views.decision_list, name="decision-list"),
    path("decisions/new/", views.decision_create, name="decision-create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
    path("", include("vcsgrants.funding.urls_partners")),  # funding partners, multi-year agreements, forecast
]
