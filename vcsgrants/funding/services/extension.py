"""The bulk extension: every agreement ending before a year carried into it at its recurrent level.

A refused change raises ValidationError naming the field and saying what is wrong; each function runs in one
transaction, so nothing is half-written, and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.money import apportion, pounds
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding import multiyear
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    Programme,
    ProgrammePeriod,
    Variation,
)
from vcsgrants.funding.multiyear import AnnualLevel
from vcsgrants.funding.services.agreements import LineInput, variation_create
from vcsgrants.funding.services.programmes import committed_total, period_record


@dataclass
class ExtensionRow:
    agreement: Agreement
    old_end: dt.date
    new_end: dt.date
    old_value: Decimal
    lines: list[LineInput]
    level: AnnualLevel | None = None  # set when the year before was part of a year: the level is annualised
    overridden: bool = False  # the officer gave the annual level

    @property
    def new_value(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)


@dataclass
class ExtensionPreview:
    programme: Programme
    year: FinancialYear
    rows: list[ExtensionRow] = field(default_factory=list)
    skipped: list[tuple[Agreement, str]] = field(default_factory=list)
    excluded_streams: list[FundingStream] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.new_value for r in self.rows), ZERO)

    @property
    def has_levels(self) -> bool:
        """Some agreement's level is annualised or given by the officer: the page offers to change and recalculate."""
        return any(r.level is not None or r.overridden for r in self.rows)

    @property
    def previous_year(self) -> str:
        return f"{self.year.start_year - 1}-{self.year.start_year % 100:02d}"


def bulk_extension_preview(
    *, programme: Programme, year: FinancialYear, levels: Mapping[int, Decimal] | None = None
) -> ExtensionPreview:
    """Extend every active agreement that ends the day before `year` starts, for that whole year,
    at the level of its recurrent funding in the year before; one-off streams are left out.

    An agreement that ran only part of the year before is annualised (multiyear.annual_level: 1 October to 31 March
    for £5,000.00 is £10,000.00 a year), with a warning; `levels` (agreement id → annual amount) replaces the level
    the officer has decided on instead, shared over the streams and districts as in the year before."""
    levels = levels or {}
    preview = ExtensionPreview(programme=programme, year=year)
    previous = financial_year_get(start_year=year.start_year - 1)
    streams = list(programme.streams.all())
    preview.excluded_streams = [s for s in streams if s.is_one_off or not s.runs_in(year)]
    included = {s.pk for s in streams if s not in preview.excluded_streams}
    agreements = programme.agreements.select_related("organisation").prefetch_related("variations").order_by("reference")
    day_before = year.start - dt.timedelta(days=1)
    prior_lines = defaultdict(list)
    for line in FundingLine.objects.filter(agreement__programme=programme, financial_year=previous).select_related(
        "stream", "area"
    ):
        prior_lines[line.agreement_id].append(line)
    for agreement in agreements:
        end = agreement.current_end_date
        if agreement.status != Agreement.Status.ACTIVE:
            preview.skipped.append((agreement, f"{agreement.get_status_display()}, not active"))
            continue
        if end >= year.end:
            preview.skipped.append((agreement, f"already runs to {end:%d %b %Y}"))
            continue
        if end != day_before:
            preview.skipped.append((agreement, f"ends {end:%d %b %Y}, not {day_before:%d %b %Y}"))
            continue
        current: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        keys = {}
        for line in prior_lines[agreement.pk]:
            if line.stream_id in included:
                current[(line.stream_id, line.area_id)] += line.amount
                keys[(line.stream_id, line.area_id)] = (line.stream, line.area)
        parts = [(k, amount) for k, amount in sorted(current.items()) if amount > 0]
        if not parts:
            preview.skipped.append((agreement, f"no recurrent funding in {previous}"))
            continue
        recurrent = sum((amount for _, amount in parts), ZERO)
        level = multiyear.annual_level(
            recurrent, start=agreement.start_date, end=end, year_start=previous.start, year_end=previous.end
        )
        given = levels.get(agreement.pk)
        if given is not None and (given <= 0 or given != given.quantize(Decimal("0.01"))):
            raise ValidationError(
                {"level": f"{agreement.reference}: give the level for {year} in pounds and pence, more than £0.00."}
            )
        annual = given if given is not None else level.annual
        amounts = apportion(annual, [amount for _, amount in parts]) if annual != recurrent else [a for _, a in parts]
        lines = [LineInput(keys[k][0], year, keys[k][1], a) for (k, _), a in zip(parts, amounts, strict=True) if a > 0]
        old_value = sum((ln.amount for ln in prior_lines[agreement.pk]), ZERO)
        row = ExtensionRow(
            agreement=agreement,
            old_end=end,
            new_end=year.end,
            old_value=old_value,
            lines=lines,
            level=level if level.part_year else None,
            overridden=given is not None and given != level.annual,
        )
        preview.rows.append(row)
        if level.part_year and not row.overridden:
            preview.warnings.append(
                f"{agreement.reference} ran {level.basis} in {previous}: its {pounds(recurrent)} of recurrent funding "
                f"is annualised to {pounds(level.annual)} for the twelve months of {year}. Give another level if the "
                "work will not run at that rate for a whole year."
            )
    # Say now, before anyone confirms, where the allocations will not hold the extension.
    needed: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for row in preview.rows:
        for ln in row.lines:
            needed[(ln.stream, ln.area)] += ln.amount
    for (stream, area), amount in sorted(needed.items(), key=lambda kv: (kv[0][0].name, kv[0][1].name)):
        allocation = Allocation.objects.filter(stream=stream, financial_year=year, area=area).first()
        free = (allocation.amount if allocation else ZERO) - committed_total(stream=stream, year=year, area=area)
        if amount > free:
            preview.problems.append(
                f"{area}: the {year} allocation from {stream} has {pounds(max(free, ZERO))} uncommitted; "
                f"the extension needs {pounds(amount)}."
            )
    return preview


