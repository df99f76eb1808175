"""Input shapes for the API's writes to funding and monitoring records, and the few new output shapes.

Each input mirrors the page's form (the same fields, limits and choices); the rules themselves live in the
services the pages call, whose refusals the views turn into 400s naming the field. Money and targets are
strings or JSON numbers with at most two decimals; ids are whole numbers; districts are GSS codes
("E07000032"); financial years are written 2022-23.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.api.serializers import (
    AgreementRefSerializer,
    FinancialYearLabel,
    FundingLineSerializer,
    Money,
    OrganisationRefSerializer,
    ProgrammeRefSerializer,
    ReadOnlyModelSerializer,
    StreamRefSerializer,
)
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.core.services import financial_year_get, parse_financial_year_label
from vcsgrants.funding.models import (
    Agreement,
    AgreementDocument,
    Decision,
    FundingStream,
    Programme,
    ProgrammePeriod,
    StreamContribution,
    Variation,
)
from vcsgrants.funding.multiyear import UPLIFT_RULE
from vcsgrants.monitoring.models import KpiComment, KpiVersion

# The pages' limits: money up to 12 digits with 2 decimals (funding/forms.py MONEY); targets 14 (monitoring NUMBER).
MONEY = {"max_digits": 12, "decimal_places": 2}
FIGURE = {"max_digits": 14, "decimal_places": 2}
# Financial years the system handles; a label outside them is refused rather than made into a year.
FIRST_YEAR, LAST_YEAR = 1990, 2099


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2022-23"})
class FinancialYearField(serializers.Field):
    """A financial year written 2022-23, given back as the FinancialYear record."""

    default_error_messages = {"invalid": "Write the financial year like 2022-23."}

    def to_internal_value(self, data) -> FinancialYear:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            start_year = parse_financial_year_label(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if not FIRST_YEAR <= start_year <= LAST_YEAR:
            raise serializers.ValidationError(
                f"{data} is not a financial year this system handles ({FIRST_YEAR}-91 to {LAST_YEAR}-00)."
            )
        return financial_year_get(start_year=start_year)

    def to_representation(self, value: FinancialYear) -> str:
        return value.label


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice whose values are listed where it is used: a shared enum component would collide in name with the
    read serializers' own (spectacular warns, and the document must generate without warnings)."""
    field_class = extend_schema_field({"type": "string", "enum": [value for value, _ in choices]})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


def money_input(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, **kwargs)


def area_field(**kwargs) -> serializers.SlugRelatedField:
    kwargs.setdefault("help_text", "The district's GSS code, such as E07000032.")
    return serializers.SlugRelatedField(slug_field="gss_code", queryset=Area.objects.all(), **kwargs)


# --- Programmes, funding streams, budgets and allocations --------------------------------------------------


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


class AllocationsSetSerializer(serializers.Serializer):
    stream = serializers.PrimaryKeyRelatedField(queryset=FundingStream.objects.all(), help_text="The funding stream's id.")
    financial_year = FinancialYearField()
    amounts = serializers.DictField(
        child=money_input(min_value=0),
        allow_empty=False,
        help_text='The allocation per district GSS code, such as {"E07000032": "40000.00"}. Districts not named keep '
        "their allocation; 0 removes one.",
    )

    def validate_amounts(self, amounts: dict) -> dict:
        areas = Area.objects.in_bulk(list(amounts), field_name="gss_code")
        unknown = [code for code in amounts if code not in areas]
        if unknown:
            raise serializers.ValidationError({code: ["No district or county-wide area has this GSS code."] for code in unknown})
        return {areas[code]: amount for code, amount in amounts.items()}


# --- Programme periods, partners' contributions and the bulk extension --------------------------------------


def decision_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, help_text="The id of the decision it rests on."
    )


PERIOD_KINDS = ProgrammePeriod.Kind.values  # named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]


