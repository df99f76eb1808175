"""JSON shapes of funding records: programmes and their periods, streams, budgets and partners' contributions,
allocations, agreements with their funding lines, variations and documents, payment schedules and payments, the
bulk extension and the conversion to multi-year, and Cabinet or delegated decisions.

The read shapes sum derived figures (current end date, value by year) from what the views prefetch, as the pages
sum them. Each input mirrors the page's form (the same fields, limits and choices); the rules themselves are the
services', which the views call with what these serializers let through.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.api.base import (
    FinancialYearField,
    FinancialYearLabel,
    Money,
    PlainDecimal,
    PlausibleDate,
    ReadOnlyModelSerializer,
    choice,
    money,
    money_input,
    optional_text,
)
from vcsgrants.api.serializers.core import AreaSerializer, OrganisationRefSerializer
from vcsgrants.core.models import Area, Organisation
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    AgreementDocument,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    StreamContribution,
    Variation,
)
from vcsgrants.funding.multiyear import UPLIFT_RULE
from vcsgrants.funding.selectors.agreements import instalment_status


def area_by_code(code: str) -> Area | None:
    """An area by its GSS code, or (for an area without one) by its name, ignoring case."""
    code = str(code).strip()
    return (
        Area.objects.filter(gss_code=code.upper()).first()
        or Area.objects.filter(gss_code__isnull=True, name__iexact=code).first()
    )


class AreaCodeField(serializers.SlugRelatedField):
    """An area as its GSS code, or its name where it has no code (the council's own areas)."""

    def to_representation(self, obj: Area) -> str:
        return obj.code

    def to_internal_value(self, data) -> Area:
        area = area_by_code(data)
        if area is None:
            self.fail("does_not_exist", slug_name="GSS code or name", value=str(data))
        return area


def area_field(**kwargs) -> serializers.SlugRelatedField:
    kwargs.setdefault("help_text", "The area's GSS code, such as E07000001, or its name where it has no code.")
    return AreaCodeField(slug_field="gss_code", queryset=Area.objects.all(), **kwargs)


def decision_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, help_text="The id of the decision it rests on."
    )


# --- References, as other records show them ---


class ProgrammeRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "slug", "name"]


class StreamRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = FundingStream
        fields = ["id", "name"]


class AgreementRefSerializer(ReadOnlyModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "reference", "organisation"]


class YearAmountSerializer(serializers.Serializer):
    financial_year = serializers.CharField(read_only=True)
    amount = Money()


# --- Programmes and their periods ---


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


class ProgrammeWriteSerializer(serializers.Serializer):
    """A programme, as on the page 'Create a programme'; when changing one (PATCH), fields not given keep their value."""

    name = serializers.CharField(max_length=200, help_text="Unique among programmes.")
    slug = optional_text(
        80,
        help_text="The programme's web address (letters, numbers, hyphens, underscores), unique. Blank or left out "
        "when creating: made from the name.",
    )
    description = optional_text()
    funder = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The id of the funder: an organisation of kind funder."
    )


class MonitoringSettingsSerializer(serializers.Serializer):
    """A programme's monitoring settings, as on the page 'Monitoring settings'."""

    return_due_days = serializers.IntegerField(
        min_value=1, max_value=120, help_text="A return is due this many days after its quarter ends (1 to 120)."
    )
    amber_percent = PlainDecimal(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("50"),
        coerce_to_string=True,
        help_text="The amber band: a KPI short of its target to date by up to this percentage is amber, further short "
        "is red (0 to 50, one decimal place at most).",
    )
    minimum_coverage = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text="The percentage of a quarter's expected returns that must be accepted before the performance "
        "dashboard opens at it (1 to 100; 100 unless changed). Left as it is when not sent.",
    )


PERIOD_KINDS = ProgrammePeriod.Kind.values  # named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]


