"""Payment schedules (instalments) and the payments made against them.

A refused change raises ValidationError naming the field and saying what is wrong; each function runs in one
transaction, so nothing is half-written, and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.money import apportion, long_date, pounds, quarterly_in_advance
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    PaymentRun,
)
from vcsgrants.funding.selectors.agreements import schedule_state


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
            {"amount": f"{pounds(value)} for {year} is less than the {pounds(value - remaining)} already paid or part-paid."}
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
    *,
    agreement: Agreement,
    year: FinancialYear,
    instalments: Sequence[tuple[dt.date, Decimal]],
    actor: User,
    version: str | None = None,
) -> list[PaymentInstalment]:
    """An officer's own schedule for a year: it must add up exactly to the year's value; refused (`version`,
    core.concurrency) if the year's schedule changed since the page was opened."""
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()  # one schedule change per agreement at a time
    check_version(version, schedule_state(agreement, year), records=[agreement])
    value = agreement.value_for(year)
    total = sum((amount for _, amount in instalments), ZERO)
    if total != value:
        raise ValidationError(
            f"The instalments add up to {pounds(total)}, but the agreement's value for {year} is {pounds(value)}."
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
        summary=f"{agreement.reference}: new {year} payment schedule of {len(created)} instalment(s), total {pounds(total)}",
    )
    return created


class DuplicateReference(ValidationError):
    """A payment reference already on another payment of the agreement: refused unless the user confirms."""

    def __init__(self, earlier: Payment):
        self.earlier = earlier
        super().__init__({"reference": duplicate_reference_message(earlier)})


def duplicate_reference_message(earlier: Payment) -> str:
    return (
        f"Payment reference {earlier.reference} is already on the payment of {pounds(earlier.amount)} made on "
        f"{long_date(earlier.paid_on)} against the instalment due {long_date(earlier.instalment.due_date)}. "
        "If this really is another payment, confirm that you want to record it anyway."
    )


def earlier_payment_with_reference(
    agreement: Agreement | None, reference: str, *, run: PaymentRun | None = None
) -> Payment | None:
    """The first payment of the agreement (of any agreement when None) carrying this reference (ignoring case and
    spaces around it), if any; the payments of `run` itself do not count."""
    reference = reference.strip()
    if not reference:
        return None
    payments = Payment.objects.filter(reference__iexact=reference)
    if agreement is not None:
        payments = payments.filter(instalment__agreement=agreement)
    if run is not None:
        payments = payments.exclude(run=run)
    return payments.select_related("instalment__agreement").order_by("paid_on", "id").first()


@transaction.atomic
def payment_record(
    *,
    instalment: PaymentInstalment,
    paid_on: dt.date,
    amount: Decimal,
    actor: User,
    reference: str = "",
    confirm_duplicate_reference: bool = False,
    run: PaymentRun | None = None,
) -> Payment:
    """Record a payment against an instalment. A reference already on another payment of the agreement (the same
    BACS payment typed twice) is refused with DuplicateReference, naming the earlier payment, unless the user
    confirms it (`confirm_duplicate_reference`). A payment made in a payment run (`run`) shares the run's
    reference with the run's other payments, which are not duplicates of it."""
    instalment = PaymentInstalment.objects.select_for_update().get(pk=instalment.pk)
    if amount <= 0:
        raise ValidationError({"amount": "A payment must be more than £0.00."})
    if paid_on > dt.date.today():
        raise ValidationError({"paid_on": "A payment cannot be recorded for a future date."})
    outstanding = instalment.amount - _paid(instalment)
    if amount > outstanding:
        raise ValidationError({"amount": f"Only {pounds(outstanding)} is outstanding on this instalment."})
    reference = reference.strip()
    earlier = earlier_payment_with_reference(instalment.agreement, reference, run=run)
    if earlier is not None and not confirm_duplicate_reference:
        raise DuplicateReference(earlier)
    payment = Payment.objects.create(
        instalment=instalment, paid_on=paid_on, amount=amount, reference=reference, recorded_by=actor, run=run
    )
    record_event(
        actor=actor,
        verb="payment.recorded",
        obj=instalment.agreement,
        summary=f"{instalment.agreement.reference}: paid {pounds(amount)} on {paid_on:%d %b %Y} "
        f"against the instalment due {instalment.due_date:%d %b %Y}"
        + (f" (reference {reference} already on an earlier payment: recorded anyway, as confirmed)" if earlier else ""),
    )
    return payment


