from django.urls import path

from vcsgrants.funding.views import multiyear as views_multiyear
from vcsgrants.funding.views import partners as views_partners

urlpatterns = [
    path("partners/", views_partners.partner_list, name="partner-list"),
    path("partners/<int:pk>/", views_partners.partner_detail, name="partner-detail"),
    path(
        "programmes/<slug:slug>/streams/<int:pk>/contributions/", views_partners.stream_contributions, name="stream-contributions"
    ),
    path("programmes/<slug:slug>/forecast/", views_multiyear.commitments_forecast, name="commitments-forecast"),
    path(
        "programmes/<slug:slug>/forecast.<str:fmt>",
        views_multiyear.commitments_forecast_export,
        name="commitments-forecast-export",
    ),
    path("agreements/new/multi-year/", views_multiyear.agreement_create_multiyear, name="agreement-create-multiyear"),
    path("agreements/<int:pk>/multi-year/", views_multiyear.agreement_convert_multiyear, name="agreement-convert-multiyear"),
]
