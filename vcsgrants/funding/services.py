"""Business rules for the money: every write goes through here, in one transaction, audited.

A refused change raises ValidationError naming the field and saying what is wrong; nothing
is half-written because each function runs in a single transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from vcsgrants.core import uploads
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import Area, FinancialYear, User
from vcsgrants.core.money import apportion, quarterly_in_advance
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    AgreementDocument,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)


def money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


@dataclass(frozen=True)
class LineInput:
    """Money to add to an agreement: stream × financial year × area."""

    stream: FundingStream
    financial_year: FinancialYear
    area: Area
    amount: Decimal


# --- Programme periods ---------------------------------------------------------------


@transaction.atomic
def period_record(
    *,
    programme: Programme,
    kind: str,
    start: dt.date,
    end: dt.date,
    approved_by: str,
    approved_on: dt.date,
    actor: User,
    decision: Decision | None = None,
    note: str = "",
) -> ProgrammePeriod:
    if end <= start:
        raise ValidationError({"end": "The end date must be after the start date."})
    existing = list(programme.periods.select_for_update())
    if kind == ProgrammePeriod.Kind.APPROVED and existing:
        raise ValidationError({"kind": "This programme already has its approved period: record a change as an extension."})
    if kind == ProgrammePeriod.Kind.EXTENSION and not existing:
        raise ValidationError({"kind": "Record the approved period first; an extension extends it."})
    for period in existing:
        if start <= period.end and end >= period.start:
            raise ValidationError({"start": f"The period overlaps {period} already recorded."})
    if existing and end <= max(p.end for p in existing):
        raise ValidationError({"end": "An extension must end after the current end of the programme."})
    period = ProgrammePeriod.objects.create(
        programme=programme,
        kind=kind,
        start=start,
        end=end,
        approved_by=approved_by,
        approved_on=approved_on,
        decision=decision,
        note=note,
        recorded_by=actor,
    )
    record_event(actor=actor, verb="period.recorded", summary=f"Recorded {period} for {programme}", obj=programme)
    return period


# --- Budgets and allocations ---------------------------------------------------------


def allocated_total(stream: FundingStream, year: FinancialYear) -> Decimal:
    return Allocation.objects.filter(stream=stream, financial_year=year).aggregate(t=MoneySum("amount"))["t"] or ZERO


def committed_total(*, stream: FundingStream, year: FinancialYear, area: Area | None = None) -> Decimal:
    lines = FundingLine.objects.filter(stream=stream, financial_year=year)
    if area is not None:
        lines = lines.filter(area=area)
    return lines.aggregate(t=MoneySum("amount"))["t"] or ZERO


@transaction.atomic
def budget_set(*, stream: FundingStream, year: FinancialYear, amount: Decimal, actor: User) -> StreamBudget:
    if amount < 0:
        raise ValidationError({"amount": "A budget cannot be negative."})
    if not stream.runs_in(year):
        raise ValidationError({"financial_year": f"{stream} does not run in {year}."})
    allocated = allocated_total(stream, year)
    contributed = stream.contributions.filter(financial_year=year).aggregate(t=MoneySum("amount"))["t"] or ZERO
    if amount < contributed:
        raise ValidationError(
            {
                "amount": f"Partners contribute {money(contributed)} to {stream} in {year}; "
                "the budget cannot be less than their contributions."
            }
        )
    if amount < allocated:
        raise ValidationError(
            {
                "amount": f"{money(allocated)} is already allocated to districts from {stream} in {year}; "
                "the budget cannot be less."
            }
        )
    budget, created = StreamBudget.objects.select_for_update().get_or_create(
        stream=stream, financial_year=year, defaults={"amount": amount}
    )
    old = None if created else budget.amount
    if not created and budget.amount != amount:
        budget.amount = amount
        budget.save()
    record_event(
        actor=actor,
        verb="budget.set",
        obj=stream,
        summary=f"Set {stream} budget for {year} to {money(amount)}" + (f" (was {money(old)})" if old is not None else ""),
        data={"financial_year": year.label, "amount": str(amount), "was": str(old) if old is not None else None},
    )
    return budget


@transaction.atomic
def allocations_set(
    *, stream: FundingStream, year: FinancialYear, amounts: dict[Area, Decimal], actor: User, decision: Decision | None = None
) -> list[Allocation]:
    """Set the stream's allocation to each area for a year, all at once.

    Refused if the total would exceed the stream's budget, or if an area's allocation would fall
    below what its agreements already commit.
    """
    budget = StreamBudget.objects.select_for_update().filter(stream=stream, financial_year=year).first()
    if budget is None:
        raise ValidationError(f"{stream} has no budget for {year}: set the budget first.")
    errors: dict[str, list[str]] = defaultdict(list)
    for area, amount in amounts.items():
        if amount < 0:
            errors[f"area_{area.pk}"].append(f"{area}: an allocation cannot be negative.")
            continue
        committed = committed_total(stream=stream, year=year, area=area)
        if amount < committed:
            errors[f"area_{area.pk}"].append(
                f"{area}: agreements already commit {money(committed)}; the allocation cannot be less."
            )
    untouched = Allocation.objects.filter(stream=stream, financial_year=year).exclude(area__in=list(amounts))
    total = sum(amounts.values(), ZERO) + (untouched.aggregate(t=MoneySum("amount"))["t"] or ZERO)
    if total > budget.amount:
        errors["__all__"].append(
            f"These allocations total {money(total)}, which is {money(total - budget.amount)} more than the "
            f"{year} budget of {money(budget.amount)} for {stream}."
        )
    if errors:
        raise ValidationError(dict(errors))
    changes = []
    result = []
    for area, amount in amounts.items():
        allocation = Allocation.objects.filter(stream=stream, financial_year=year, area=area).first()
        if allocation is None:
            if amount == 0:
                continue
            allocation = Allocation.objects.create(
                stream=stream, financial_year=year, area=area, amount=amount, decision=decision
            )
            changes.append({"area": area.name, "was": None, "now": str(amount)})
        elif allocation.amount != amount:
            changes.append({"area": area.name, "was": str(allocation.amount), "now": str(amount)})
            allocation.amount = amount
            allocation.decision = decision or allocation.decision
            allocation.save()
        result.append(allocation)
    if changes:
        record_event(
            actor=actor,
            verb="allocations.set",
            obj=stream,
            summary=f"Changed {len(changes)} allocation(s) from {stream} for {year}; total now {money(total)}",
            data={"financial_year": year.label, "changes": changes},
        )
    return result


# --- Agreements ----------------------------------------------------------------------


def next_agreement_reference(programme: Programme, start: dt.date) -> str:
    prefix = f"SLA-{start.year}-"
    taken = Agreement.objects.filter(reference__startswith=prefix).count()
    number = taken + 1
    while Agreement.objects.filter(reference=f"{prefix}{number:03d}").exists():
        number += 1
    return f"{prefix}{number:03d}"


def _check_period(
    *, programme: Programme, organisation, areas: Sequence[Area], start: dt.date, end: dt.date, exclude_pk=None
) -> None:
    if end <= start:
        raise ValidationError({"end_date": "The end date must be after the start date."})
    overlapping = (
        Agreement.objects.filter(programme=programme, organisation=organisation, areas__in=list(areas), start_date__lte=end)
        .exclude(pk=exclude_pk)
        .distinct()
    )
    for other in overlapping:
        if other.current_end_date >= start:
            raise ValidationError(
                {
                    "start_date": f"{organisation} already has {other.reference} for an area here running "
                    f"{other.start_date:%d %b %Y} – {other.current_end_date:%d %b %Y}; "
                    "periods of the same agreement cannot overlap."
                }
            )


def _check_lines(
    agreement: Agreement,
    lines: Iterable[LineInput],
    *,
    period_start: dt.date,
    period_end: dt.date,
    ahead_of_budget: bool = False,
) -> None:
    """Every line must fit the agreement and the allocations; all problems are reported together.

    With ahead_of_budget (multi-year terms), money for a year whose budget for the stream is not yet known is
    committed subject to that budget: no allocation is checked then, and the commitments forecast flags the year.
    """
    errors: list[str] = []
    area_ids = set(agreement.areas.values_list("pk", flat=True))
    pending: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        where = f"{line.stream} {line.financial_year} {line.area}"
        if line.stream.programme_id != agreement.programme_id:
            errors.append(f"{where}: {line.stream} is not a stream of {agreement.programme}.")
        if line.area.pk not in area_ids:
            errors.append(f"{where}: {line.area} is not one of this agreement's areas.")
        if line.financial_year.end < period_start or line.financial_year.start > period_end:
            errors.append(f"{where}: {line.financial_year} is outside the agreement's period.")
        if not line.stream.runs_in(line.financial_year):
            errors.append(f"{where}: {line.stream} does not run in {line.financial_year}.")
        pending[(line.stream.pk, line.financial_year.pk, line.area.pk)] += line.amount
    if errors:
        raise ValidationError({"amount": errors})
    streams = {s.pk: s for s in FundingStream.objects.filter(pk__in=[k[0] for k in pending])}
    years = {y.pk: y for y in FinancialYear.objects.filter(pk__in=[k[1] for k in pending])}
    areas = {a.pk: a for a in Area.objects.filter(pk__in=[k[2] for k in pending])}
    for (stream_id, year_id, area_id), extra in pending.items():
        stream, year, area = streams[stream_id], years[year_id], areas[area_id]
        own = FundingLine.objects.filter(agreement=agreement, stream=stream, financial_year=year, area=area).aggregate(
            t=MoneySum("amount")
        )["t"]
        if (own or ZERO) + extra < 0:
            errors.append(f"{stream} {year} {area}: the change would take this agreement's funding below zero.")
        if extra <= 0:
            continue
        if ahead_of_budget and not StreamBudget.objects.filter(stream=stream, financial_year=year).exists():
            continue
        # Lock the allocation row so two officers cannot both commit the last of it.
        allocation = Allocation.objects.select_for_update().filter(stream=stream, financial_year=year, area=area).first()
        allocated = allocation.amount if allocation else ZERO
        committed = committed_total(stream=stream, year=year, area=area)
        if committed + extra > allocated:
            errors.append(
                f"{area}'s {year} allocation from {stream} is {money(allocated)}; agreements already commit {money(committed)}, "
                f"so {money(extra)} more would exceed it by {money(committed + extra - allocated)}."
            )
    if errors:
        raise ValidationError({"amount": errors})


def _add_lines(agreement: Agreement, lines: Iterable[LineInput], variation: Variation | None = None) -> list[FundingLine]:
    return FundingLine.objects.bulk_create(
        FundingLine(
            agreement=agreement,
            variation=variation,
            stream=ln.stream,
            financial_year=ln.financial_year,
            area=ln.area,
            amount=ln.amount,
        )
        for ln in lines
        if ln.amount != 0
    )


@transaction.atomic
def agreement_create(
    *,
    programme: Programme,
    organisation,
    areas: Sequence[Area],
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    actor: User,
    lines: Sequence[LineInput] = (),
    reference: str = "",
    ahead_of_budget: bool = False,
) -> Agreement:
    if not areas:
        raise ValidationError({"areas": "Choose at least one district (or county-wide)."})
    _check_period(programme=programme, organisation=organisation, areas=areas, start=start_date, end=end_date)
    agreement = Agreement.objects.create(
        reference=reference or next_agreement_reference(programme, start_date),
        programme=programme,
        organisation=organisation,
        title=title,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )
    agreement.areas.set(areas)
    if lines:
        _check_lines(agreement, lines, period_start=start_date, period_end=end_date, ahead_of_budget=ahead_of_budget)
        _add_lines(agreement, lines)
    for year in {ln.financial_year for ln in lines}:
        schedule_rebuild(agreement=agreement, year=year)
    record_event(
        actor=actor,
        verb="agreement.created",
        obj=agreement,
        summary=f"Created {agreement.reference} with {organisation} for {', '.join(str(a) for a in areas)}",
    )
    return agreement


@transaction.atomic
def agreement_update_draft(
    *, agreement: Agreement, actor: User, title: str, start_date: dt.date, end_date: dt.date, areas: Sequence[Area]
) -> Agreement:
    """Only a draft's original terms can be edited in place; an active agreement changes by variation."""
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("Only a draft agreement can be edited; make a variation instead.")
    if not areas:
        raise ValidationError({"areas": "Choose at least one district (or county-wide)."})
    _check_period(
        programme=agreement.programme,
        organisation=agreement.organisation,
        areas=areas,
        start=start_date,
        end=end_date,
        exclude_pk=agreement.pk,
    )
    used_areas = set(agreement.funding_lines.values_list("area_id", flat=True))
    if used_areas - {a.pk for a in areas}:
        raise ValidationError({"areas": "An area that has funding lines cannot be removed; remove its lines first."})
    outside = [
        ln
        for ln in agreement.funding_lines.select_related("financial_year")
        if ln.financial_year.end < start_date or ln.financial_year.start > end_date
    ]
    if outside:
        raise ValidationError({"end_date": f"Funding for {outside[0].financial_year} would fall outside the new period."})
    agreement.title, agreement.start_date, agreement.end_date = title, start_date, end_date
    agreement.save()
    agreement.areas.set(areas)
    record_event(actor=actor, verb="agreement.updated", obj=agreement, summary=f"Edited draft {agreement.reference}")
    return agreement


