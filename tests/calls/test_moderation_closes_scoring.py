"""Moderating an application closes scoring on it until an officer reopens moderation, so a moderated score cannot
go stale without anyone noticing; scores submitted after moderation (data from before the rule) are flagged and
block the award. Also what the assessor and officer see of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.calls.fixtures_assess import assess_and_moderate, build_assess_call, score
from vcsgrants.calls.models import Application, Assignment
from vcsgrants.calls.services import assess as services
from vcsgrants.calls.services import award as services_award
from vcsgrants.core.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal
RECOMMENDATIONS = {"INFRA-001": "fund", "INFRA-002": "fund", "INFRA-003": "do_not_fund", "INFRA-004": "fund"}
CLOSED = "The panel has moderated this application: ask the officer to reopen moderation if your scores should count."


@pytest.fixture
def ac(officer, districts):
    ac = build_assess_call(officer, districts)
    assess_and_moderate(ac, RECOMMENDATIONS)
    return ac


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def late_assignment(ac, reference="INFRA-001") -> Assignment:
    """A third assessor on a moderated application, assigned before it was moderated (as in the old demo)."""
    return Assignment.objects.create(application=ac.apps[reference], assessor=ac.assessors[2], assigned_by=ac.officer)


def test_after_moderation_a_late_assessor_cannot_declare_no_conflict_or_score(ac):
    assignment = late_assignment(ac)
    with pytest.raises(ValidationError) as exc:
        services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=False)
    assert exc.value.messages == [CLOSED]
    Assignment.objects.filter(pk=assignment.pk).update(conflict=Assignment.Conflict.NONE)
    with pytest.raises(ValidationError) as exc:
        score(ac, Assignment.objects.get(pk=assignment.pk), [5, 5, 5, 5, 5])
    assert exc.value.messages == [CLOSED]
    assert not Assignment.objects.get(pk=assignment.pk).scores.exists()
    # Declaring a conflict of interest is always allowed: it changes no score.
    Assignment.objects.filter(pk=assignment.pk).update(conflict=Assignment.Conflict.UNDECLARED)
    declared = services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=True, details="Trustee")
    assert declared.conflict == Assignment.Conflict.CONFLICT


def test_a_moderated_application_keeps_its_panel_and_submitted_scores(ac):
    application = ac.apps["INFRA-001"]
    submitted = application.assignments.first()
    with pytest.raises(ValidationError) as exc:
        services.scores_reopen(assignment=submitted, actor=ac.officer, reason="Wrong guidance")
    assert "reopen moderation first" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.application_assessors_set(application=application, assessors=ac.assessors, actor=ac.officer)
    assert "reopen moderation before changing its assessors" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.lot_assign(lot=None, call=ac.call, assessors=[ac.assessors[2]], actor=ac.officer)
    assert "Every submitted, eligible application here has been moderated" in exc.value.messages[0]
    assert services.panel_problem(ac.call).startswith("Every submitted, eligible application has been moderated")
    assert not Assignment.objects.filter(assessor=ac.assessors[2]).exists()


def test_reopening_moderation_lets_the_late_scores_count_and_the_award_waits(ac):
    assignment = late_assignment(ac)
    application = ac.apps["INFRA-001"]
    with pytest.raises(ValidationError):
        services.moderation_reopen(application=application, actor=ac.officer, reason=" ")
    services.moderation_reopen(application=application, actor=ac.officer, reason="Assessor 3 is to score it.")
    application.refresh_from_db()
    assert (application.moderated_score, application.recommendation, application.moderated_at) == (None, "", None)
    assert application.recommendation_reason == "Reasons for INFRA-001."  # kept as a starting point
    event = AuditEvent.objects.filter(verb="call.moderation_reopened").get()
    assert event.summary == "Reopened moderation of INFRA-001 (was 73.00%, fund): Assessor 3 is to score it."
    assert "1 eligible application has not been moderated: INFRA-001." in services_award.award_preview(ac.call).problems
    score(ac, assignment, [5, 5, 5, 5, 5])  # now it counts
    assert services.assessable(ac.call).get(pk=application.pk) is not None
    from vcsgrants.calls.selectors.assess import panel_result

    assert panel_result(application).mean == D("82.00")  # (73 + 73 + 100) / 3
    services.moderate(
        application=application, actor=ac.officer, moderated_score=D("82.00"), recommendation="fund", reason="All three."
    )
    assert services_award.award_preview(ac.call).problems == []
    with pytest.raises(ValidationError):
        services.moderation_reopen(application=Application.objects.get(pk=ac.apps["INFRA-005"].pk), actor=ac.officer, reason="x")


def test_scores_submitted_after_moderation_are_flagged_and_block_the_award(ac):
    application = ac.apps["INFRA-002"]
    # Scores that reached the database after moderation, before scoring closed at moderation.
    late = late_assignment(ac, "INFRA-002")
    Assignment.objects.filter(pk=late.pk).update(
        conflict=Assignment.Conflict.NONE,
        completed_at=Application.objects.get(pk=application.pk).moderated_at + dt.timedelta(minutes=5),
    )
    for c in ac.criteria:
        late.scores.create(criterion=c, score=1, comment="Late")
    officer = client_as(ac.officer)
    ranked = officer.get(reverse("calls:moderation-list", args=[ac.call.pk])).content.decode()
    assert ranked.count('govuk-tag--red">Scored since</strong>') == 1
    detail = officer.get(reverse("calls:moderation-detail", args=[application.pk])).content.decode()
    assert "Scores were submitted after this application was moderated" in detail
    problems = services_award.award_preview(ac.call).problems
    assert (
        "Scores were submitted after moderation on INFRA-002: reopen moderation and moderate again with every score." in problems
    )
    with pytest.raises(ValidationError):
        services_award.award_confirm(call=ac.call, actor=ac.officer, feedback={})
    assert not Application.objects.exclude(outcome="pending").exists()


def test_what_the_late_assessor_and_the_officer_see(ac):
    assignment = late_assignment(ac)
    assessor = client_as(assignment.assessor)
    listing = assessor.get(reverse("calls:assess-my-list")).content.decode()
    assert 'govuk-tag--grey">Scoring closed: moderated</strong>' in listing
    page = assessor.get(reverse("calls:assess-conflict", args=[assignment.pk])).content.decode()
    assert CLOSED in page
    response = assessor.post(reverse("calls:assess-conflict", args=[assignment.pk]), {"conflict": "none"})
    assert CLOSED in response.content.decode()
    response = assessor.post(reverse("calls:assess-conflict", args=[assignment.pk]), {})
    assert "Select whether you have a conflict of interest with this applicant." in response.content.decode()
    assert "This field is required" not in response.content.decode()

    officer = client_as(ac.officer)
    application = ac.apps["INFRA-001"]
    detail = officer.get(reverse("calls:moderation-detail", args=[application.pk])).content.decode()
    assert "Scoring on this application closed when it was moderated" in detail
    assert reverse("calls:assess-reopen", args=[application.assignments.first().pk]) not in detail
    response = officer.post(reverse("calls:moderation-reopen", args=[application.pk]), {"reason": ""})
    assert "Say why moderation is reopened." in response.content.decode()
    response = officer.post(reverse("calls:moderation-reopen", args=[application.pk]), {"reason": "Late assessor"}, follow=True)
    page = response.content.decode()
    assert "Moderation of INFRA-001 is reopened" in page and "Still to submit scores" in page
    assert reverse("calls:assess-reopen", args=[application.assignments.exclude(pk=assignment.pk).first().pk]) in page


def test_setup_page_says_closed_and_offers_assigning_only_while_it_would_work(officer, districts):
    ac = build_assess_call(officer, districts)
    client = client_as(officer)
    url = reverse("calls:assess-setup", args=[ac.call.pk])
    page = client.get(url).content.decode()
    assert "· closed at " in page and "· closes " not in page
    assert "Assign assessors to a lot" in page
    assess_and_moderate(ac, RECOMMENDATIONS)
    page = client.get(url).content.decode()
    assert "Assign assessors to a lot" not in page
    assert "Every submitted, eligible application has been moderated" in page
    assert "Choose assessors" not in page


def test_the_assessor_sees_their_weighted_total_and_the_same_tag_colour_as_the_list(officer, districts):
    ac = build_assess_call(officer, districts)
    services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=[ac.assessors[0]], actor=officer)
    assignment = Assignment.objects.get(assessor=ac.assessors[0])
    score(ac, assignment, [4, 3, 5, 2, 3])  # 24 + 12 + 20 + 6 + 9 = 71
    client = client_as(ac.assessors[0])
    page = client.get(reverse("calls:assess-assignment", args=[assignment.pk])).content.decode()
    assert 'id="my-total">71.00%</td>' in page
    assert 'govuk-tag--green" id="assessment-status">Scores submitted</strong>' in page
    assert 'govuk-tag--green">Scores submitted</strong>' in client.get(reverse("calls:assess-my-list")).content.decode()