@transaction.atomic
def bulk_extension_apply(
    *,
    programme: Programme,
    year: FinancialYear,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    actor: User,
    decision: Decision | None = None,
    expected_total: Decimal | None = None,
    levels: Mapping[int, Decimal] | None = None,
) -> list[Variation]:
    preview = bulk_extension_preview(programme=programme, year=year, levels=levels)
    if expected_total is not None and preview.total != expected_total:
        raise ValidationError(f"The agreements changed since the preview (now {pounds(preview.total)}): preview again.")
    if preview.problems:
        raise ValidationError(preview.problems)
    if not preview.rows:
        raise ValidationError(
            f"No active agreement of {programme} ends on {year.start - dt.timedelta(days=1):%d %B %Y}; nothing to extend."
        )
    period = _period_for_year(
        programme=programme, year=year, approved_by=approved_by, approved_on=approved_on, decision=decision, actor=actor
    )
    allocations = _allocations_link(programme=programme, year=year, decision=decision)
    variations = [
        variation_create(
            agreement=row.agreement,
            kind=Variation.Kind.EXTENSION,
            new_end_date=row.new_end,
            lines=row.lines,
            reason=reason,
            approved_by=approved_by,
            approved_on=approved_on,
            decision=decision,
            actor=actor,
        )
        for row in preview.rows
    ]
    record_event(
        actor=actor,
        verb="programme.bulk_extension",
        obj=programme,
        summary=f"Extended {len(variations)} agreements of {programme} to {year.end:%d %b %Y} at current levels, "
        f"total {pounds(preview.total)}"
        + (f", under {decision}" if decision else "")
        + (f"; recorded the period {period}" if period else "")
        + (f"; {len(allocations)} allocations for {year} now cite the decision" if allocations else ""),
        data={
            "financial_year": year.label,
            "total": str(preview.total),
            "agreements": [r.agreement.reference for r in preview.rows],
            "decision": decision.pk if decision else None,
            "period": period.pk if period else None,
            "allocations": [a.pk for a in allocations],
            "annualised": {
                r.agreement.reference: {"based_on": r.level.basis, "level": str(r.new_value), "given": r.overridden}
                for r in preview.rows
                if r.level is not None or r.overridden
            },
        },
    )
    return variations


def _period_for_year(
    *,
    programme: Programme,
    year: FinancialYear,
    approved_by: str,
    approved_on: dt.date,
    decision: Decision | None,
    actor: User,
) -> ProgrammePeriod | None:
    """Record the programme's period for the part of `year` no recorded period covers yet (None if all of it is)."""
    ends = [p.end for p in programme.periods.select_for_update()]
    if ends and max(ends) >= year.end:
        return None
    start = max(year.start, max(ends) + dt.timedelta(days=1)) if ends else year.start
    return period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.EXTENSION if ends else ProgrammePeriod.Kind.APPROVED,
        start=start,
        end=year.end,
        approved_by=approved_by,
        approved_on=approved_on,
        decision=decision,
        actor=actor,
        note=f"Recorded by the extension of the agreements at current levels for {year}.",
    )


def _allocations_link(*, programme: Programme, year: FinancialYear, decision: Decision | None) -> list[Allocation]:
    """The programme's allocations for `year` that cite no decision now cite this one (each saved, so its history shows
    the change)."""
    if decision is None:
        return []
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(stream__programme=programme, financial_year=year, decision__isnull=True)
        .select_related("stream", "area")
        .order_by("stream__name", "area__name")
    )
    for allocation in allocations:
        allocation.decision = decision
        allocation.save(update_fields=["decision"])
    return allocations
