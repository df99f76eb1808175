"""Agreements and their terms: the ledger of funding lines, variations, status and documents.

A refused change raises ValidationError naming the field and saying what is wrong; each function runs in one
transaction, so nothing is half-written, and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from vcsgrants.core import uploads
from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version
from vcsgrants.core.council import area_word, whole_area_name
from vcsgrants.core.models import Area, FinancialYear, User
from vcsgrants.core.money import pounds
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    AgreementDocument,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Programme,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors.agreements import agreement_state
from vcsgrants.funding.selectors.programmes import agreement_paid_by_line
from vcsgrants.funding.services.payments import schedule_rebuild
from vcsgrants.funding.services.programmes import committed_total


@dataclass(frozen=True)
class LineInput:
    """Money to add to an agreement: stream × financial year × area."""

    stream: FundingStream
    financial_year: FinancialYear
    area: Area
    amount: Decimal


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
    # What has been paid on each line as it stands: no change may take a stream's line below it (paid one-off
    # money must not quietly become another stream's).
    cut_years = [years[year_id] for (_, year_id, _), extra in pending.items() if extra < 0]
    paid = agreement_paid_by_line(agreement, list(dict.fromkeys(cut_years))) if cut_years else {}
    for (stream_id, year_id, area_id), extra in pending.items():
        stream, year, area = streams[stream_id], years[year_id], areas[area_id]
        own = (
            FundingLine.objects.filter(agreement=agreement, stream=stream, financial_year=year, area=area).aggregate(
                t=MoneySum("amount")
            )["t"]
            or ZERO
        )
        paid_on_line = paid.get((year_id, stream_id, area_id), ZERO)
        if own + extra < 0:
            errors.append(f"{stream} {year} {area}: the change would take this agreement's funding below zero.")
        elif extra < 0 and own + extra < paid_on_line:
            errors.append(
                f"{stream} {year} {area}: {pounds(paid_on_line)} has already been paid from {stream} on this agreement, "
                f"so its {pounds(own)} cannot be reduced by {pounds(-extra)} to {pounds(own + extra)}; "
                f"the most it can be reduced by is {pounds(own - paid_on_line)}."
            )
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
                f"{area}'s {year} allocation from {stream} is {pounds(allocated)}; "
                f"agreements already commit {pounds(committed)}, "
                f"so {pounds(extra)} more would exceed it by {pounds(committed + extra - allocated)}."
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
        raise ValidationError({"areas": f"Choose at least one {area_word()} (or {whole_area_name().lower()})."})
    reference = (reference or "").strip()  # the council's own reference, kept when given; else one is made
    if len(reference) > Agreement._meta.get_field("reference").max_length:
        raise ValidationError({"reference": "An agreement's reference must be 40 characters or fewer."})
    if reference and Agreement.objects.filter(reference=reference).exists():
        clash = f"Another agreement has the reference {reference}: choose a different one, or leave it out to have one made."
        raise ValidationError({"reference": clash})
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
    *,
    agreement: Agreement,
    actor: User,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    areas: Sequence[Area],
    version: str | None = None,
) -> Agreement:
    """Only a draft's original terms can be edited in place; an active agreement changes by variation. Refused
    (`version`, core.concurrency) if the agreement changed since the page was opened."""
    saved = Agreement.objects.select_for_update().get(pk=agreement.pk)
    check_version(version, agreement_state(saved), records=[agreement])
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("Only a draft agreement can be edited; make a variation instead.")
    if not areas:
        raise ValidationError({"areas": f"Choose at least one {area_word()} (or {whole_area_name().lower()})."})
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
        + "; ".join(f"{ln.stream} {ln.financial_year} {ln.area} {pounds(ln.amount)}" for ln in lines),
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
        f"{ln.stream} {ln.financial_year} {ln.area} {'+' if ln.amount > 0 else ''}{pounds(ln.amount)}" for ln in lines
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
