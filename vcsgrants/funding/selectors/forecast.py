"""The commitments forecast: for each financial year from a given one, what agreements commit by funder, stream and
district, against the budgets known for those years. Read-only; every figure is summed from the records.

A stream's year is flagged when its commitments exceed its known budget, or when money is committed (by
multi-year terms) for a year whose budget is not known yet. Funders' figures come from funding.partners,
so they agree to the penny with the agreement and partner pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from vcsgrants.core.council import area_word
from vcsgrants.core.models import Area, FinancialYear
from vcsgrants.core.money import financial_year_start, pounds
from vcsgrants.funding.models import ZERO, Allocation, FundingLine, MoneySum, Programme, StreamBudget
from vcsgrants.funding.selectors.partners import shares_for

FLAG_RULE = (
    "A year is flagged where a stream's commitments are more than its budget for the year, or where money is "
    "committed for a year whose budget is not known yet (multi-year terms commit money subject to future budgets). "
    "Partners' pledges are fixed: a partner is never shown committed above what it pledged, and what is committed "
    "above a co-funded stream's budget falls on the stream's own funder, flagged."
)


@dataclass
class ForecastRow:
    label: str
    committed: Decimal
    budget: Decimal | None  # the known budget (a funder's share of it; a district's allocation)
    note: str = ""

    @property
    def over(self) -> Decimal | None:
        return self.committed - self.budget if self.budget is not None and self.committed > self.budget else None


@dataclass
class ForecastYear:
    year: FinancialYear
    by_funder: list[ForecastRow] = field(default_factory=list)
    by_stream: list[ForecastRow] = field(default_factory=list)
    by_district: list[ForecastRow] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def committed(self) -> Decimal:
        return sum((r.committed for r in self.by_stream), ZERO)

    @property
    def known_budget(self) -> Decimal | None:
        known = [r.budget for r in self.by_stream if r.budget is not None]
        return sum(known, ZERO) if known else None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def flag_label(self) -> str:
        if any(r.budget is None and r.committed > 0 for r in self.by_stream):
            return "Beyond known budget"
        return "Over known budget" if self.flags else "Within budget"

    @property
    def total(self) -> ForecastRow:
        return ForecastRow("Total", self.committed, self.known_budget)


@dataclass
class Forecast:
    programme: Programme
    from_year: FinancialYear
    years: list[ForecastYear]
    rule: str = FLAG_RULE

    @property
    def flagged_years(self) -> list[ForecastYear]:
        return [y for y in self.years if y.flagged]


def default_from_year(programme: Programme, today: dt.date | None = None) -> int:
    """This financial year, or the first year after the programme's approved periods if that is earlier: what is
    committed beyond what has been approved is what a forecast is for."""
    current = financial_year_start(today or dt.date.today())
    last = programme.periods.order_by("-end").values_list("end", flat=True).first()
    return min(current, financial_year_start(last) + 1) if last else current


def forecast_years(programme: Programme) -> list[FinancialYear]:
    """Every financial year with a budget or a commitment in the programme."""
    ids = set(StreamBudget.objects.filter(stream__programme=programme).values_list("financial_year_id", flat=True))
    ids |= set(FundingLine.objects.filter(agreement__programme=programme).values_list("financial_year_id", flat=True))
    return list(FinancialYear.objects.filter(pk__in=ids).order_by("start_year"))


def commitments_forecast(*, programme: Programme, from_year: FinancialYear) -> Forecast:
    years = [y for y in forecast_years(programme) if y.start_year >= from_year.start_year]
    streams = list(programme.streams.select_related("funder"))
    shares = shares_for(streams=streams, years=years)
    allocations: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in (
        Allocation.objects.filter(stream__programme=programme, financial_year__in=years)
        .values("financial_year_id", "area_id")
        .annotate(total=MoneySum("amount"))
    ):
        allocations[(row["financial_year_id"], row["area_id"])] = row["total"]
    committed_by_area: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for row in (
        FundingLine.objects.filter(agreement__programme=programme, financial_year__in=years)
        .values("financial_year_id", "area_id")
        .annotate(total=MoneySum("amount"))
    ):
        committed_by_area[(row["financial_year_id"], row["area_id"])] = row["total"]
    areas = Area.objects.in_bulk({area_id for _, area_id in [*allocations, *committed_by_area]})
    result = []
    for year in years:
        fy = ForecastYear(year)
        funders: dict[str, dict] = {}
        for (_, year_id), s in shares.items():
            if year_id != year.pk:
                continue
            note = ""
            if s.budget is None and s.committed > 0:
                note = "No budget known yet"
                fy.flags.append(f"{s.stream}: {pounds(s.committed)} committed, but no {year} budget is known yet.")
            elif s.over_budget is not None:
                note = f"Over the known budget by {pounds(s.over_budget)}"
                fy.flags.append(
                    f"{s.stream}: commitments of {pounds(s.committed)} exceed the known {year} budget of "
                    f"{pounds(s.budget)} by {pounds(s.over_budget)}."
                )
            fy.by_stream.append(ForecastRow(s.stream.name, s.committed, s.budget, note))
            pledged = s.pledged_by_payer
            lead = s.payers[-1]  # the stream's funder (under its latest name) pays what partners do not
            if s.lead_excess:
                fy.flags.append(
                    f"{s.stream}: partners' pledges are fixed, so the {pounds(s.lead_excess)} committed above the budget "
                    f"falls on {lead.name}."
                )
            for payer in s.payers:
                entry = funders.setdefault(payer.label, {"committed": ZERO, "budget": None, "unknown": False, "excess": ZERO})
                if payer == lead:
                    entry["excess"] += s.lead_excess
                entry["committed"] += s.committed_by_payer.get(payer, ZERO)
                if s.budget is None:
                    entry["unknown"] = entry["unknown"] or bool(s.committed_by_payer.get(payer))
                else:
                    entry["budget"] = (entry["budget"] or ZERO) + pledged.get(payer, ZERO)
        for label, entry in sorted(funders.items()):
            notes = ["Includes money committed with no budget known yet"] if entry["unknown"] else []
            if entry["excess"]:
                notes.append(f"Includes {pounds(entry['excess'])} committed above the budget (partners' pledges are fixed)")
            note = "; ".join(notes)
            fy.by_funder.append(ForecastRow(label, entry["committed"], entry["budget"], note))
        for year_id, area_id in sorted({*allocations, *committed_by_area}, key=lambda k: (areas[k[1]].kind, areas[k[1]].name)):
            if year_id != year.pk:
                continue
            committed, allocated = committed_by_area[(year_id, area_id)], allocations[(year_id, area_id)]
            if committed > allocated:
                note = (
                    f"More than allocated by {pounds(committed - allocated)}"
                    if allocated
                    else f"Committed ahead of allocation: nothing is allocated to it for {year} yet"
                )
            else:
                note = ""
            fy.by_district.append(ForecastRow(str(areas[area_id]), committed, allocated, note))
        result.append(fy)
    return Forecast(programme=programme, from_year=from_year, years=result)


EXPORT_HEADERS = ["Financial year", "Breakdown", "Name", "Committed", "Known budget or allocation", "Over by", "Note"]


def export_rows(forecast: Forecast) -> list[list]:
    """The page's tables as one long table: every figure the page shows, in the same order."""
    rows = []
    for fy in forecast.years:
        for breakdown, items in (("Funder", fy.by_funder), ("Stream", fy.by_stream), (area_word(capital=True), fy.by_district)):
            for r in items:
                rows.append([fy.year.label, breakdown, r.label, r.committed, r.budget, r.over, r.note])
        total = fy.total
        rows.append([fy.year.label, "Total", "All streams", total.committed, total.budget, total.over, "; ".join(fy.flags)])
    return rows