# --- Payment runs ---------------------------------------------------------------------------------------------


def duplicate_run_reference_message(earlier: Payment) -> str:
    where = f"in payment run {earlier.run.reference}" if earlier.run_id else "recorded on its own"
    return (
        f"Reference {earlier.reference} is already on the payment of {pounds(earlier.amount)} to "
        f"{earlier.instalment.agreement.reference} made on {long_date(earlier.paid_on)} ({where}). "
        "If this really is another payment run, confirm that you want to record it anyway."
    )


class DuplicateRunReference(ValidationError):
    """A payment run's reference already on an earlier payment (of any agreement): refused unless confirmed."""

    def __init__(self, earlier: Payment):
        self.earlier = earlier
        super().__init__({"reference": duplicate_run_reference_message(earlier)})


@transaction.atomic
def payment_run_record(
    *,
    instalment_ids: Sequence[int],
    paid_on: dt.date,
    reference: str,
    actor: User,
    confirm_duplicate_reference: bool = False,
) -> PaymentRun:
    """Record several instalments as paid in one step, each for what is still outstanding on it: all or nothing.

    Each payment goes through payment_record and its rules; if any instalment is refused (already paid, gone, a
    date in the future…) nothing is written and the error lists every instalment refused and why. A reference
    already on an earlier payment of any agreement is refused with DuplicateRunReference unless confirmed; a run
    recorded anyway is flagged (`duplicate_reference`).
    """
    reference = reference.strip()
    ids = list(dict.fromkeys(int(i) for i in instalment_ids))
    if not reference:
        raise ValidationError({"reference": "Enter the finance system's reference for the payment run."})
    if not ids:
        raise ValidationError({"instalments": "Tick at least one instalment to pay."})
    if paid_on > dt.date.today():
        raise ValidationError({"paid_on": "A payment cannot be recorded for a future date."})
    earlier = earlier_payment_with_reference(None, reference)
    if earlier is not None and not confirm_duplicate_reference:
        raise DuplicateRunReference(earlier)
    run = PaymentRun.objects.create(
        paid_on=paid_on, reference=reference, duplicate_reference=earlier is not None, recorded_by=actor
    )
    instalments = PaymentInstalment.objects.select_related("agreement").in_bulk(ids)
    problems = [f"Instalment {pk} no longer exists." for pk in ids if pk not in instalments]
    total = ZERO
    for instalment in sorted(instalments.values(), key=lambda i: (i.due_date, i.agreement.reference, i.pk)):
        label = f"{instalment.agreement.reference}, instalment due {long_date(instalment.due_date)}"
        outstanding = instalment.amount - _paid(instalment)
        if outstanding <= 0:
            problems.append(f"{label}: already paid in full.")
            continue
        try:
            payment_record(
                instalment=instalment,
                paid_on=paid_on,
                amount=outstanding,
                actor=actor,
                reference=reference,
                confirm_duplicate_reference=confirm_duplicate_reference,
                run=run,
            )
        except ValidationError as exc:
            problems.append(f"{label}: {' '.join(exc.messages)}")
        else:
            total += outstanding
    if problems:
        raise ValidationError(
            {"instalments": [f"Nothing was recorded. {len(problems)} of the ticked instalments cannot be paid:"] + problems}
        )
    record_event(
        actor=actor,
        verb="payment_run.recorded",
        obj=run,
        summary=f"Payment run {reference} on {paid_on:%d %b %Y}: {len(ids)} instalment(s), total {pounds(total)}"
        + (" (reference already used before: recorded anyway, as confirmed)" if earlier else ""),
    )
    return run
