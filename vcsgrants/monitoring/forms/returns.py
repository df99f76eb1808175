"""Forms for targets and quarterly returns: fields are built from the KPIs due, so each names its KPI."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import GovukForm
from vcsgrants.monitoring.models import Kpi, KpiTarget, Outcome
from vcsgrants.monitoring.selectors import format_kpi_value

NUMBER = {"max_digits": 14, "decimal_places": 2}


def _number_field(code: str, label: str, help_text: str = "") -> forms.DecimalField:
    """An optional number whose every error message names the KPI."""
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        **NUMBER,
        error_messages={
            "invalid": f"{code} must be a number, like 12 or 12.5",
            "max_digits": f"{code} is too large: use at most 12 digits before the decimal point",
            "max_decimal_places": f"{code} can have at most 2 decimal places",
            "max_whole_digits": f"{code} is too large: use at most 12 digits before the decimal point",
        },
    )


def plain_number(value: Decimal | None) -> str | None:
    """A stored value as a person would type it: 20.00 → "20", 91.50 → "91.5"."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unit_label(kpi: Kpi) -> str:
    return kpi.current_version.get_unit_display()


# --- Targets -------------------------------------------------------------------------------


class TargetsFormBase(GovukForm):
    """An annual target and four quarterly targets per agreed KPI; blank quarters are profiled evenly."""

    kpis: list[Kpi] = []
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # five inputs a row: narrower than the default
            field.widget.attrs["class"] = field.widget.attrs["class"].replace("govuk-input--width-10", "govuk-input--width-5")

    def rows(self):
        """(kpi, annual bound field, [Q1..Q4 bound fields]) in KPI order."""
        return [(kpi, self[f"annual_{kpi.pk}"], [self[f"q{q}_{kpi.pk}"] for q in (1, 2, 3, 4)]) for kpi in self.kpis]

    def groups(self) -> list[tuple[Outcome, list]]:
        """[(outcome, rows)] in outcome order, for a table per outcome."""
        groups: list[tuple[Outcome, list]] = []
        for row in self.rows():
            if not groups or groups[-1][0] != row[0].outcome:
                groups.append((row[0].outcome, []))
            groups[-1][1].append(row)
        return groups

    def filled_rows(self) -> list[tuple[Kpi, Decimal, list[Decimal] | None]]:
        """(kpi, annual target, the four quarters or None to profile evenly) for every row with an annual target.

        Call after is_valid(); adds an error to a row whose quarters are given without an annual
        target, or only some of them.
        """
        rows = []
        for kpi in self.kpis:
            if (row := read_target_row(self, str(kpi.pk), kpi.code)) is not None:
                rows.append((kpi, *row))
        return rows


def read_target_row(form: GovukForm, suffix: str, name: str) -> tuple[Decimal, list[Decimal] | None] | None:
    """(annual target, the four quarters or None to profile evenly) from the fields annual_<suffix> and q1_<suffix> …
    q4_<suffix>, after is_valid(); None for a blank row, or for one given quarters without an annual target or only
    some quarters (with an error added, naming `name`)."""
    annual = form.cleaned_data.get(f"annual_{suffix}")
    quarters = [form.cleaned_data.get(f"q{q}_{suffix}") for q in (1, 2, 3, 4)]
    given = [q for q in quarters if q is not None]
    if annual is None:
        if given:
            form.add_error(f"annual_{suffix}", f"Give {name}'s annual target, or clear its quarters.")
        return None
    if given and len(given) != 4:
        form.add_error(f"q1_{suffix}", f"Give all four of {name}'s quarters, or leave them all blank to split the year evenly.")
        return None
    return annual, quarters if given else None


def targets_form(data=None, *, kpis: Sequence[Kpi], initial: dict | None = None) -> TargetsFormBase:
    """The targets form for these agreed KPIs (fields annual_<kpi id> and q1_<kpi id> … q4_<kpi id>)."""
    fields: dict[str, object] = {"kpis": list(kpis)}
    for kpi in kpis:
        fields[f"annual_{kpi.pk}"] = _number_field(kpi.code, f"{kpi.code} annual target ({_unit_label(kpi)})")
        for q in (1, 2, 3, 4):
            fields[f"q{q}_{kpi.pk}"] = _number_field(kpi.code, f"{kpi.code} Q{q} target")
    return type("TargetsForm", (TargetsFormBase,), fields)(data, initial=initial)


def targets_initial(targets: Sequence[KpiTarget]) -> dict[str, str | None]:
    initial = {}
    for t in targets:
        initial[f"annual_{t.kpi_id}"] = plain_number(t.annual_target)
        for q, value in enumerate(t.quarter_targets, start=1):
            initial[f"q{q}_{t.kpi_id}"] = plain_number(value)
    return initial


