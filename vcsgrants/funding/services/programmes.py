"""Programmes: periods, funding streams, budgets, allocations to areas and the decisions they rest on.

A refused change raises ValidationError naming the field and saying what is wrong; each function runs in one
transaction, so nothing is half-written, and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.text import slugify

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.council import area_word
from vcsgrants.core.models import Area, FinancialYear, Organisation, User
from vcsgrants.core.money import pounds
from vcsgrants.funding.models import (
    ZERO,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Programme,
    ProgrammePeriod,
    StreamBudget,
)
from vcsgrants.funding.selectors.programmes import allocations_state, budget_key, budgets_state

# --- The programme itself: name, address, description, funder ------------------------------------------------

# Addresses under /programmes/ that are pages, not programmes: a programme may not take them as its slug.
RESERVED_SLUGS = {"new"}


def unique_programme_slug(name: str) -> str:
    """A slug for a programme from its name: the name's own, or with -2, -3... if another programme has it."""
    base = slugify(name)[:70] or "programme"
    if base in RESERVED_SLUGS:
        base = f"{base}-programme"
    slug, n = base, 2
    while Programme.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def programme_state(programme: Programme) -> dict[str, str]:
    """The programme as its edit page shows it (core.concurrency); the API's ETag is of the same."""
    return model_state(programme, exclude=["is_demo"])


@transaction.atomic
def programme_save(*, programme: Programme, actor: User, version: str | None = None) -> Programme:
    """Create a programme or change one: its name, slug (made from the name when blank), description and funder.

    Refused with the field named if the name or slug is taken or malformed, or the funder is not a funder
    organisation; and (`version`, core.concurrency) if the programme changed since its edit page was opened.
    """
    created = programme.pk is None
    saved = None
    if not created:
        saved = Programme.objects.select_for_update().select_related("funder").get(pk=programme.pk)
        check_version(version, programme_state(saved), records=[programme])
    errors: dict[str, str] = {}
    programme.name = (programme.name or "").strip()
    programme.slug = (programme.slug or "").strip().lower()
    if not programme.name:
        errors["name"] = "Enter the programme's name."
    elif Programme.objects.filter(name__iexact=programme.name).exclude(pk=programme.pk).exists():
        errors["name"] = f"Another programme is already called {programme.name}: choose a different name."
    if not programme.slug and programme.name:
        programme.slug = unique_programme_slug(programme.name)
    if programme.slug:
        try:
            validate_slug(programme.slug)
        except ValidationError:
            errors["slug"] = "The web address may use only letters, numbers, hyphens and underscores, such as warm-spaces."
        else:
            if len(programme.slug) > Programme._meta.get_field("slug").max_length:
                errors["slug"] = "The web address must be 80 characters or fewer."
            elif programme.slug in RESERVED_SLUGS:
                errors["slug"] = f"'{programme.slug}' is the address of a page: choose another web address."
            elif Programme.objects.filter(slug=programme.slug).exclude(pk=programme.pk).exists():
                errors["slug"] = f"Another programme has the web address {programme.slug}: choose a different one."
    funder = Organisation.objects.filter(pk=programme.funder_id).first() if programme.funder_id else None
    unchanged_funder = saved is not None and saved.funder_id == programme.funder_id
    if funder is None:
        errors["funder"] = "Choose the funder: the organisation (of kind funder) whose programme this is."
    elif funder.kind != Organisation.Kind.FUNDER and not unchanged_funder:
        errors["funder"] = f"{funder} is not a funder organisation: choose an organisation of kind funder."
    if errors:
        raise ValidationError(errors)
    before = programme_state(saved) if saved is not None else {}
    programme.save()
    after = programme_state(programme)
    changes = {what: {"was": before.get(what, ""), "now": now} for what, now in after.items() if before.get(what, "") != now}
    if created:
        record_event(
            actor=actor,
            verb="programme.created",
            obj=programme,
            summary=f"Created programme {programme}, funded by {funder}",
            data={"changes": changes},
        )
    elif changes:
        record_event(
            actor=actor,
            verb="programme.changed",
            obj=programme,
            summary=f"Changed programme {programme}: {', '.join(changes).lower()}",
            data={"changes": changes},
        )
    return programme


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


def allocated_total(stream: FundingStream, year: FinancialYear) -> Decimal:
    return Allocation.objects.filter(stream=stream, financial_year=year).aggregate(t=MoneySum("amount"))["t"] or ZERO