class PeriodInputSerializer(serializers.Serializer):
    """A programme period, as on the page 'Record a period': the approved period first, then each extension."""

    kind = choice(ProgrammePeriod.Kind.choices, help_text="approved: the programme's approved period; extension: a later one.")
    start = serializers.DateField()
    end = serializers.DateField(help_text="After the start.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = serializers.DateField()
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


class ExtensionYearSerializer(serializers.Serializer):
    financial_year = FinancialYearField(help_text="The year to extend into, written like 2023-24.")


class BulkExtensionApplySerializer(ExtensionYearSerializer):
    """The approval the page asks for, and the total the preview showed."""

    reason = serializers.CharField(help_text="For example: Extend all grants at current levels, excluding one-off funding.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = serializers.DateField()
    decision = decision_field()
    expected_total = money_input(
        help_text="The total the preview showed (GET this endpoint). If the agreements have changed since, nothing is "
        "written and the answer says to preview again."
    )


class ExtensionRowSerializer(serializers.Serializer):
    agreement = AgreementRefSerializer(read_only=True)
    old_end = serializers.DateField(read_only=True, help_text="Its current end date: the day before the year starts.")
    new_end = serializers.DateField(read_only=True)
    old_value = Money(help_text="Its value in the year before, one-off money included.")
    new_value = Money(help_text="What the extension adds: the year before's recurrent funding.")
    lines = FundingLineSerializer(many=True, read_only=True)


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

    @extend_schema_field(SkippedAgreementSerializer(many=True))
    def get_skipped(self, preview) -> list:
        return SkippedAgreementSerializer([{"agreement": a, "reason": r} for a, r in preview.skipped], many=True).data


# --- Organisations ---------------------------------------------------------------------------------------


class OrganisationWriteSerializer(serializers.ModelSerializer):
    """An organisation, as on the page 'Add an organisation'."""

    org_id = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="From org-id.guide, such as GB-CHC-1234567; blank or null for none.",
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="For a department: its body's id."
    )
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="The id of the body that took over."
    )
    kind = choice(Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "org_id", "charity_number", "company_number", "parent", "successor", "succeeded_on"]

    def validate_org_id(self, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is None:
            return None
        Organisation._meta.get_field("org_id").run_validators(value)
        taken = Organisation.objects.filter(org_id=value).exclude(pk=getattr(self.instance, "pk", None))
        if taken.exists():
            raise serializers.ValidationError("Another organisation has this Org-ID.")
        return value


# --- Agreements, funding lines, variations and payment schedules --------------------------------------------


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
    title = serializers.CharField(max_length=200)
    areas = area_field(many=True, help_text="The districts (GSS codes) the agreement covers.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    lines = PositiveLineSerializer(many=True, required=False, help_text="The agreement's funding, if known now.")


class AgreementUpdateSerializer(serializers.Serializer):
    """A draft's own terms; fields not given keep their value. An active agreement changes by variation."""

    title = serializers.CharField(max_length=200, required=False)
    areas = area_field(many=True, required=False, help_text="The districts (GSS codes) the agreement covers.")
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class AgreementStatusSerializer(serializers.Serializer):
    status = choice(Agreement.Status.choices, help_text="draft → active → ended; an ended agreement may be made active again.")


class FundingLinesInputSerializer(serializers.Serializer):
    lines = PositiveLineSerializer(many=True, allow_empty=False, help_text="Money to add to the draft's original terms.")


class VariationCreateSerializer(serializers.Serializer):
    """A variation, as on the page 'Vary an agreement'. A conversion to multi-year has its own page."""

    agreement = serializers.IntegerField(min_value=1, help_text="The agreement's id.")
    kind = serializers.ChoiceField(choices=[c for c in Variation.Kind.choices if c[0] != Variation.Kind.MULTI_YEAR])
    new_end_date = serializers.DateField(required=False, allow_null=True, help_text="For an extension only.")
    reason = serializers.CharField()
    approved_by = serializers.CharField(
        max_length=200, help_text="For example: Cabinet, or the officer with delegated authority."
    )
    approved_on = serializers.DateField()
    decision = serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, help_text="The id of the decision it rests on."
    )
    lines = LineInputSerializer(
        many=True, required=False, help_text="The money it adds; a reduction is a negative amount such as -500.00."
    )


class InstalmentInputSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    amount = money_input(min_value=0)


class ScheduleInputSerializer(serializers.Serializer):
    financial_year = FinancialYearField()
    instalments = InstalmentInputSerializer(
        many=True, help_text="Every instalment of the year; they must add up to the agreement's value for it."
    )


class PaymentInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="Not in the future.")
    amount = money_input(min_value=0, help_text="At most what is outstanding on the instalment.")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


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


