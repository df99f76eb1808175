"""Multi-year agreements: create one, or convert an annual one by variation; the profile, uplift and break clause.

An agreement's money stays in funding lines, one set per financial year, so current terms are still the
original plus every variation, and the original is never overwritten. Multi-year terms add the years'
profile (what was agreed for each year), the annual uplift and its rounding rule, the break clause and the
annual review dates. Money for a year whose budget is not yet known is committed subject to that budget
(no allocation can be checked yet); the commitments forecast flags such years.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.models import Area, FinancialYear, Organisation, User
from vcsgrants.core.money import PENNY, pounds
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding import multiyear
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MultiYearTerms,
    ProfileYear,
    Programme,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.services.agreements import LineInput, agreement_create, variation_record
from vcsgrants.funding.services.programmes import committed_total

MAX_NOTICE_MONTHS = 24
MAX_YEARS = 10


@dataclass
class Component:
    """One stream × district of the agreement's money; its weight shares each year's amount."""

    stream: FundingStream
    area: Area
    weight: Decimal


@dataclass
class ProfileRow:
    year: FinancialYear
    amount: Decimal
    rule_amount: Decimal
    added: bool
    lines: list[LineInput] = field(default_factory=list)
    budget_known: bool = True

    @property
    def by_rule(self) -> bool:
        return self.amount == self.rule_amount


@dataclass
class ProfilePlan:
    """What a multi-year agreement or conversion would hold, year by year, before anything is written."""

    uplift_percent: Decimal
    rows: list[ProfileRow]
    components: list[Component]
    problems: list[str] = field(default_factory=list)
    level: multiyear.AnnualLevel | None = None  # a conversion from a part year: the level its uplifts start from

    @property
    def warnings(self) -> list[str]:
        if self.level is None:
            return []
        return [
            f"The agreement ran {self.level.basis} in {self.first_year}: its {pounds(self.level.amount)} of recurrent "
            f"funding is annualised to {pounds(self.level.annual)} a year, and the uplifts start from that. Give each "
            "year's amount instead if the work will not run at that rate for a whole year."
        ]

    @property
    def first_year(self) -> FinancialYear:
        return self.rows[0].year

    @property
    def last_year(self) -> FinancialYear:
        return self.rows[-1].year

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    @property
    def rule_total(self) -> Decimal:
        return sum((r.rule_amount for r in self.rows), ZERO)

    @property
    def added_total(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.added), ZERO)

    @property
    def lines(self) -> list[LineInput]:
        return [ln for r in self.rows for ln in r.lines]

    @property
    def ahead_of_budget(self) -> list[ProfileRow]:
        return [r for r in self.rows if r.added and not r.budget_known]


def _years(first: FinancialYear, last: FinancialYear) -> list[FinancialYear]:
    if last.start_year < first.start_year:
        raise ValidationError({"last_year": f"The last year, {last}, is before the first, {first}."})
    if last.start_year - first.start_year + 1 > MAX_YEARS:
        raise ValidationError({"last_year": f"A multi-year agreement runs for at most {MAX_YEARS} financial years."})
    return [financial_year_get(start_year=y) for y in range(first.start_year, last.start_year + 1)]


def _check_amounts(amounts: Sequence[Decimal], years: Sequence[FinancialYear]) -> None:
    errors = []
    for year, amount in zip(years, amounts, strict=True):
        if amount <= 0:
            errors.append(f"{year}: each year's amount must be more than £0.00.")
        elif amount != amount.quantize(PENNY):
            errors.append(f"{year}: give the amount in pounds and pence.")
    if errors:
        raise ValidationError({"amount": errors})


def _uplift(percent: Decimal) -> Decimal:
    try:
        multiyear.check_uplift(percent)
    except ValueError as exc:
        raise ValidationError({"uplift_percent": str(exc)}) from exc
    return percent


def _build(
    *,
    years: Sequence[FinancialYear],
    rule_amounts: Sequence[Decimal],
    amounts: Sequence[Decimal] | None,
    added: Sequence[bool],
    components: Sequence[Component],
    uplift_percent: Decimal,
) -> ProfilePlan:
    """Rows with their lines: each added year's amount shared over the components, to the penny."""
    new_years = [y for y, a in zip(years, added, strict=True) if a]
    if amounts is None:
        amounts_by_year = dict(zip(years, rule_amounts, strict=True))
    else:
        if len(amounts) != len(new_years):
            raise ValidationError(
                {"amount": f"Give one amount for each of the {len(new_years)} years: {', '.join(map(str, new_years))}."}
            )
        _check_amounts(amounts, new_years)
        amounts_by_year = dict(zip(years, rule_amounts, strict=True)) | dict(zip(new_years, amounts, strict=True))
    budgets = set(
        StreamBudget.objects.filter(stream__in=[c.stream for c in components], financial_year__in=new_years).values_list(
            "stream_id", "financial_year_id"
        )
    )
    rows = []
    for year, rule_amount, is_added in zip(years, rule_amounts, added, strict=True):
        row = ProfileRow(year=year, amount=amounts_by_year[year], rule_amount=rule_amount, added=is_added)
        if is_added:
            parts = multiyear.split_profile([row.amount], [c.weight for c in components])[0]
            row.lines = [LineInput(c.stream, year, c.area, part) for c, part in zip(components, parts, strict=True) if part]
            row.budget_known = all((c.stream.pk, year.pk) in budgets for c in components)
        rows.append(row)
    plan = ProfilePlan(uplift_percent=uplift_percent, rows=rows, components=list(components))
    plan.problems = _allocation_problems(plan, budgets)
    return plan


