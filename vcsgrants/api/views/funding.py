"""Funding: programmes and their periods, the bulk extension, funding streams with their budgets and partners'
contributions, district allocations, agreements (funding, status, schedules, documents, conversion to multi-year),
variations, payments, and Cabinet or delegated decisions."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vcsgrants.api.base import (
    BY_AGREEMENT,
    DOCUMENT_ID,
    DOWNLOAD,
    IF_MATCH,
    NOT_MULTIPART,
    ORGANISATION,
    PROGRAMME,
    UPLOAD_CHECKS,
    YEAR_PATTERN,
    DocumentUploadSerializer,
    PreconditionFailed,
    ScopedViewSet,
    checked,
    choice_param,
    document_download,
    filter_ids,
    financial_year_param,
    financial_year_parameter,
    id_parameter,
    if_match,
    integer_param,
    read_input,
    read_query,
    refused,
    require_api,
    require_multipart,
    run,
    service_errors,
    visible_agreement,
    with_changes,
    with_etag,
    year_bounds,
)
from vcsgrants.api.serializers.funding import (
    AgreementCreateSerializer,
    AgreementDocumentSerializer,
    AgreementSerializer,
    AgreementStatusSerializer,
    AgreementUpdateSerializer,
    AllocationSerializer,
    AllocationsSetSerializer,
    BudgetInputSerializer,
    BulkExtensionApplySerializer,
    ContributionInputSerializer,
    ContributionSerializer,
    ConversionInputSerializer,
    ConversionPlanSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    ExtensionPreviewSerializer,
    ExtensionYearSerializer,
    FundingLinesInputSerializer,
    FundingStreamSerializer,
    FundingStreamWriteSerializer,
    InstalmentSerializer,
    MonitoringSettingsSerializer,
    PaymentInputSerializer,
    PeriodDetailSerializer,
    PeriodInputSerializer,
    ProfilePlanSerializer,
    ProgrammeSerializer,
    ProgrammeWriteSerializer,
    ScheduleInputSerializer,
    VariationCreateSerializer,
    VariationDetailSerializer,
    YearBudgetSerializer,
)
from vcsgrants.core.concurrency import StaleEdit, model_state, state_part
from vcsgrants.core.models import FinancialYear, Role
from vcsgrants.core.permissions import require
from vcsgrants.funding.forms.programmes import DecisionForm
from vcsgrants.funding.models import (
    Agreement,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    StreamContribution,
    Variation,
)
from vcsgrants.funding.selectors.agreements import agreement_state, agreements_visible_to, schedule_state
from vcsgrants.funding.selectors.programmes import allocations_state, budget_key, budgets_state, programmes_visible_to
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import multiyear as services_multiyear
from vcsgrants.funding.services import partners as services_partners
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.monitoring import services as monitoring_services
from vcsgrants.monitoring.selectors import monitoring_settings_for


def query_parameter(name: str, description: str, required: bool = False, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=required, description=description, **kwargs)


def funding_lines() -> Prefetch:
    return Prefetch("funding_lines", queryset=FundingLine.objects.select_related("stream", "financial_year", "area"))


def line_inputs(rows) -> list[agreement_services.LineInput]:
    return [agreement_services.LineInput(r["stream"], r["financial_year"], r["area"], r["amount"]) for r in rows]


def variations_shown(variations: QuerySet) -> QuerySet:
    """Variations with what VariationDetailSerializer reads."""
    return variations.select_related("agreement__organisation", "created_by").prefetch_related(funding_lines())


# The services name the money "amount"; here it arrives as lines (an agreement's funding) or amounts (multi-year).
LINE_ERRORS = {"amount": "lines"}
AMOUNT_ERRORS = {"amount": "amounts"}


# --- Programmes: periods and the bulk extension --------------------------------------------------------------

EXTENSION_YEAR = query_parameter(
    "financial_year", "The year to extend into, written like 2023-24.", required=True, pattern=YEAR_PATTERN
)


@extend_schema_view(
    list=extend_schema(summary="Programmes you can see, with their funding streams and approved periods"),
    retrieve=extend_schema(
        summary="One programme",
        description="Answers with an ETag: send it in If-Match when changing the programme (PATCH).",
    ),
    create=extend_schema(
        summary="Create a programme (officers)",
        description="As the page 'Create a programme': the name and the slug (made from the name when left out) must be "
        "unique, and the funder must be an organisation of kind funder. Audited as 'programme created'.",
        request=ProgrammeWriteSerializer,
        responses={201: ProgrammeSerializer, **refused(None)},
    ),
    partial_update=extend_schema(
        summary="Change a programme's name, slug, description or funder (officers); fields not given keep their value",
        description="With If-Match (the ETag of the programme's read), refused with 412 if it changed since. Audited as "
        "'programme changed'.",
        parameters=[IF_MATCH],
        request=ProgrammeWriteSerializer,
        responses={200: ProgrammeSerializer, **refused("programme")},
    ),
    periods=extend_schema(
        summary="Record the programme's approved period, or an extension of it (officers)",
        description="As the page 'Record a period': the approved period comes first; an extension must not overlap a "
        "period already recorded and must end after the programme's current end.",
        request=PeriodInputSerializer,
        responses={201: PeriodDetailSerializer, **refused("programme")},
    ),
)
class ProgrammeViewSet(ScopedViewSet):
    serializer_class = ProgrammeSerializer
    list_permission = "funding.view_programme_list"
    object_permission = "funding.view_programme"

    def get_queryset(self) -> QuerySet:
        return (
            programmes_visible_to(self.request.user)
            .select_related("funder")
            .prefetch_related(
                Prefetch("streams", queryset=FundingStream.objects.select_related("funder")),
                Prefetch("periods", queryset=ProgrammePeriod.objects.order_by("start", "id")),
            )
        )

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs), programme_services.programme_state(self.get_object()))

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.manage_programme")
        data = read_input(ProgrammeWriteSerializer, request)
        programme = run(programme_services.programme_save, programme=with_changes(Programme(), data), actor=request.user)
        return self.respond(programme, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        programme = self.get_object_for("funding.manage_programme")
        data = read_input(ProgrammeWriteSerializer, request, partial=True)
        run(
            programme_services.programme_save,
            programme=with_changes(programme, data),
            actor=request.user,
            version=if_match(request),
        )
        return self.respond(programme)

    @extend_schema(
        methods=["GET"],
        summary="The programme's monitoring settings: when returns are due, the amber band and the minimum coverage, "
        "with their ETag",
        description="Answers with an ETag: send it in If-Match when changing the settings (POST).",
        responses={200: MonitoringSettingsSerializer, **refused("programme")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Set the programme's monitoring settings (officers)",
        description="As the page 'Monitoring settings': returns due 1 to 120 days after each quarter ends; an amber band "
        "of 0% to 50% of the target; optionally the minimum coverage, 1% to 100% of a quarter's expected returns "
        "accepted before the performance dashboard opens at it. With If-Match (the ETag of this endpoint's GET), "
        "refused with 412 if the settings "
        "changed since.",
        parameters=[IF_MATCH],
        request=MonitoringSettingsSerializer,
        responses={200: MonitoringSettingsSerializer, **refused("programme")},
    )
    @action(detail=True, methods=["get", "post"], url_path="monitoring-settings", pagination_class=None)
    def monitoring_settings(self, request, pk=None):
        if request.method == "GET":
            programme = self.get_object()
        else:
            programme = self.get_object_for("monitoring.manage_settings")
            data = read_input(MonitoringSettingsSerializer, request)
            run(
                monitoring_services.monitoring_settings_set,
                programme=programme,
                actor=request.user,
                version=if_match(request),
                **data,
            )
        settings = monitoring_settings_for(programme)
        shown = {
            "return_due_days": settings.return_due_days,
            "amber_percent": monitoring_services.percent_text(settings.amber_within),
            "minimum_coverage": settings.minimum_coverage,
        }
        return with_etag(
            Response(MonitoringSettingsSerializer(shown).data), monitoring_services.monitoring_settings_state(settings)
        )

    @action(detail=True, methods=["post"])
    def periods(self, request, pk=None):
        programme = self.get_object_for("funding.manage_programme")
        data = read_input(PeriodInputSerializer, request)
        period = run(programme_services.period_record, programme=programme, actor=request.user, **data)
        period = ProgrammePeriod.objects.select_related("programme", "recorded_by").get(pk=period.pk)
        return Response(PeriodDetailSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Preview extending every agreement at current levels into a year, excluding one-off funding (officers)",
        description="As the page 'Extend agreements at current levels': each active agreement that ends the day before the "
        "year starts is extended to the year's end with the year before's recurrent funding. Nothing is written; "
        "problems lists any allocation that would not hold it.",
        parameters=[EXTENSION_YEAR],
        responses={200: ExtensionPreviewSerializer, **refused("programme")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Extend every agreement at current levels into a year, excluding one-off funding, as one action (officers)",
        description="Writes one extension variation per agreement the preview lists, all or none, with the approval and "
        "the decision it rests on. Refused if the allocations would not hold it, or if the total is no longer the "
        "expected_total the preview showed.",
        request=BulkExtensionApplySerializer,
        responses={201: VariationDetailSerializer(many=True), **refused("programme")},
    )
    @action(detail=True, methods=["get", "post"], url_path="bulk-extension", pagination_class=None)
    def bulk_extension(self, request, pk=None):
        programme = self.get_object_for("funding.manage_agreement")
        if request.method == "GET":
            year = read_query(ExtensionYearSerializer, request)["financial_year"]
            preview = extension_services.bulk_extension_preview(programme=programme, year=year)
            return Response(ExtensionPreviewSerializer(preview).data)
        data = read_input(BulkExtensionApplySerializer, request)
        year = data.pop("financial_year")
        variations = run(extension_services.bulk_extension_apply, programme=programme, year=year, actor=request.user, **data)
        variations = variations_shown(Variation.objects.filter(pk__in=[v.pk for v in variations])).order_by(
            "agreement__reference", "number"
        )
        return Response(VariationDetailSerializer(variations, many=True).data, status=status.HTTP_201_CREATED)


# --- Funding streams: budgets and partners' contributions ----------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Funding streams of the programmes you can see, with budgets per financial year",
        parameters=[financial_year_parameter("Only streams running in this year, with only this year's budget."), PROGRAMME],
    ),
    retrieve=extend_schema(
        summary="One funding stream",
        description="Answers with an ETag: send it in If-Match when changing the stream (PATCH).",
        parameters=[financial_year_parameter("Only this year's budget.")],
    ),
    create=extend_schema(
        summary="Add a funding stream to a programme (officers)",
        request=FundingStreamWriteSerializer,
        responses={201: FundingStreamSerializer, **refused("programme")},
    ),
    partial_update=extend_schema(
        summary="Change a funding stream (officers); fields not given keep their value",
        description="With If-Match (the ETag of the stream's read), refused with 412 if the stream changed since.",
        parameters=[IF_MATCH],
        request=FundingStreamWriteSerializer,
        responses={200: FundingStreamSerializer, **refused("funding stream")},
    ),
)
class FundingStreamViewSet(ScopedViewSet):
    serializer_class = FundingStreamSerializer
    list_permission = "funding.view_programme_list"
    object_permission = "funding.view_programme"

    def permission_object(self, obj):
        return obj.programme

    def get_queryset(self) -> QuerySet:
        year = financial_year_param(self.request)
        budgets = StreamBudget.objects.select_related("financial_year").order_by("financial_year__start_year")
        streams = FundingStream.objects.filter(programme__in=programmes_visible_to(self.request.user))
        if year is not None:
            budgets = budgets.filter(financial_year__start_year=year)
            if self.action == "list":
                start, end = year_bounds(year)
                streams = streams.filter(Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=start)))
        if self.action == "list":
            streams = filter_ids(self.request, streams, programme="programme_id")
        return streams.select_related("programme", "funder").prefetch_related(Prefetch("budgets", queryset=budgets))

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs), model_state(self.get_object()))

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.manage_programme")
        data = read_input(FundingStreamWriteSerializer, request)
        require_api(request.user, "funding.manage_programme", data["programme"])
        stream = run(programme_services.stream_save, stream=with_changes(FundingStream(), data), actor=request.user)
        return self.respond(stream, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        stream = self.get_object()
        require_api(request.user, "funding.manage_programme", stream.programme)
        data = read_input(FundingStreamWriteSerializer, request, instance=stream, partial=True)
        run(programme_services.stream_save, stream=with_changes(stream, data), actor=request.user, version=if_match(request))
        return self.respond(stream)

    @extend_schema(
        methods=["GET"],
        summary="The stream's budget for one financial year (officers and finance), with its ETag",
        description="Answers with an ETag: send it in If-Match when setting this year's budget (POST). The amount is "
        "null if the stream has no budget for the year yet.",
        parameters=[query_parameter("financial_year", "The year, written like 2022-23.", required=True, pattern=YEAR_PATTERN)],
        responses={200: YearBudgetSerializer, **refused("funding stream")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Set the stream's budget for a financial year (officers and finance)",
        description="With If-Match (the ETag of this endpoint's GET for the same year), refused with 412 if the year's "
        "budget changed since.",
        parameters=[IF_MATCH],
        request=BudgetInputSerializer,
        responses={200: FundingStreamSerializer, **refused("funding stream")},
    )
    @action(detail=True, methods=["get", "post"])
    def budget(self, request, pk=None):
        stream = self.get_object()
        require_api(request.user, "funding.manage_budget", stream.programme)
        if request.method == "GET":
            year = financial_year_param(request)
            if year is None:
                raise ValidationError({"financial_year": ["Give the financial year, written like 2022-23."]})
            budget = StreamBudget.objects.filter(stream=stream, financial_year__start_year=year).first()
            label = FinancialYear(start_year=year).label
            body = YearBudgetSerializer({"financial_year": label, "amount": budget.amount if budget else None}).data
            return with_etag(Response(body), state_part(budgets_state(stream), [budget_key(FinancialYear(start_year=year))]))
        data = read_input(BudgetInputSerializer, request)
        run(
            programme_services.budget_set,
            stream=stream,
            year=data["financial_year"],
            amount=data["amount"],
            actor=request.user,
            version=if_match(request),
        )
        return self.respond(stream)

    @extend_schema(
        methods=["GET"],
        summary="Partners' contributions to the stream's budget, by year (officers, admins and finance)",
        description="Filtered to one financial year, answers with an ETag: send it in If-Match when recording or "
        "changing a contribution for that year (POST).",
        parameters=[query_parameter("financial_year", "Only this year's, written like 2022-23.", pattern=YEAR_PATTERN)],
        responses={200: ContributionSerializer(many=True), **refused("funding stream")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record or change a partner's contribution to the stream's budget for a year; 0 removes it "
        "(officers, admins and finance)",
        description="As the page 'Partner contributions': the contributions together can never be more than the year's "
        "budget, and the stream's own funder pays the rest. Answers with the stream's contributions for that year. "
        "With If-Match (the ETag of this endpoint's GET for the same financial year), refused with 412 if any partner's "
        "contribution for that year changed since.",
        parameters=[IF_MATCH],
        request=ContributionInputSerializer,
        responses={200: ContributionSerializer(many=True), **refused("funding stream")},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def contributions(self, request, pk=None):
        stream = self.get_object()
        require_api(request.user, "funding.manage_contributions", stream.programme)
        if request.method == "POST":
            data = read_input(ContributionInputSerializer, request)
            run(
                services_partners.contribution_set,
                stream=stream,
                year=data["financial_year"],
                funder=data["funder"],
                amount=data["amount"],
                note=data["note"],
                actor=request.user,
                version=if_match(request),
            )
            year = data["financial_year"].start_year
        else:
            year = financial_year_param(request)
        contributions = StreamContribution.objects.filter(stream=stream).select_related(
            "stream", "financial_year", "funder", "recorded_by"
        )
        if year is not None:
            contributions = contributions.filter(financial_year__start_year=year)
        response = Response(ContributionSerializer(contributions, many=True).data)
        if request.method == "GET" and year is not None:  # a read of what a write for the year covers
            return with_etag(response, services_partners.contributions_state(stream, year))
        return response


# --- Allocations ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Allocations by area from the streams of programmes you can see",
        parameters=[
            financial_year_parameter("Only allocations for this year."),
            PROGRAMME,
            id_parameter("stream", "Only this funding stream's allocations (its id)."),
        ],
        description="Filtered to one stream and one financial year, answers with an ETag: send it in If-Match when "
        "setting that stream's allocations for the year.",
    ),
    retrieve=extend_schema(summary="One allocation"),
    set=extend_schema(
        summary="Set a stream's allocations by area for a year, all at once (officers)",
        description="As the allocations page: refused if the total would exceed the stream's budget for the "
        "year, or an area's allocation would fall below what its agreements already commit. Nothing is saved "
        "if anything is refused. With If-Match (the ETag of the allocations read for this stream and year), refused "
        "with 412 if any area's allocation changed since.",
        parameters=[IF_MATCH],
        request=AllocationsSetSerializer,
        responses={200: AllocationSerializer(many=True), **refused("funding stream")},
    ),
)
class AllocationViewSet(ScopedViewSet):
    serializer_class = AllocationSerializer
    list_permission = "funding.view_programme_list"
    object_permission = "funding.view_programme"

    def permission_object(self, obj):
        return obj.stream.programme

    def get_queryset(self) -> QuerySet:
        allocations = Allocation.objects.filter(stream__programme__in=programmes_visible_to(self.request.user)).select_related(
            "stream__programme", "financial_year", "area"
        )
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                allocations = allocations.filter(financial_year__start_year=year)
            allocations = filter_ids(self.request, allocations, programme="stream__programme_id", stream="stream_id")
        return allocations

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        stream_id, year = integer_param(request, "stream"), financial_year_param(request)
        if stream_id is None or year is None:
            return response
        stream = FundingStream.objects.filter(pk=stream_id, programme__in=programmes_visible_to(request.user)).first()
        fy = FinancialYear.objects.filter(start_year=year).first()
        return with_etag(response, allocations_state(stream, fy) if stream and fy else None)

    @action(detail=False, methods=["post"], url_path="set")
    def set(self, request):
        require_api(request.user, "funding.manage_allocations")
        data = read_input(AllocationsSetSerializer, request)
        stream, year, amounts = data["stream"], data["financial_year"], data["amounts"]
        require_api(request.user, "funding.manage_allocations", stream.programme)
        try:
            programme_services.allocations_set(
                stream=stream, year=year, amounts=amounts, actor=request.user, version=if_match(request)
            )
        except StaleEdit as exc:
            raise PreconditionFailed(exc) from exc
        except DjangoValidationError as exc:  # a district's problem under amounts.<its GSS code>
            codes = {f"area_{area.pk}": area.code for area in amounts}
            errors = service_errors(exc)
            by_area = {codes.pop(key): errors.pop(key) for key in list(errors) if key in codes}
            raise ValidationError({**errors, **({"amounts": by_area} if by_area else {})}) from exc
        rows = self.get_queryset().filter(stream=stream, financial_year=year)
        return Response(AllocationSerializer(rows, many=True).data)


# --- Agreements ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Agreements you can see, with their funding, variations and value by year",
        parameters=[
            financial_year_parameter("Only agreements with funding in this year; value_for_year gives its value."),
            PROGRAMME,
            id_parameter("organisation", "Only this provider's agreements (its id)."),
            OpenApiParameter(
                "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Agreement.Status.values, description="Only this status."
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One agreement",
        description="Answers with an ETag: send it in If-Match when changing a draft's terms (PATCH).",
        parameters=[financial_year_parameter("Fills in value_for_year for this year.")],
    ),
    create=extend_schema(
        summary="Create a draft agreement (SLA), with its funding if given (officers)",
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer, **refused("programme")},
    ),
    partial_update=extend_schema(
        summary="Change a draft agreement's own terms (officers); an active one changes by variation",
        description="With If-Match (the ETag of the agreement's read), refused with 412 if the agreement changed since.",
        parameters=[IF_MATCH],
        request=AgreementUpdateSerializer,
        responses={200: AgreementSerializer, **refused("agreement")},
    ),
    set_status=extend_schema(
        summary="Make a draft active, end an active agreement, or make an ended one active again (officers)",
        request=AgreementStatusSerializer,
        responses={200: AgreementSerializer, **refused("agreement")},
    ),
    funding_lines=extend_schema(
        summary="Add funding to a draft agreement (officers); within the areas' allocations",
        request=FundingLinesInputSerializer,
        responses={200: AgreementSerializer, **refused("agreement")},
    ),
    schedule=extend_schema(
        summary="Replace a year's payment schedule (officers and finance); it must add up to the year's value",
        description="With If-Match (the ETag of the payments read for this agreement and year), refused with 412 if "
        "the year's schedule changed since.",
        parameters=[IF_MATCH],
        request=ScheduleInputSerializer,
        responses={200: InstalmentSerializer(many=True), **refused("agreement")},
    ),
)
class AgreementViewSet(ScopedViewSet):
    serializer_class = AgreementSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def get_queryset(self) -> QuerySet:
        variations = Variation.objects.order_by("number").prefetch_related(funding_lines())
        agreements = agreements_visible_to(self.request.user).prefetch_related(
            funding_lines(), Prefetch("variations", queryset=variations)
        )
        if self.action != "list":
            return agreements
        year = financial_year_param(self.request)
        if year is not None:
            funded = (
                FundingLine.objects.filter(financial_year__start_year=year)
                .values("agreement_id")
                .annotate(total=MoneySum("amount"))
                .exclude(total=0)
                .values("agreement_id")
            )
            agreements = agreements.filter(pk__in=funded)
        agreements = filter_ids(self.request, agreements, programme="programme_id", organisation="organisation_id")
        state = choice_param(self.request, "status", Agreement.Status)
        if state is not None:
            agreements = agreements.filter(status=state)
        return agreements

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs), agreement_state(self.get_object()))

    def _managed(self, perm: str = "funding.manage_agreement") -> Agreement:
        agreement = self.get_object_for(perm)
        return Agreement.objects.select_related("programme", "organisation").get(pk=agreement.pk)  # no stale prefetch

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.manage_agreement")
        data = read_input(AgreementCreateSerializer, request)
        agreement = run(
            agreement_services.agreement_create,
            rename=LINE_ERRORS,
            programme=data["programme"],
            organisation=data["organisation"],
            areas=list(data["areas"]),
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            lines=line_inputs(data.get("lines", [])),
            reference=data.get("reference", ""),
            actor=request.user,
        )
        return self.respond(agreement, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self._managed()
        data = read_input(AgreementUpdateSerializer, request)
        run(
            agreement_services.agreement_update_draft,
            agreement=agreement,
            actor=request.user,
            title=data.get("title", agreement.title),
            start_date=data.get("start_date", agreement.start_date),
            end_date=data.get("end_date", agreement.end_date),
            areas=list(data["areas"]) if "areas" in data else list(agreement.areas.all()),
            version=if_match(request),
        )
        return self.respond(agreement)

    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        agreement = self._managed()
        data = read_input(AgreementStatusSerializer, request)
        run(agreement_services.agreement_set_status, agreement=agreement, status=data["status"], actor=request.user)
        return self.respond(agreement)

    @action(detail=True, methods=["post"], url_path="funding-lines")
    def funding_lines(self, request, pk=None):
        agreement = self._managed()
        data = read_input(FundingLinesInputSerializer, request)
        run(
            agreement_services.agreement_add_lines,
            rename=LINE_ERRORS,
            agreement=agreement,
            lines=line_inputs(data["lines"]),
            actor=request.user,
        )
        return self.respond(agreement)

    @action(detail=True, methods=["post"], pagination_class=None)
    def schedule(self, request, pk=None):
        agreement = self._managed("funding.manage_schedule")
        data = read_input(ScheduleInputSerializer, request)
        year = data["financial_year"]
        rows = [(row["due_date"], row["amount"]) for row in data["instalments"]]
        run(
            payment_services.schedule_replace,
            rename={"amount": "instalments", "due_date": "instalments"},
            agreement=agreement,
            year=year,
            instalments=rows,
            actor=request.user,
            version=if_match(request),
        )
        instalments = (
            PaymentInstalment.objects.filter(agreement=agreement, financial_year=year)
            .select_related("agreement__organisation", "financial_year")
            .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")))
            .order_by("due_date", "id")
        )
        context = {"request": request, "today": timezone.localdate()}
        return Response(InstalmentSerializer(instalments, many=True, context=context).data)

    @extend_schema(
        methods=["GET"],
        summary="Preview converting the agreement to multi-year: the profile year by year (officers)",
        description="As the page 'Convert to multi-year': the agreement's recurrent funding in its last year, uplifted "
        "each year to last_year (one-off money is not carried forward). Nothing is written.",
        parameters=[
            query_parameter("last_year", "The last year, written like 2025-26.", required=True, pattern=YEAR_PATTERN),
            OpenApiParameter(
                "uplift_percent",
                OpenApiTypes.DECIMAL,
                OpenApiParameter.QUERY,
                description="The annual uplift in percent, 0 to 100 (0 if left out).",
            ),
        ],
        responses={200: ProfilePlanSerializer, **refused("agreement")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Convert an active or ended annual agreement to multi-year by variation (officers)",
        description="One variation that extends the agreement to the end of last_year with a year's funding for each new "
        "year, and records the uplift, the break clause and the review dates. Errors about the amounts are under amounts.",
        request=ConversionInputSerializer,
        responses={201: VariationDetailSerializer, **refused("agreement")},
    )
    @action(detail=True, methods=["get", "post"], url_path="multi-year")
    def multi_year(self, request, pk=None):
        agreement = self._managed()
        if request.method == "GET":
            terms = read_query(ConversionPlanSerializer, request)
            plan = run(services_multiyear.multiyear_plan_conversion, agreement=agreement, **terms)
            return Response(ProfilePlanSerializer(plan).data)
        data = read_input(ConversionInputSerializer, request)
        variation = run(services_multiyear.agreement_convert_to_multiyear, rename=AMOUNT_ERRORS, agreement=agreement,
                        actor=request.user, **data)  # fmt: skip
        variation = variations_shown(Variation.objects).get(pk=variation.pk)
        return Response(VariationDetailSerializer(variation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="The agreement's documents (council staff, and the provider whose agreement it is)",
        responses={200: AgreementDocumentSerializer(many=True), **refused("agreement")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a document to the agreement, as multipart/form-data (officers, and the provider whose agreement it is)",
        description=UPLOAD_CHECKS,
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: AgreementDocumentSerializer, **refused("agreement"), **NOT_MULTIPART},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], pagination_class=None)
    def documents(self, request, pk=None):
        agreement = self.get_object()
        if request.method == "GET":
            require_api(request.user, "funding.view_documents", agreement)
            documents = agreement.documents.select_related("uploaded_by")
            return Response(AgreementDocumentSerializer(documents, many=True).data)
        require_api(request.user, "funding.upload_document", agreement)
        require_multipart(request)
        data = read_input(DocumentUploadSerializer, request)
        document = run(agreement_services.document_upload, agreement=agreement, title=data["title"], upload=data["file"],
                       actor=request.user)  # fmt: skip
        return Response(AgreementDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download one of the agreement's documents, as an attachment (as its documents are listed)",
        parameters=[DOCUMENT_ID],
        responses={**DOWNLOAD, **refused("agreement or document")},
    )
    @action(detail=True, methods=["get"], url_path="documents/<int:document_id>")
    def document(self, request, pk=None, document_id=None):
        agreement = self.get_object_for("funding.view_documents")
        missing = f"Agreement {agreement.reference} has no document {document_id}."
        return document_download(agreement.documents, document_id, missing)


# --- Variations ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Variations of the agreements you can see: extensions and changes of value, with the money each adds",
        parameters=[id_parameter("agreement", "Only this agreement's variations (its id)."), PROGRAMME, ORGANISATION],
    ),
    retrieve=extend_schema(summary="One variation"),
    create=extend_schema(
        summary="Record a variation of an active or ended agreement (officers)",
        description="As the page 'Vary an agreement': an extension needs a new end date after the current one; a change "
        "of value needs its money (a reduction is a negative amount). A conversion to multi-year has its own page.",
        request=VariationCreateSerializer,
        responses={201: VariationDetailSerializer, **refused("agreement")},
    ),
)
class VariationViewSet(ScopedViewSet):
    serializer_class = VariationDetailSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def permission_object(self, obj):
        return obj.agreement

    def get_queryset(self) -> QuerySet:
        variations = variations_shown(
            Variation.objects.filter(agreement__in=agreements_visible_to(self.request.user).values("pk"))
        ).order_by("agreement__reference", "number")
        if self.action == "list":
            variations = filter_ids(self.request, variations, **BY_AGREEMENT)
        return variations

    def create(self, request, *args, **kwargs):
        # As for /api/agreements/<id>/...: an agreement the user cannot see is not found (404) before any refusal
        # by role (403), so another provider learns nothing about it.
        data = read_input(VariationCreateSerializer, request)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "funding.manage_agreement", agreement)
        variation = run(
            agreement_services.variation_create,
            rename=LINE_ERRORS,
            agreement=agreement,
            kind=data["kind"],
            new_end_date=data.get("new_end_date"),
            reason=data["reason"],
            approved_by=data["approved_by"],
            approved_on=data["approved_on"],
            decision=data.get("decision"),
            lines=line_inputs(data.get("lines", [])),
            actor=request.user,
        )
        return self.respond(variation, status.HTTP_201_CREATED)


# --- Payments ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Payment instalments with the payments against each: staff see all, providers their own agreements'",
        parameters=[
            financial_year_parameter("Only instalments in this year."),
            id_parameter("agreement", "Only this agreement's instalments (its id)."),
            PROGRAMME,
            ORGANISATION,
        ],
        description="Filtered to one agreement and one financial year, answers with an ETag: send it in If-Match when "
        "replacing that year's schedule.",
    ),
    retrieve=extend_schema(summary="One payment instalment"),
    pay=extend_schema(
        summary="Record a payment against an instalment (finance)",
        request=PaymentInputSerializer,
        responses={201: InstalmentSerializer, **refused("instalment")},
    ),
)
class PaymentViewSet(ScopedViewSet):
    serializer_class = InstalmentSerializer
    object_permission = "funding.view_payments"

    def check_access(self, user) -> None:
        # Staff see every payment; a provider sees its own agreements' payments; partners none.
        if not user.has_role(Role.PROVIDER):
            require(user, "funding.view_payment_list")

    def permission_object(self, obj):
        return obj.agreement

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        instalments = PaymentInstalment.objects.select_related("agreement__organisation", "financial_year").prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id"))
        )
        if not user.has_perm("funding.view_payment_list"):
            if not user.organisation_id:
                return instalments.none()
            instalments = instalments.filter(agreement__organisation_id=user.organisation_id)
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                instalments = instalments.filter(financial_year__start_year=year)
            instalments = filter_ids(self.request, instalments, **BY_AGREEMENT)
        return instalments

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        agreement_id, year = integer_param(request, "agreement"), financial_year_param(request)
        if agreement_id is None or year is None:
            return response
        agreement = agreements_visible_to(request.user).filter(pk=agreement_id).first()
        fy = FinancialYear.objects.filter(start_year=year).first()
        return with_etag(response, schedule_state(agreement, fy) if agreement and fy else None)

    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        instalment = self.get_object()
        require_api(request.user, "funding.record_payment", instalment.agreement)
        data = read_input(PaymentInputSerializer, request)
        run(payment_services.payment_record, instalment=instalment, actor=request.user, **data)
        return self.respond(instalment, status.HTTP_201_CREATED)


# --- Decisions -----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Cabinet and delegated decisions (council staff)",
        parameters=[financial_year_parameter("Only decisions taken in this year.")],
    ),
    retrieve=extend_schema(summary="One decision"),
    create=extend_schema(
        summary="Record a decision (officers and cabinet members)",
        request=DecisionInputSerializer,
        responses={201: DecisionSerializer, **refused(None)},
    ),
)
class DecisionViewSet(ScopedViewSet):
    serializer_class = DecisionSerializer
    list_permission = "funding.view_decision"

    def get_queryset(self) -> QuerySet:
        decisions = Decision.objects.select_related("recorded_by").order_by("-decision_date", "-id")
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                start, end = year_bounds(year)
                decisions = decisions.filter(decision_date__range=(start, end))
        return decisions

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.record_decision")
        form = DecisionForm(read_input(DecisionInputSerializer, request))
        checked(form)
        decision = run(programme_services.decision_record, decision=form.save(commit=False), actor=request.user)
        return self.respond(decision, status.HTTP_201_CREATED)