def committed_total(*, stream: FundingStream, year: FinancialYear, area: Area | None = None) -> Decimal:
    lines = FundingLine.objects.filter(stream=stream, financial_year=year)
    if area is not None:
        lines = lines.filter(area=area)
    return lines.aggregate(t=MoneySum("amount"))["t"] or ZERO


@transaction.atomic
def budget_set(
    *, stream: FundingStream, year: FinancialYear, amount: Decimal, actor: User, version: str | None = None
) -> StreamBudget:
    """Set the stream's budget for a year. `version` (core.concurrency): the stream's budgets as the page showed
    them; refused if this year's budget changed since."""
    FundingStream.objects.select_for_update().filter(pk=stream.pk).first()  # one budget change per stream at a time
    check_version(version, budgets_state(stream), records=[stream], keys=[budget_key(year)])
    if amount < 0:
        raise ValidationError({"amount": "A budget cannot be negative."})
    if not stream.runs_in(year):
        raise ValidationError({"financial_year": f"{stream} does not run in {year}."})
    allocated = allocated_total(stream, year)
    contributed = stream.contributions.filter(financial_year=year).aggregate(t=MoneySum("amount"))["t"] or ZERO
    if amount < contributed:
        raise ValidationError(
            {
                "amount": f"Partners contribute {pounds(contributed)} to {stream} in {year}; "
                "the budget cannot be less than their contributions."
            }
        )
    if amount < allocated:
        raise ValidationError(
            {
                "amount": f"{pounds(allocated)} is already allocated to {area_word(plural=True)} from {stream} in {year}; "
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
        summary=f"Set {stream} budget for {year} to {pounds(amount)}" + (f" (was {pounds(old)})" if old is not None else ""),
        data={"financial_year": year.label, "amount": str(amount), "was": str(old) if old is not None else None},
    )
    return budget


@transaction.atomic
def allocations_set(
    *,
    stream: FundingStream,
    year: FinancialYear,
    amounts: dict[Area, Decimal],
    actor: User,
    decision: Decision | None = None,
    version: str | None = None,
) -> list[Allocation]:
    """Set the stream's allocation to each area for a year, all at once.

    Refused if the total would exceed the stream's budget, or if an area's allocation would fall
    below what its agreements already commit; and (`version`, core.concurrency) if any district's allocation
    changed since the page was opened.
    """
    # The budget row is the lock every save of this stream's allocations for the year takes first.
    budget = StreamBudget.objects.select_for_update().filter(stream=stream, financial_year=year).first()
    if budget is None:
        raise ValidationError(f"{stream} has no budget for {year}: set the budget first.")
    check_version(version, allocations_state(stream, year), records=[stream])
    errors: dict[str, list[str]] = defaultdict(list)
    for area, amount in amounts.items():
        if amount < 0:
            errors[f"area_{area.pk}"].append(f"{area}: an allocation cannot be negative.")
            continue
        if amount > 0 and area.retired_on is not None:
            if not Allocation.objects.filter(stream=stream, financial_year=year, area=area).exists():
                errors[f"area_{area.pk}"].append(
                    f"{area} was retired on {area.retired_on.day} {area.retired_on:%B %Y}: it can take no new allocation."
                )
                continue
        committed = committed_total(stream=stream, year=year, area=area)
        if amount < committed:
            errors[f"area_{area.pk}"].append(
                f"{area}: agreements already commit {pounds(committed)}; the allocation cannot be less."
            )
    untouched = Allocation.objects.filter(stream=stream, financial_year=year).exclude(area__in=list(amounts))
    total = sum(amounts.values(), ZERO) + (untouched.aggregate(t=MoneySum("amount"))["t"] or ZERO)
    if total > budget.amount:
        errors["__all__"].append(
            f"These allocations total {pounds(total)}, which is {pounds(total - budget.amount)} more than the "
            f"{year} budget of {pounds(budget.amount)} for {stream}."
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
            summary=f"Changed {len(changes)} allocation(s) from {stream} for {year}; total now {pounds(total)}",
            data={"financial_year": year.label, "changes": changes},
        )
    return result


@transaction.atomic
def stream_save(*, stream: FundingStream, actor: User, version: str | None = None) -> FundingStream:
    created = stream.pk is None
    if not created:  # `version` (core.concurrency): the stream as the page showed it
        saved = FundingStream.objects.select_for_update().get(pk=stream.pk)
        check_version(version, model_state(saved), records=[stream.programme])
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
