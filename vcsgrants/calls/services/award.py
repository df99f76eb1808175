"""Award: preview which applications each lot's money funds, then turn them into draft agreements in one action.

The rule (scoring.plan_lot): in each lot, the applications recommended for funding (fund, fund with conditions)
are taken in order of moderated score, highest first; each whose yearly request fits within what the lot has left
that year is funded, one that does not fit is skipped and the next is tried. Applications recommended not to fund,
and those found ineligible, are unsuccessful. Every submitted, eligible application must be moderated first, and
none may have scores submitted after its moderation.

Confirming (award_confirm), in one transaction and audited:
- a draft agreement per funded application through funding.services.agreements.agreement_create — the organisation, the
  lot's area, the call's agreement period, a funding line on the call's stream for each financial year of the
  period (the yearly amount requested) — so the allocation and budget checks apply; a failure refuses the
  whole award with its message;
  For a financial year whose budget for the stream is not set yet, the money is committed subject to that budget
  (as multi-year terms are: agreement_create's ahead_of_budget) and the commitments forecast flags the year; for a
  year with a budget, the allocation must hold it;
- an annual target for each of the call's KPIs in each year, profiled by quarter exactly (monitoring's
  target_set: quarters that add up to the year's target, whole numbers for counts);
- each application's outcome (awarded or unsuccessful) with the feedback the officer wrote;
- an applicant organisation that wins becomes a provider, and its users gain the provider role (for returns);
- an outcome e-mail to every applicant (queued in the notifications outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vcsgrants.calls.emails import notify_outcome
from vcsgrants.calls.models import Application, Call, Lot
from vcsgrants.calls.scoring import Candidate, plan_lot
from vcsgrants.calls.selectors.assess import scored_since_moderation
from vcsgrants.calls.services.assess import assessable
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.core.money import pounds
from vcsgrants.core.services import financial_years_between
from vcsgrants.funding.models import ZERO, Agreement, StreamBudget
from vcsgrants.funding.services.agreements import LineInput, agreement_create
from vcsgrants.monitoring.services import target_set

OUTCOME_FIELDS = ["outcome", "feedback", "outcome_at", "updated_at"]
RECOMMENDED = {Application.Recommendation.FUND, Application.Recommendation.FUND_WITH_CONDITIONS}


@dataclass
class PreviewRow:
    application: Application
    rank: int | None
    funded: bool
    why: str
    default_feedback: str


@dataclass
class LotPreview:
    lot: Lot
    rows: list[PreviewRow]
    awarded: Decimal  # a year
    left: Decimal  # a year

    @property
    def funded(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.funded]


@dataclass
class AwardPreview:
    call: Call
    lots: list[LotPreview]
    problems: list[str] = field(default_factory=list)
    years: int = 0
    unbudgeted: list[str] = field(default_factory=list)  # financial years with no budget for the stream yet

    @property
    def rows(self) -> list[PreviewRow]:
        return [r for lot in self.lots for r in lot.rows]

    @property
    def awarded(self) -> Decimal:
        return sum((lot.awarded for lot in self.lots), ZERO)

    @property
    def awarded_over_period(self) -> Decimal:
        return self.awarded * self.years


def default_feedback(application: Application, funded: bool, why: str) -> str:
    """A starting point for the officer's feedback; it never mentions a score."""
    reason = application.recommendation_reason.strip()
    if funded:
        text = f"Your application was successful. {reason}".strip()
        if application.conditions:
            text += f"\n\nThe funding is offered on these conditions: {application.conditions}"
        return text
    if not application.is_eligible:
        reasons = "; ".join(application.ineligible_reasons) or "it did not meet the call's eligibility requirements"
        return f"Thank you for applying. Your application was not eligible: {reasons.rstrip('.')}."
    if application.recommendation in RECOMMENDED:
        return (
            "Thank you for applying. The panel recommended your application, but the money available for "
            f"{application.lot.name} was taken by applications ranked higher. {reason}"
        ).strip()
    return f"Thank you for applying. Your application was not successful. {reason}".strip()