def _allocation_problems(plan: ProfilePlan, budgets: set[tuple[int, int]]) -> list[str]:
    """Years whose budget is known must fit the district's allocation, as for any agreement: say so before confirming."""
    needed: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for ln in plan.lines:
        if (ln.stream.pk, ln.financial_year.pk) in budgets:
            needed[(ln.stream, ln.financial_year, ln.area)] += ln.amount
    problems = []
    for (stream, year, area), amount in sorted(
        needed.items(), key=lambda kv: (kv[0][1].start_year, kv[0][0].name, kv[0][2].name)
    ):
        allocation = Allocation.objects.filter(stream=stream, financial_year=year, area=area).first()
        free = (allocation.amount if allocation else ZERO) - committed_total(stream=stream, year=year, area=area)
        if amount > free:
            problems.append(
                f"{area}: the {year} allocation from {stream} has {pounds(max(free, ZERO))} uncommitted; "
                f"the profile needs {pounds(amount)}."
            )
    return problems


def _check_terms(
    *,
    plan: ProfilePlan,
    start: dt.date,
    end: dt.date,
    notice_months: int | None,
    earliest_break_date: dt.date | None,
    first_review_date: dt.date | None,
) -> None:
    """The break clause and reviews must fit the agreement's dates, and the profile its allocations."""
    errors: dict[str, list[str]] = defaultdict(list)
    if (notice_months is None) != (earliest_break_date is None):
        errors["earliest_break_date" if earliest_break_date is None else "notice_months"].append(
            "A break clause needs both the notice period and the earliest break date (or leave both empty for none)."
        )
    if notice_months is not None and not 1 <= notice_months <= MAX_NOTICE_MONTHS:
        errors["notice_months"].append(f"The notice period is 1 to {MAX_NOTICE_MONTHS} months.")
    if earliest_break_date is not None:
        if not start < earliest_break_date < end:
            errors["earliest_break_date"].append(
                f"The earliest break date must fall after the agreement starts ({start:%d %B %Y}) and before it ends "
                f"({end:%d %B %Y})."
            )
        elif notice_months is not None and 1 <= notice_months <= MAX_NOTICE_MONTHS:
            deadline = multiyear.notice_deadline(earliest_break_date, notice_months)
            if deadline < start:
                errors["earliest_break_date"].append(
                    f"With {notice_months} months' notice, notice for a break on {earliest_break_date:%d %B %Y} would have to "
                    f"be given by {deadline:%d %B %Y}, before the agreement starts."
                )
    if first_review_date is not None and not start <= first_review_date <= end:
        errors["first_review_date"].append(
            f"The first annual review must fall within the agreement, {start:%d %B %Y} to {end:%d %B %Y}."
        )
    if errors:
        raise ValidationError(dict(errors))
    if plan.problems:
        raise ValidationError({"amount": plan.problems})


