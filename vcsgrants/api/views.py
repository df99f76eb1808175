"""Read-only endpoints. Each one checks the same permissions as the pages, scopes its records to
what the user may see (anything else is 404), and prefetches what it serialises."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated

from vcsgrants.api import serializers
from vcsgrants.core.models import Organisation, Role
from vcsgrants.core.permissions import require
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.funding.models import (
    Allocation,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors import agreements_visible_to, programmes_visible_to


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
    if not value.isdigit():
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