@transaction.atomic
def agreement_add_lines(*, agreement: Agreement, lines: Sequence[LineInput], actor: User) -> list[FundingLine]:
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("The original terms of an active agreement cannot change; make a variation instead.")
    _check_lines(agreement, lines, period_start=agreement.start_date, period_end=agreement.end_date)
    created = _add_lines(agreement, lines)
    for year in {ln.financial_year for ln in lines}:
        schedule_rebuild(agreement=agreement, year=year)
    record_event(
        actor=actor,
        verb="agreement.lines_added",
        obj=agreement,
        summary=f"Added funding to draft {agreement.reference}: "
        + "; ".join(f"{ln.stream} {ln.financial_year} {ln.area} {money(ln.amount)}" for ln in lines),
    )
    return created


STATUS_MOVES = {
    Agreement.Status.DRAFT: {Agreement.Status.ACTIVE},
    Agreement.Status.ACTIVE: {Agreement.Status.ENDED},
    Agreement.Status.ENDED: {Agreement.Status.ACTIVE},
}


@transaction.atomic
def agreement_set_status(*, agreement: Agreement, status: str, actor: User) -> Agreement:
    if status not in STATUS_MOVES[agreement.status]:
        raise ValidationError(
            {
                "status": f"An agreement cannot go from {agreement.get_status_display().lower()} "
                f"to {Agreement.Status(status).label.lower()}."
            }
        )
    if status == Agreement.Status.ACTIVE and not agreement.funding_lines.exists():
        raise ValidationError({"status": "Add the agreement's funding before making it active."})
    old = agreement.get_status_display()
    agreement.status = status
    agreement.save()
    record_event(
        actor=actor,
        verb="agreement.status",
        obj=agreement,
        summary=f"{agreement.reference}: {old} → {agreement.get_status_display()}",
    )
    return agreement


