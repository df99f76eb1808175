"""JSON shapes of the outcomes framework: KPIs and their versions, agreements' targets, and quarterly returns.

Targets and KPI values are strings with two decimals ("31.00"); in input, a number may be a string ("31") or a
JSON number. A return's values are keyed by KPI code.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.api.base import FinancialYearField, FinancialYearLabel, PlainDecimal, ReadOnlyModelSerializer
from vcsgrants.api.serializers.funding import AgreementRefSerializer, ProgrammeRefSerializer
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.monitoring.models import (
    Kpi,
    KpiComment,
    KpiTarget,
    KpiVersion,
    Outcome,
    ProgrammeMonitoring,
    Return,
    ReturnEvent,
    ReturnValue,
)
from vcsgrants.monitoring.services import due_date_for

# The pages' limit for targets and KPI values: 14 digits with 2 decimals (monitoring's NUMBER).
FIGURE = {"max_digits": 14, "decimal_places": 2}


class Figure(PlainDecimal):
    """A target or KPI value as a string with two decimals ("31.00"), never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


# --- KPIs ---


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


# --- Targets ---


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


class KpiTargetSetSerializer(serializers.Serializer):
    """An agreement's target for an agreed KPI in a year, as on the page 'KPI targets'."""

    agreement = serializers.IntegerField(min_value=1, help_text="The agreement's id.")
    kpi = serializers.IntegerField(min_value=1, help_text="The KPI's id.")
    financial_year = FinancialYearField()
    annual_target = PlainDecimal(**FIGURE, min_value=0)
    quarter_targets = serializers.ListField(
        child=PlainDecimal(**FIGURE, min_value=0),
        min_length=4,
        max_length=4,
        required=False,
        allow_null=True,
        help_text="Q1 to Q4; leave out (or null) to profile the year evenly.",
    )


# --- Quarterly returns ---


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


class ReturnContentSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=PlainDecimal(max_digits=14, decimal_places=2, allow_null=True),
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
