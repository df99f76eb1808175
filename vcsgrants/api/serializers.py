"""JSON shapes of the API. Money, targets and KPI values are strings with exactly two decimals ("1234.50");
dates are ISO 8601.

The views prefetch everything these serializers read, so a list costs the same number of
queries however many rows it has. Derived figures (current end date, value by year) are
summed here from the prefetched records, the same way the pages sum them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.core.models import Area, Organisation
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import describe_option
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    FundingLine,
    FundingStream,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors import instalment_status
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, ProgrammeMonitoring, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.services import due_date_for


class Money(serializers.DecimalField):
    """Pounds as a string with two decimals, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


def money(value: Decimal | None) -> str | None:
    return None if value is None else Money().to_representation(value)


class FinancialYearLabel(serializers.CharField):
    """A financial year written 2022-23."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "financial_year.label")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    # The API only reads: every field is marked read-only, so the OpenAPI document says so too.
    # (A comment, not a docstring: spectacular would copy a docstring into every schema.)

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


# --- References to other records ------------------------------------------------------


class OrganisationRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "org_id"]


class ProgrammeRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "slug", "name"]


class StreamRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = FundingStream
        fields = ["id", "name"]


class AreaSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Area
        fields = ["gss_code", "name", "kind"]


class YearAmountSerializer(serializers.Serializer):
    financial_year = serializers.CharField(read_only=True)
    amount = Money()


# --- Organisations --------------------------------------------------------------------


class OrganisationSerializer(ReadOnlyModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True, read_only=True)
    successor = serializers.IntegerField(source="successor_id", allow_null=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "org_id",
            "charity_number",
            "company_number",
            "parent",
            "successor",
            "succeeded_on",
        ]


# --- Programmes and funding streams ---------------------------------------------------


class PeriodSerializer(ReadOnlyModelSerializer):
    decision = serializers.IntegerField(source="decision_id", allow_null=True, read_only=True)

    class Meta:
        model = ProgrammePeriod
        fields = ["kind", "start", "end", "approved_by", "approved_on", "decision"]


class StreamSummarySerializer(ReadOnlyModelSerializer):
    funder = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = FundingStream
        fields = ["id", "name", "funder", "recurrence", "start", "end"]


class ProgrammeSerializer(ReadOnlyModelSerializer):
    funder = OrganisationRefSerializer(read_only=True)
    periods = PeriodSerializer(many=True, read_only=True)
    streams = StreamSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "slug", "name", "description", "funder", "periods", "streams"]


class BudgetSerializer(ReadOnlyModelSerializer):
    financial_year = FinancialYearLabel()
    amount = Money()

    class Meta:
        model = StreamBudget
        fields = ["financial_year", "amount"]


class FundingStreamSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    funder = OrganisationRefSerializer(read_only=True)
    budgets = BudgetSerializer(
        many=True, read_only=True, help_text="Budget per financial year (only the year asked for, if any)."
    )

    class Meta:
        model = FundingStream
        fields = ["id", "programme", "name", "funder", "recurrence", "start", "end", "description", "budgets"]


class AllocationSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(source="stream.programme", read_only=True)
    stream = StreamRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    area = AreaSerializer(read_only=True)
    amount = Money()
    decision = serializers.IntegerField(source="decision_id", allow_null=True, read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "programme", "stream", "financial_year", "area", "amount", "decision"]


# --- Agreements -----------------------------------------------------------------------


class FundingLineSerializer(ReadOnlyModelSerializer):
    financial_year = FinancialYearLabel()
    stream = StreamRefSerializer(read_only=True)
    area = AreaSerializer(read_only=True)
    amount = Money()

    class Meta:
        model = FundingLine
        fields = ["financial_year", "stream", "area", "amount"]


class VariationSerializer(ReadOnlyModelSerializer):
    lines = FundingLineSerializer(
        source="funding_lines", many=True, read_only=True, help_text="The money this variation adds (or removes)."
    )
    decision = serializers.IntegerField(source="decision_id", allow_null=True, read_only=True)

    class Meta:
        model = Variation
        fields = ["number", "kind", "new_end_date", "reason", "approved_by", "approved_on", "decision", "lines"]


def _value_by_year(agreement: Agreement) -> dict[int, Decimal]:
    if not hasattr(agreement, "_api_value_by_year"):
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in agreement.funding_lines.all():
            totals[line.financial_year.start_year] += line.amount
        agreement._api_value_by_year = dict(totals)
    return agreement._api_value_by_year


def _year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


class AgreementSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    areas = AreaSerializer(many=True, read_only=True)
    start_date = serializers.DateField(read_only=True, help_text="The original start date.")
    end_date = serializers.DateField(read_only=True, help_text="The original end date, before any extension.")
    current_end_date = serializers.SerializerMethodField(help_text="The end date after every extension.")
    total_value = serializers.SerializerMethodField(help_text="Original terms plus every variation, all years.")
    value_by_year = serializers.SerializerMethodField(
        help_text="Current value (original terms plus variations) per financial year."
    )
    financial_year = serializers.SerializerMethodField(help_text="The financial year asked for with ?financial_year=, else null.")
    value_for_year = serializers.SerializerMethodField(help_text="Current value in the financial year asked for, else null.")
    funding_lines = serializers.SerializerMethodField(help_text="The original terms; each variation lists its own lines.")
    variations = VariationSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "reference", "title", "status", "programme", "organisation", "areas", "start_date", "end_date",
            "current_end_date", "total_value", "value_by_year", "financial_year", "value_for_year", "funding_lines", "variations",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.DATE)
    def get_current_end_date(self, obj: Agreement) -> dt.date:
        return obj.current_end_date  # from the prefetched variations

    @extend_schema_field(Money())
    def get_total_value(self, obj: Agreement) -> str | None:
        return money(sum(_value_by_year(obj).values(), ZERO))

    @extend_schema_field(YearAmountSerializer(many=True))
    def get_value_by_year(self, obj: Agreement) -> list[dict]:
        rows = [{"financial_year": _year_label(y), "amount": v} for y, v in sorted(_value_by_year(obj).items())]
        return YearAmountSerializer(rows, many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_financial_year(self, obj: Agreement) -> str | None:
        year = self.context.get("financial_year")
        return None if year is None else _year_label(year)

    @extend_schema_field(Money(allow_null=True))
    def get_value_for_year(self, obj: Agreement) -> str | None:
        year = self.context.get("financial_year")
        return None if year is None else money(_value_by_year(obj).get(year, ZERO))

    @extend_schema_field(FundingLineSerializer(many=True))
    def get_funding_lines(self, obj: Agreement) -> list[dict]:
        original = [line for line in obj.funding_lines.all() if line.variation_id is None]
        return FundingLineSerializer(original, many=True).data


# --- Payments -------------------------------------------------------------------------


class AgreementRefSerializer(ReadOnlyModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "reference", "organisation"]


class PaymentSerializer(ReadOnlyModelSerializer):
    amount = Money()

    class Meta:
        model = Payment
        fields = ["id", "paid_on", "amount", "reference"]


def _paid(instalment: PaymentInstalment) -> Decimal:
    return sum((p.amount for p in instalment.payments.all()), ZERO)


class InstalmentSerializer(ReadOnlyModelSerializer):
    """A scheduled instalment of an agreement and the payments made against it."""

    agreement = AgreementRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    amount = Money()
    paid = serializers.SerializerMethodField(help_text="The total of the payments against this instalment.")
    outstanding = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="Paid, Overdue, Part paid, overdue, Due (within 30 days) or Scheduled.")
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentInstalment
        fields = ["id", "agreement", "financial_year", "due_date", "amount", "paid", "outstanding", "status", "payments"]

    @extend_schema_field(Money())
    def get_paid(self, obj: PaymentInstalment) -> str | None:
        return money(_paid(obj))

    @extend_schema_field(Money())
    def get_outstanding(self, obj: PaymentInstalment) -> str | None:
        return money(obj.amount - _paid(obj))

    @extend_schema_field(OpenApiTypes.STR)
    def get_status(self, obj: PaymentInstalment) -> str:
        today = self.context.get("today") or dt.date.today()
        return instalment_status(obj.amount, _paid(obj), obj.due_date, today)


# --- Monitoring: KPIs, targets and quarterly returns --------------------------------------


class Figure(serializers.DecimalField):
    """A target or KPI value as a string with two decimals ("31.00"), never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


class OutcomeRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Outcome
        fields = ["id", "title"]


class KpiVersionSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = KpiVersion
        fields = ["number", "name", "definition", "unit", "aggregation", "direction", "rba_type", "change_note", "created_at"]


def _version_field(field_name: str, **kwargs):
    """A field of the KPI's current version, shown on the KPI itself (null only if it has no version)."""
    choices = KpiVersion._meta.get_field(field_name).choices
    source = f"current_version.{field_name}"
    if choices:
        return serializers.ChoiceField(choices=choices, source=source, read_only=True, allow_null=True, **kwargs)
    return serializers.CharField(source=source, read_only=True, allow_null=True, **kwargs)


class KpiSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(source="outcome.programme", read_only=True)
    outcome = OutcomeRefSerializer(read_only=True)
    version = serializers.IntegerField(
        source="current_version.number", read_only=True, allow_null=True, help_text="The current version's number."
    )
    name = _version_field("name")
    definition = _version_field("definition")
    unit = _version_field("unit")
    aggregation = _version_field("aggregation", help_text="How values add up over quarters and providers.")
    direction = _version_field("direction")
    rba_type = _version_field("rba_type", help_text="Results-Based Accountability type.")
    versions = KpiVersionSerializer(many=True, read_only=True, help_text="Every version, first to current.")

    class Meta:
        model = Kpi
        fields = [
            "id", "code", "programme", "outcome", "status", "version", "name", "definition", "unit", "aggregation",
            "direction", "rba_type", "versions",
        ]  # fmt: skip


