"""Monitoring: the outcomes frameworks' KPIs (proposed, agreed, refined, retired, discussed), agreements' targets,
and quarterly returns (filled in, submitted, reviewed), through the same monitoring services as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from vcsgrants.api.base import (
    BY_AGREEMENT,
    IF_MATCH,
    ORGANISATION,
    PROGRAMME,
    ScopedViewSet,
    choice_param,
    filter_ids,
    financial_year_param,
    financial_year_parameter,
    id_parameter,
    if_match,
    integer_param,
    read_input,
    refused,
    require_api,
    run,
    service_errors,
    visible_agreement,
    with_etag,
)
from vcsgrants.api.serializers.monitoring import (
    KpiCommentInputSerializer,
    KpiCommentSerializer,
    KpiDecideSerializer,
    KpiProposeSerializer,
    KpiRefineSerializer,
    KpiRetireSerializer,
    KpiSerializer,
    KpiTargetSerializer,
    KpiTargetSetSerializer,
    ReturnContentSerializer,
    ReturnCreateSerializer,
    ReturnReviewSerializer,
    ReturnSerializer,
    ReturnSubmitSerializer,
)
from vcsgrants.core.models import FinancialYear, Role
from vcsgrants.core.permissions import require
from vcsgrants.core.rules import partner_lineage
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.funding.selectors.agreements import agreements_visible_to
from vcsgrants.funding.selectors.programmes import programmes_co_funded_by
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.services import VERSION_FIELDS


def framework_programmes_visible_to(user) -> QuerySet[Programme]:
    """Programmes whose outcomes framework the user may read: council staff every one, a provider those it
    holds agreements in, a partner those it co-funds."""
    if user.has_perm("funding.view_payment_list"):  # council staff
        return Programme.objects.all()
    allowed = Q(pk__in=[])
    if user.has_role(Role.PROVIDER) and user.organisation_id:
        allowed |= Q(pk__in=Agreement.objects.filter(organisation_id=user.organisation_id).values("programme_id"))
    if user.has_role(Role.PARTNER) and user.organisation_id:
        allowed |= Q(pk__in=programmes_co_funded_by(partner_lineage(user)).values("pk"))
    return Programme.objects.filter(allowed)


def quarter_param(request) -> int | None:
    value = request.query_params.get("quarter", "").strip()
    if not value:
        return None
    if value not in ("1", "2", "3", "4"):
        raise ValidationError({"quarter": [f"'{value}' is not a quarter: use 1 to 4."]})
    return int(value)


# --- KPIs ----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="KPIs of the outcomes frameworks you can see, with their current definition and every version",
        parameters=[
            id_parameter("programme", "Only this programme's KPIs (its id)."),
            OpenApiParameter(
                "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Kpi.Status.values, description="Only KPIs in this state."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One KPI"),
    create=extend_schema(
        summary="Propose a KPI under an outcome (officers, and providers with an agreement in the programme)",
        description="It is not used until an officer agrees it (POST /api/kpis/<id>/decide/).",
        request=KpiProposeSerializer,
        responses={201: KpiSerializer, **refused("outcome")},
    ),
    comments=extend_schema(
        summary="The KPI's discussion (GET), or add a comment to it (POST; officers and the programme's providers)",
        request=KpiCommentInputSerializer,
        responses={200: KpiCommentSerializer(many=True), 201: KpiCommentSerializer, **refused("KPI")},
    ),
    decide=extend_schema(
        summary="Agree a proposed KPI, amending its definition if need be, or reject it with a reason (officers)",
        request=KpiDecideSerializer,
        responses={200: KpiSerializer, **refused("KPI")},
    ),
    refine=extend_schema(
        summary="Refine an agreed KPI into a new version (officers); returns already made keep their version",
        request=KpiRefineSerializer,
        responses={200: KpiSerializer, **refused("KPI")},
    ),
    retire=extend_schema(
        summary="Retire an agreed KPI (officers); it stays in the framework's history",
        request=KpiRetireSerializer,
        responses={200: KpiSerializer, **refused("KPI")},
    ),
)
class KpiViewSet(ScopedViewSet):
    serializer_class = KpiSerializer
    object_permission = "monitoring.view_framework"

    def check_access(self, user) -> None:
        # Staff see every framework; a provider or partner those of its programmes (the list is scoped,
        # so it may be empty); anyone else is refused with the reason.
        if not (user.has_role(Role.PROVIDER) or user.has_role(Role.PARTNER)):
            require(user, "monitoring.view_framework")

    def permission_object(self, obj):
        return obj.outcome.programme

    def get_queryset(self) -> QuerySet:
        kpis = (
            Kpi.objects.filter(outcome__programme__in=framework_programmes_visible_to(self.request.user))
            .select_related("outcome__programme")
            .prefetch_related(Prefetch("versions", queryset=KpiVersion.objects.order_by("number")))
            .order_by("outcome__programme_id", "outcome__order", "code", "id")
        )
        if self.action == "list":
            kpis = filter_ids(self.request, kpis, programme="outcome__programme_id")
            state = choice_param(self.request, "status", Kpi.Status)
            if state is not None:
                kpis = kpis.filter(status=state)
        return kpis

    @staticmethod
    def _definition(kpi: Kpi, data: dict) -> dict:
        """The definition as the page submits it: its fields filled in from the current version, changed where given."""
        current = kpi.current_version
        return {name: data.get(name, getattr(current, name)) for name in VERSION_FIELDS}

    def create(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_perm("monitoring.manage_framework") or user.has_role(Role.PROVIDER)):
            require_api(user, "monitoring.propose_kpi")
        data = read_input(KpiProposeSerializer, request)
        outcome = (
            Outcome.objects.filter(programme__in=framework_programmes_visible_to(user), pk=data.pop("outcome"))
            .select_related("programme")
            .first()
        )
        if outcome is None:
            raise ValidationError({"outcome": ["No outcome with this id in an outcomes framework you can see."]})
        require_api(user, "monitoring.propose_kpi", outcome.programme)
        kpi = run(services.kpi_propose, outcome=outcome, actor=user, **data)
        return self.respond(kpi, status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        kpi = self.get_object()
        if request.method == "POST":
            require_api(request.user, "monitoring.comment_kpi", kpi)
            data = read_input(KpiCommentInputSerializer, request)
            comment = run(services.kpi_comment, kpi=kpi, text=data["text"], actor=request.user)
            return Response(KpiCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = kpi.comments.select_related("author")
        return Response(KpiCommentSerializer(comments, many=True).data)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        kpi = self.get_object_for("monitoring.manage_framework")
        data = read_input(KpiDecideSerializer, request)
        agree = data["decision"] == "agree"
        amendments = self._definition(kpi, data) if agree else {}
        run(services.kpi_decide, kpi=kpi, agree=agree, actor=request.user, reason=data["reason"], **amendments)
        return self.respond(kpi)

    @action(detail=True, methods=["post"])
    def refine(self, request, pk=None):
        kpi = self.get_object_for("monitoring.manage_framework")
        data = read_input(KpiRefineSerializer, request)
        fields = self._definition(kpi, data)
        run(services.kpi_refine, kpi=kpi, change_note=data["change_note"], actor=request.user, **fields)
        return self.respond(kpi)

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        kpi = self.get_object_for("monitoring.manage_framework")
        data = read_input(KpiRetireSerializer, request)
        run(services.kpi_retire, kpi=kpi, actor=request.user, reason=data["reason"])
        return self.respond(kpi)


# --- Targets -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="KPI targets of the agreements you can see: annual, and profiled by quarter",
        parameters=[
            id_parameter("agreement", "Only this agreement's targets (its id)."),
            financial_year_parameter("Only targets for this year."),
            PROGRAMME,
            ORGANISATION,
            id_parameter("kpi", "Only this KPI's targets (its id)."),
        ],
        description="Filtered to one agreement and one financial year, answers with an ETag: send it in If-Match when "
        "setting a target of that agreement for that year.",
    ),
    retrieve=extend_schema(summary="One KPI target"),
    create=extend_schema(
        summary="Set an agreement's target for an agreed KPI in a year (officers)",
        description="Creates the target (201) or replaces it (200). Without quarter_targets the year is profiled evenly, "
        "as on the page. With If-Match (the ETag of the targets read for this agreement and year), refused with 412 if "
        "any of the year's targets changed since.",
        parameters=[IF_MATCH],
        request=KpiTargetSetSerializer,
        responses={201: KpiTargetSerializer, 200: KpiTargetSerializer, **refused("agreement")},
    ),
)
class KpiTargetViewSet(ScopedViewSet):
    serializer_class = KpiTargetSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def permission_object(self, obj):
        return obj.agreement

    def get_queryset(self) -> QuerySet:
        targets = (
            KpiTarget.objects.filter(agreement__in=agreements_visible_to(self.request.user).values("pk"))
            .select_related("agreement__organisation", "kpi", "financial_year")
            .prefetch_related("kpi__versions")
            .order_by("agreement_id", "financial_year__start_year", "kpi__code", "id")
        )
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                targets = targets.filter(financial_year__start_year=year)
            targets = filter_ids(self.request, targets, **BY_AGREEMENT, kpi="kpi_id")
        return targets

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        agreement_id, year = integer_param(request, "agreement"), financial_year_param(request)
        if agreement_id is None or year is None:
            return response
        agreement = agreements_visible_to(request.user).filter(pk=agreement_id).first()
        fy = FinancialYear.objects.filter(start_year=year).first()
        return with_etag(response, services.targets_state(agreement, fy) if agreement and fy else None)

    def create(self, request, *args, **kwargs):
        require_api(request.user, "monitoring.manage_targets")
        data = read_input(KpiTargetSetSerializer, request)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "monitoring.manage_targets", agreement)
        kpi = Kpi.objects.filter(pk=data["kpi"], outcome__programme_id=agreement.programme_id).select_related("outcome").first()
        if kpi is None:
            raise ValidationError({"kpi": [f"No KPI with this id in {agreement.programme}'s outcomes framework."]})
        year = data["financial_year"]
        existed = KpiTarget.objects.filter(agreement=agreement, kpi=kpi, financial_year=year).exists()
        target = run(
            services.target_set,
            rename={api_settings.NON_FIELD_ERRORS_KEY: "quarter_targets"} if data.get("quarter_targets") else None,
            agreement=agreement,
            kpi=kpi,
            year=year,
            annual_target=data["annual_target"],
            quarter_targets=data.get("quarter_targets"),
            actor=request.user,
            version=if_match(request),
        )
        return self.respond(target, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# --- Quarterly returns ---------------------------------------------------------------------------------------

RETURN_REFUSED = refused(
    "return (or agreement)",
    problems="Refused, with every problem: a KPI's under values.<code>, others under their field.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Quarterly returns of the agreements you can see, with their values, narrative and steps",
        parameters=[
            id_parameter("agreement", "Only this agreement's returns (its id)."),
            financial_year_parameter("Only returns for this year."),
            OpenApiParameter(
                "quarter", OpenApiTypes.INT, OpenApiParameter.QUERY, enum=[1, 2, 3, 4], description="Only this quarter."
            ),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=Return.Status.values,
                description="Only returns in this state.",
            ),
            PROGRAMME,
            ORGANISATION,
        ],
    ),
    retrieve=extend_schema(summary="One quarterly return"),
    create=extend_schema(
        summary="Start or fill in the return for an agreement's quarter (a draft until submitted)",
        description="Creates the return if there is none yet (201), else saves into it (200). The provider of the agreement "
        "or an officer only. Nothing is saved if anything is refused.",
        request=ReturnCreateSerializer,
        responses={201: ReturnSerializer, 200: ReturnSerializer, **RETURN_REFUSED},
    ),
    partial_update=extend_schema(
        summary="Fill in a draft or queried return",
        request=ReturnContentSerializer,
        responses={200: ReturnSerializer, **RETURN_REFUSED},
    ),
    submit=extend_schema(
        summary="Submit the return (or, once queried, answer and resubmit it)",
        request=ReturnSubmitSerializer,
        responses={200: ReturnSerializer, **RETURN_REFUSED},
    ),
    review=extend_schema(
        summary="Accept a submitted return, or query it with a comment (officers)",
        request=ReturnReviewSerializer,
        responses={200: ReturnSerializer, **RETURN_REFUSED},
    ),
)
class ReturnViewSet(ScopedViewSet):
    serializer_class = ReturnSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "monitoring.view_return"

    def get_queryset(self) -> QuerySet:
        returns = (
            Return.objects.filter(agreement__in=agreements_visible_to(self.request.user).values("pk"))
            .select_related("agreement__organisation", "agreement__programme__monitoring", "financial_year")
            .prefetch_related(
                Prefetch("values", queryset=ReturnValue.objects.select_related("kpi_version__kpi")),
                Prefetch("events", queryset=ReturnEvent.objects.select_related("actor")),
            )
            .order_by("agreement_id", "financial_year__start_year", "quarter", "id")
        )
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                returns = returns.filter(financial_year__start_year=year)
            quarter = quarter_param(self.request)
            if quarter is not None:
                returns = returns.filter(quarter=quarter)
            state = choice_param(self.request, "status", Return.Status)
            if state is not None:
                returns = returns.filter(status=state)
            returns = filter_ids(self.request, returns, **BY_AGREEMENT)
        return returns

    def _save(self, record: Return, data: dict) -> None:
        """return_save with values keyed by KPI code. Call inside a transaction: it raises (so rolls back) on any problem."""
        given = data.get("values", {})
        by_code = {
            kpi.code: kpi
            for kpi in Kpi.objects.filter(
                outcome__programme_id=record.agreement.programme_id, code__in={code.strip().upper() for code in given}
            )
        }
        errors: dict = {}
        values: dict[Kpi, object] = {}
        codes: dict[int, str] = {}
        for code, value in given.items():
            kpi = by_code.get(code.strip().upper())
            if kpi is None:
                errors[code] = [f"{code} is not a KPI in {record.agreement.programme}'s outcomes framework."]
            elif kpi in values:
                errors[code] = [f"{kpi.code} is given more than once."]
            else:
                values[kpi] = value
                codes[kpi.pk] = code
        errors = {"values": errors} if errors else {}
        try:
            services.return_save(
                return_record=record,
                values=values,
                actor=self.request.user,
                narrative=data.get("narrative"),
                case_studies=data.get("case_studies"),
            )
        except DjangoValidationError as exc:  # every problem at once: the codes' above, and the service's
            for key, messages in service_errors(exc, codes).items():
                if key == "values":
                    errors.setdefault("values", {}).update(messages)
                else:
                    errors[key] = messages
        if errors:
            raise ValidationError(errors)

    def create(self, request, *args, **kwargs):
        data = read_input(ReturnCreateSerializer, request)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "monitoring.edit_return", Return(agreement=agreement))  # before anything is created
        with transaction.atomic():  # a return started here is not kept if its values are refused
            year = financial_year_get(start_year=data["financial_year"])
            existed = Return.objects.filter(agreement=agreement, financial_year=year, quarter=data["quarter"]).exists()
            record = run(services.return_for, agreement=agreement, year=year, quarter=data["quarter"])
            require_api(request.user, "monitoring.edit_return", record)
            self._save(record, data)
        return self.respond(record, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object_for("monitoring.edit_return")
        data = read_input(ReturnContentSerializer, request)
        with transaction.atomic():
            self._save(record, data)
        return self.respond(record)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        record = self.get_object_for("monitoring.edit_return")
        data = read_input(ReturnSubmitSerializer, request)
        run(services.return_submit, return_record=record, actor=request.user, comment=data["comment"])
        return self.respond(record)

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        record = self.get_object_for("monitoring.review_return")
        data = read_input(ReturnReviewSerializer, request)
        run(services.return_review, return_record=record, accept=data["accept"], actor=request.user, comment=data["comment"])
        return self.respond(record)
