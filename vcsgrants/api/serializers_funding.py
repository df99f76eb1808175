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

from vcsgrants.api.serializers import AgreementRefSerializer, FundingLineSerializer, ReadOnlyModelSerializer
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.core.services import financial_year_get, parse_financial_year_label
from vcsgrants.funding.models import Agreement, Decision, FundingStream, Programme, Variation
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
