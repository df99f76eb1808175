from django.urls import include, path

from vcsgrants.funding.views import agreements as agreement_views
from vcsgrants.funding.views import decisions as decision_views
from vcsgrants.funding.views import payments as payment_views
from vcsgrants.funding.views import programmes as programme_views

app_name = "funding"

urlpatterns = [
    path("programmes/", programme_views.programme_list, name="programme-list"),
    # Before the hub's programmes/<slug>/ (vcsgrants/urls.py includes funding first); "new" is no programme's slug.
    path("programmes/new/", programme_views.programme_edit, name="programme-create"),
    path("programmes/<slug:slug>/edit/", programme_views.programme_edit, name="programme-edit"),
    path("programmes/<slug:slug>/periods/new/", programme_views.period_create, name="period-create"),
    path("programmes/<slug:slug>/streams/new/", programme_views.stream_edit, name="stream-create"),
    path("programmes/<slug:slug>/streams/<int:pk>/edit/", programme_views.stream_edit, name="stream-edit"),
    path("programmes/<slug:slug>/streams/<int:pk>/budget/", programme_views.budget_set, name="budget-set"),
    path("programmes/<slug:slug>/streams/<int:pk>/allocations/", programme_views.allocations_edit, name="allocations-edit"),
    path("programmes/<slug:slug>/extend/", programme_views.bulk_extension, name="bulk-extension"),
    path("agreements/", agreement_views.agreement_list, name="agreement-list"),
    path("agreements.<str:fmt>", agreement_views.agreement_list_export, name="agreement-list-export"),
    path("agreements/new/", agreement_views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", agreement_views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", agreement_views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/funding/new/", agreement_views.agreement_add_line, name="agreement-add-line"),
    path("agreements/<int:pk>/status/", agreement_views.agreement_status, name="agreement-status"),
    path("agreements/<int:pk>/variations/new/", agreement_views.variation_create, name="variation-create"),
    path("agreements/<int:pk>/schedule/<str:year_label>/", payment_views.schedule_edit, name="schedule-edit"),
    path("agreements/<int:pk>/instalments/<int:instalment_pk>/pay/", payment_views.payment_record, name="payment-record"),
    path("agreements/<int:pk>/documents/new/", agreement_views.document_upload, name="document-upload"),
    path("documents/<int:pk>/", agreement_views.document_download, name="document-download"),
    path("payments/", payment_views.payment_list, name="payment-list"),
    path("payments.<str:fmt>", payment_views.payment_list_export, name="payment-list-export"),
    path("payments/runs/", payment_views.payment_run_list, name="payment-run-list"),
    path("payments/runs/new/", payment_views.payment_run_create, name="payment-run-create"),
    path("payments/runs/<int:pk>/", payment_views.payment_run_detail, name="payment-run-detail"),
    path("payments/runs/<int:pk>/file.<str:fmt>", payment_views.payment_run_download, name="payment-run-download"),
    path("decisions/", decision_views.decision_list, name="decision-list"),
    path("decisions.<str:fmt>", decision_views.decision_list_export, name="decision-list-export"),
    path("decisions/new/", decision_views.decision_create, name="decision-create"),
    path("decisions/<int:pk>/", decision_views.decision_detail, name="decision-detail"),
    path("", include("vcsgrants.funding.urls.partners")),  # funding partners, multi-year agreements, forecast
]
