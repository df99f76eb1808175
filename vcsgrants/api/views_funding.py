"""Writes for funding and monitoring records: the endpoints of vcsgrants.api.views, each extended with the
writes its pages make, and the variations endpoint.

Every write checks the page's own permission (403 with the reason), reaches only records the user can see
(anything else is 404), reads its input through a serializer (400 naming the field), and then calls the very
service function the page calls — so the rules, the single transaction and the audit event are the page's.
A refusal from the service comes back as a 400 with the service's own message under the field it names.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from vcsgrants.api import serializers, views
from vcsgrants.api import serializers_funding as inputs
from vcsgrants.api.views import (
    NOT_MULTIPART,
    ScopedViewSet,
    agreement_parameter,
    choice_param,
    financial_year_param,
    framework_programmes_visible_to,
    integer_param,
    read_input,
    require_api,
    require_multipart,
    service_errors,
    visible_agreement,
)
from vcsgrants.core import services as core_services
from vcsgrants.core import uploads
from vcsgrants.core.models import Organisation, Role
from vcsgrants.funding import services, services_multiyear, services_partners
from vcsgrants.funding.models import (
    Agreement,
    FundingLine,
    FundingStream,
    Payment,
    PaymentInstalment,
    ProgrammePeriod,
    StreamContribution,
    Variation,
)
from vcsgrants.funding.selectors import agreements_visible_to
from vcsgrants.monitoring import services as monitoring
from vcsgrants.monitoring.models import Kpi, KpiTarget, Outcome
from vcsgrants.monitoring.services import VERSION_FIELDS


def refused(what: str) -> dict:
    return {
        400: OpenApiResponse(description="Refused, with every problem under the field it concerns."),
        403: OpenApiResponse(description="Your role does not allow this, with the reason."),
        404: OpenApiResponse(description=f"No such {what} that you can see."),
    }


def read_query(serializer_class, request) -> dict:
    """A preview's query parameters, type-checked like a body (400 naming each parameter that is malformed)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query_parameter(name: str, description: str, required: bool = False, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=required, description=description, **kwargs)


YEAR_PATTERN = r"^\d{4}-\d{2}$"


