"""/api/: a root listing the endpoints, the endpoints themselves, and the OpenAPI 3 document."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers
from rest_framework.permissions import IsAuthenticated
from rest_framework.reverse import reverse

from vcsgrants.api import views

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
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("funding-streams", views.FundingStreamViewSet, basename="funding-stream")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("kpis", views.KpiViewSet, basename="kpi")
router.register("kpi-targets", views.KpiTargetViewSet, basename="kpi-target")
router.register("returns", views.ReturnViewSet, basename="return")
router.register("option-sets", views.OptionSetViewSet, basename="option-set")

urlpatterns = [
    # Any signed-in user or token holder may read the document (the default would be anyone at all).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    *router.urls,
]