def award_preview(call: Call) -> AwardPreview:
    problems = []
    if not call.is_closed():
        problems.append("The call has not closed yet.")
    if call.applications.exclude(outcome=Application.Outcome.PENDING).exists():
        problems.append("This call has already been awarded.")
    eligible = list(assessable(call).select_related("organisation", "lot"))
    unmoderated = [a for a in eligible if a.moderated_score is None or not a.recommendation]
    if unmoderated:
        problems.append(
            f"{len(unmoderated)} eligible application{'s have' if len(unmoderated) != 1 else ' has'} not been moderated: "
            f"{', '.join(a.reference for a in unmoderated)}."
        )
    stale_ids = scored_since_moderation(assessable(call))
    stale = [a.reference for a in eligible if a.pk in stale_ids]
    if stale:
        problems.append(
            f"Scores were submitted after moderation on {', '.join(sorted(stale))}: reopen moderation and moderate "
            "again with every score."
        )
    eligible_ids = {a.pk for a in eligible}
    submitted = list(
        call.applications.filter(status=Application.Status.SUBMITTED).select_related("organisation", "lot").order_by("reference")
    )
    lots = []
    for lot in call.lots.select_related("area"):
        in_lot = [a for a in submitted if a.lot_id == lot.pk]
        recommended = [
            a for a in in_lot if a.pk in eligible_ids and a.recommendation in RECOMMENDED and a.moderated_score is not None
        ]
        plan = plan_lot(lot.amount, [Candidate(a.pk, a.reference, a.moderated_score, a.amount_requested) for a in recommended])
        by_pk = {a.pk: a for a in in_lot}
        rows = [
            PreviewRow(by_pk[p.key], p.rank, p.funded, p.why, default_feedback(by_pk[p.key], p.funded, p.why))
            for p in plan.placings
        ]
        for application in in_lot:
            if application in recommended:
                continue
            if application.pk not in eligible_ids:
                why = "Out: not eligible."
            elif application.moderated_score is None or not application.recommendation:
                why = "Not yet moderated."
            else:
                why = "Out: recommended not to fund."
            rows.append(PreviewRow(application, None, False, why, default_feedback(application, False, why)))
        lots.append(LotPreview(lot, rows, plan.awarded, plan.left))
    years = financial_years_between(call.agreement_start, call.agreement_end)
    budgeted = set(
        StreamBudget.objects.filter(stream=call.stream, financial_year__in=years).values_list("financial_year", flat=True)
    )
    return AwardPreview(
        call=call,
        lots=lots,
        problems=problems,
        years=len(years),
        unbudgeted=[str(y) for y in years if y.pk not in budgeted],
    )


def _make_provider(organisation: Organisation, actor: User) -> None:
    if organisation.kind == Organisation.Kind.APPLICANT:
        organisation.kind = Organisation.Kind.PROVIDER
        organisation.save(update_fields=["kind"])
        record_event(
            actor=actor, verb="organisation.became_provider", obj=organisation, summary=f"{organisation} is now a provider"
        )
    provider = Group.objects.get_or_create(name=Role.PROVIDER.value)[0]
    for user in User.objects.filter(organisation=organisation, is_active=True):
        user.groups.add(provider)


@dataclass
class AwardResult:
    agreements: list[Agreement]
    unsuccessful: list[Application]


@transaction.atomic
def award_confirm(*, call: Call, actor: User, feedback: Mapping[int, str]) -> AwardResult:
    """Award the call as previewed (see the module docstring); all of it, or nothing with the reason."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    preview = award_preview(call)
    if preview.problems:
        raise ValidationError(preview.problems)
    missing = [r.application.reference for r in preview.rows if not (feedback.get(r.application.pk) or "").strip()]
    if missing:
        raise ValidationError(f"Write the feedback for {', '.join(missing)}.")
    years = financial_years_between(call.agreement_start, call.agreement_end)
    call_kpis = list(call.call_kpis.select_related("kpi__outcome"))
    now = timezone.now()
    agreements, awarded, unsuccessful = [], [], []
    for lot_preview in preview.lots:
        lot = lot_preview.lot
        for row in lot_preview.rows:
            application = row.application
            application.feedback = feedback[application.pk].strip()
            application.outcome_at = now
            if not row.funded:
                application.outcome = Application.Outcome.UNSUCCESSFUL
                application.save(update_fields=OUTCOME_FIELDS)
                unsuccessful.append(application)
                continue
            _make_provider(application.organisation, actor)
            try:
                agreement = agreement_create(
                    programme=call.programme,
                    organisation=application.organisation,
                    areas=[lot.area],
                    title=f"{application.project_title} ({call.title}, {lot.name})"[:200],
                    start_date=call.agreement_start,
                    end_date=call.agreement_end,
                    actor=actor,
                    lines=[LineInput(call.stream, year, lot.area, application.amount_requested) for year in years],
                    ahead_of_budget=True,
                )
                for call_kpi in call_kpis:
                    for year in years:
                        target_set(
                            agreement=agreement, kpi=call_kpi.kpi, year=year, annual_target=call_kpi.annual_target, actor=actor
                        )
            except ValidationError as exc:
                raise ValidationError(
                    [f"{application.reference} ({application.organisation}, {lot.name}): {m}" for m in exc.messages]
                ) from exc
            application.outcome = Application.Outcome.AWARDED
            application.agreement = agreement
            application.save(update_fields=[*OUTCOME_FIELDS, "agreement"])
            agreements.append(agreement)
            awarded.append(application)
    for application in [*awarded, *unsuccessful]:
        notify_outcome(application)
    record_event(
        actor=actor,
        verb="call.awarded",
        obj=call,
        summary=f"Awarded '{call.title}': {len(agreements)} draft agreements worth {pounds(preview.awarded)} a year, "
        f"{len(unsuccessful)} unsuccessful applications",
        data={
            "agreements": [a.reference for a in agreements],
            "unsuccessful": [a.reference for a in unsuccessful],
            "per_year": str(preview.awarded),
        },
    )
    return AwardResult(agreements=agreements, unsuccessful=unsuccessful)
