"""Writes for assessment: criteria, the call's KPIs, the panel, conflicts, scores and moderation.

Every function is keyword-only, validates before it writes, runs in one transaction and records who did it.
The rules (see also scoring.py):
- Criteria may change until the first score is saved; their weights must add up to 100 before anyone is assigned.
- Assessors are assigned only once the call has closed, and only to submitted, eligible applications.
- An assessor declares a conflict of interest before seeing the application; a conflict blocks scoring for good.
- Scores are saved as a draft, then submitted once every criterion has a score and a comment; after that they
  change only if an officer reopens them.
- Moderation records the panel's score (the mean of the submitted weighted totals unless a reason is given for
  another) and a recommendation with reasons; conditions are required to fund with conditions.
- Moderation closes scoring on the application: no assessor may then declare no conflict, save or submit scores,
  and its panel and submitted scores cannot be changed or reopened, until an officer reopens moderation (with a
  reason), which takes the application back to "to moderate" (so the award waits for it again). Declaring a
  conflict of interest is always allowed: it changes no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from vcsgrants.calls.emails import notify_assessment_assigned
from vcsgrants.calls.models import Application, Assignment, Call, CallKpi, Criterion, Lot, Score
from vcsgrants.calls.scoring import check_score, weights_problem
from vcsgrants.calls.selectors.assess import panel_result
from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import Role, User
from vcsgrants.monitoring.models import Kpi

MODERATED = "The panel has moderated this application: ask the officer to reopen moderation if your scores should count."


def _check_not_moderated(application: Application, message: str = MODERATED) -> None:
    if application.is_moderated:
        raise ValidationError(message)


# --- Criteria -------------------------------------------------------------------------------


def scoring_started(call: Call) -> bool:
    return Score.objects.filter(criterion__call=call).exists()


def _check_criteria_editable(call: Call) -> None:
    if scoring_started(call):
        raise ValidationError("Assessors have started scoring, so the criteria can no longer change.")


def criterion_state(criterion: Criterion) -> dict[str, str]:
    """A criterion as its edit page shows it (core.concurrency): not its number."""
    return model_state(criterion, exclude=["call", "number"])


@transaction.atomic
def criterion_save(
    *,
    call: Call,
    actor: User,
    title: str,
    guidance: str,
    weight: int,
    max_score: int,
    criterion: Criterion | None = None,
    version: str | None = None,
) -> Criterion:
    """Add a criterion, or change one: refused (`version`, core.concurrency) if it changed since its edit page was
    opened. The call's row is locked first, so two saves (and the weights they add up) follow one another."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if criterion is not None:
        criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
        check_version(version, criterion_state(criterion), records=[call])
    _check_criteria_editable(call)
    if not 1 <= weight <= 100:
        raise ValidationError({"weight": "A weight is between 1 and 100 (per cent)."})
    if not 1 <= max_score <= 100:
        raise ValidationError({"max_score": "The highest score is between 1 and 100."})
    others = call.criteria.exclude(pk=criterion.pk if criterion else None)
    total = sum(others.values_list("weight", flat=True)) + weight
    if total > 100:
        raise ValidationError({"weight": f"The weights would add up to {total}; they cannot be more than 100."})
    created = criterion is None
    if created:
        last = call.criteria.order_by("-number").values_list("number", flat=True).first() or 0
        criterion = Criterion(call=call, number=last + 1)
    criterion.title, criterion.guidance, criterion.weight, criterion.max_score = title, guidance, weight, max_score
    criterion.save()
    record_event(
        actor=actor,
        verb="call.criterion_added" if created else "call.criterion_changed",
        obj=call,
        summary=f"{'Added' if created else 'Changed'} criterion {criterion.number} '{title}' ({weight}%, scored 0–{max_score})",
    )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, actor: User) -> None:
    call = criterion.call
    _check_criteria_editable(call)
    criterion.delete()
    record_event(actor=actor, verb="call.criterion_removed", obj=call, summary=f"Removed criterion '{criterion.title}'")


