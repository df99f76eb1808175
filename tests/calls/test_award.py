"""Award: the preview by lot, then one action that makes draft agreements and records every outcome."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.calls.fixtures_assess import assess_and_moderate, build_assess_call
from vcsgrants.calls.models import Application
from vcsgrants.calls.services.award import award_confirm, award_preview
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring.models import KpiTarget
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = Decimal
RECOMMENDATIONS = {
    "INFRA-001": "fund",  # 73%, £20,000: does not fit once INFRA-002 and INFRA-003 are in
    "INFRA-002": "fund_with_conditions",  # 80%, £15,000: first in lot 1
    "INFRA-003": "fund",  # 73%, £10,000: ties with INFRA-001 and asks less, so ranks above it
    "INFRA-004": "fund",  # lot 2, £20,000 of £20,000
}


@pytest.fixture
def ac(officer, districts):
    ac = build_assess_call(officer, districts)
    assess_and_moderate(ac, RECOMMENDATIONS)
    return ac


def feedback_for(preview):
    return {row.application.pk: row.default_feedback for row in preview.rows}


def test_preview_ranks_each_lot_and_says_why_each_is_in_or_out(ac):
    preview = award_preview(ac.call)
    assert preview.problems == []
    lot1, lot2 = preview.lots
    assert [(r.application.reference, r.rank, r.funded) for r in lot1.rows] == [
        ("INFRA-002", 1, True),
        ("INFRA-003", 2, True),
        ("INFRA-001", 3, False),
        ("INFRA-005", None, False),
    ]
    assert "only £5,000.00 is left" in lot1.rows[2].why
    assert lot1.rows[3].why == "Out: not eligible."
    assert (lot1.awarded, lot1.left) == (D("25000.00"), D("5000.00"))
    assert (lot2.awarded, lot2.left) == (D("20000.00"), D("0.00"))
    assert preview.awarded_over_period == D("90000.00")  # £45,000 a year for two years
    # Default feedback never gives a score; the conditions and reasons are there.
    conditions = next(r for r in lot1.rows if r.application.reference == "INFRA-002").default_feedback
    assert "Quarterly meetings." in conditions and "%" not in conditions
    assert "not eligible" in lot1.rows[3].default_feedback


def test_award_makes_draft_agreements_with_lines_targets_and_outcomes(ac):
    preview = award_preview(ac.call)
    feedback = feedback_for(preview)
    feedback[ac.apps["INFRA-001"].pk] = "Strong, but the lot's money ran out."
    result = award_confirm(call=ac.call, actor=ac.officer, feedback=feedback)
    assert len(result.agreements) == 3
    winner = Application.objects.get(reference="INFRA-002")
    agreement = winner.agreement
    assert winner.outcome == Application.Outcome.AWARDED
    assert agreement.status == Agreement.Status.DRAFT
    assert agreement.organisation == winner.organisation
    assert list(agreement.areas.all()) == [ac.lots[0].area]
    assert (agreement.start_date.isoformat(), agreement.end_date.isoformat()) == ("2024-04-01", "2026-03-31")
    lines = sorted((ln.financial_year.start_year, ln.stream_id, ln.amount) for ln in agreement.funding_lines.all())
    assert lines == [(2024, ac.call.stream_id, D("15000.00")), (2025, ac.call.stream_id, D("15000.00"))]
    targets = KpiTarget.objects.filter(agreement=agreement).order_by("financial_year__start_year")
    assert [(t.kpi.code, t.annual_target, t.quarter_targets) for t in targets] == [
        ("SG1", D("10.00"), [D("3"), D("3"), D("2"), D("2")]),
        ("SG1", D("10.00"), [D("3"), D("3"), D("2"), D("2")]),
    ]
    # The applicant becomes a provider, and its users can do monitoring returns.
    assert winner.organisation.kind == Organisation.Kind.PROVIDER
    assert ac.applicants["INFRA-002"].has_role(Role.PROVIDER)
    loser = Application.objects.get(reference="INFRA-001")
    assert (loser.outcome, loser.feedback, loser.agreement) == ("unsuccessful", "Strong, but the lot's money ran out.", None)
    assert Application.objects.get(reference="INFRA-005").outcome == "unsuccessful"
    assert Organisation.objects.get(pk=loser.organisation_id).kind == Organisation.Kind.APPLICANT
    # An outcome e-mail for every applicant, to the user who applied and the registered contact.
    outcome_mails = Notification.objects.filter(kind=Notification.Kind.OUTCOME)
    assert outcome_mails.count() == 10
    to_loser = outcome_mails.get(to_email=ac.applicants["INFRA-001"].email)
    assert "has not been successful" in to_loser.subject and "Strong, but the lot's money ran out." in to_loser.body
    event = AuditEvent.objects.get(verb="call.awarded")
    assert event.actor == ac.officer and "3 draft agreements worth £45,000.00 a year" in event.summary


def test_award_is_refused_twice(ac):
    award_confirm(call=ac.call, actor=ac.officer, feedback=feedback_for(award_preview(ac.call)))
    with pytest.raises(ValidationError, match="already been awarded"):
        award_confirm(call=ac.call, actor=ac.officer, feedback=feedback_for(award_preview(ac.call)))
    assert Agreement.objects.count() == 3


def test_award_is_refused_while_an_eligible_application_is_unmoderated(officer, districts):
    ac = build_assess_call(officer, districts)
    assess_and_moderate(ac, {k: v for k, v in RECOMMENDATIONS.items() if k != "INFRA-004"})
    preview = award_preview(ac.call)
    assert preview.problems == ["1 eligible application has not been moderated: INFRA-004."]
    with pytest.raises(ValidationError, match="INFRA-004"):
        award_confirm(call=ac.call, actor=ac.officer, feedback=feedback_for(preview))


def test_award_beyond_the_allocation_is_refused_whole(officer, districts):
    ac = build_assess_call(officer, districts)
    lot2 = ac.lots[1]
    lot2.amount = D("50000.00")
    lot2.save()
    Application.objects.filter(reference="INFRA-004").update(amount_requested=D("45000.00"))
    assess_and_moderate(ac, RECOMMENDATIONS)
    with pytest.raises(ValidationError) as refused:
        award_confirm(call=ac.call, actor=ac.officer, feedback=feedback_for(award_preview(ac.call)))
    assert "INFRA-004" in refused.value.messages[0] and "allocation" in refused.value.messages[0]
    assert Agreement.objects.count() == 0
    assert not Application.objects.exclude(outcome="pending").exists()
    assert not Notification.objects.filter(kind=Notification.Kind.OUTCOME).exists()


def test_feedback_is_required_for_every_applicant(ac):
    feedback = feedback_for(award_preview(ac.call))
    feedback[ac.apps["INFRA-005"].pk] = " "
    with pytest.raises(ValidationError, match="Write the feedback for INFRA-005"):
        award_confirm(call=ac.call, actor=ac.officer, feedback=feedback)