class PeriodInputSerializer(serializers.Serializer):
    """A programme period, as on the page 'Record a period': the approved period first, then each extension."""

    kind = choice(ProgrammePeriod.Kind.choices, help_text="approved: the programme's approved period; extension: a later one.")
    start = PlausibleDate()
    end = PlausibleDate(help_text="After the start.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = PlausibleDate()
    decision = decision_field()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PeriodDetailSerializer(ReadOnlyModelSerializer):
    """A programme period as recorded: a dated record, never overwritten."""

    programme = ProgrammeRefSerializer(read_only=True)
    kind = choice(ProgrammePeriod.Kind.choices, read_only=True)
    decision = serializers.IntegerField(source="decision_id", allow_null=True, read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = ProgrammePeriod
        fields = [
            "id", "programme", "kind", "start", "end", "approved_by", "approved_on", "decision", "note", "recorded_by",
            "recorded_at",
        ]  # fmt: skip


# --- Funding streams, budgets and partners' contributions ---


class BudgetSerializer(ReadOnlyModelSerializer):
    financial_year = FinancialYearLabel()
    amount = Money()

    class Meta:
        model = StreamBudget
        fields = ["financial_year", "amount"]


class YearBudgetSerializer(serializers.Serializer):
    """A stream's budget for one year (null if it has none yet): the read whose ETag setting it takes in If-Match."""

    financial_year = serializers.CharField(read_only=True, help_text="Written like 2022-23.")
    amount = Money(allow_null=True)


class FundingStreamSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    funder = OrganisationRefSerializer(read_only=True)
    budgets = BudgetSerializer(
        many=True, read_only=True, help_text="Budget per financial year (only the year asked for, if any)."
    )

    class Meta:
        model = FundingStream
        fields = ["id", "programme", "name", "funder", "recurrence", "start", "end", "description", "budgets"]


class FundingStreamWriteSerializer(serializers.ModelSerializer):
    """A funding stream, as on the page 'Add a funding stream' (the programme only when creating)."""

    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all(), help_text="The programme's id.")
    funder = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind__in=[Organisation.Kind.FUNDER, Organisation.Kind.PARTNER]),
        help_text="The id of the funder: the council or a partner body.",
    )

    class Meta:
        model = FundingStream
        fields = ["programme", "name", "funder", "recurrence", "start", "end", "description"]
        validators = []  # a stream's name is checked in its programme by the view, and the error names the field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:  # a stream stays in its programme
            self.fields["programme"].read_only = True

    def validate(self, data):
        start = data.get("start", getattr(self.instance, "start", None))
        end = data.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": "The end date must be after the start date."})
        return data


class BudgetInputSerializer(serializers.Serializer):
    financial_year = FinancialYearField()
    amount = money_input(min_value=0, help_text="The stream's budget for the year, in pounds.")


class ContributionInputSerializer(serializers.Serializer):
    """A partner's contribution to the stream's budget for a year, as on the page 'Partner contributions'."""

    financial_year = FinancialYearField(help_text="A year the stream has a budget for, written like 2022-23.")
    funder = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text="The id of the contributing funder or partner body (not the stream's own funder).",
    )
    amount = money_input(min_value=0, help_text="Pounds; 0 removes the partner's contribution for the year.")
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="For example: the agreement it rests on."
    )


class ContributionSerializer(ReadOnlyModelSerializer):
    """A partner's share of a stream's budget for a year; the stream's own funder pays the rest."""

    stream = StreamRefSerializer(read_only=True)
    financial_year = FinancialYearLabel()
    funder = OrganisationRefSerializer(read_only=True)
    amount = Money()
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = StreamContribution
        fields = ["id", "stream", "financial_year", "funder", "amount", "note", "recorded_by", "recorded_at"]


# --- Allocations ---


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