def assessment_problem(call: Call) -> str | None:
    """Why assessors cannot be assigned yet, or None."""
    if not call.is_closed():
        return "Assessors can be assigned once the call has closed."
    return weights_problem(list(call.criteria.values_list("weight", flat=True)))


# --- The KPIs awarded agreements will report against ----------------------------------------


def framework_kpis(call: Call):
    """The agreed KPIs of the programme's outcomes framework."""
    return Kpi.objects.filter(outcome__programme=call.programme, status=Kpi.Status.AGREED).select_related("outcome")


def call_kpis_state(call: Call) -> dict[str, str]:
    """The call's KPIs as their page shows them (core.concurrency): each chosen KPI's annual target, by code."""
    rows = call.call_kpis.select_related("kpi").order_by("kpi__code")
    return {f"{row.kpi.code} annual target": f"{row.annual_target.normalize():f}" for row in rows}


@transaction.atomic
def call_kpis_set(*, call: Call, targets: Mapping[int, Decimal | None], actor: User, version: str | None = None) -> list[CallKpi]:
    """The call's KPIs with an annual target each (KPI id → target; None leaves the KPI out). All or nothing.
    Refused (`version`, core.concurrency) if they changed since the page was opened (the call's row locked first)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    check_version(version, call_kpis_state(call), records=[call])
    if call.applications.filter(outcome=Application.Outcome.AWARDED).exists():
        raise ValidationError("The call has been awarded; its KPIs are now the agreements' targets.")
    allowed = {k.pk: k for k in framework_kpis(call)}
    errors = []
    for kpi_id, target in targets.items():
        if kpi_id not in allowed:
            errors.append(f"KPI {kpi_id} is not an agreed KPI of {call.programme}'s outcomes framework.")
        elif target is not None and target < 0:
            errors.append(f"{allowed[kpi_id].code}: a target cannot be negative.")
    if errors:
        raise ValidationError(errors)
    chosen = {kpi_id: target for kpi_id, target in targets.items() if target is not None}
    call.call_kpis.exclude(kpi_id__in=chosen).delete()
    rows = []
    for kpi_id, target in chosen.items():
        row, _ = CallKpi.objects.update_or_create(call=call, kpi_id=kpi_id, defaults={"annual_target": target})
        rows.append(row)
    record_event(
        actor=actor,
        verb="call.kpis_set",
        obj=call,
        summary=f"Set the call's KPIs: {', '.join(f'{allowed[k].code} {t}' for k, t in chosen.items()) or 'none'}",
        data={allowed[k].code: str(t) for k, t in chosen.items()},
    )
    return rows


# --- The panel ------------------------------------------------------------------------------


def possible_assessors():
    """Users who may sit on a panel: assessors, and officers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.ASSESSOR, Role.OFFICER])
        .distinct()
        .select_related("organisation")
        .order_by("last_name", "first_name", "username")
    )


def assessable(call: Call):
    """The submitted, eligible applications of a call (eligible on the check or by override)."""
    return call.applications.filter(status=Application.Status.SUBMITTED).filter(
        Q(eligible=True) | ~Q(eligibility_override_reason="")
    )


def _check_assessor(user: User) -> None:
    if not (user.is_active and (user.has_role(Role.ASSESSOR) or user.has_role(Role.OFFICER))):
        raise ValidationError({"assessors": f"{user} is not an assessor or officer, so cannot sit on the panel."})


def _assign(application: Application, assessors: Iterable[User], actor: User) -> list[Assignment]:
    made = []
    existing = set(application.assignments.values_list("assessor_id", flat=True))
    for assessor in assessors:
        _check_assessor(assessor)
        if assessor.pk in existing:
            continue
        assignment = Assignment.objects.create(application=application, assessor=assessor, assigned_by=actor)
        notify_assessment_assigned(assignment, link=reverse("calls:assess-my-list"))
        made.append(assignment)
    return made


AWARDED_PANEL = "The call has been awarded; the panel can no longer change."


def _check_can_assign(call: Call) -> None:
    problem = assessment_problem(call)
    if problem:
        raise ValidationError(problem)
    if call.applications.exclude(outcome=Application.Outcome.PENDING).exists():
        raise ValidationError(AWARDED_PANEL)


