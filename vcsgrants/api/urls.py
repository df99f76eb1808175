"""/api/: a root listing the endpoints, the endpoints themselves, and the OpenAPI 3 document."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers
from rest_framework.permissions import IsAuthenticated
from rest_framework.reverse import reverse

from vcsgrants.api.views import core, engagement, equity, funding, monitoring

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


@csrf_exempt  # as every API view is: it answers any method, with nothing to protect
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that is no endpoint: a JSON 404, as every other API answer is JSON."""
    return JsonResponse({"detail": "There is no such address in the API: see /api/ for its endpoints."}, status=404)


router = ApiRouter(use_regex_path=False)
router.register("programmes", funding.ProgrammeViewSet, basename="programme")
router.register("funding-streams", funding.FundingStreamViewSet, basename="funding-stream")
router.register("allocations", funding.AllocationViewSet, basename="allocation")
router.register("organisations", core.OrganisationViewSet, basename="organisation")
router.register("agreements", funding.AgreementViewSet, basename="agreement")
router.register("variations", funding.VariationViewSet, basename="variation")
router.register("payments", funding.PaymentViewSet, basename="payment")
router.register("kpis", monitoring.KpiViewSet, basename="kpi")
router.register("kpi-targets", monitoring.KpiTargetViewSet, basename="kpi-target")
router.register("returns", monitoring.ReturnViewSet, basename="return")
router.register("option-sets", equity.OptionSetViewSet, basename="option-set")
router.register("decisions", funding.DecisionViewSet, basename="decision")
router.register("meetings", engagement.MeetingViewSet, basename="meeting")
router.register("actions", engagement.ActionViewSet, basename="action")
router.register("consultations", engagement.ConsultationViewSet, basename="consultation")

urlpatterns = [
    # Any signed-in user or token holder may read the document (the default would be anyone at all).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    *router.urls,
    # Anything else under /api/ is a JSON 404 (not the pages' HTML one), as a script expects.
    re_path(r"^", api_not_found),
]