class CarryForwardFormBase(GovukForm):
    """The roll-on's targets: an annual target and four quarters for each agreement × KPI carried forward (fields
    annual_<agreement id>_<kpi id>, q1_… q4_…), pre-filled from last year; a row left blank is not carried."""

    carried: list = []  # services.CarriedTarget, in agreement then KPI order
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # five inputs a row: narrower than the default
            if "class" in field.widget.attrs:
                field.widget.attrs["class"] = field.widget.attrs["class"].replace("govuk-input--width-10", "govuk-input--width-5")

    def groups(self) -> list[tuple[object, list]]:
        """[(agreement, [(carried, annual bound field or None, [Q1..Q4 bound fields])])]: a table per agreement; a
        row already set for the year has no fields."""
        groups: list[tuple[object, list]] = []
        for c in self.carried:
            if not groups or groups[-1][0] != c.agreement:
                groups.append((c.agreement, []))
            fields = (None, []) if c.current else (self[f"annual_{c.key}"], [self[f"q{q}_{c.key}"] for q in (1, 2, 3, 4)])
            groups[-1][1].append((c, *fields))
        return groups

    def filled_rows(self) -> list[tuple[object, object, Decimal, list[Decimal] | None]]:
        """(agreement, kpi, annual target, the four quarters or None to profile evenly) for every row with an annual
        target. Call after is_valid(); adds an error to a row with quarters but no annual target, or only some."""
        rows = []
        for c in self.carried:
            if not c.current and (row := read_target_row(self, c.key, f"{c.agreement.reference} {c.kpi.code}")) is not None:
                rows.append((c.agreement, c.kpi, *row))
        return rows


def carry_forward_form(data=None, *, carried: Sequence, initial: dict | None = None) -> CarryForwardFormBase:
    """The carry-forward form for these rows (services.targets_to_carry_forward); only rows not yet set get fields."""
    fields: dict[str, object] = {"carried": list(carried)}
    for c in carried:
        if c.current:
            continue
        name = f"{c.agreement.reference} {c.kpi.code}"
        fields[f"annual_{c.key}"] = _number_field(name, f"{name} annual target ({_unit_label(c.kpi)})")
        for q in (1, 2, 3, 4):
            fields[f"q{q}_{c.key}"] = _number_field(name, f"{name} Q{q} target")
    return type("CarryForwardForm", (CarryForwardFormBase,), fields)(data, initial=initial)


def carry_forward_initial(carried: Sequence) -> dict[str, str | None]:
    """Last year's figures, as the page pre-fills them."""
    initial = {}
    for c in carried:
        initial[f"annual_{c.key}"] = plain_number(c.previous.annual_target)
        for q, value in enumerate(c.previous.quarter_targets, start=1):
            initial[f"q{q}_{c.key}"] = plain_number(value)
    return initial


# --- Returns -------------------------------------------------------------------------------


class ReturnFormBase(GovukForm):
    """A value per KPI due (kpi_<kpi id>), the narrative and case studies, and (when queried) the answer."""

    targets: list[KpiTarget] = []
    version = VersionField()  # the page's (core.concurrency): the return as it showed it

    def kpi_groups(self) -> list[tuple[Outcome, list]]:
        """[(outcome, [bound fields])] in outcome order, for a fieldset per outcome."""
        groups: list[tuple[Outcome, list]] = []
        for t in self.targets:
            if not groups or groups[-1][0] != t.kpi.outcome:
                groups.append((t.kpi.outcome, []))
            groups[-1][1].append(self[f"kpi_{t.kpi_id}"])
        return groups

    def values(self) -> dict[Kpi, Decimal | None]:
        return {t.kpi: self.cleaned_data.get(f"kpi_{t.kpi_id}") for t in self.targets}


def return_form(
    data=None, *, targets: Sequence[KpiTarget], quarter: int, answering: bool = False, initial: dict | None = None
) -> ReturnFormBase:
    """The return form for the KPIs due (services.kpis_due): label = code, name and unit; hint = definition and target."""
    fields: dict[str, object] = {"targets": list(targets)}
    for target in targets:
        kpi, version = target.kpi, target.kpi.current_version
        quarter_target = format_kpi_value(target.quarter_targets[quarter - 1], version.unit)
        annual = format_kpi_value(target.annual_target, version.unit)
        fields[f"kpi_{kpi.pk}"] = _number_field(
            kpi.code,
            f"{kpi.code} {version.name} ({version.get_unit_display()})",
            f"{version.definition} Target for Q{quarter}: {quarter_target} (year: {annual}).",
        )
    fields["narrative"] = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="Narrative",
        help_text="What you did this quarter, what changed and why. Needed to submit.",
    )
    fields["case_studies"] = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="Case studies",
        help_text="One or two short stories of groups or people you supported. Leave out personal details.",
    )
    if answering:
        fields["comment"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
            label="Your answer to the query",
            help_text="Needed to resubmit: say what you changed or explain the figures.",
        )
    return type("ReturnForm", (ReturnFormBase,), fields)(data, initial=initial)


class ReviewForm(GovukForm):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept the return"), ("query", "Query the return")],
        widget=forms.RadioSelect,
        label="Your decision",
        error_messages={"required": "Choose whether to accept or query the return."},
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Comment",
        help_text="Needed to query: say what the provider needs to answer or correct.",
    )