def panel_problem(call: Call) -> str | None:
    """Why no assessor can be assigned on the call now (so "Assign assessors to a lot" would be refused), or None."""
    try:
        _check_can_assign(call)
    except ValidationError as exc:
        return exc.messages[0]
    applications = list(assessable(call).only("moderated_score", "recommendation"))
    if applications and all(a.is_moderated for a in applications):
        return "Every submitted, eligible application has been moderated: reopen moderation to change its panel."
    return None


@transaction.atomic
def application_assessors_set(*, application: Application, assessors: Sequence[User], actor: User) -> list[Assignment]:
    """The panel for one application: adds the new ones; removes those left out unless they have scored."""
    call = application.call
    _check_can_assign(call)
    if not assessable(call).filter(pk=application.pk).exists():
        raise ValidationError("Only a submitted, eligible application can be assessed.")
    _check_not_moderated(
        application, "The panel has moderated this application: reopen moderation before changing its assessors."
    )
    chosen = {a.pk for a in assessors}
    removed = []
    for assignment in application.assignments.exclude(assessor_id__in=chosen).select_related("assessor"):
        if assignment.scores.exists() or assignment.completed_at:
            raise ValidationError(
                {"assessors": f"{assignment.assessor} has started scoring, so cannot be taken off this application."}
            )
        removed.append(str(assignment.assessor))
        assignment.delete()
    made = _assign(application, assessors, actor)
    record_event(
        actor=actor,
        verb="call.panel_changed",
        obj=application,
        summary=f"{application.reference}: assigned {', '.join(a.assessor.display_name for a in made) or 'nobody new'}"
        + (f"; removed {', '.join(removed)}" if removed else ""),
    )
    return made


@transaction.atomic
def lot_assign(*, lot: Lot | None, call: Call, assessors: Sequence[User], actor: User) -> list[Assignment]:
    """Assign the same assessors to every submitted, eligible application of a lot (or of the whole call) not yet
    moderated."""
    _check_can_assign(call)
    if not assessors:
        raise ValidationError({"assessors": "Choose at least one assessor."})
    applications = assessable(call).select_related("call", "lot", "organisation")
    if lot is not None:
        applications = applications.filter(lot=lot)
    applications = list(applications)
    if not applications:
        raise ValidationError({"lot": "There are no submitted, eligible applications to assign here."})
    applications = [a for a in applications if not a.is_moderated]
    if not applications:
        raise ValidationError(
            {"lot": "Every submitted, eligible application here has been moderated: reopen moderation to change a panel."}
        )
    made = []
    for application in applications:
        made += _assign(application, assessors, actor)
    record_event(
        actor=actor,
        verb="call.panel_assigned",
        obj=call,
        summary=f"Assigned {', '.join(a.display_name for a in assessors)} to {len(applications)} applications "
        f"of {lot or 'every lot'} ({len(made)} new assignments)",
    )
    return made


# --- Assessors: conflicts and scores --------------------------------------------------------


def _check_own(assignment: Assignment, actor: User) -> None:
    if assignment.assessor_id != actor.pk:
        raise ValidationError("Only the assessor assigned can do this.")


@transaction.atomic
def conflict_declare(*, assignment: Assignment, actor: User, conflict: bool, details: str = "") -> Assignment:
    """No conflict, or a conflict with its details. A conflict is for good; no conflict may later become one."""
    assignment = Assignment.objects.select_for_update().select_related("application").get(pk=assignment.pk)
    _check_own(assignment, actor)
    if assignment.conflict == Assignment.Conflict.CONFLICT:
        raise ValidationError("You have declared a conflict of interest on this application; it cannot be withdrawn.")
    if conflict:
        if not details.strip():
            raise ValidationError({"conflict_details": "Say what the conflict of interest is."})
        if assignment.completed_at:
            raise ValidationError("You have submitted your scores; ask the officer to reopen them first.")
        assignment.conflict, assignment.conflict_details = Assignment.Conflict.CONFLICT, details.strip()
    elif assignment.conflict == Assignment.Conflict.NONE:
        return assignment
    else:
        _check_not_moderated(assignment.application)
        assignment.conflict, assignment.conflict_details = Assignment.Conflict.NONE, ""
    assignment.declared_at = timezone.now()
    assignment.save(update_fields=["conflict", "conflict_details", "declared_at"])
    application = assignment.application
    record_event(
        actor=actor,
        verb="call.conflict_declared" if conflict else "call.no_conflict_declared",
        obj=application,
        summary=f"{actor.display_name} declared a conflict of interest on {application.reference}: {assignment.conflict_details}"
        if conflict
        else f"{actor.display_name} declared no conflict of interest on {application.reference}",
    )
    return assignment


