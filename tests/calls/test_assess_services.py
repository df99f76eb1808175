"""Assessment and moderation services: criteria, the call's KPIs, the panel, conflicts, scores and moderation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.calls.fixtures_assess import build_assess_call, score
from vcsgrants.calls.models import Assignment
from vcsgrants.calls.selectors import assess as selectors
from vcsgrants.calls.services import assess as services
from vcsgrants.core.models import AuditEvent
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ac(officer, districts):
    return build_assess_call(officer, districts)


def test_weights_must_total_100_before_anyone_is_assigned(ac):
    services.criterion_delete(criterion=ac.criteria[-1], actor=ac.officer)
    with pytest.raises(ValidationError, match="add up to 85; they must add up to 100"):
        services.lot_assign(lot=ac.lots[0], call=ac.call, assessors=ac.assessors[:1], actor=ac.officer)
    with pytest.raises(ValidationError, match="would add up to 115"):
        services.criterion_save(call=ac.call, actor=ac.officer, title="Price", guidance="g", weight=30, max_score=5)
    services.criterion_save(call=ac.call, actor=ac.officer, title="Price", guidance="g", weight=15, max_score=5)
    assert services.assessment_problem(ac.call) is None


def test_assessors_are_assigned_only_after_the_call_closes(officer, districts):
    ac = build_assess_call(officer, districts, closed=False)
    with pytest.raises(ValidationError, match="once the call has closed"):
        services.lot_assign(lot=None, call=ac.call, assessors=ac.assessors, actor=officer)


def test_assigning_a_lot_reaches_its_eligible_applications_and_queues_emails(ac):
    made = services.lot_assign(lot=ac.lots[0], call=ac.call, assessors=ac.assessors[:2], actor=ac.officer)
    # Lot 1 has three eligible applications; the ineligible INFRA-005 is left out.
    assert sorted({a.application.reference for a in made}) == ["INFRA-001", "INFRA-002", "INFRA-003"]
    assert len(made) == 6
    mails = Notification.objects.filter(kind=Notification.Kind.ASSESSMENT_ASSIGNED)
    assert mails.count() == 6
    assert "INFRA-001" in mails.filter(to_email=ac.assessors[0].email).order_by("id").first().subject
    # Assigning again adds nobody twice.
    assert services.lot_assign(lot=ac.lots[0], call=ac.call, assessors=ac.assessors[:2], actor=ac.officer) == []


def test_only_assessors_and_officers_sit_on_a_panel(ac):
    applicant = ac.applicants["INFRA-001"]
    with pytest.raises(ValidationError, match="not an assessor or officer"):
        services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=[applicant], actor=ac.officer)
    services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=[ac.officer], actor=ac.officer)
    assert ac.apps["INFRA-001"].assignments.get().assessor == ac.officer


def test_a_conflict_blocks_scoring_for_good(ac):
    (assignment,) = services.application_assessors_set(
        application=ac.apps["INFRA-001"], assessors=[ac.assessors[0]], actor=ac.officer
    )
    with pytest.raises(ValidationError, match="Declare whether you have a conflict"):
        services.scores_save(assignment=assignment, actor=assignment.assessor, entries=[])
    with pytest.raises(ValidationError, match="Say what the conflict"):
        services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=True, details=" ")
    services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=True, details="My sister chairs it.")
    with pytest.raises(ValidationError, match="cannot score"):
        score(ac, Assignment.objects.get(pk=assignment.pk), [3, 3, 3, 3, 3])
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=False)
    result = selectors.panel_result(ac.apps["INFRA-001"])
    assert [c.assessor for c in result.conflicts] == [ac.assessors[0]]
    assert AuditEvent.objects.filter(verb="call.conflict_declared", summary__contains="My sister chairs it.").exists()


def test_only_the_assigned_assessor_scores(ac):
    (assignment,) = services.application_assessors_set(
        application=ac.apps["INFRA-001"], assessors=[ac.assessors[0]], actor=ac.officer
    )
    with pytest.raises(ValidationError, match="Only the assessor assigned"):
        services.conflict_declare(assignment=assignment, actor=ac.assessors[1], conflict=False)


def test_draft_then_submit_then_changes_refused_until_reopened(ac):
    (assignment,) = services.application_assessors_set(
        application=ac.apps["INFRA-001"], assessors=[ac.assessors[0]], actor=ac.officer
    )
    services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=False)
    first = ac.criteria[0]
    services.scores_save(assignment=assignment, actor=assignment.assessor, entries=[services.ScoreInput(first, 4, "")])
    assert assignment.scores.get().score == 4
    with pytest.raises(ValidationError) as refused:
        services.scores_save(
            assignment=assignment, actor=assignment.assessor, entries=[services.ScoreInput(first, 4, "")], submit=True
        )
    assert f"comment_{first.pk}" in refused.value.message_dict
    assert f"score_{ac.criteria[1].pk}" in refused.value.message_dict
    with pytest.raises(ValidationError, match="between 0 and 5"):
        services.scores_save(assignment=assignment, actor=assignment.assessor, entries=[services.ScoreInput(first, 6, "x")])
    score(ac, assignment, [4, 3, 4, 3, 4])
    with pytest.raises(ValidationError, match="only if an officer reopens"):
        score(ac, assignment, [5, 5, 5, 5, 5])
    services.scores_reopen(assignment=assignment, actor=ac.officer, reason="Scored against the wrong guidance.")
    score(ac, Assignment.objects.get(pk=assignment.pk), [5, 5, 5, 5, 5])
    assert selectors.panel_result(ac.apps["INFRA-001"]).mean == D("100.00")


def test_panel_result_side_by_side_with_spread_flags_and_mean(ac):
    services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=ac.assessors, actor=ac.officer)
    a, b, c = ac.apps["INFRA-001"].assignments.order_by("assessor__username")
    score(ac, a, [4, 3, 4, 3, 4])  # 73
    score(ac, b, [2, 3, 4, 3, 4])  # 61: a spread of 2 on the method statement
    score(ac, c, [5, 5, 5, 5, 5], submit=False)  # a draft does not count
    result = selectors.panel_result(ac.apps["INFRA-001"])
    assert [col.total for col in result.columns] == [D("73.00"), D("61.00"), None]
    assert result.mean == D("67.00")
    assert [r.criterion.title for r in result.flagged] == ["Method statement"]
    assert result.rows[0].spread.mean == D("3.00")
    assert result.rows[0].cells[2] is None  # the draft is not shown


def test_moderation_defaults_to_the_mean_and_needs_a_reason_to_differ(ac):
    services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=ac.assessors[:2], actor=ac.officer)
    with pytest.raises(ValidationError, match="No assessor has submitted"):
        services.moderate(
            application=ac.apps["INFRA-001"], actor=ac.officer, moderated_score=D("50"), recommendation="fund", reason="r"
        )
    for assignment in ac.apps["INFRA-001"].assignments.all():
        score(ac, assignment, [4, 3, 4, 3, 4])
    with pytest.raises(ValidationError) as refused:
        services.moderate(
            application=ac.apps["INFRA-001"],
            actor=ac.officer,
            moderated_score=D("75.00"),
            recommendation="fund_with_conditions",
            reason="",
        )
    assert set(refused.value.message_dict) == {"score_reason", "reason", "conditions"}
    application = services.moderate(
        application=ac.apps["INFRA-001"],
        actor=ac.officer,
        moderated_score=D("75.00"),
        score_reason="Strong local evidence discussed at the meeting.",
        recommendation="fund_with_conditions",
        reason="A strong bid.",
        conditions="A safeguarding lead named by June.",
    )
    assert (application.moderated_score, application.recommendation) == (D("75.00"), "fund_with_conditions")
    assert selectors.score_change_reason(application) == "Strong local evidence discussed at the meeting."
    event = AuditEvent.objects.get(verb="call.moderated")
    assert event.data["panel_mean"] == "73.00" and event.actor == ac.officer


def test_ineligible_applications_are_not_assessed(ac):
    with pytest.raises(ValidationError, match="submitted, eligible"):
        services.application_assessors_set(application=ac.apps["INFRA-005"], assessors=ac.assessors[:1], actor=ac.officer)


def test_call_kpis_come_from_the_agreed_framework(ac):
    groups, satisfaction = ac.kpis
    services.call_kpis_set(call=ac.call, targets={groups.pk: D("12"), satisfaction.pk: None}, actor=ac.officer)
    assert [(k.kpi.code, k.annual_target) for k in ac.call.call_kpis.all()] == [("SG1", D("12.00"))]
    with pytest.raises(ValidationError, match="not an agreed KPI"):
        services.call_kpis_set(call=ac.call, targets={999999: D("1")}, actor=ac.officer)
