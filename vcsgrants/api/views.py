"""The endpoints. Each one checks the same permissions as the pages, scopes its records to what the
user may see (anything else is 404), and prefetches what it serialises.

Everything reads, except quarterly returns: those are written through the same monitoring services
as the pages, so validation, the return's steps and the audit log are identical."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, UnsupportedMediaType, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from vcsgrants.api import serializers
from vcsgrants.api.serializers import money
from vcsgrants.core.models import Organisation, Role
from vcsgrants.core.money import from_pence
from vcsgrants.core.permissions import require
from vcsgrants.core.rules import partner_lineage
from vcsgrants.core.services import financial_year_get, parse_financial_year_label
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import comparison
from vcsgrants.funding.models import (
    Agreement,
    Allocation,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors import agreements_visible_to, programmes_co_funded_by, programmes_visible_to
from vcsgrants.monitoring import services as monitoring
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Return, ReturnEvent, ReturnValue


def financial_year_param(request) -> int | None:
    """The start year of ?financial_year=2022-23, or None; a malformed label is a 400."""
    label = request.query_params.get("financial_year", "").strip()
    if not label:
        return None
    try:
        return parse_financial_year_label(label)
    except DjangoValidationError as exc:
        raise ValidationError({"financial_year": exc.messages}) from exc


def year_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)


def integer_param(request, name: str) -> int | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    # ASCII digits only ("²" is a digit to isdigit but not to int), and no id is larger than a 64-bit integer.
    if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
        raise ValidationError({name: [f"'{value}' is not an id: give a whole number."]})
    return int(value)


def financial_year_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "financial_year",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=description + " Written like 2022-23.",
        pattern=r"^\d{4}-\d{2}$",
    )


class RolePermission(BasePermission):
    """The endpoint's page permission (403 with the reason), then the record's own (404: not found)."""

    def has_permission(self, request, view) -> bool:
        try:
            view.check_access(request.user)
        except DjangoPermissionDenied as exc:
            self.message = str(exc)
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        perm = view.object_permission
        if perm and not request.user.has_perm(perm, view.permission_object(obj)):
            raise NotFound()
        return True


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, RolePermission]
    lookup_value_converter = "int"  # /api/agreements/12/; anything else is a 404
    # Needed to use the endpoint at all (as for the list page); None means any signed-in user.
    list_permission: str | None = None
    # Checked on each record fetched by id, on top of the queryset scoping.
    object_permission: str | None = None

    def check_access(self, user) -> None:
        if self.list_permission:
            require(user, self.list_permission)

    def permission_object(self, obj):
        return obj

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real request
            return context
        context["financial_year"] = financial_year_param(self.request)
        return context


@extend_schema_view(
    list=extend_schema(summary="Programmes you can see, with their funding streams and approved periods"),
    retrieve=extend_schema(summary="One programme"),
)
class ProgrammeViewSet(ScopedViewSet):
    serializer_class = serializers.ProgrammeSerializer
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


@extend_schema_view(
    list=extend_schema(
        summary="Funding streams of the programmes you can see, with budgets per financial year",
        parameters=[financial_year_parameter("Only streams running in this year, with only this year's budget.")],
    ),
    retrieve=extend_schema(summary="One funding stream", parameters=[financial_year_parameter("Only this year's budget.")]),
)
class FundingStreamViewSet(ScopedViewSet):
    serializer_class = serializers.FundingStreamSerializer
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
        return streams.select_related("programme", "funder").prefetch_related(Prefetch("budgets", queryset=budgets))


@extend_schema_view(
    list=extend_schema(
        summary="District allocations from the streams of programmes you can see",
        parameters=[financial_year_parameter("Only allocations for this year.")],
    ),
    retrieve=extend_schema(summary="One allocation"),
)
class AllocationViewSet(ScopedViewSet):
    serializer_class = serializers.AllocationSerializer
    list_permission = "funding.view_programme_list"
    object_permission = "funding.view_programme"

    def permission_object(self, obj):
        return obj.stream.programme

    def get_queryset(self) -> QuerySet:
        allocations = Allocation.objects.filter(stream__programme__in=programmes_visible_to(self.request.user)).select_related(
            "stream__programme", "financial_year", "area"
        )
        year = financial_year_param(self.request)
        if year is not None and self.action == "list":
            allocations = allocations.filter(financial_year__start_year=year)
        return allocations


@extend_schema_view(
    list=extend_schema(summary="Organisations: council staff see all; others only their own"),
    retrieve=extend_schema(summary="One organisation"),
)
class OrganisationViewSet(ScopedViewSet):
    serializer_class = serializers.OrganisationSerializer
    object_permission = "core.view_organisation"

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if user.has_perm("core.view_organisation_list"):
            return Organisation.objects.all()
        if user.organisation_id and user.has_perm("core.view_organisation", user.organisation):
            return Organisation.objects.filter(pk=user.organisation_id)
        return Organisation.objects.none()


def _lines() -> QuerySet:
    return FundingLine.objects.select_related("stream", "financial_year", "area")


@extend_schema_view(
    list=extend_schema(
        summary="Agreements you can see, with their funding, variations and value by year",
        parameters=[financial_year_parameter("Only agreements with funding in this year; value_for_year gives its value.")],
    ),
    retrieve=extend_schema(
        summary="One agreement", parameters=[financial_year_parameter("Fills in value_for_year for this year.")]
    ),
)
class AgreementViewSet(ScopedViewSet):
    serializer_class = serializers.AgreementSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def get_queryset(self) -> QuerySet:
        agreements = agreements_visible_to(self.request.user).prefetch_related(
            Prefetch("funding_lines", queryset=_lines()),
            Prefetch(
                "variations",
                queryset=Variation.objects.order_by("number").prefetch_related(Prefetch("funding_lines", queryset=_lines())),
            ),
        )
        year = financial_year_param(self.request)
        if year is not None and self.action == "list":
            funded = (
                FundingLine.objects.filter(financial_year__start_year=year)
                .values("agreement_id")
                .annotate(total=MoneySum("amount"))
                .exclude(total=0)
                .values("agreement_id")
            )
            agreements = agreements.filter(pk__in=funded)
        return agreements


@extend_schema_view(
    list=extend_schema(
        summary="Payment instalments with the payments against each: staff see all, providers their own agreements'",
        parameters=[
            financial_year_parameter("Only instalments in this year."),
            OpenApiParameter(
                "agreement", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Only this agreement's instalments (its id)."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One payment instalment"),
)
class PaymentViewSet(ScopedViewSet):
    serializer_class = serializers.InstalmentSerializer
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
            agreement = integer_param(self.request, "agreement")
            if agreement is not None:
                instalments = instalments.filter(agreement_id=agreement)
        return instalments

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        return context


# --- Monitoring: KPIs, targets and quarterly returns --------------------------------------


def choice_param(request, name: str, choices: type) -> str | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if value not in choices.values:
        raise ValidationError({name: [f"'{value}' is not a {name}: use one of {', '.join(choices.values)}."]})
    return value


def quarter_param(request) -> int | None:
    value = request.query_params.get("quarter", "").strip()
    if not value:
        return None
    if value not in ("1", "2", "3", "4"):
        raise ValidationError({"quarter": [f"'{value}' is not a quarter: use 1 to 4."]})
    return int(value)


def agreement_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("agreement", OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


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


# An upload endpoint reads multipart/form-data only: a JSON body is refused before anything else is looked at.
NOT_MULTIPART = {415: OpenApiResponse(description="The request was not multipart/form-data: send the file as a form field.")}


def require_multipart(request) -> None:
    """Refuse an upload that is not multipart/form-data with a message that says how to send it."""
    try:
        request.data  # noqa: B018 - parsing the body is the check
    except UnsupportedMediaType as exc:
        raise UnsupportedMediaType(
            request.content_type,
            detail="Send the document as multipart/form-data, the file in the field 'file' (curl -F file=@name.pdf).",
        ) from exc


def read_input(serializer_class, request, **kwargs) -> dict:
    """The request body, type-checked by the serializer: a 400 naming each field that is malformed."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def require_api(user, perm: str, obj=None) -> None:
    """`require`, answered as a 403 that keeps its reason (DRF would drop the message of Django's PermissionDenied)."""
    try:
        require(user, perm, obj)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def visible_agreement(user, pk: int) -> Agreement:
    """The agreement a request body names by id, if this user can see it; otherwise a 404, as for one in the path."""
    agreement = agreements_visible_to(user).filter(pk=pk).first()
    if agreement is None:
        raise NotFound(f"No agreement {pk} that you can see.")
    return agreement