class KpiRefSerializer(ReadOnlyModelSerializer):
    name = _version_field("name")

    class Meta:
        model = Kpi
        fields = ["id", "code", "name"]


class KpiTargetSerializer(ReadOnlyModelSerializer):
    """An agreement's target for a KPI in a financial year, profiled by quarter."""

    agreement = AgreementRefSerializer(read_only=True)
    kpi = KpiRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    annual_target = Figure()
    q1_target = Figure()
    q2_target = Figure()
    q3_target = Figure()
    q4_target = Figure()

    class Meta:
        model = KpiTarget
        fields = ["id", "agreement", "kpi", "financial_year", "annual_target", "q1_target", "q2_target", "q3_target", "q4_target"]


class ReturnValueSerializer(ReadOnlyModelSerializer):
    kpi = serializers.CharField(source="kpi_version.kpi.code", read_only=True, help_text="The KPI's code.")
    kpi_version = serializers.IntegerField(
        source="kpi_version.number", read_only=True, help_text="The version of the KPI the value was given against."
    )
    value = Figure()

    class Meta:
        model = ReturnValue
        fields = ["kpi", "kpi_version", "value"]


class ReturnEventSerializer(ReadOnlyModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, help_text="The username of who took the step.")

    class Meta:
        model = ReturnEvent
        fields = ["action", "actor", "comment", "at"]


def return_due_date(record: Return) -> dt.date:
    """The rule of services.return_due_date, from the programme's settings the view selected with the return
    (services.return_due_date would fetch, or create, them once per return)."""
    try:
        days = record.agreement.programme.monitoring.return_due_days
    except ProgrammeMonitoring.DoesNotExist:  # no settings saved yet: the defaults
        days = ProgrammeMonitoring._meta.get_field("return_due_days").get_default()
    return due_date_for(record.financial_year.start_year, record.quarter, days)


class ReturnSerializer(ReadOnlyModelSerializer):
    """A provider's quarterly return for one agreement: a value per KPI, narrative and case studies, and its steps."""

    agreement = AgreementRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    due_date = serializers.SerializerMethodField(help_text="When the return is due: a set number of days after the quarter ends.")
    values = ReturnValueSerializer(many=True, read_only=True)
    events = ReturnEventSerializer(many=True, read_only=True, help_text="Each step (submitted, queried, ...), oldest first.")

    class Meta:
        model = Return
        fields = [
            "id", "agreement", "financial_year", "quarter", "status", "submitted_at", "due_date", "values", "narrative",
            "case_studies", "events",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.DATE)
    def get_due_date(self, obj: Return) -> dt.date:
        return return_due_date(obj)


# Input. Values are keyed by KPI code; null clears a value. A number may be sent as a string ("31") or a JSON number.


class ReturnContentSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
        required=False,
        help_text='A value per KPI code, such as {"SG1": "31"}; null clears a value. KPIs not named are left as they are.',
    )
    narrative = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Left as it is if omitted."
    )
    case_studies = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Left as it is if omitted."
    )