class AllocationsSetSerializer(serializers.Serializer):
    stream = serializers.PrimaryKeyRelatedField(queryset=FundingStream.objects.all(), help_text="The funding stream's id.")
    financial_year = FinancialYearField()
    amounts = serializers.DictField(
        child=money_input(min_value=0),
        allow_empty=False,
        help_text='The allocation per area (its GSS code, or its name where it has none), such as {"E07000001": "40000.00"}. '
        "Areas not named keep their allocation; 0 removes one.",
    )

    def validate_amounts(self, amounts: dict) -> dict:
        areas = {code: area for code in amounts if (area := area_by_code(code)) is not None}
        unknown = [code for code in amounts if code not in areas]
        if unknown:
            raise serializers.ValidationError({code: ["No area has this GSS code or name."] for code in unknown})
        return {areas[code]: amount for code, amount in amounts.items()}


# --- Agreements and their variations ---


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


class LineInputSerializer(serializers.Serializer):
    """Money for an agreement: stream × financial year × district → amount."""

    stream = serializers.PrimaryKeyRelatedField(queryset=FundingStream.objects.all(), help_text="The funding stream's id.")
    financial_year = FinancialYearField()
    area = area_field()
    amount = money_input(help_text="Pounds, such as 1234.50.")


class PositiveLineSerializer(LineInputSerializer):
    amount = money_input(min_value=Decimal("0.01"), help_text="Pounds, more than 0.00.")


class AgreementCreateSerializer(serializers.Serializer):
    """A draft agreement (SLA), as on the page 'New agreement'; its funding may be given at once."""

    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all(), help_text="The programme's id.")
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.PROVIDER), help_text="The provider's id."
    )
    reference = optional_text(
        40,
        help_text="The council's own reference for the agreement, kept as given (unique). Leave it out to have one "
        "made, such as SLA-2024-001.",
    )
    title = serializers.CharField(max_length=200)
    areas = area_field(many=True, help_text="The areas (GSS codes) the agreement covers.")
    start_date = PlausibleDate()
    end_date = PlausibleDate()
    lines = PositiveLineSerializer(many=True, required=False, help_text="The agreement's funding, if known now.")


class AgreementUpdateSerializer(serializers.Serializer):
    """A draft's own terms; fields not given keep their value. An active agreement changes by variation."""

    title = serializers.CharField(max_length=200, required=False)
    areas = area_field(many=True, required=False, help_text="The areas (GSS codes) the agreement covers.")
    start_date = PlausibleDate(required=False)
    end_date = PlausibleDate(required=False)


class AgreementStatusSerializer(serializers.Serializer):
    status = choice(Agreement.Status.choices, help_text="draft → active → ended; an ended agreement may be made active again.")


class FundingLinesInputSerializer(serializers.Serializer):
    lines = PositiveLineSerializer(many=True, allow_empty=False, help_text="Money to add to the draft's original terms.")


class VariationCreateSerializer(serializers.Serializer):
    """A variation, as on the page 'Vary an agreement'. A conversion to multi-year has its own page."""

    agreement = serializers.IntegerField(min_value=1, help_text="The agreement's id.")
    kind = serializers.ChoiceField(choices=[c for c in Variation.Kind.choices if c[0] != Variation.Kind.MULTI_YEAR])
    new_end_date = PlausibleDate(required=False, allow_null=True, help_text="For an extension only.")
    reason = serializers.CharField()
    approved_by = serializers.CharField(
        max_length=200, help_text="For example: Cabinet, or the officer with delegated authority."
    )
    approved_on = PlausibleDate()
    decision = serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, help_text="The id of the decision it rests on."
    )
    lines = LineInputSerializer(
        many=True, required=False, help_text="The money it adds; a reduction is a negative amount such as -500.00."
    )


class VariationDetailSerializer(ReadOnlyModelSerializer):
    """A variation of an agreement: what changed, why, who approved it, and the money it added or removed."""

    agreement = AgreementRefSerializer(read_only=True)
    kind = choice(Variation.Kind.choices, read_only=True)
    lines = FundingLineSerializer(source="funding_lines", many=True, read_only=True)
    decision = serializers.IntegerField(source="decision_id", allow_null=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, help_text="Who recorded it.")

    class Meta:
        model = Variation
        fields = [
            "id", "agreement", "number", "kind", "new_end_date", "reason", "approved_by", "approved_on", "decision",
            "created_by", "created_at", "lines",
        ]  # fmt: skip