def run(service, *, rename: dict[str, str] | None = None, **kwargs):
    """Call a service as the page does; its refusal is a 400 with its messages, under the API's field names."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        errors = service_errors(exc)
        for old, new in (rename or {}).items():
            if old in errors:
                errors.setdefault(new, []).extend(errors.pop(old))
        raise ValidationError(errors) from exc


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


PROGRAMME = id_parameter("programme", "Only those of this programme (its id).")
ORGANISATION = id_parameter("organisation", "Only those of this organisation's agreements (its id).")


def filter_ids(request, records: QuerySet, **lookups: str) -> QuerySet:
    """?programme=3 and the like: each named query parameter, if given, filters by its lookup."""
    for param, lookup in lookups.items():
        value = integer_param(request, param)
        if value is not None:
            records = records.filter(**{lookup: value})
    return records


def line_inputs(rows) -> list[services.LineInput]:
    return [services.LineInput(r["stream"], r["financial_year"], r["area"], r["amount"]) for r in rows]


# --- Programmes: periods and the bulk extension; funding streams and partners' contributions -----------------

EXTENSION_YEAR = query_parameter(
    "financial_year", "The year to extend into, written like 2023-24.", required=True, pattern=YEAR_PATTERN
)


@extend_schema_view(
    periods=extend_schema(
        summary="Record the programme's approved period, or an extension of it (officers)",
        description="As the page 'Record a period': the approved period comes first; an extension must not overlap a "
        "period already recorded and must end after the programme's current end.",
        request=inputs.PeriodInputSerializer,
        responses={201: inputs.PeriodDetailSerializer, **refused("programme")},
    ),
)
class ProgrammeViewSet(views.ProgrammeViewSet):
    @action(detail=True, methods=["post"])
    def periods(self, request, pk=None):
        programme = self.get_object()
        require_api(request.user, "funding.manage_programme", programme)
        data = read_input(inputs.PeriodInputSerializer, request)
        period = run(services.period_record, programme=programme, actor=request.user, **data)
        period = ProgrammePeriod.objects.select_related("programme", "recorded_by").get(pk=period.pk)
        return Response(inputs.PeriodDetailSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Preview extending every agreement at current levels into a year, excluding one-off funding (officers)",
        description="As the page 'Extend agreements at current levels': each active agreement that ends the day before the "
        "year starts is extended to the year's end with the year before's recurrent funding. Nothing is written; "
        "problems lists any allocation that would not hold it.",
        parameters=[EXTENSION_YEAR],
        responses={200: inputs.ExtensionPreviewSerializer, **refused("programme")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Extend every agreement at current levels into a year, excluding one-off funding, as one action (officers)",
        description="Writes one extension variation per agreement the preview lists, all or none, with the approval and "
        "the decision it rests on. Refused if the allocations would not hold it, or if the total is no longer the "
        "expected_total the preview showed.",
        request=inputs.BulkExtensionApplySerializer,
        responses={201: inputs.VariationDetailSerializer(many=True), **refused("programme")},
    )
    @action(detail=True, methods=["get", "post"], url_path="bulk-extension")
    def bulk_extension(self, request, pk=None):
        programme = self.get_object()
        require_api(request.user, "funding.manage_agreement", programme)
        if request.method == "GET":
            year = read_query(inputs.ExtensionYearSerializer, request)["financial_year"]
            preview = services.bulk_extension_preview(programme=programme, year=year)
            return Response(inputs.ExtensionPreviewSerializer(preview).data)
        data = dict(read_input(inputs.BulkExtensionApplySerializer, request))
        year = data.pop("financial_year")
        variations = run(services.bulk_extension_apply, programme=programme, year=year, actor=request.user, **data)
        variations = (
            Variation.objects.filter(pk__in=[v.pk for v in variations])
            .select_related("agreement__organisation", "created_by")
            .prefetch_related(_variation_lines())
            .order_by("agreement__reference", "number")
        )
        return Response(inputs.VariationDetailSerializer(variations, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[PROGRAMME]),  # added to the endpoint's own filters
    create=extend_schema(
        summary="Add a funding stream to a programme (officers)",
        request=inputs.FundingStreamWriteSerializer,
        responses={201: serializers.FundingStreamSerializer, **refused("programme")},
    ),
    partial_update=extend_schema(
        summary="Change a funding stream (officers); fields not given keep their value",
        request=inputs.FundingStreamWriteSerializer,
        responses={200: serializers.FundingStreamSerializer, **refused("funding stream")},
    ),
    budget=extend_schema(
        summary="Set the stream's budget for a financial year (officers and finance)",
        request=inputs.BudgetInputSerializer,
        responses={200: serializers.FundingStreamSerializer, **refused("funding stream")},
    ),
)
class FundingStreamViewSet(views.FundingStreamViewSet):
    @extend_schema(
        methods=["GET"],
        summary="Partners' contributions to the stream's budget, by year (officers, admins and finance)",
        parameters=[query_parameter("financial_year", "Only this year's, written like 2022-23.", pattern=YEAR_PATTERN)],
        responses={200: inputs.ContributionSerializer(many=True), **refused("funding stream")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record or change a partner's contribution to the stream's budget for a year; 0 removes it "
        "(officers, admins and finance)",
        description="As the page 'Partner contributions': the contributions together can never be more than the year's "
        "budget, and the stream's own funder pays the rest. Answers with the stream's contributions for that year.",
        request=inputs.ContributionInputSerializer,
        responses={200: inputs.ContributionSerializer(many=True), **refused("funding stream")},
    )
    @action(detail=True, methods=["get", "post"])
    def contributions(self, request, pk=None):
        stream = self.get_object()
        require_api(request.user, "funding.manage_contributions", stream.programme)
        if request.method == "POST":
            data = read_input(inputs.ContributionInputSerializer, request)
            run(
                services_partners.contribution_set,
                stream=stream,
                year=data["financial_year"],
                funder=data["funder"],
                amount=data["amount"],
                note=data["note"],
                actor=request.user,
            )
            year = data["financial_year"].start_year
        else:
            year = financial_year_param(request)
        contributions = StreamContribution.objects.filter(stream=stream).select_related(
            "stream", "financial_year", "funder", "recorded_by"
        )
        if year is not None:
            contributions = contributions.filter(financial_year__start_year=year)
        return Response(inputs.ContributionSerializer(contributions, many=True).data)

    def get_queryset(self) -> QuerySet:
        streams = super().get_queryset()
        return filter_ids(self.request, streams, programme="programme_id") if self.action == "list" else streams

    def _respond(self, stream: FundingStream, code: int = status.HTTP_200_OK) -> Response:
        stream = self.get_queryset().get(pk=stream.pk)
        return Response(serializers.FundingStreamSerializer(stream, context=self.get_serializer_context()).data, status=code)

    def _save(self, serializer) -> FundingStream:
        stream = serializer.instance or FundingStream()
        for name, value in serializer.validated_data.items():
            setattr(stream, name, value)
        duplicate = FundingStream.objects.filter(programme=stream.programme, name=stream.name).exclude(pk=stream.pk)
        if duplicate.exists():
            raise ValidationError({"name": [f"{stream.programme} already has a funding stream called {stream.name}."]})
        return run(services.stream_save, stream=stream, actor=self.request.user)

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.manage_programme")
        serializer = inputs.FundingStreamWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require_api(request.user, "funding.manage_programme", serializer.validated_data["programme"])
        return self._respond(self._save(serializer), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        stream = self.get_object()
        require_api(request.user, "funding.manage_programme", stream.programme)
        serializer = inputs.FundingStreamWriteSerializer(stream, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._respond(self._save(serializer))

    @action(detail=True, methods=["post"])
    def budget(self, request, pk=None):
        stream = self.get_object()
        require_api(request.user, "funding.manage_budget", stream.programme)
        data = read_input(inputs.BudgetInputSerializer, request)
        run(services.budget_set, stream=stream, year=data["financial_year"], amount=data["amount"], actor=request.user)
        return self._respond(stream)


# --- Allocations -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[PROGRAMME, id_parameter("stream", "Only this funding stream's allocations (its id).")]),
    set=extend_schema(
        summary="Set a stream's district allocations for a year, all at once (officers)",
        description="As the page 'District allocations': refused if the total would exceed the stream's budget for the "
        "year, or a district's allocation would fall below what its agreements already commit. Nothing is saved "
        "if anything is refused.",
        request=inputs.AllocationsSetSerializer,
        responses={200: serializers.AllocationSerializer(many=True), **refused("funding stream")},
    ),
)
class AllocationViewSet(views.AllocationViewSet):
    def get_queryset(self) -> QuerySet:
        allocations = super().get_queryset()
        if self.action == "list":
            allocations = filter_ids(self.request, allocations, programme="stream__programme_id", stream="stream_id")
        return allocations

    @action(detail=False, methods=["post"], url_path="set")
    def set(self, request):
        require_api(request.user, "funding.manage_allocations")
        data = read_input(inputs.AllocationsSetSerializer, request)
        stream, year, amounts = data["stream"], data["financial_year"], data["amounts"]
        require_api(request.user, "funding.manage_allocations", stream.programme)
        try:
            services.allocations_set(stream=stream, year=year, amounts=amounts, actor=request.user)
        except DjangoValidationError as exc:
            codes = {f"area_{area.pk}": area.gss_code for area in amounts}
            errors = service_errors(exc)
            by_area = {codes.pop(key): errors.pop(key) for key in list(errors) if key in codes}
            raise ValidationError({**errors, **({"amounts": by_area} if by_area else {})}) from exc
        rows = self.get_queryset().filter(stream=stream, financial_year=year)
        return Response(serializers.AllocationSerializer(rows, many=True).data)


# --- Organisations ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Organisation.Kind.values, description="Only this kind."
            )
        ],
    ),
    create=extend_schema(
        summary="Add an organisation (officers)",
        request=inputs.OrganisationWriteSerializer,
        responses={201: serializers.OrganisationSerializer, **refused("organisation")},
    ),
    partial_update=extend_schema(
        summary="Change an organisation (officers); fields not given keep their value",
        request=inputs.OrganisationWriteSerializer,
        responses={200: serializers.OrganisationSerializer, **refused("organisation")},
    ),
)
class OrganisationViewSet(views.OrganisationViewSet):
    def get_queryset(self) -> QuerySet:
        organisations = super().get_queryset()
        if self.action == "list":
            kind = choice_param(self.request, "kind", Organisation.Kind)
            if kind is not None:
                organisations = organisations.filter(kind=kind)
        return organisations

    def _save(self, serializer, created: bool) -> Response:
        organisation = serializer.instance or Organisation()
        for name, value in serializer.validated_data.items():
            setattr(organisation, name, value)
        run(organisation.clean)  # the model's own rules, as the page's form applies them
        run(core_services.organisation_save, organisation=organisation, actor=self.request.user)
        return Response(
            serializers.OrganisationSerializer(organisation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def create(self, request, *args, **kwargs):
        require_api(request.user, "core.manage_organisation")
        serializer = inputs.OrganisationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._save(serializer, created=True)

    def partial_update(self, request, *args, **kwargs):
        organisation = self.get_object()
        require_api(request.user, "core.manage_organisation")
        serializer = inputs.OrganisationWriteSerializer(organisation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._save(serializer, created=False)


# --- Agreements --------------------------------------------------------------------------------------------

LINE_ERRORS = {"amount": "lines"}  # the services name the money "amount"; here it arrives as lines


@extend_schema_view(
    list=extend_schema(
        parameters=[
            PROGRAMME,
            id_parameter("organisation", "Only this provider's agreements (its id)."),
            OpenApiParameter(
                "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Agreement.Status.values, description="Only this status."
            ),
        ],
    ),
    create=extend_schema(
        summary="Create a draft agreement (SLA), with its funding if given (officers)",
        request=inputs.AgreementCreateSerializer,
        responses={201: serializers.AgreementSerializer, **refused("programme")},
    ),
    partial_update=extend_schema(
        summary="Change a draft agreement's own terms (officers); an active one changes by variation",
        request=inputs.AgreementUpdateSerializer,
        responses={200: serializers.AgreementSerializer, **refused("agreement")},
    ),
    set_status=extend_schema(
        summary="Make a draft active, end an active agreement, or make an ended one active again (officers)",
        request=inputs.AgreementStatusSerializer,
        responses={200: serializers.AgreementSerializer, **refused("agreement")},
    ),
    funding_lines=extend_schema(
        summary="Add funding to a draft agreement (officers); within the districts' allocations",
        request=inputs.FundingLinesInputSerializer,
        responses={200: serializers.AgreementSerializer, **refused("agreement")},
    ),
    schedule=extend_schema(
        summary="Replace a year's payment schedule (officers and finance); it must add up to the year's value",
        request=inputs.ScheduleInputSerializer,
        responses={200: serializers.InstalmentSerializer(many=True), **refused("agreement")},
    ),
)
class AgreementViewSet(views.AgreementViewSet):
    def get_queryset(self) -> QuerySet:
        agreements = super().get_queryset()
        if self.action == "list":
            agreements = filter_ids(self.request, agreements, programme="programme_id", organisation="organisation_id")
            state = choice_param(self.request, "status", Agreement.Status)
            if state is not None:
                agreements = agreements.filter(status=state)
        return agreements

    def _respond(self, agreement: Agreement, code: int = status.HTTP_200_OK) -> Response:
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(serializers.AgreementSerializer(agreement, context=self.get_serializer_context()).data, status=code)

    def _managed(self, perm: str = "funding.manage_agreement") -> Agreement:
        agreement = self.get_object()
        require_api(self.request.user, perm, agreement)
        return Agreement.objects.select_related("programme", "organisation").get(pk=agreement.pk)  # no stale prefetch

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.manage_agreement")
        data = read_input(inputs.AgreementCreateSerializer, request)
        agreement = run(
            services.agreement_create,
            rename=LINE_ERRORS,
            programme=data["programme"],
            organisation=data["organisation"],
            areas=list(data["areas"]),
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            lines=line_inputs(data.get("lines", [])),
            actor=request.user,
        )
        return self._respond(agreement, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self._managed()
        data = read_input(inputs.AgreementUpdateSerializer, request)
        run(
            services.agreement_update_draft,
            agreement=agreement,
            actor=request.user,
            title=data.get("title", agreement.title),
            start_date=data.get("start_date", agreement.start_date),
            end_date=data.get("end_date", agreement.end_date),
            areas=list(data["areas"]) if "areas" in data else list(agreement.areas.all()),
        )
        return self._respond(agreement)

    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        agreement = self._managed()
        data = read_input(inputs.AgreementStatusSerializer, request)
        run(services.agreement_set_status, agreement=agreement, status=data["status"], actor=request.user)
        return self._respond(agreement)

    @action(detail=True, methods=["post"], url_path="funding-lines")
    def funding_lines(self, request, pk=None):
        agreement = self._managed()
        data = read_input(inputs.FundingLinesInputSerializer, request)
        run(
            services.agreement_add_lines,
            rename=LINE_ERRORS,
            agreement=agreement,
            lines=line_inputs(data["lines"]),
            actor=request.user,
        )
        return self._respond(agreement)

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        agreement = self._managed("funding.manage_schedule")
        data = read_input(inputs.ScheduleInputSerializer, request)
        year = data["financial_year"]
        rows = [(row["due_date"], row["amount"]) for row in data["instalments"]]
        run(
            services.schedule_replace,
            rename={"amount": "instalments", "due_date": "instalments"},
            agreement=agreement,
            year=year,
            instalments=rows,
            actor=request.user,
        )
        instalments = (
            PaymentInstalment.objects.filter(agreement=agreement, financial_year=year)
            .select_related("agreement__organisation", "financial_year")
            .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")))
            .order_by("due_date", "id")
        )
        context = {"request": request, "today": timezone.localdate()}
        return Response(serializers.InstalmentSerializer(instalments, many=True, context=context).data)

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
        responses={200: inputs.ProfilePlanSerializer, **refused("agreement")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Convert an active or ended annual agreement to multi-year by variation (officers)",
        description="One variation that extends the agreement to the end of last_year with a year's funding for each new "
        "year, and records the uplift, the break clause and the review dates. Errors about the amounts are under amounts.",
        request=inputs.ConversionInputSerializer,
        responses={201: inputs.VariationDetailSerializer, **refused("agreement")},
    )
    @action(detail=True, methods=["get", "post"], url_path="multi-year")
    def multi_year(self, request, pk=None):
        agreement = self._managed()
        if request.method == "GET":
            terms = read_query(inputs.ConversionPlanSerializer, request)
            plan = run(services_multiyear.multiyear_plan_conversion, agreement=agreement, **terms)
            return Response(inputs.ProfilePlanSerializer(plan).data)
        data = read_input(inputs.ConversionInputSerializer, request)
        variation = run(services_multiyear.agreement_convert_to_multiyear, rename=AMOUNT_ERRORS, agreement=agreement,
                        actor=request.user, **data)  # fmt: skip
        return Response(_variation_detail(variation), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="The agreement's documents (council staff, and the provider whose agreement it is)",
        responses={200: inputs.AgreementDocumentSerializer(many=True), **refused("agreement")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a document to the agreement, as multipart/form-data (officers, and the provider whose agreement it is)",
        description="The same checks as the page: the file must not be empty or too large, must be a type the service "
        "accepts, and its content must match its name.",
        request={"multipart/form-data": inputs.DocumentUploadSerializer},
        responses={201: inputs.AgreementDocumentSerializer, **refused("agreement"), **NOT_MULTIPART},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        agreement = self.get_object()
        if request.method == "GET":
            require_api(request.user, "funding.view_documents", agreement)
            documents = agreement.documents.select_related("uploaded_by")
            return Response(inputs.AgreementDocumentSerializer(documents, many=True).data)
        require_api(request.user, "funding.upload_document", agreement)
        require_multipart(request)
        data = read_input(inputs.DocumentUploadSerializer, request)
        document = run(services.document_upload, agreement=agreement, title=data["title"], upload=data["file"],
                       actor=request.user)  # fmt: skip
        return Response(inputs.AgreementDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download one of the agreement's documents, as an attachment (as its documents are listed)",
        parameters=[OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The document's id.")],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, under its original name."),
            **refused("agreement or document"),
        },  # fmt: skip
    )
    @action(detail=True, methods=["get"], url_path="documents/<int:document_id>")
    def document(self, request, pk=None, document_id=None):
        agreement = self.get_object()
        require_api(request.user, "funding.view_documents", agreement)
        document = agreement.documents.filter(pk=document_id).first()
        if document is None:
            raise NotFound(f"Agreement {agreement.reference} has no document {document_id}.")
        return uploads.download_response(document.file, document.original_name, document.content_type)


AMOUNT_ERRORS = {"amount": "amounts"}  # the multi-year services name the profile's money "amount"


def _variation_detail(variation: Variation) -> dict:
    variation = (
        Variation.objects.select_related("agreement__organisation", "created_by")
        .prefetch_related(_variation_lines())
        .get(pk=variation.pk)
    )
    return inputs.VariationDetailSerializer(variation).data


# --- Variations ------------------------------------------------------------------------------------------


def _variation_lines() -> Prefetch:
    return Prefetch("funding_lines", queryset=FundingLine.objects.select_related("stream", "financial_year", "area"))


@extend_schema_view(
    list=extend_schema(
        summary="Variations of the agreements you can see: extensions and changes of value, with the money each adds",
        parameters=[agreement_parameter("Only this agreement's variations (its id)."), PROGRAMME, ORGANISATION],
    ),
    retrieve=extend_schema(summary="One variation"),
    create=extend_schema(
        summary="Record a variation of an active or ended agreement (officers)",
        description="As the page 'Vary an agreement': an extension needs a new end date after the current one; a change "
        "of value needs its money (a reduction is a negative amount). A conversion to multi-year has its own page.",
        request=inputs.VariationCreateSerializer,
        responses={201: inputs.VariationDetailSerializer, **refused("agreement")},
    ),
)
class VariationViewSet(ScopedViewSet):
    serializer_class = inputs.VariationDetailSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def permission_object(self, obj):
        return obj.agreement

    def get_queryset(self) -> QuerySet:
        variations = (
            Variation.objects.filter(agreement__in=agreements_visible_to(self.request.user).values("pk"))
            .select_related("agreement__organisation", "created_by")
            .prefetch_related(_variation_lines())
            .order_by("agreement__reference", "number")
        )
        if self.action == "list":
            variations = filter_ids(
                self.request,
                variations,
                agreement="agreement_id",
                programme="agreement__programme_id",
                organisation="agreement__organisation_id",
            )
        return variations

    def create(self, request, *args, **kwargs):
        # As for /api/agreements/<id>/...: an agreement the user cannot see is not found (404) before any refusal
        # by role (403), so another provider learns nothing about it.
        data = read_input(inputs.VariationCreateSerializer, request)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "funding.manage_agreement", agreement)
        variation = run(
            services.variation_create,
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
        variation = self.get_queryset().get(pk=variation.pk)
        return Response(self.get_serializer(variation).data, status=status.HTTP_201_CREATED)


# --- Payments ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[PROGRAMME, ORGANISATION]),
    pay=extend_schema(
        summary="Record a payment against an instalment (finance)",
        request=inputs.PaymentInputSerializer,
        responses={201: serializers.InstalmentSerializer, **refused("instalment")},
    ),
)
class PaymentViewSet(views.PaymentViewSet):
    def get_queryset(self) -> QuerySet:
        instalments = super().get_queryset()
        if self.action == "list":
            instalments = filter_ids(
                self.request, instalments, programme="agreement__programme_id", organisation="agreement__organisation_id"
            )
        return instalments

    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        instalment = self.get_object()
        require_api(request.user, "funding.record_payment", instalment.agreement)
        data = read_input(inputs.PaymentInputSerializer, request)
        run(services.payment_record, instalment=instalment, actor=request.user, **data)
        instalment = self.get_queryset().get(pk=instalment.pk)
        return Response(self.get_serializer(instalment).data, status=status.HTTP_201_CREATED)


# --- KPIs and targets ----------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary="Propose a KPI under an outcome (officers, and providers with an agreement in the programme)",
        description="It is not used until an officer agrees it (POST /api/kpis/<id>/decide/).",
        request=inputs.KpiProposeSerializer,
        responses={201: serializers.KpiSerializer, **refused("outcome")},
    ),
    comments=extend_schema(
        summary="The KPI's discussion (GET), or add a comment to it (POST; officers and the programme's providers)",
        request=inputs.KpiCommentInputSerializer,
        responses={200: inputs.KpiCommentSerializer(many=True), 201: inputs.KpiCommentSerializer, **refused("KPI")},
    ),
    decide=extend_schema(
        summary="Agree a proposed KPI, amending its definition if need be, or reject it with a reason (officers)",
        request=inputs.KpiDecideSerializer,
        responses={200: serializers.KpiSerializer, **refused("KPI")},
    ),
    refine=extend_schema(
        summary="Refine an agreed KPI into a new version (officers); returns already made keep their version",
        request=inputs.KpiRefineSerializer,
        responses={200: serializers.KpiSerializer, **refused("KPI")},
    ),
    retire=extend_schema(
        summary="Retire an agreed KPI (officers); it stays in the framework's history",
        request=inputs.KpiRetireSerializer,
        responses={200: serializers.KpiSerializer, **refused("KPI")},
    ),
)
class KpiViewSet(views.KpiViewSet):
    def _respond(self, kpi: Kpi, code: int = status.HTTP_200_OK) -> Response:
        kpi = self.get_queryset().get(pk=kpi.pk)
        return Response(self.get_serializer(kpi).data, status=code)

    def _managed(self) -> Kpi:
        kpi = self.get_object()
        require_api(self.request.user, "monitoring.manage_framework", kpi)
        return kpi

    @staticmethod
    def _definition(kpi: Kpi, data: dict) -> dict:
        """The definition as the page submits it: its fields filled in from the current version, changed where given."""
        current = kpi.current_version
        return {name: data.get(name, getattr(current, name)) for name in VERSION_FIELDS}

    def create(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_perm("monitoring.manage_framework") or user.has_role(Role.PROVIDER)):
            require_api(user, "monitoring.propose_kpi")
        data = read_input(inputs.KpiProposeSerializer, request)
        outcome = (
            Outcome.objects.filter(programme__in=framework_programmes_visible_to(user), pk=data.pop("outcome"))
            .select_related("programme")
            .first()
        )
        if outcome is None:
            raise ValidationError({"outcome": ["No outcome with this id in an outcomes framework you can see."]})
        require_api(user, "monitoring.propose_kpi", outcome.programme)
        kpi = run(monitoring.kpi_propose, outcome=outcome, actor=user, **data)
        return self._respond(kpi, status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        kpi = self.get_object()
        if request.method == "POST":
            require_api(request.user, "monitoring.comment_kpi", kpi)
            data = read_input(inputs.KpiCommentInputSerializer, request)
            comment = run(monitoring.kpi_comment, kpi=kpi, text=data["text"], actor=request.user)
            return Response(inputs.KpiCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = kpi.comments.select_related("author")
        return Response(inputs.KpiCommentSerializer(comments, many=True).data)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        kpi = self._managed()
        data = read_input(inputs.KpiDecideSerializer, request)
        agree = data["decision"] == "agree"
        amendments = self._definition(kpi, data) if agree else {}
        run(monitoring.kpi_decide, kpi=kpi, agree=agree, actor=request.user, reason=data["reason"], **amendments)
        return self._respond(kpi)

    @action(detail=True, methods=["post"])
    def refine(self, request, pk=None):
        kpi = self._managed()
        data = read_input(inputs.KpiRefineSerializer, request)
        fields = self._definition(kpi, data)
        run(monitoring.kpi_refine, kpi=kpi, change_note=data["change_note"], actor=request.user, **fields)
        return self._respond(kpi)

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        kpi = self._managed()
        data = read_input(inputs.KpiRetireSerializer, request)
        run(monitoring.kpi_retire, kpi=kpi, actor=request.user, reason=data["reason"])
        return self._respond(kpi)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            PROGRAMME,
            ORGANISATION,
            id_parameter("kpi", "Only this KPI's targets (its id)."),
        ],
    ),
    create=extend_schema(
        summary="Set an agreement's target for an agreed KPI in a year (officers)",
        description="Creates the target (201) or replaces it (200). Without quarter_targets the year is profiled evenly, "
        "as on the page.",
        request=inputs.KpiTargetSetSerializer,
        responses={201: serializers.KpiTargetSerializer, 200: serializers.KpiTargetSerializer, **refused("agreement")},
    ),
)
class KpiTargetViewSet(views.KpiTargetViewSet):
    def get_queryset(self) -> QuerySet:
        targets = super().get_queryset()
        if self.action == "list":
            targets = filter_ids(
                self.request,
                targets,
                programme="agreement__programme_id",
                organisation="agreement__organisation_id",
                kpi="kpi_id",
            )
        return targets

    def create(self, request, *args, **kwargs):
        require_api(request.user, "monitoring.manage_targets")
        data = read_input(inputs.KpiTargetSetSerializer, request)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "monitoring.manage_targets", agreement)
        kpi = Kpi.objects.filter(pk=data["kpi"], outcome__programme_id=agreement.programme_id).select_related("outcome").first()
        if kpi is None:
            raise ValidationError({"kpi": [f"No KPI with this id in {agreement.programme}'s outcomes framework."]})
        year = data["financial_year"]
        existed = KpiTarget.objects.filter(agreement=agreement, kpi=kpi, financial_year=year).exists()
        target = run(
            monitoring.target_set,
            rename={api_settings.NON_FIELD_ERRORS_KEY: "quarter_targets"} if data.get("quarter_targets") else None,
            agreement=agreement,
            kpi=kpi,
            year=year,
            annual_target=data["annual_target"],
            quarter_targets=data.get("quarter_targets"),
            actor=request.user,
        )
        target = self.get_queryset().get(pk=target.pk)
        return Response(self.get_serializer(target).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# Only the filters added here: spectacular keeps the endpoint's own (agreement, financial_year, quarter, status).
@extend_schema_view(list=extend_schema(parameters=[PROGRAMME, ORGANISATION]))
class ReturnViewSet(views.ReturnViewSet):
    def get_queryset(self) -> QuerySet:
        returns = super().get_queryset()
        if self.action == "list":
            returns = filter_ids(
                self.request, returns, programme="agreement__programme_id", organisation="agreement__organisation_id"
            )
        return returns