class ReturnCreateSerializer(ReturnContentSerializer):
    agreement = serializers.IntegerField(help_text="The agreement's id.")
    financial_year = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="Written like 2022-23.")
    quarter = serializers.IntegerField(help_text="1 (April to June) to 4 (January to March).")

    def validate_financial_year(self, value: str) -> int:
        try:
            return parse_financial_year_label(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class ReturnSubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed when answering an officer's query."
    )


class ReturnReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true accepts the return; false queries it, which needs a comment.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- Equity options --------------------------------------------------------------------


class EquityOptionSerializer(ReadOnlyModelSerializer):
    description = serializers.SerializerMethodField()
    blend = serializers.DictField(child=serializers.CharField(), help_text="Method → share (0 to 1), adding up to 1.")
    weights = serializers.DictField(child=serializers.CharField(), help_text="Need indicator → weight (0 to 1).")
    core = Money()
    floor = Money(allow_null=True)
    ceiling = Money(allow_null=True)
    adopted_by = serializers.CharField(source="adopted_by.username", allow_null=True, default=None)
    adopted_decision = serializers.IntegerField(source="adopted_decision_id", allow_null=True)

    class Meta:
        model = Option
        fields = [
            "id",
            "label",
            "description",
            "blend",
            "weights",
            "core",
            "floor",
            "floor_share",
            "ceiling",
            "damping",
            "years",
            "adopted_at",
            "adopted_by",
            "adopted_decision",
        ]

    def get_description(self, option) -> str:
        return describe_option(option)


class EquityOptionSetSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    stream = StreamRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    budget = Money()
    indicators = serializers.ListField(child=serializers.CharField())
    area_count = serializers.IntegerField(read_only=True)
    options = EquityOptionSerializer(many=True, read_only=True)

    class Meta:
        model = OptionSet
        fields = [
            "id",
            "programme",
            "stream",
            "financial_year",
            "name",
            "budget",
            "source",
            "source_filename",
            "baseline",
            "indicators",
            "area_count",
            "options",
        ]


class EquityAreaResultSerializer(serializers.Serializer):
    area_id = serializers.CharField()
    name = serializers.CharField()
    current = serializers.CharField(help_text="Today's allocation, pounds with two decimals.")
    target = serializers.CharField(help_text="The option's unconstrained formula target.")
    allocation = serializers.CharField(help_text="The first year's allocation: whole pence, summing to the budget.")
    per_head = serializers.CharField()
    change = serializers.CharField()
    change_pct = serializers.CharField(allow_null=True)
    distance_from_target = serializers.CharField(allow_null=True, help_text="(allocation − target) / target")


EquityMeasuresSerializer = type(
    "EquityMeasuresSerializer",
    (serializers.Serializer,),
    {
        "gini": serializers.FloatField(help_text="Population-weighted Gini of per-head funding."),
        "theil": serializers.FloatField(),
        "atkinson_0.5": serializers.FloatField(),
        "atkinson_1": serializers.FloatField(),
        "cv": serializers.FloatField(),
        "max_min_ratio": serializers.FloatField(allow_null=True),
        "money_from_target": serializers.CharField(),
        "winners": serializers.IntegerField(),
        "winners_total": serializers.CharField(),
        "losers": serializers.IntegerField(),
        "losers_total": serializers.CharField(),
    },
)


@extend_schema_field(EquityMeasuresSerializer(allow_null=True))
class EquityMeasuresField(serializers.DictField):
    # The measures arrive JSON-ready from the engine; a key like "atkinson_0.5" cannot be a serializer source.
    pass


class EquityResultSerializer(serializers.Serializer):
    option = serializers.IntegerField()
    label = serializers.CharField()
    error = serializers.CharField(allow_null=True, help_text="Why the option cannot be computed, if it cannot.")
    measures = EquityMeasuresField(allow_null=True)
    areas = EquityAreaResultSerializer(many=True)
    glide_path = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    reaches_target_in = serializers.IntegerField(allow_null=True)


class EquityComparisonSerializer(EquityOptionSetSerializer):
    results = EquityResultSerializer(many=True, read_only=True)

    class Meta(EquityOptionSetSerializer.Meta):
        fields = [*EquityOptionSetSerializer.Meta.fields, "results"]