def service_errors(exc: DjangoValidationError, kpi_codes: dict[int, str] | None = None) -> dict:
    """A service's refusal as a 400 body: its field messages as they are, a KPI's (kpi_<id>) under values.<code>."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    kpi_codes = kpi_codes or {}
    errors: dict = {}
    for key, messages in exc.message_dict.items():
        pk = key.removeprefix("kpi_")
        if key.startswith("kpi_") and pk.isdigit() and int(pk) in kpi_codes:
            errors.setdefault("values", {})[kpi_codes[int(pk)]] = messages
        elif key == NON_FIELD_ERRORS:
            errors[api_settings.NON_FIELD_ERRORS_KEY] = messages
        else:
            errors[key] = messages
    return errors


@extend_schema_view(
    list=extend_schema(
        summary="KPIs of the outcomes frameworks you can see, with their current definition and every version",
        parameters=[
            OpenApiParameter(
                "programme", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Only this programme's KPIs (its id)."
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Kpi.Status.values, description="Only KPIs in this state."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One KPI"),
)
class KpiViewSet(ScopedViewSet):
    serializer_class = serializers.KpiSerializer
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
            programme = integer_param(self.request, "programme")
            if programme is not None:
                kpis = kpis.filter(outcome__programme_id=programme)
            state = choice_param(self.request, "status", Kpi.Status)
            if state is not None:
                kpis = kpis.filter(status=state)
        return kpis


def _visible_agreement_ids(user) -> QuerySet:
    return agreements_visible_to(user).values("pk")


@extend_schema_view(
    list=extend_schema(
        summary="KPI targets of the agreements you can see: annual, and profiled by quarter",
        parameters=[
            agreement_parameter("Only this agreement's targets (its id)."),
            financial_year_parameter("Only targets for this year."),
        ],
    ),
    retrieve=extend_schema(summary="One KPI target"),
)
class KpiTargetViewSet(ScopedViewSet):
    serializer_class = serializers.KpiTargetSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "funding.view_agreement"

    def permission_object(self, obj):
        return obj.agreement

    def get_queryset(self) -> QuerySet:
        targets = (
            KpiTarget.objects.filter(agreement__in=_visible_agreement_ids(self.request.user))
            .select_related("agreement__organisation", "kpi", "financial_year")
            .prefetch_related("kpi__versions")
            .order_by("agreement_id", "financial_year__start_year", "kpi__code", "id")
        )
        if self.action == "list":
            agreement = integer_param(self.request, "agreement")
            if agreement is not None:
                targets = targets.filter(agreement_id=agreement)
            year = financial_year_param(self.request)
            if year is not None:
                targets = targets.filter(financial_year__start_year=year)
        return targets


REFUSED = {
    400: OpenApiResponse(description="Refused, with every problem: a KPI's under values.<code>, others under their field."),
    403: OpenApiResponse(description="Your role does not allow this, with the reason."),
    404: OpenApiResponse(description="No such return (or agreement) that you can see."),
}


@extend_schema_view(
    list=extend_schema(
        summary="Quarterly returns of the agreements you can see, with their values, narrative and steps",
        parameters=[
            agreement_parameter("Only this agreement's returns (its id)."),
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
        ],
    ),
    retrieve=extend_schema(summary="One quarterly return"),
    create=extend_schema(
        summary="Start or fill in the return for an agreement's quarter (a draft until submitted)",
        description="Creates the return if there is none yet (201), else saves into it (200). The provider of the agreement "
        "or an officer only. Nothing is saved if anything is refused.",
        request=serializers.ReturnCreateSerializer,
        responses={201: serializers.ReturnSerializer, 200: serializers.ReturnSerializer, **REFUSED},
    ),
    partial_update=extend_schema(
        summary="Fill in a draft or queried return",
        request=serializers.ReturnContentSerializer,
        responses={200: serializers.ReturnSerializer, **REFUSED},
    ),
    submit=extend_schema(
        summary="Submit the return (or, once queried, answer and resubmit it)",
        request=serializers.ReturnSubmitSerializer,
        responses={200: serializers.ReturnSerializer, **REFUSED},
    ),
    review=extend_schema(
        summary="Accept a submitted return, or query it with a comment (officers)",
        request=serializers.ReturnReviewSerializer,
        responses={200: serializers.ReturnSerializer, **REFUSED},
    ),
)
class ReturnViewSet(ScopedViewSet):
    serializer_class = serializers.ReturnSerializer
    list_permission = "funding.view_agreement_list"
    object_permission = "monitoring.view_return"

    def get_queryset(self) -> QuerySet:
        returns = (
            Return.objects.filter(agreement__in=_visible_agreement_ids(self.request.user))
            .select_related("agreement__organisation", "agreement__programme__monitoring", "financial_year")
            .prefetch_related(
                Prefetch("values", queryset=ReturnValue.objects.select_related("kpi_version__kpi")),
                Prefetch("events", queryset=ReturnEvent.objects.select_related("actor")),
            )
            .order_by("agreement_id", "financial_year__start_year", "quarter", "id")
        )
        if self.action == "list":
            agreement = integer_param(self.request, "agreement")
            if agreement is not None:
                returns = returns.filter(agreement_id=agreement)
            year = financial_year_param(self.request)
            if year is not None:
                returns = returns.filter(financial_year__start_year=year)
            quarter = quarter_param(self.request)
            if quarter is not None:
                returns = returns.filter(quarter=quarter)
            state = choice_param(self.request, "status", Return.Status)
            if state is not None:
                returns = returns.filter(status=state)
        return returns

    def _respond(self, record: Return, code: int = status.HTTP_200_OK) -> Response:
        record = self.get_queryset().get(pk=record.pk)  # afresh, with everything the serializer reads
        return Response(self.get_serializer(record).data, status=code)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

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
            monitoring.return_save(
                return_record=record,
                values=values,
                actor=self.request.user,
                narrative=data.get("narrative"),
                case_studies=data.get("case_studies"),
            )
        except DjangoValidationError as exc:
            for key, messages in service_errors(exc, codes).items():
                if key == "values":
                    errors.setdefault("values", {}).update(messages)
                else:
                    errors[key] = messages
        if errors:
            raise ValidationError(errors)

    def create(self, request, *args, **kwargs):
        data = self._input(serializers.ReturnCreateSerializer)
        agreement = visible_agreement(request.user, data["agreement"])
        require_api(request.user, "monitoring.edit_return", Return(agreement=agreement))  # before anything is created
        with transaction.atomic():  # a return started here is not kept if its values are refused
            year = financial_year_get(start_year=data["financial_year"])
            existed = Return.objects.filter(agreement=agreement, financial_year=year, quarter=data["quarter"]).exists()
            try:
                record = monitoring.return_for(agreement=agreement, year=year, quarter=data["quarter"])
            except DjangoValidationError as exc:
                raise ValidationError(service_errors(exc)) from exc
            require_api(request.user, "monitoring.edit_return", record)
            self._save(record, data)
        return self._respond(record, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        require_api(request.user, "monitoring.edit_return", record)
        data = self._input(serializers.ReturnContentSerializer)
        with transaction.atomic():
            self._save(record, data)
        return self._respond(record)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        record = self.get_object()
        require_api(request.user, "monitoring.edit_return", record)
        data = self._input(serializers.ReturnSubmitSerializer)
        try:
            monitoring.return_submit(return_record=record, actor=request.user, comment=data["comment"])
        except DjangoValidationError as exc:
            raise ValidationError(service_errors(exc)) from exc
        return self._respond(record)

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        record = self.get_object()
        require_api(request.user, "monitoring.review_return", record)
        data = self._input(serializers.ReturnReviewSerializer)
        try:
            monitoring.return_review(return_record=record, accept=data["accept"], actor=request.user, comment=data["comment"])
        except DjangoValidationError as exc:
            raise ValidationError(service_errors(exc)) from exc
        return self._respond(record)


@extend_schema_view(
    list=extend_schema(summary="Allocation option sets of the programmes you can see, with each option's settings"),
    retrieve=extend_schema(
        summary="One option set with every option's results: allocation per area, equity measures and glide path",
        responses=serializers.EquityComparisonSerializer,
    ),
)
class OptionSetViewSet(ScopedViewSet):
    serializer_class = serializers.EquityOptionSetSerializer
    list_permission = "equity.view_options"
    object_permission = "equity.view_options"

    def permission_object(self, obj):
        return obj.programme

    def get_queryset(self) -> QuerySet:
        return (
            OptionSet.objects.filter(programme__in=programmes_visible_to(self.request.user))
            .select_related("programme", "stream", "financial_year")
            .prefetch_related(Prefetch("options", queryset=Option.objects.select_related("adopted_by")))
            .annotate(area_count=Count("areas"))
        )

    def retrieve(self, request, *args, **kwargs):
        option_set = self.get_object()
        result = comparison(option_set)
        option_set.results = [
            {
                "option": column.option.pk,
                "label": column.option.label,
                "error": column.error,
                "measures": column.result.measures.to_json() if column.result else None,
                "areas": column.result.to_json()["areas"] if column.result else [],
                "glide_path": [[money(from_pence(p)) for p in year] for year in column.result.glide_path]
                if column.result
                else [],
                "reaches_target_in": column.result.reaches_target_in if column.result else None,
            }
            for column in result.columns
        ]
        return Response(serializers.EquityComparisonSerializer(option_set, context=self.get_serializer_context()).data)