@dataclass(frozen=True)
class ScoreInput:
    criterion: Criterion
    score: int | None
    comment: str


@transaction.atomic
def scores_save(*, assignment: Assignment, entries: Sequence[ScoreInput], actor: User, submit: bool = False) -> Assignment:
    """Save the assessor's scores as a draft; with submit, every criterion needs a score and a comment."""
    assignment = Assignment.objects.select_for_update().select_related("application__call").get(pk=assignment.pk)
    _check_own(assignment, actor)
    if assignment.conflict == Assignment.Conflict.CONFLICT:
        raise ValidationError("You declared a conflict of interest on this application, so you cannot score it.")
    if assignment.conflict != Assignment.Conflict.NONE:
        raise ValidationError("Declare whether you have a conflict of interest before scoring.")
    _check_not_moderated(assignment.application)
    if assignment.completed_at:
        raise ValidationError("You have submitted your scores; they can change only if an officer reopens them.")
    application = assignment.application
    if application.outcome != Application.Outcome.PENDING:
        raise ValidationError("The call has been awarded; scores can no longer change.")
    errors: dict[str, list[str]] = {}
    criteria = {c.pk: c for c in application.call.criteria.all()}
    given = {e.criterion.pk: e for e in entries}
    for entry in entries:
        if entry.criterion.pk not in criteria:
            raise ValidationError("A criterion of another call was given.")
        if entry.score is not None:
            try:
                check_score(entry.score, entry.criterion.max_score)
            except ValueError as exc:
                errors.setdefault(f"score_{entry.criterion.pk}", []).append(str(exc))
    if submit:
        for pk, criterion in criteria.items():
            entry = given.get(pk)
            if entry is None or entry.score is None:
                errors.setdefault(f"score_{pk}", []).append(f"Give a score for {criterion.title}.")
            if entry is None or not entry.comment.strip():
                errors.setdefault(f"comment_{pk}", []).append(f"Give a comment for {criterion.title}.")
    if errors:
        raise ValidationError(errors)
    for entry in entries:
        if entry.score is None:
            Score.objects.filter(assignment=assignment, criterion=entry.criterion).delete()
            continue
        Score.objects.update_or_create(
            assignment=assignment, criterion=entry.criterion, defaults={"score": entry.score, "comment": entry.comment.strip()}
        )
    if submit:
        assignment.completed_at = timezone.now()
        assignment.save(update_fields=["completed_at"])
    record_event(
        actor=actor,
        verb="call.scores_submitted" if submit else "call.scores_saved",
        obj=application,
        summary=f"{actor.display_name} {'submitted' if submit else 'saved draft'} scores for {application.reference}",
        data={"scores": {str(e.criterion.number): e.score for e in entries}},
    )
    return assignment


@transaction.atomic
def scores_reopen(*, assignment: Assignment, actor: User, reason: str) -> Assignment:
    """An officer lets an assessor change submitted scores again."""
    assignment = Assignment.objects.select_for_update().select_related("application", "assessor").get(pk=assignment.pk)
    if not assignment.completed_at:
        raise ValidationError("These scores have not been submitted, so there is nothing to reopen.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the scores are reopened."})
    application = assignment.application
    if application.outcome != Application.Outcome.PENDING:
        raise ValidationError("The call has been awarded; scores can no longer change.")
    _check_not_moderated(application, "The panel has moderated this application: reopen moderation first, then the scores.")
    assignment.completed_at = None
    assignment.save(update_fields=["completed_at"])
    record_event(
        actor=actor,
        verb="call.scores_reopened",
        obj=application,
        summary=f"Reopened {assignment.assessor.display_name}'s scores for {application.reference}: {reason.strip()}",
    )
    return assignment