class AgreementDocumentSerializer(ReadOnlyModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = AgreementDocument
        fields = ["id", "title", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]


# --- Payment schedules and payments ---


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


class InstalmentInputSerializer(serializers.Serializer):
    due_date = PlausibleDate()
    amount = money_input(min_value=0)


class ScheduleInputSerializer(serializers.Serializer):
    financial_year = FinancialYearField()
    instalments = InstalmentInputSerializer(
        many=True, help_text="Every instalment of the year; they must add up to the agreement's value for it."
    )


class PaymentInputSerializer(serializers.Serializer):
    paid_on = PlausibleDate(help_text="Not in the future.")
    amount = money_input(min_value=0, help_text="At most what is outstanding on the instalment.")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    confirm_duplicate_reference = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A reference already on another payment of the agreement is refused (a 400 under reference, naming "
        "the earlier payment) unless this is true: the finance system really did use it twice.",
    )


# --- Extending every agreement at current levels ---


class ExtensionYearSerializer(serializers.Serializer):
    financial_year = FinancialYearField(help_text="The year to extend into, written like 2023-24.")


class BulkExtensionApplySerializer(ExtensionYearSerializer):
    """The approval the page asks for, and the total the preview showed."""

    reason = serializers.CharField(help_text="For example: Extend all grants at current levels, excluding one-off funding.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = PlausibleDate()
    decision = decision_field()
    expected_total = money_input(
        help_text="The total the preview showed (GET this endpoint). If the agreements have changed since, nothing is "
        "written and the answer says to preview again."
    )
    levels = serializers.DictField(
        child=money_input(min_value=Decimal("0.01")),
        required=False,
        default=dict,
        help_text="The annual level to extend an agreement at instead of its current level, by agreement id, for example "
        '{"12": "7500.00"} (an agreement that ran part of the year before is otherwise annualised; the preview\'s rows '
        "say what from). expected_total is then the total with these levels.",
    )

    def validate_levels(self, value: dict) -> dict[int, Decimal]:
        if not all(str(key).isdigit() for key in value):
            raise serializers.ValidationError('Give each level under its agreement\'s id, for example {"12": "7500.00"}.')
        return {int(key): amount for key, amount in value.items()}


class ExtensionRowSerializer(serializers.Serializer):
    agreement = AgreementRefSerializer(read_only=True)
    old_end = serializers.DateField(read_only=True, help_text="Its current end date: the day before the year starts.")
    new_end = serializers.DateField(read_only=True)
    old_value = Money(help_text="Its value in the year before, one-off money included.")
    new_value = Money(help_text="What the extension adds: the year before's recurrent funding, as a level for a year.")
    annualised_from = serializers.SerializerMethodField(
        help_text="For an agreement that ran part of the year before: what its level is based on, for example "
        "'6 months (1 October 2022 to 31 March 2023)'; null when it ran the whole year."
    )
    lines = FundingLineSerializer(many=True, read_only=True)

    def get_annualised_from(self, row) -> str | None:
        return row.level.basis if row.level is not None else None


class SkippedAgreementSerializer(serializers.Serializer):
    agreement = AgreementRefSerializer(read_only=True)
    reason = serializers.CharField(read_only=True)


class ExtensionPreviewSerializer(serializers.Serializer):
    """What extending every agreement at current levels would write, before anything is written."""

    programme = ProgrammeRefSerializer(read_only=True)
    financial_year = serializers.CharField(source="year.label", read_only=True)
    total = Money(help_text="What the extensions add in all: give it as expected_total to apply them.")
    rows = ExtensionRowSerializer(many=True, read_only=True, help_text="The agreements that would be extended.")
    skipped = serializers.SerializerMethodField(help_text="The programme's other agreements, and why each is left as it is.")
    excluded_streams = StreamRefSerializer(many=True, read_only=True, help_text="One-off streams, and streams not running.")
    problems = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Allocations that would not hold the extension."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Agreements whose level is annualised from part of a year."
    )

    @extend_schema_field(SkippedAgreementSerializer(many=True))
    def get_skipped(self, preview) -> list:
        return SkippedAgreementSerializer([{"agreement": a, "reason": r} for a, r in preview.skipped], many=True).data


# --- Conversion to multi-year ---


UPLIFT = {"max_digits": 6, "decimal_places": 3, "min_value": 0, "max_value": 100}


class ConversionPlanSerializer(serializers.Serializer):
    """The terms that shape the profile: the last year and the annual uplift."""

    last_year = FinancialYearField(help_text="The conversion runs the agreement to the end of this year, like 2025-26.")
    uplift_percent = PlainDecimal(
        **UPLIFT,
        required=False,
        default=Decimal("0"),
        help_text=f"0 for the same amount each year, or such as 2.7. {UPLIFT_RULE}",
    )


class ConversionInputSerializer(ConversionPlanSerializer):
    """A conversion to multi-year, as on the page 'Convert to multi-year': a variation with its profile and terms."""

    amounts = serializers.ListField(
        child=money_input(min_value=Decimal("0.01")),
        required=False,
        allow_empty=False,
        help_text="One amount for each year the conversion adds, in order (the preview lists them); leave out to use "
        "the uplift rule's amounts.",
    )
    notice_months = serializers.IntegerField(
        min_value=1, max_value=24, required=False, allow_null=True, help_text="Break clause: the notice period in months."
    )
    earliest_break_date = PlausibleDate(
        required=False, allow_null=True, help_text="Break clause: the earliest date the agreement can end early."
    )
    first_review_date = PlausibleDate(
        required=False, allow_null=True, help_text="The first annual review; later ones fall on the same day each year."
    )
    reason = serializers.CharField(help_text="For example: Convert to a multi-year agreement.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = PlausibleDate()
    decision = decision_field()
    expected_total = money_input(
        required=False,
        help_text="What the preview said the conversion adds: if the agreement has changed since, nothing is written.",
    )


class ProfileRowSerializer(serializers.Serializer):
    financial_year = serializers.CharField(source="year.label", read_only=True)
    amount = Money()
    rule_amount = Money(help_text="The uplift rule's amount for the year.")
    added = serializers.BooleanField(read_only=True, help_text="False for the agreement's current last year, the base.")
    budget_known = serializers.BooleanField(read_only=True, help_text="False: committed ahead of the year's budget.")
    lines = FundingLineSerializer(many=True, read_only=True)


class ProfilePlanSerializer(serializers.Serializer):
    """What a conversion would add, year by year, before anything is written."""

    uplift_percent = serializers.DecimalField(**UPLIFT, read_only=True)
    first_year = serializers.CharField(source="first_year.label", read_only=True)
    last_year = serializers.CharField(source="last_year.label", read_only=True)
    total = Money()
    added_total = Money(help_text="What the conversion adds: give it as expected_total to convert.")
    rows = ProfileRowSerializer(many=True, read_only=True)
    problems = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Allocations that would not hold the profile."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Said when the agreement ran part of its last year: the uplifts start from that level annualised.",
    )


# --- Decisions ---


class DecisionSerializer(ReadOnlyModelSerializer):
    amount_approved = Money(allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "title",
            "decision_date",
            "meeting",
            "minute_reference",
            "resolution",
            "amount_approved",
            "period_start",
            "period_end",
            "recorded_by",
            "recorded_at",
        ]


class DecisionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    decision_date = PlausibleDate()
    meeting = serializers.CharField(max_length=200, help_text="For example: Cabinet, 10 February 2022.")
    minute_reference = optional_text(60)
    resolution = optional_text()
    amount_approved = PlainDecimal(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, coerce_to_string=True
    )
    period_start = PlausibleDate(required=False, allow_null=True)
    period_end = PlausibleDate(required=False, allow_null=True, help_text="After period_start.")