# --- Variations ----------------------------------------------------------------------


def variation_create(
    *,
    agreement: Agreement,
    kind: str,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    actor: User,
    lines: Sequence[LineInput] = (),
    new_end_date: dt.date | None = None,
    decision: Decision | None = None,
) -> Variation:
    if kind == Variation.Kind.MULTI_YEAR:
        raise ValidationError(
            {"kind": "A conversion to multi-year needs its profile, uplift and break clause: use 'Convert to multi-year'."}
        )
    return variation_record(
        agreement=agreement,
        kind=kind,
        reason=reason,
        approved_by=approved_by,
        approved_on=approved_on,
        actor=actor,
        lines=lines,
        new_end_date=new_end_date,
        decision=decision,
    )


@transaction.atomic
def variation_record(
    *,
    agreement: Agreement,
    kind: str,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    actor: User,
    lines: Sequence[LineInput] = (),
    new_end_date: dt.date | None = None,
    decision: Decision | None = None,
) -> Variation:
    """Every kind of variation, the conversion to multi-year included (funding.services_multiyear writes its terms)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status == Agreement.Status.DRAFT:
        raise ValidationError("A draft agreement is edited directly; variations are for agreements that are active or ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the agreement is changing."})
    if not approved_by.strip():
        raise ValidationError({"approved_by": "Say who approved the change."})
    current_end = agreement.current_end_date
    if kind in (Variation.Kind.EXTENSION, Variation.Kind.MULTI_YEAR):
        if new_end_date is None or new_end_date <= current_end:
            raise ValidationError({"new_end_date": f"An extension must end after the current end date, {current_end:%d %B %Y}."})
        # The longer period must not run into the provider's next agreement for the same area.
        try:
            _check_period(
                programme=agreement.programme,
                organisation=agreement.organisation,
                areas=list(agreement.areas.all()),
                start=agreement.start_date,
                end=new_end_date,
                exclude_pk=agreement.pk,
            )
        except ValidationError as exc:
            raise ValidationError({"new_end_date": exc.messages}) from exc
        period_end = new_end_date
    elif kind == Variation.Kind.VALUE_CHANGE:
        if new_end_date is not None:
            raise ValidationError({"new_end_date": "A change of value keeps the end date; make an extension to move it."})
        if not lines or all(ln.amount == 0 for ln in lines):
            raise ValidationError({"amount": "Give the change of value."})
        period_end = current_end
    else:
        raise ValidationError({"kind": "Choose extension or change of value."})
    _check_lines(
        agreement,
        lines,
        period_start=agreement.start_date,
        period_end=period_end,
        ahead_of_budget=kind == Variation.Kind.MULTI_YEAR,
    )
    number = (agreement.variations.aggregate(m=Max("number"))["m"] or 0) + 1
    variation = Variation.objects.create(
        agreement=agreement,
        number=number,
        kind=kind,
        new_end_date=new_end_date,
        reason=reason,
        approved_by=approved_by,
        approved_on=approved_on,
        decision=decision,
        created_by=actor,
    )
    _add_lines(agreement, lines, variation)
    for year in {ln.financial_year for ln in lines}:
        schedule_rebuild(agreement=agreement, year=year)
    change = f"end {current_end:%d %b %Y} → {new_end_date:%d %b %Y}" if new_end_date else ""
    value = "; ".join(
        f"{ln.stream} {ln.financial_year} {ln.area} {'+' if ln.amount > 0 else ''}{money(ln.amount)}" for ln in lines
    )
    record_event(
        actor=actor,
        verb="variation.created",
        obj=agreement,
        summary=f"{agreement.reference} variation {number} ({variation.get_kind_display().lower()}): "
        + ", ".join(p for p in (change, value) if p),
        data={"variation": number, "decision": decision.pk if decision else None},
    )
    return variation


# --- Bulk extension at current levels ------------------------------------------------


@dataclass
class ExtensionRow:
    agreement: Agreement
    old_end: dt.date
    new_end: dt.date
    old_value: Decimal
    lines: list[LineInput]

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

    @property
    def total(self) -> Decimal:
        return sum((r.new_value for r in self.rows), ZERO)

    @property
    def previous_year(self) -> str:
        return f"{self.year.start_year - 1}-{self.year.start_year % 100:02d}"


def bulk_extension_preview(*, programme: Programme, year: FinancialYear) -> ExtensionPreview:
    """Extend every active agreement that ends the day before `year` starts, for that whole year,
    at the level of its recurrent funding in the year before; one-off streams are left out."""
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
        levels: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        keys = {}
        for line in prior_lines[agreement.pk]:
            if line.stream_id in included:
                levels[(line.stream_id, line.area_id)] += line.amount
                keys[(line.stream_id, line.area_id)] = (line.stream, line.area)
        lines = [LineInput(keys[k][0], year, keys[k][1], amount) for k, amount in sorted(levels.items()) if amount > 0]
        if not lines:
            preview.skipped.append((agreement, f"no recurrent funding in {previous}"))
            continue
        old_value = sum((ln.amount for ln in prior_lines[agreement.pk]), ZERO)
        preview.rows.append(ExtensionRow(agreement=agreement, old_end=end, new_end=year.end, old_value=old_value, lines=lines))
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
                f"{area}: the {year} allocation from {stream} has {money(max(free, ZERO))} uncommitted; "
                f"the extension needs {money(amount)}."
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
) -> list[Variation]:
    preview = bulk_extension_preview(programme=programme, year=year)
    if expected_total is not None and preview.total != expected_total:
        raise ValidationError(f"The agreements changed since the preview (now {money(preview.total)}): preview again.")
    if preview.problems:
        raise ValidationError(preview.problems)
    if not preview.rows:
        raise ValidationError(
            f"No active agreement of {programme} ends on {year.start - dt.timedelta(days=1):%d %B %Y}; nothing to extend."
        )
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
        f"total {money(preview.total)}",
        data={
            "financial_year": year.label,
            "total": str(preview.total),
            "agreements": [r.agreement.reference for r in preview.rows],
        },
    )
    return variations


# --- Payment schedules and payments --------------------------------------------------


def _paid(instalment: PaymentInstalment) -> Decimal:
    return instalment.payments.aggregate(t=MoneySum("amount"))["t"] or ZERO


def _ideal_schedule(agreement: Agreement, year: FinancialYear) -> dict[dt.date, Decimal]:
    """Each stream's money for the year, quarterly in advance, within the dates both the agreement and the stream run
    (one-off money ending 30 September is not scheduled for January)."""
    plan: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    totals = agreement.funding_lines.filter(financial_year=year).values("stream_id").annotate(total=MoneySum("amount"))
    streams = FundingStream.objects.in_bulk([row["stream_id"] for row in totals])
    agreement_start, agreement_end = max(agreement.start_date, year.start), min(agreement.current_end_date, year.end)
    for row in totals:
        stream = streams[row["stream_id"]]
        start, end = max(agreement_start, stream.start), min(agreement_end, stream.end or agreement_end)
        if end < start:  # the stream's dates miss the agreement's: fall back to the agreement's own
            start, end = agreement_start, agreement_end
        for due, amount in quarterly_in_advance(year.start_year, start, end, row["total"]):
            plan[due] += amount
    return plan


def schedule_rebuild(*, agreement: Agreement, year: FinancialYear) -> list[PaymentInstalment]:
    """Make the year's instalments sum to the year's value again: quarterly in advance.

    Instalments with payments against them keep their amounts; the rest of the year's value is
    spread over the other quarters the agreement runs in, or one balancing instalment.
    """
    value = agreement.value_for(year)
    instalments = list(agreement.instalments.filter(financial_year=year))
    kept = [i for i in instalments if i.payments.exists()]
    PaymentInstalment.objects.filter(pk__in=[i.pk for i in instalments if i not in kept]).delete()
    remaining = value - sum((i.amount for i in kept), ZERO)
    if remaining < 0:
        raise ValidationError(
            {"amount": f"{money(value)} for {year} is less than the {money(value - remaining)} already paid or part-paid."}
        )
    if remaining == 0:
        return kept
    ideal = _ideal_schedule(agreement, year)
    kept_dates = {i.due_date for i in kept}
    due_dates = [due for due in sorted(ideal) if due not in kept_dates and ideal[due] > 0]
    weights = [ideal[due] for due in due_dates]
    if not due_dates:  # every quarter already has a paid instalment: one balancing instalment
        start, end = max(agreement.start_date, year.start), min(agreement.current_end_date, year.end)
        due_dates, weights = [min(max(start, dt.date.today()), end)], [1]
    plan = zip(due_dates, apportion(remaining, weights), strict=True)
    return kept + [
        PaymentInstalment.objects.create(agreement=agreement, financial_year=year, due_date=d, amount=a) for d, a in plan
    ]


@transaction.atomic
def schedule_replace(
    *, agreement: Agreement, year: FinancialYear, instalments: Sequence[tuple[dt.date, Decimal]], actor: User
) -> list[PaymentInstalment]:
    """An officer's own schedule for a year: it must add up exactly to the year's value."""
    value = agreement.value_for(year)
    total = sum((amount for _, amount in instalments), ZERO)
    if total != value:
        raise ValidationError(
            f"The instalments add up to {money(total)}, but the agreement's value for {year} is {money(value)}."
        )
    for due, amount in instalments:
        if amount < 0:
            raise ValidationError({"amount": "An instalment cannot be negative."})
        if not (year.start <= due <= year.end):
            raise ValidationError({"due_date": f"{due:%d %B %Y} is not in {year}."})
    existing = list(agreement.instalments.filter(financial_year=year))
    if any(i.payments.exists() for i in existing):
        raise ValidationError("Payments have been recorded against this year's schedule; it can no longer be replaced.")
    for instalment in existing:
        instalment.delete()
    created = [
        PaymentInstalment.objects.create(agreement=agreement, financial_year=year, due_date=due, amount=amount)
        for due, amount in sorted(instalments)
        if amount > 0
    ]
    record_event(
        actor=actor,
        verb="schedule.replaced",
        obj=agreement,
        summary=f"{agreement.reference}: new {year} payment schedule of {len(created)} instalment(s), total {money(total)}",
    )
    return created


@transaction.atomic
def payment_record(
    *, instalment: PaymentInstalment, paid_on: dt.date, amount: Decimal, actor: User, reference: str = ""
) -> Payment:
    instalment = PaymentInstalment.objects.select_for_update().get(pk=instalment.pk)
    if amount <= 0:
        raise ValidationError({"amount": "A payment must be more than £0.00."})
    if paid_on > dt.date.today():
        raise ValidationError({"paid_on": "A payment cannot be recorded for a future date."})
    outstanding = instalment.amount - _paid(instalment)
    if amount > outstanding:
        raise ValidationError({"amount": f"Only {money(outstanding)} is outstanding on this instalment."})
    payment = Payment.objects.create(
        instalment=instalment, paid_on=paid_on, amount=amount, reference=reference, recorded_by=actor
    )
    record_event(
        actor=actor,
        verb="payment.recorded",
        obj=instalment.agreement,
        summary=f"{instalment.agreement.reference}: paid {money(amount)} on {paid_on:%d %b %Y} "
        f"against the instalment due {instalment.due_date:%d %b %Y}",
    )
    return payment


# --- Documents -----------------------------------------------------------------------


@transaction.atomic
def document_upload(*, agreement: Agreement, title: str, upload, actor: User) -> AgreementDocument:
    """Store a document against an agreement: refused (naming the file) if empty, too large, of a type we do not
    accept, or not what its name says (see core.uploads.check_upload)."""
    uploads.check_upload(upload)
    document = AgreementDocument(
        agreement=agreement,
        title=title or upload.name,
        original_name=upload.name,
        content_type=uploads.content_type_of(upload),
        size=upload.size,
        uploaded_by=actor,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    record_event(
        actor=actor, verb="document.uploaded", obj=agreement, summary=f"{agreement.reference}: uploaded {document.title}"
    )
    return document


# --- Streams and decisions -----------------------------------------------------------


@transaction.atomic
def stream_save(*, stream: FundingStream, actor: User) -> FundingStream:
    created = stream.pk is None
    # The form leaves the programme out, so Django's own unique check never sees it: check here.
    if FundingStream.objects.filter(programme=stream.programme_id, name=stream.name).exclude(pk=stream.pk).exists():
        raise ValidationError({"name": f"{stream.programme} already has a funding stream called {stream.name}."})
    if not created and stream.end:
        late = stream.budgets.filter(financial_year__start_year__gt=stream.end.year - (0 if stream.end.month >= 4 else 1))
        if late.exists():
            raise ValidationError({"end": f"{stream} has a budget for {late.first().financial_year}, after the new end date."})
    stream.save()
    record_event(
        actor=actor,
        verb="stream.created" if created else "stream.updated",
        obj=stream.programme,
        summary=f"{'Added' if created else 'Edited'} funding stream {stream}",
    )
    return stream


@transaction.atomic
def decision_record(*, decision: Decision, actor: User) -> Decision:
    decision.recorded_by = actor
    decision.save()
    record_event(actor=actor, verb="decision.recorded", obj=decision, summary=f"Recorded decision: {decision}")
    return decision
