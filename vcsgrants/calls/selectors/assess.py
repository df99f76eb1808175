"""Reads for assessment and moderation: the panel's scores side by side, the ranked list, an assessor's list.

Only submitted score sets from assessors who declared no conflict count towards means, spreads and totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q

from vcsgrants.calls.models import Application, Assignment, Call, Criterion, Lot, Score
from vcsgrants.calls.scoring import CriterionSpec, CriterionSpread, criterion_spread, panel_mean, ranked, weighted_total
from vcsgrants.core.models import AuditEvent, User


def criterion_specs(criteria) -> list[CriterionSpec]:
    return [CriterionSpec(c.pk, c.weight, c.max_score) for c in criteria]


@dataclass
class AssessorColumn:
    assignment: Assignment
    scores: dict[int, Score]  # criterion id → score
    total: Decimal | None  # weighted total, once submitted

    @property
    def status(self) -> str:
        return assignment_status(self.assignment)

    @property
    def counts(self) -> bool:
        return self.total is not None


@dataclass
class CriterionRow:
    criterion: Criterion
    cells: list[Score | None]  # one per assessor column, in column order (submitted scores only)
    spread: CriterionSpread


@dataclass
class PanelResult:
    criteria: list[Criterion]
    columns: list[AssessorColumn]
    rows: list[CriterionRow]
    mean: Decimal | None
    conflicts: list[Assignment] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for c in self.columns if c.counts)

    @property
    def flagged(self) -> list[CriterionRow]:
        return [r for r in self.rows if r.spread.flagged]


SCORING_CLOSED = "Scoring closed: moderated"


def assignment_status(assignment: Assignment) -> str:
    if assignment.conflict == Assignment.Conflict.CONFLICT:
        return "Conflict of interest"
    if assignment.completed_at:
        return "Scores submitted"
    if assignment.application.is_moderated:
        return SCORING_CLOSED  # the panel moderated without these scores; they would not count
    if assignment.conflict == Assignment.Conflict.UNDECLARED:
        return "Conflict not yet declared"
    return "Scoring in progress"


def panel_result(application: Application) -> PanelResult:
    criteria = list(application.call.criteria.all())
    specs = criterion_specs(criteria)
    assignments = list(
        application.assignments.select_related("assessor").prefetch_related(Prefetch("scores", queryset=Score.objects.all()))
    )
    columns = []
    for assignment in assignments:
        if assignment.conflict == Assignment.Conflict.CONFLICT:
            continue
        scores = {s.criterion_id: s for s in assignment.scores.all()}
        complete = assignment.completed_at is not None and all(c.pk in scores for c in criteria)
        total = weighted_total(specs, {k: s.score for k, s in scores.items()}) if complete and criteria else None
        columns.append(AssessorColumn(assignment, scores if complete else {}, total))
    counted = [c for c in columns if c.counts]
    rows = [
        CriterionRow(
            criterion=c,
            cells=[col.scores.get(c.pk) for col in columns],
            spread=criterion_spread([col.scores[c.pk].score for col in counted], c.max_score),
        )
        for c in criteria
    ]
    mean = panel_mean(specs, [{k: s.score for k, s in col.scores.items()} for col in counted]) if criteria else None
    conflicts = [a for a in assignments if a.conflict == Assignment.Conflict.CONFLICT]
    return PanelResult(criteria=criteria, columns=columns, rows=rows, mean=mean, conflicts=conflicts)


def own_weighted_total(criteria: list[Criterion], scores: dict[int, Score]) -> Decimal | None:
    """An assessor's weighted total (scoring.weighted_total, exact) once every criterion has a score, else None."""
    if not criteria or any(c.pk not in scores for c in criteria):
        return None
    return weighted_total(criterion_specs(criteria), {pk: s.score for pk, s in scores.items()})


def scored_since_moderation(applications) -> set[int]:
    """The ids of moderated applications with scores submitted after their moderation (so its score is stale).

    (A declared conflict never has submitted scores.) Scoring closes at moderation, so this happens only with data
    from before that rule; the officer reopens
    moderation and moderates again, and the award waits for that.
    """
    return set(
        applications.filter(
            moderated_at__isnull=False,
            assignments__completed_at__gt=F("moderated_at"),
        ).values_list("pk", flat=True)
    )


def score_change_reason(application: Application) -> str:
    """Why the moderated score differs from the panel mean, as the last moderation recorded it."""
    event = (
        AuditEvent.objects.filter(object_type="calls.application", object_id=application.pk, verb="call.moderated")
        .order_by("-at", "-id")
        .first()
    )
    return (event.data or {}).get("score_reason", "") if event else ""


# --- Ranked list by lot -------------------------------------------------------------------------


@dataclass
class RankRow:
    application: Application
    rank: int | None  # among the moderated applications of the lot
    panel_mean: Decimal | None
    assigned: int
    submitted: int
    conflicts: int
    stale: bool = False  # scores were submitted after the moderation

    @property
    def moderated(self) -> bool:
        return self.application.is_moderated


@dataclass
class LotRanking:
    lot: Lot
    rows: list[RankRow]


def ranked_by_lot(call: Call) -> list[LotRanking]:
    """The assessable applications of each lot: moderated ones ranked by moderated score, then the rest."""
    from vcsgrants.calls.scoring import Candidate
    from vcsgrants.calls.services.assess import assessable

    applications = list(
        assessable(call)
        .select_related("organisation", "lot")
        .annotate(
            n_assigned=Count("assignments", distinct=True),
            n_submitted=Count(
                "assignments",
                filter=Q(assignments__completed_at__isnull=False) & ~Q(assignments__conflict=Assignment.Conflict.CONFLICT),
                distinct=True,
            ),
            n_conflicts=Count("assignments", filter=Q(assignments__conflict=Assignment.Conflict.CONFLICT), distinct=True),
        )
    )
    means = {a.pk: panel_result(a).mean for a in applications}
    stale = scored_since_moderation(assessable(call))
    result = []
    for lot in call.lots.select_related("area"):
        in_lot = [a for a in applications if a.lot_id == lot.pk]
        moderated = [a for a in in_lot if a.moderated_score is not None and a.recommendation]
        order = ranked([Candidate(a.pk, a.reference, a.moderated_score, a.amount_requested) for a in moderated])
        by_pk = {a.pk: a for a in in_lot}
        rows = [
            RankRow(
                by_pk[c.key],
                i,
                means[c.key],
                by_pk[c.key].n_assigned,
                by_pk[c.key].n_submitted,
                by_pk[c.key].n_conflicts,
                stale=c.key in stale,
            )
            for i, c in enumerate(order, start=1)
        ]
        rows += [
            RankRow(a, None, means[a.pk], a.n_assigned, a.n_submitted, a.n_conflicts)
            for a in sorted(in_lot, key=lambda a: a.reference)
            if a not in moderated
        ]
        result.append(LotRanking(lot, rows))
    return result


# --- An assessor's list and the application as they read it ------------------------------------


def sits_on_a_panel(user: User) -> bool:
    """Assessors always do; an officer does once given an application to assess (so their menu shows the link)."""
    return user.has_role("assessor") or Assignment.objects.filter(assessor=user).exists()


def my_assignments(user: User):
    return (
        Assignment.objects.filter(assessor=user)
        .select_related("application__call", "application__lot", "application__organisation")
        .annotate(n_scores=Count("scores"))
        .order_by("completed_at", "application__call__title", "application__reference")
    )