# --- Conversion to multi-year ----------------------------------------------------------------------------

UPLIFT = {"max_digits": 6, "decimal_places": 3, "min_value": 0, "max_value": 100}


class ConversionPlanSerializer(serializers.Serializer):
    """The terms that shape the profile: the last year and the annual uplift."""

    last_year = FinancialYearField(help_text="The conversion runs the agreement to the end of this year, like 2025-26.")
    uplift_percent = serializers.DecimalField(
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
    earliest_break_date = serializers.DateField(
        required=False, allow_null=True, help_text="Break clause: the earliest date the agreement can end early."
    )
    first_review_date = serializers.DateField(
        required=False, allow_null=True, help_text="The first annual review; later ones fall on the same day each year."
    )
    reason = serializers.CharField(help_text="For example: Convert to a multi-year agreement.")
    approved_by = serializers.CharField(max_length=200, help_text="For example: Cabinet.")
    approved_on = serializers.DateField()
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


# --- Documents ---------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent as a multipart/form-data part (the document says binary, not a URL)."""


class DocumentUploadSerializer(serializers.Serializer):
    """A document, sent as multipart/form-data, as on the page 'Upload a document'."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="Blank: the file name.")
    file = UploadField(help_text="The file; the same types and size limit as the page.")


class AgreementDocumentSerializer(ReadOnlyModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = AgreementDocument
        fields = ["id", "title", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]


# --- KPIs and targets ------------------------------------------------------------------------------------


def _version_input(name: str, required: bool = True, help_text: str = ""):
    field = KpiVersion._meta.get_field(name)
    if field.choices:
        return serializers.ChoiceField(choices=field.choices, required=required, help_text=help_text)
    if name == "name":
        return serializers.CharField(max_length=200, required=required, help_text=help_text)
    return serializers.CharField(required=required, help_text=help_text)


class KpiProposeSerializer(serializers.Serializer):
    """A proposed KPI, as on the page 'Propose a KPI': an officer agrees, amends or rejects it."""

    outcome = serializers.IntegerField(min_value=1, help_text="The id of the outcome it measures.")
    code = serializers.CharField(max_length=12, help_text="A short reference such as SG1.")
    name = _version_input("name")
    definition = _version_input("definition", help_text="What counts, what does not, and where the figure comes from.")
    unit = _version_input("unit")
    aggregation = _version_input("aggregation", help_text="How values add up over quarters and providers.")
    direction = _version_input("direction")
    rba_type = _version_input("rba_type", help_text="Results-Based Accountability type.")


class KpiDefinitionUpdateSerializer(serializers.Serializer):
    """Definition fields not given keep the current version's value (the page shows them filled in)."""

    name = _version_input("name", required=False)
    definition = _version_input("definition", required=False)
    unit = _version_input("unit", required=False)
    aggregation = _version_input("aggregation", required=False)
    direction = _version_input("direction", required=False)
    rba_type = _version_input("rba_type", required=False)


class KpiDecideSerializer(KpiDefinitionUpdateSerializer):
    decision = serializers.ChoiceField(choices=[("agree", "Agree, with any amendments"), ("reject", "Reject")])
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to reject; when agreeing, what was amended and why."
    )


class KpiRefineSerializer(KpiDefinitionUpdateSerializer):
    change_note = serializers.CharField(max_length=300, help_text="What changed and why.")


class KpiRetireSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the KPI is retired.")


class KpiCommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class KpiCommentSerializer(ReadOnlyModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = KpiComment
        fields = ["id", "author", "text", "created_at"]


class KpiTargetSetSerializer(serializers.Serializer):
    """An agreement's target for an agreed KPI in a year, as on the page 'KPI targets'."""

    agreement = serializers.IntegerField(min_value=1, help_text="The agreement's id.")
    kpi = serializers.IntegerField(min_value=1, help_text="The KPI's id.")
    financial_year = FinancialYearField()
    annual_target = serializers.DecimalField(**FIGURE, min_value=0)
    quarter_targets = serializers.ListField(
        child=serializers.DecimalField(**FIGURE, min_value=0),
        min_length=4,
        max_length=4,
        required=False,
        allow_null=True,
        help_text="Q1 to Q4; leave out (or null) to profile the year evenly.",
    )