def _write_terms(
    *,
    agreement: Agreement,
    plan: ProfilePlan,
    actor: User,
    variation: Variation | None,
    notice_months: int | None,
    earliest_break_date: dt.date | None,
    first_review_date: dt.date | None,
) -> MultiYearTerms:
    terms = MultiYearTerms.objects.create(
        agreement=agreement,
        variation=variation,
        first_year=plan.first_year,
        last_year=plan.last_year,
        uplift_percent=plan.uplift_percent,
        notice_months=notice_months,
        earliest_break_date=earliest_break_date,
        first_review_date=first_review_date,
        created_by=actor,
    )
    ProfileYear.objects.bulk_create(
        ProfileYear(terms=terms, financial_year=r.year, amount=r.amount, added=r.added) for r in plan.rows
    )
    brk = (
        f"; break on {earliest_break_date:%d %b %Y} at the earliest with {notice_months} months' notice"
        if earliest_break_date
        else "; no break clause"
    )
    record_event(
        actor=actor,
        verb="agreement.multiyear_terms",
        obj=agreement,
        summary=f"{agreement.reference}: multi-year terms {plan.first_year} to {plan.last_year}, uplift "
        f"{plan.uplift_percent.normalize():f}% a year{brk}; profile "
        + ", ".join(f"{r.year} {pounds(r.amount)}" for r in plan.rows),
        data={
            "variation": variation.number if variation else None,
            "uplift_percent": str(plan.uplift_percent),
            "profile": {r.year.label: str(r.amount) for r in plan.rows},
            "committed_ahead_of_budget": [r.year.label for r in plan.ahead_of_budget],
        },
    )
    return terms


# --- A new multi-year agreement --------------------------------------------------------------


def multiyear_plan_new(
    *,
    stream: FundingStream,
    area: Area,
    first_year: FinancialYear,
    last_year: FinancialYear,
    first_amount: Decimal,
    uplift_percent: Decimal,
    amounts: Sequence[Decimal] | None = None,
) -> ProfilePlan:
    """The profile of a new agreement: the first year's amount, then each year uplifted (or the amounts given)."""
    years = _years(first_year, last_year)
    if len(years) < 2:
        raise ValidationError({"last_year": "A multi-year agreement runs for at least two financial years."})
    _uplift(uplift_percent)
    _check_amounts([first_amount], years[:1])
    not_running = [str(y) for y in years if not stream.runs_in(y)]
    if not_running:
        raise ValidationError({"stream": f"{stream} does not run in {', '.join(not_running)}."})
    rule = multiyear.uplift_profile(first_amount, uplift_percent, len(years))
    return _build(
        years=years,
        rule_amounts=rule,
        amounts=amounts,
        added=[True] * len(years),
        components=[Component(stream, area, Decimal(1))],
        uplift_percent=uplift_percent,
    )


@transaction.atomic
def agreement_create_multiyear(
    *,
    programme: Programme,
    organisation: Organisation,
    area: Area,
    stream: FundingStream,
    title: str,
    first_year: FinancialYear,
    last_year: FinancialYear,
    first_amount: Decimal,
    uplift_percent: Decimal,
    actor: User,
    notice_months: int | None = None,
    earliest_break_date: dt.date | None = None,
    first_review_date: dt.date | None = None,
    amounts: Sequence[Decimal] | None = None,
) -> Agreement:
    """A draft agreement for whole financial years, first_year to last_year, with its profile as its original terms."""
    if stream.programme_id != programme.pk:
        raise ValidationError({"stream": f"{stream} is not a stream of {programme}."})
    plan = multiyear_plan_new(
        stream=stream,
        area=area,
        first_year=first_year,
        last_year=last_year,
        first_amount=first_amount,
        uplift_percent=uplift_percent,
        amounts=amounts,
    )
    start, end = first_year.start, last_year.end
    _check_terms(
        plan=plan,
        start=start,
        end=end,
        notice_months=notice_months,
        earliest_break_date=earliest_break_date,
        first_review_date=first_review_date,
    )
    agreement = agreement_create(
        programme=programme,
        organisation=organisation,
        areas=[area],
        title=title,
        start_date=start,
        end_date=end,
        actor=actor,
        lines=plan.lines,
        ahead_of_budget=True,
    )
    _write_terms(
        agreement=agreement,
        plan=plan,
        actor=actor,
        variation=None,
        notice_months=notice_months,
        earliest_break_date=earliest_break_date,
        first_review_date=first_review_date,
    )
    return agreement


# --- Converting an annual agreement by variation -------------------------------------------------