# --- Moderation ---------------------------------------------------------------------------


@transaction.atomic
def moderate(
    *,
    application: Application,
    actor: User,
    moderated_score: Decimal,
    recommendation: str,
    reason: str,
    conditions: str = "",
    score_reason: str = "",
) -> Application:
    """Record the panel's moderated score and its recommendation; a score other than the panel mean needs a reason."""
    if application.outcome != Application.Outcome.PENDING:
        raise ValidationError("The call has been awarded; moderation can no longer change.")
    if not assessable(application.call).filter(pk=application.pk).exists():
        raise ValidationError("Only a submitted, eligible application is moderated.")
    result = panel_result(application)
    errors: dict[str, str] = {}
    if result.mean is None:
        raise ValidationError("No assessor has submitted scores for this application yet.")
    if not Decimal("0") <= moderated_score <= Decimal("100"):
        errors["moderated_score"] = "The moderated score is a percentage between 0 and 100."
    elif moderated_score != result.mean and not score_reason.strip():
        errors["score_reason"] = f"Say why the moderated score differs from the panel mean of {result.mean}%."
    if recommendation not in Application.Recommendation.values:
        errors["recommendation"] = "Choose a recommendation."
    if not reason.strip():
        errors["reason"] = "Give the reasons for the recommendation."
    if recommendation == Application.Recommendation.FUND_WITH_CONDITIONS and not conditions.strip():
        errors["conditions"] = "Say what the conditions are."
    if errors:
        raise ValidationError(errors)
    before = (application.moderated_score, application.recommendation)
    application.moderated_score = moderated_score
    application.recommendation = recommendation
    application.recommendation_reason = reason.strip()
    application.conditions = conditions.strip() if recommendation == Application.Recommendation.FUND_WITH_CONDITIONS else ""
    application.moderated_by = actor
    application.moderated_at = timezone.now()
    application.save(
        update_fields=[
            "moderated_score",
            "recommendation",
            "recommendation_reason",
            "conditions",
            "moderated_by",
            "moderated_at",
            "updated_at",
        ]
    )
    label = Application.Recommendation(recommendation).label
    record_event(
        actor=actor,
        verb="call.moderated",
        obj=application,
        summary=f"Moderated {application.reference}: {moderated_score}% (panel mean {result.mean}%), {label.lower()}",
        data={
            "panel_mean": str(result.mean),
            "moderated_score": str(moderated_score),
            "score_reason": score_reason.strip() if moderated_score != result.mean else "",
            "recommendation": recommendation,
            "before": [str(before[0]) if before[0] is not None else None, before[1]],
        },
    )
    return application


@transaction.atomic
def moderation_reopen(*, application: Application, actor: User, reason: str) -> Application:
    """An officer takes a moderated application back to "to moderate", so assessors may score it again.

    The moderated score and recommendation are cleared (the reasons and conditions stay, as a starting point);
    the award waits until it is moderated again.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.outcome != Application.Outcome.PENDING:
        raise ValidationError("The call has been awarded; moderation can no longer change.")
    if not application.is_moderated:
        raise ValidationError("This application has not been moderated, so there is nothing to reopen.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why moderation is reopened."})
    before = (application.moderated_score, application.recommendation)
    application.moderated_score, application.recommendation = None, ""
    application.moderated_by, application.moderated_at = None, None
    application.save(update_fields=["moderated_score", "recommendation", "moderated_by", "moderated_at", "updated_at"])
    record_event(
        actor=actor,
        verb="call.moderation_reopened",
        obj=application,
        summary=f"Reopened moderation of {application.reference} (was {before[0]}%, "
        f"{Application.Recommendation(before[1]).label.lower()}): {reason.strip()}",
        data={"before": [str(before[0]), before[1]], "reason": reason.strip()},
    )
    return application
