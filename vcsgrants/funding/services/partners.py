"""Writes for funding partners: a partner's contribution to a stream's budget for a year.

Validated, in one transaction, audited, like every write in funding.services.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import ETAG, check_version
from vcsgrants.core.models import FinancialYear, Organisation, User
from vcsgrants.core.money import PENNY, long_date, pounds
from vcsgrants.core.rules import organisation_lineage
from vcsgrants.funding.models import ZERO, FundingStream, MoneySum, StreamBudget, StreamContribution

CONTRIBUTING_KINDS = (Organisation.Kind.FUNDER, Organisation.Kind.PARTNER)


def _check_succession(funder: Organisation, year: FinancialYear) -> None:
    """A contribution is recorded under the name the body had in that year: not a body already replaced before the
    year began, nor a successor for a year that ended before it took over."""
    if funder.successor_id and funder.succeeded_on and funder.succeeded_on <= year.start:
        raise ValidationError(
            {
                "funder": f"{funder} was succeeded by {funder.successor} on {long_date(funder.succeeded_on)}, before {year} "
                f"began: record the contribution against {funder.successor}."
            }
        )
    for predecessor in funder.predecessors.all():
        if predecessor.succeeded_on and predecessor.succeeded_on > year.end:
            raise ValidationError(
                {
                    "funder": f"{funder} took over from {predecessor} on {long_date(predecessor.succeeded_on)}, after {year} "
                    f"ended: record the contribution against {predecessor}."
                }
            )


def contribution_key(funder: Organisation, year: FinancialYear) -> str:
    return f"{funder}'s contribution for {year.label}"


def contributions_state(stream: FundingStream, year: FinancialYear | int | None = None) -> dict[str, str]:
    """The contributions page's list (core.concurrency): each partner's contribution and note, by year; with a year
    (or its start year), that year's alone (the API's read of a year, whose ETag a write for that year takes)."""
    rows = StreamContribution.objects.filter(stream=stream).select_related("funder", "financial_year")
    if year is not None:
        rows = rows.filter(financial_year__start_year=getattr(year, "start_year", year))
    rows = rows.order_by("financial_year__start_year", "funder__name")
    return {contribution_key(r.funder, r.financial_year): f"{pounds(r.amount)}{f' ({r.note})' if r.note else ''}" for r in rows}


@transaction.atomic
def contribution_set(
    *,
    stream: FundingStream,
    year: FinancialYear,
    funder: Organisation,
    amount: Decimal,
    actor: User,
    note: str = "",
    version: str | None = None,
) -> StreamContribution | None:
    """Record (or change) a partner's contribution to the stream's budget for the year; £0.00 removes it.
    Refused (`version`, core.concurrency) if this partner's contribution for the year changed since the page was opened;
    an ETag (the API's If-Match) is of the year's contributions, as the API's read of the year answers: refused if any
    partner's contribution for the year changed since.

    The stream's own funder pays what the contributions leave of the budget, so the contributions together
    can never be more than the budget; a stream with none is paid for by its funder alone.
    """
    if amount < 0:
        raise ValidationError({"amount": "A contribution cannot be negative; enter 0 to remove it."})
    if amount != amount.quantize(PENNY):
        raise ValidationError({"amount": "Give the contribution in pounds and pence, for example 20000.00."})
    if funder.kind not in CONTRIBUTING_KINDS:
        raise ValidationError(
            {"funder": f"{funder} is a {funder.get_kind_display().lower()}: only funders and partner bodies contribute."}
        )
    if funder.pk in organisation_lineage(stream.funder):
        raise ValidationError(
            {"funder": f"{funder} funds {stream} itself: its share is the budget less the partners' contributions."}
        )
    if not stream.runs_in(year):
        raise ValidationError({"financial_year": f"{stream} does not run in {year}."})
    _check_succession(funder, year)
    budget = StreamBudget.objects.select_for_update().filter(stream=stream, financial_year=year).first()
    if budget is None:
        raise ValidationError(
            {"financial_year": f"{stream} has no budget for {year}: set the budget first, since a contribution is part of it."}
        )
    if version is not None and (version == "*" or ETAG.match(version)):
        check_version(version, contributions_state(stream, year), records=[stream])
    else:
        check_version(version, contributions_state(stream), records=[stream], keys=[contribution_key(funder, year)])
    existing = StreamContribution.objects.select_for_update().filter(stream=stream, financial_year=year, funder=funder).first()
    others = (
        StreamContribution.objects.filter(stream=stream, financial_year=year)
        .exclude(funder=funder)
        .aggregate(t=MoneySum("amount"))["t"]
        or ZERO
    )
    if others + amount > budget.amount:
        raise ValidationError(
            {
                "amount": f"The contributions to {stream} in {year} would total {pounds(others + amount)}, "
                f"{pounds(others + amount - budget.amount)} more than its budget of {pounds(budget.amount)}."
            }
        )
    was = existing.amount if existing else None
    if amount == 0:
        if existing is None:
            raise ValidationError({"amount": f"{funder} has no contribution to {stream} in {year} to remove."})
        existing.delete()
        contribution = None
        summary = f"Removed {funder}'s contribution of {pounds(was)} to {stream} in {year}"
    elif existing is None:
        contribution = StreamContribution.objects.create(
            stream=stream, financial_year=year, funder=funder, amount=amount, note=note, recorded_by=actor
        )
        summary = f"Recorded {funder}'s contribution of {pounds(amount)} to {stream} in {year}"
    else:
        existing.amount, existing.note, existing.recorded_by = amount, note, actor
        existing.save()
        contribution = existing
        summary = f"Changed {funder}'s contribution to {stream} in {year} to {pounds(amount)} (was {pounds(was)})"
    record_event(
        actor=actor,
        verb="contribution.set",
        obj=stream,
        summary=summary,
        data={
            "financial_year": year.label,
            "funder": funder.pk,
            "amount": str(amount),
            "was": str(was) if was is not None else None,
        },
    )
    return contribution
