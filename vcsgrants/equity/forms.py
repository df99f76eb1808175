from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from vcsgrants.core.council import area_word
from vcsgrants.core.forms import GovukForm
from vcsgrants.core.models import FinancialYear
from vcsgrants.equity.engine import METHODS
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import METHOD_NAMES
from vcsgrants.funding.models import FundingStream, Programme

HUNDRED = Decimal(100)


def _percent(label: str, help_text: str = "", required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, help_text=help_text, required=required, min_value=0, max_value=100, max_digits=6, decimal_places=2
    )


def _pounds(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, help_text=help_text, required=False, min_value=0, max_digits=12, decimal_places=2)


class OptionSetForm(GovukForm):
    name = forms.CharField(max_length=200, help_text="For example: 2023-24 options for the review of provision.")
    stream = forms.ModelChoiceField(queryset=FundingStream.objects.none(), label="Funding stream")
    financial_year = forms.ModelChoiceField(queryset=FinancialYear.objects.all(), label="Financial year to allocate")
    source = forms.ChoiceField(
        choices=OptionSet.Source.choices,
        widget=forms.RadioSelect,
        label="Areas",
        initial=OptionSet.Source.DISTRICTS,
        help_text=(
            "The council's areas take their population and need indicators from the Areas page, and today's allocations "
            "from the stream."
        ),
    )
    file = forms.FileField(
        required=False,
        label="Areas CSV (for an upload)",
        help_text="Columns area_id, name, population, current (today's allocation in pounds), then any need indicators.",
    )
    budget = _pounds(
        "Budget to share (£)",
        "Leave blank for the council's areas to use the year's budget less what is allocated to its whole area. "
        "Required for an upload.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = programme.streams.all()
        self.fields["source"].choices = [
            (OptionSet.Source.DISTRICTS, f"The council's {area_word(plural=True)}"),
            (OptionSet.Source.UPLOAD, OptionSet.Source.UPLOAD.label),
        ]

    def clean(self):
        data = super().clean()
        if data.get("source") == OptionSet.Source.UPLOAD:
            if not data.get("file"):
                self.add_error("file", "Choose the CSV file of areas to upload.")
            if data.get("budget") is None:
                self.add_error("budget", "Enter the budget to share between the uploaded areas.")
        return data


class OptionForm(GovukForm):
    """An option: shares of the four methods (adding up to 100%), need weights, and constraints."""

    label = forms.CharField(max_length=120, help_text="A short name shown at the head of the option's column.")

    def __init__(self, *args, indicators: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for method in METHODS:
            self.fields[f"share_{method}"] = _percent(f"{METHOD_NAMES[method].capitalize()} (%)")
        self.fields["share_current"].help_text = "The shares of the four methods must add up to 100%."
        for name in indicators:
            self.fields[f"weight_{name}"] = _percent(
                f"Weight of need indicator '{name}' (%)", "Used by the needs-weighted share; weights add up to 100%."
            )
        self.fields["core"] = _pounds("Core sum per area (£)", "Given to every area before the formula shares the rest.")
        self.fields["floor"] = _pounds("Floor (£)", "No area gets less than this.")
        self.fields["floor_percent"] = _percent(
            "Floor as a share of today's level (%)", "For example 90: no area loses more than 10%."
        )
        self.fields["ceiling"] = _pounds("Ceiling (£)", "No area gets more than this.")
        self.fields["damping"] = _percent("Damping (±% a year)", "The most any area's allocation may change in a year.")
        self.fields["years"] = forms.IntegerField(
            min_value=1, max_value=20, initial=1, label="Years of the glide path", help_text="1 for next year only."
        )

    def method_fields(self):
        return [self[f"share_{m}"] for m in METHODS]

    def weight_fields(self):
        return [self[f"weight_{n}"] for n in self.indicators]

    def constraint_fields(self):
        return [self[n] for n in ("core", "floor", "floor_percent", "ceiling", "damping", "years")]

    def clean(self):
        data = super().clean()
        shares = {m: data.get(f"share_{m}") or Decimal(0) for m in METHODS}
        if sum(shares.values()) != HUNDRED:
            raise ValidationError(
                f"The shares of the four methods add up to {sum(shares.values()):g}%; they must add up to 100%."
            )
        weights = {n: data.get(f"weight_{n}") or Decimal(0) for n in self.indicators}
        if shares["needs"] and not self.indicators:
            self.add_error("share_needs", "This option set has no need indicators, so it cannot be needs-weighted.")
        elif shares["needs"] and sum(weights.values()) != HUNDRED:
            self.add_error(
                f"weight_{self.indicators[0]}",
                f"The need indicator weights add up to {sum(weights.values()):g}%; they must add up to 100%.",
            )
        return data

    def build(self, option_set: OptionSet) -> Option:
        data = self.cleaned_data
        blend = {m: str(data[f"share_{m}"] / HUNDRED) for m in METHODS if data.get(f"share_{m}")}
        weights = {}
        if "needs" in blend:
            weights = {n: str(data[f"weight_{n}"] / HUNDRED) for n in self.indicators if data.get(f"weight_{n}")}

        def fraction(name):
            return None if data.get(name) is None else data[name] / HUNDRED

        return Option(
            option_set=option_set,
            label=data["label"],
            blend=blend,
            weights=weights,
            core=data.get("core") or Decimal("0.00"),
            floor=data.get("floor"),
            floor_share=fraction("floor_percent"),
            ceiling=data.get("ceiling"),
            damping=fraction("damping"),
            years=data.get("years") or 1,
        )
