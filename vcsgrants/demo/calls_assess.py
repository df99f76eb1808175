"""The demo call's assessment: criteria, the KPIs agreements will carry, a panel of three, scores, one conflict of
interest and moderation — awaiting award, so anyone signed in as `officer` can try the award.

Everything is illustrative (the scores and comments especially). Built through the same services people use.
The `assessor` user scored two applications and is not on the Dales panel (`assessor-2` and `assessor-3` are):
moderation closes scoring, so no application is moderated with an assessor still to declare or score.
`assessor-3` declared a conflict on the Bolsover application.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from vcsgrants.calls.models import Application, Call
from vcsgrants.calls.scoring import CriterionSpec, panel_mean
from vcsgrants.calls.selectors.assess import criterion_specs
from vcsgrants.calls.services import assess as services
from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.demo.calls import _user
from vcsgrants.demo.calls_apply import REFERENCE

D = Decimal
EXTRA_ASSESSORS = ["assessor-2", "assessor-3"]

CRITERIA = [  # title, weight, guidance
    (
        "Method statement",
        30,
        "How the service will be delivered, by whom and where. 0 = no answer; 1 = unclear or unrealistic; "
        "3 = sound, with some gaps; 5 = clear, realistic and evidenced.",
    ),
    (
        "Added value",
        20,
        "What the applicant brings beyond the basic service: match funding, volunteers, partnerships. "
        "0 = none; 3 = some; 5 = substantial and specific.",
    ),
    (
        "Safeguarding",
        20,
        "Policies, training and how concerns are handled. 0 = none; 3 = adequate; 5 = exemplary and reviewed this year.",
    ),
    (
        "Inclusion",
        15,
        "Reach into under-served communities and the most deprived areas. 0 = not addressed; 3 = some; 5 = targeted "
        "and measured.",
    ),
    ("Price", 15, "Value for money of the yearly cost against what is offered. 0 = poor; 3 = fair; 5 = excellent."),
]

# Scores by (project title, assessor username): five scores and one comment to go with them (illustrative).
SCORES = {
    ("Amber Valley volunteering and group support", "assessor"): ([4, 4, 5, 3, 3], "Established service, clear plan."),
    ("Amber Valley volunteering and group support", "assessor-2"): ([4, 3, 4, 3, 4], "Good reach; health-check is new."),
    ("Amber Valley volunteering and group support", "assessor-3"): ([5, 4, 4, 2, 3], "Strong delivery record."),
    ("Bolsover groups support service", "assessor"): ([3, 3, 4, 4, 4], "Sound; satellite sites help reach."),
    ("Bolsover groups support service", "assessor-2"): ([3, 2, 3, 4, 4], "Added value thin beyond the bulletin."),
    ("Dales outreach and volunteering", "assessor-2"): ([3, 3, 4, 3, 4], "Realistic for two days a week."),
    ("Dales outreach and volunteering", "assessor-3"): ([1, 3, 4, 3, 4], "Mobile adviser plan lacks detail."),
}
CONFLICT = ("Bolsover groups support service", "assessor-3", "A trustee of the applicant until 2022 (illustrative).")
# The `assessor` user does not sit on this application's panel (an officer can add them after reopening moderation).
NOT_ON_PANEL = ("Dales outreach and volunteering", "assessor")

MODERATION = {
    "Amber Valley volunteering and group support": (
        "fund",
        "A strong, established service with a clear plan for small groups and good value (illustrative).",
        "",
        "",
    ),
    "Bolsover groups support service": (
        "fund_with_conditions",
        "A sound service; the panel wants more reach into the most deprived wards (illustrative).",
        "A plan to reach groups in the district's most deprived wards, agreed by 30 June 2024.",
        "",
    ),
    "Dales outreach and volunteering": (
        "fund",
        "A realistic outreach plan at a fair price; the method statement needs more detail, agreed as a condition of "
        "the first monitoring meeting (illustrative).",
        "",
        "The panel discussed the spread on the method statement and agreed 2 rather than the scores' mean.",
    ),
}


def load_demo_assessors(*, organisation: Organisation | None, password: str) -> list[User]:
    """The extra panel members, `assessor-2` and `assessor-3` (council staff in the demo)."""
    return [_user(username, Role.ASSESSOR, organisation, password) for username in EXTRA_ASSESSORS]


def _score(assignment, values: list[int], comment: str, criteria) -> None:
    services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=False)
    services.scores_save(
        assignment=assignment,
        actor=assignment.assessor,
        submit=True,
        entries=[services.ScoreInput(c, v, f"{comment} ({c.title.lower()})") for c, v in zip(criteria, values, strict=True)],
    )


@transaction.atomic
def load_demo_assessment(call: Call | None, *, officer: User, assessors: list[User]) -> bool:
    """Set up, score and moderate the demo call (found by its reference when None is given); False when there is
    no demo call, or it is already done."""
    call = Call.objects.filter(pk=call.pk if call else None).first() or Call.objects.filter(reference=REFERENCE).first()
    if call is None or call.criteria.exists() or not call.is_closed():
        return False
    for title, weight, guidance in CRITERIA:
        services.criterion_save(call=call, actor=officer, title=title, guidance=guidance, weight=weight, max_score=5)
    kpis = list(services.framework_kpis(call).order_by("outcome__order", "code")[:3])
    services.call_kpis_set(
        call=call, targets=dict(zip([k.pk for k in kpis], [D("40"), D("25"), D("6")], strict=False)), actor=officer
    )
    for lot in call.lots.all():
        in_lot = services.assessable(call).filter(lot=lot)
        if not in_lot.exists():
            continue
        panel = assessors
        if in_lot.filter(project_title=NOT_ON_PANEL[0]).exists():
            panel = [a for a in assessors if a.username != NOT_ON_PANEL[1]]
        services.lot_assign(lot=lot, call=call, assessors=panel, actor=officer)
    criteria = list(call.criteria.all())
    for application in services.assessable(call):
        for assignment in application.assignments.select_related("assessor"):
            key = (application.project_title, assignment.assessor.username)
            if key == CONFLICT[:2]:
                services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=True, details=CONFLICT[2])
            elif key in SCORES:
                _score(assignment, *SCORES[key], criteria)
    specs: list[CriterionSpec] = criterion_specs(criteria)
    for application in services.assessable(call):
        recommendation, reason, conditions, score_reason = MODERATION[application.project_title]
        scored = [
            {s.criterion_id: s.score for s in a.scores.all()}
            for a in application.assignments.filter(completed_at__isnull=False).prefetch_related("scores")
        ]
        mean = panel_mean(specs, scored)
        # The Dales panel agreed a lower method-statement score (2) than its scorers' mean.
        moderated = mean - D("3.00") if score_reason else mean
        services.moderate(
            application=Application.objects.get(pk=application.pk),
            actor=officer,
            moderated_score=moderated,
            score_reason=score_reason,
            recommendation=recommendation,
            reason=reason,
            conditions=conditions,
        )
    return True