def _conversion_base(agreement: Agreement) -> tuple[FinancialYear, list[Component]]:
    if agreement.status == Agreement.Status.DRAFT:
        raise ValidationError(
            "A draft agreement is not varied: change its dates and add each year's funding, "
            "or create it as a multi-year agreement."
        )
    existing = agreement.multiyear_terms.select_related("first_year", "last_year").first()
    if existing is not None:
        raise ValidationError(
            f"{agreement.reference} is already multi-year ({existing.first_year} to {existing.last_year}): "
            "extend it with a variation."
        )
    end = agreement.current_end_date
    if not multiyear.is_year_end(end):
        raise ValidationError(
            f"{agreement.reference} ends on {end:%d %B %Y}; a conversion starts from a whole financial year, so extend it to "
            "31 March first."
        )
    base_year = financial_year_get(start_year=end.year - 1)
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    keys = {}
    for ln in FundingLine.objects.filter(agreement=agreement, financial_year=base_year).select_related("stream", "area"):
        if ln.stream.is_one_off:
            continue
        totals[(ln.stream_id, ln.area_id)] += ln.amount
        keys[(ln.stream_id, ln.area_id)] = (ln.stream, ln.area)
    components = [Component(keys[k][0], keys[k][1], amount) for k, amount in sorted(totals.items()) if amount > 0]
    if not components:
        raise ValidationError(
            f"{agreement.reference} has no recurrent funding in {base_year} to continue: one-off money is not carried forward."
        )
    return base_year, components


def multiyear_plan_conversion(
    *,
    agreement: Agreement,
    last_year: FinancialYear,
    uplift_percent: Decimal,
    amounts: Sequence[Decimal] | None = None,
) -> ProfilePlan:
    """The profile a conversion would add: the agreement's recurrent funding in its last year, uplifted each year to
    last_year, shared over its streams and districts as in that year (or the amounts given, one per new year)."""
    base_year, components = _conversion_base(agreement)
    if last_year.start_year <= base_year.start_year:
        raise ValidationError(
            {"last_year": f"{agreement.reference} already runs to the end of {base_year}: choose a later last year."}
        )
    years = _years(base_year, last_year)
    _uplift(uplift_percent)
    not_running = sorted({f"{c.stream} ({y})" for c in components for y in years[1:] if not c.stream.runs_in(y)})
    if not_running:
        raise ValidationError({"last_year": f"Not every stream runs that long: {', '.join(not_running)}."})
    base = sum((c.weight for c in components), ZERO)
    level = multiyear.annual_level(
        base, start=agreement.start_date, end=base_year.end, year_start=base_year.start, year_end=base_year.end
    )
    rule = [base, *multiyear.continue_profile(level.annual, uplift_percent, len(years) - 1)]
    plan = _build(
        years=years,
        rule_amounts=rule,
        amounts=amounts,
        added=[False] + [True] * (len(years) - 1),
        components=components,
        uplift_percent=uplift_percent,
    )
    plan.level = level if level.part_year else None
    return plan


@transaction.atomic
def agreement_convert_to_multiyear(
    *,
    agreement: Agreement,
    last_year: FinancialYear,
    uplift_percent: Decimal,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    actor: User,
    decision: Decision | None = None,
    notice_months: int | None = None,
    earliest_break_date: dt.date | None = None,
    first_review_date: dt.date | None = None,
    amounts: Sequence[Decimal] | None = None,
    expected_total: Decimal | None = None,
) -> Variation:
    """A variation that extends an annual agreement to last_year with its profile, uplift, break clause and reviews."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    plan = multiyear_plan_conversion(agreement=agreement, last_year=last_year, uplift_percent=uplift_percent, amounts=amounts)
    if expected_total is not None and plan.added_total != expected_total:
        raise ValidationError(
            f"The agreement changed since the preview (the profile now adds {pounds(plan.added_total)}): preview again."
        )
    _check_terms(
        plan=plan,
        start=agreement.start_date,
        end=last_year.end,
        notice_months=notice_months,
        earliest_break_date=earliest_break_date,
        first_review_date=first_review_date,
    )
    variation = variation_record(
        agreement=agreement,
        kind=Variation.Kind.MULTI_YEAR,
        new_end_date=last_year.end,
        lines=plan.lines,
        reason=reason,
        approved_by=approved_by,
        approved_on=approved_on,
        decision=decision,
        actor=actor,
    )
    _write_terms(
        agreement=agreement,
        plan=plan,
        actor=actor,
        variation=variation,
        notice_months=notice_months,
        earliest_break_date=earliest_break_date,
        first_review_date=first_review_date,
    )
    return variation
