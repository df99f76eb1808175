"""JSON shapes of allocation option sets: each option's settings, its results from the equity engine (allocation
per area, equity measures, glide path), and the input to build a set, add an option and adopt one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.api.base import FinancialYearLabel, Money, PlainDecimal, ReadOnlyModelSerializer, optional_text
from vcsgrants.api.serializers.funding import ProgrammeRefSerializer, StreamRefSerializer
from vcsgrants.equity.engine import METHODS
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import describe_option

# --- Option sets and their results ---


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


# --- Building a set, adding and adopting options ---


class OptionSetInputSerializer(serializers.Serializer):
    """An option set over the council's active areas (population and need indicators from the Areas pages)."""

    programme = serializers.IntegerField(min_value=1, help_text="The programme's id.")
    stream = serializers.IntegerField(min_value=1, help_text="One of the programme's funding streams (its id).")
    financial_year = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="The year to allocate, written like 2023-24.")
    name = serializers.CharField(max_length=200)
    budget = PlainDecimal(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        coerce_to_string=True,
        help_text="Leave out to use the year's budget less what is allocated to the council's whole area (county-wide).",
    )
    notes = optional_text()


PERCENT = {"max_digits": 6, "decimal_places": 2, "min_value": 0, "max_value": 100, "coerce_to_string": True}


POUNDS = {"max_digits": 12, "decimal_places": 2, "min_value": 0, "coerce_to_string": True, "required": False, "allow_null": True}


class OptionInputSerializer(serializers.Serializer):
    """An option, as on the page: the methods' shares and the need weights in percent (each adding up to 100)."""

    label = serializers.CharField(max_length=120)
    shares = serializers.DictField(
        child=PlainDecimal(**PERCENT),
        help_text=f"Method ({', '.join(METHODS)}) → share in percent; the shares add up to 100.",
    )
    weights = serializers.DictField(
        child=PlainDecimal(**PERCENT),
        required=False,
        help_text="Need indicator → weight in percent, adding up to 100 (for a needs-weighted share).",
    )
    core = PlainDecimal(**POUNDS, help_text="Given to every area before the formula shares the rest.")
    floor = PlainDecimal(**POUNDS, help_text="No area gets less than this.")
    floor_percent = PlainDecimal(
        **PERCENT, required=False, allow_null=True, help_text="Floor as a share of today's level, in percent."
    )
    ceiling = PlainDecimal(**POUNDS, help_text="No area gets more than this.")
    damping = PlainDecimal(
        **PERCENT, required=False, allow_null=True, help_text="The most an allocation may change in a year, in percent."
    )
    years = serializers.IntegerField(min_value=1, max_value=20, required=False, default=1)


class AdoptInputSerializer(serializers.Serializer):
    decision = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The decision that approves it (its id), if any.",
    )


class AdoptedAllocationSerializer(serializers.Serializer):
    financial_year = FinancialYearLabel()
    stream = StreamRefSerializer(read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)
    amount = Money()
