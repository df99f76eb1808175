"""/api/: a root listing the endpoints, the endpoints themselves, and the OpenAPI 3 document."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers
from rest_framework.permissions import IsAuthenticated
from rest_framework.reverse import reverse

from vcsgrants.api import views_engagement, views_funding

# Names live in the "api" namespace so they never shadow the pages' own (agreement-detail, ...).
app_name = "api"


class ApiRootView(routers.APIRootView):
    """The endpoints of the VCS Grants API, and its OpenAPI 3 document at `schema`."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["schema"] = reverse("api:schema", request=request, format=kwargs.get("format"))
        return response


class ApiRouter(routers.DefaultRouter):
    APIRootView = ApiRootView
    include_format_suffixes = False  # ?format=json still works; the document stays free of {format} paths


router = ApiRouter(use_regex_path=False)
router.register("programmes", views_funding.ProgrammeViewSet, basename="programme")
router.register("funding-streams", views_funding.FundingStreamViewSet, basename="funding-stream")
router.register("allocations", views_funding.AllocationViewSet, basename="allocation")
router.register("organisations", views_funding.OrganisationViewSet, basename="organisation")
router.register("agreements", views_funding.AgreementViewSet, basename="agreement")
router.register("variations", views_funding.VariationViewSet, basename="variation")
router.register("payments", views_funding.PaymentViewSet, basename="payment")
router.register("kpis", views_funding.KpiViewSet, basename="kpi")
router.register("kpi-targets", views_funding.KpiTargetViewSet, basename="kpi-target")
router.register("returns", views_funding.ReturnViewSet, basename="return")
# Option sets: the read-only endpoint with the equity pages' writes (views_engagement).
router.register("option-sets", views_engagement.OptionSetViewSet, basename="option-set")
router.register("decisions", views_engagement.DecisionViewSet, basename="decision")
router.register("meetings", views_engagement.MeetingViewSet, basename="meeting")
router.register("actions", views_engagement.ActionViewSet, basename="action")
router.register("consultations", views_engagement.ConsultationViewSet, basename="consultation")

urlpatterns = [
    # Any signed-in user or token holder may read the document (the default would be anyone at all).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    *router.urls,
    # Anything else under /api/ is a JSON 404 (not the pages' HTML one), as a script expects.
    re_path(r"^", views_engagement.api_not_found),
]
