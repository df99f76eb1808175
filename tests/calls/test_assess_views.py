"""The assessment, moderation and award pages as their users see them, and who may not reach them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.calls.fixtures_assess import assess_and_moderate, build_assess_call, score
from tests.factories import UserFactory
from tests.versions import post_opened
from vcsgrants.calls.models import Application, Assignment, Score
from vcsgrants.calls.services import assess as services
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ac(officer, districts):
    return build_assess_call(officer, districts)


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assigned(ac, reference="INFRA-001", assessor=0) -> Assignment:
    services.application_assessors_set(application=ac.apps[reference], assessors=[ac.assessors[assessor]], actor=ac.officer)
    return Assignment.objects.get(application=ac.apps[reference], assessor=ac.assessors[assessor])


def score_data(ac, values, comments=True, action="save"):
    data = {"action": action}
    for c, v in zip(ac.criteria, values, strict=True):
        if v is not None:
            data[f"score_{c.pk}"] = str(v)
        data[f"comment_{c.pk}"] = f"Because {c.title}" if comments else ""
    return data


def test_officer_sets_up_criteria_kpis_and_assigns_a_lot(ac):
    client = client_as(ac.officer)
    page = client.get(reverse("calls:assess-setup", args=[ac.call.pk])).content.decode()
    assert "Weights add up to 100%" in page and "Method statement" in page
    response = client.post(
        reverse("calls:assess-criterion-create", args=[ac.call.pk]),
        {"title": "Extra", "guidance": "g", "weight": "10", "max_score": "5"},
    )
    assert "would add up to 110" in response.content.decode()
    groups, satisfaction = ac.kpis
    response = post_opened(
        client, reverse("calls:assess-kpis", args=[ac.call.pk]), {f"kpi_{groups.pk}": "", f"kpi_{satisfaction.pk}": "85"}
    )
    assert response.status_code == 302
    assert [k.kpi.code for k in ac.call.call_kpis.all()] == ["SG2"]
    response = client.post(
        reverse("calls:assess-panel", args=[ac.call.pk]),
        {"lot": ac.lots[1].pk, "assessors": [ac.assessors[0].pk, ac.officer.pk]},
    )
    assert response.status_code == 302
    assert sorted(a.assessor_id for a in ac.apps["INFRA-004"].assignments.all()) == sorted([ac.assessors[0].pk, ac.officer.pk])
    assert "INFRA-004" in client.get(reverse("calls:assess-setup", args=[ac.call.pk])).content.decode()


def test_an_officer_on_a_panel_has_the_your_assessments_link_and_others_do_not(ac):
    officer_page = client_as(ac.officer).get(reverse("calls:call-index")).content.decode()
    assert "Your assessments" not in officer_page  # on no panel yet
    assigned(ac, "INFRA-001", 0)
    services.application_assessors_set(application=ac.apps["INFRA-002"], assessors=[ac.officer], actor=ac.officer)
    page = client_as(ac.officer).get(reverse("calls:call-index")).content.decode()
    assert f'href="{reverse("calls:assess-my-list")}"' in page and "Your assessments" in page
    listed = client_as(ac.officer).get(reverse("calls:assess-my-list")).content.decode()
    assert "INFRA-002" in listed and "INFRA-001" not in listed


def test_an_assessor_sees_only_their_own_assignments(ac):
    mine = assigned(ac, "INFRA-001", 0)
    theirs = assigned(ac, "INFRA-002", 1)
    client = client_as(ac.assessors[0])
    page = client.get(reverse("calls:assess-my-list")).content.decode()
    assert "INFRA-001" in page and "INFRA-002" not in page
    assert "Your assessments" in page  # the nav link
    assert client.get(reverse("calls:assess-assignment", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("calls:assess-conflict", args=[theirs.pk])).status_code == 403
    # Before declaring, the assessor is sent to the conflict question and does not see the answers.
    response = client.get(reverse("calls:assess-assignment", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("calls:assess-conflict", args=[mine.pk])
    conflict_page = client.get(response["Location"]).content.decode()
    assert "Partner of INFRA-001" in conflict_page and "Our plan for INFRA-001." not in conflict_page
    # Never the moderation or others' scores.
    assert client.get(reverse("calls:moderation-detail", args=[ac.apps["INFRA-001"].pk])).status_code == 403
    assert client.get(reverse("calls:moderation-list", args=[ac.call.pk])).status_code == 403
    assert client.get(reverse("calls:call-export", args=[ac.call.pk])).status_code == 403


def test_assessor_declares_no_conflict_then_drafts_and_submits(ac):
    assignment = assigned(ac)
    client = client_as(ac.assessors[0])
    client.post(reverse("calls:assess-conflict", args=[assignment.pk]), {"conflict": "none"})
    page = client.get(reverse("calls:assess-assignment", args=[assignment.pk])).content.decode()
    assert "Our plan for INFRA-001." in page and "Partner of INFRA-001" in page
    # Submitting with a criterion unscored keeps what was typed as a draft and says what is missing.
    response = client.post(
        reverse("calls:assess-assignment", args=[assignment.pk]), score_data(ac, [4, 3, None, 3, 4], action="submit")
    )
    assert response.status_code == 200
    assert "Give a score for Safeguarding." in response.content.decode()
    assert Score.objects.filter(assignment=assignment).count() == 4
    assert Assignment.objects.get(pk=assignment.pk).completed_at is None
    response = client.post(
        reverse("calls:assess-assignment", args=[assignment.pk]), score_data(ac, [4, 3, 4, 3, 4], action="submit")
    )
    assert response.status_code == 302
    assert Assignment.objects.get(pk=assignment.pk).completed_at is not None
    # Changes after submitting are refused: the form is gone and a POST changes nothing.
    client.post(reverse("calls:assess-assignment", args=[assignment.pk]), score_data(ac, [0, 0, 0, 0, 0], action="submit"))
    assert sorted(Score.objects.filter(assignment=assignment).values_list("score", flat=True)) == [3, 3, 4, 4, 4]


def test_a_conflicted_assessor_cannot_see_or_score_and_the_officer_is_told(ac):
    assignment = assigned(ac)
    client = client_as(ac.assessors[0])
    response = client.post(
        reverse("calls:assess-conflict", args=[assignment.pk]), {"conflict": "conflict", "conflict_details": "I am a trustee."}
    )
    assert response.status_code == 302
    page = client.get(reverse("calls:assess-assignment", args=[assignment.pk])).content.decode()
    assert "Our plan for INFRA-001." not in page and "Submit scores" not in page
    client.post(reverse("calls:assess-assignment", args=[assignment.pk]), score_data(ac, [5, 5, 5, 5, 5], action="submit"))
    assert not Score.objects.filter(assignment=assignment).exists()
    # Nor can they download the application's files (the application rule admits assessors without a conflict only).
    assert not client.get(reverse("calls:application-detail", args=[ac.apps["INFRA-001"].pk])).status_code == 200
    officer_page = client_as(ac.officer).get(reverse("calls:moderation-detail", args=[ac.apps["INFRA-001"].pk])).content.decode()
    assert "declared a conflict of interest and did not score: I am a trustee." in officer_page


def test_moderation_side_by_side_and_recording(ac):
    services.application_assessors_set(application=ac.apps["INFRA-001"], assessors=ac.assessors[:2], actor=ac.officer)
    a, b = ac.apps["INFRA-001"].assignments.order_by("assessor__username")
    score(ac, a, [4, 3, 4, 3, 4])
    score(ac, b, [2, 3, 4, 3, 4])
    client = client_as(ac.officer)
    url = reverse("calls:moderation-detail", args=[ac.apps["INFRA-001"].pk])
    page = client.get(url).content.decode()
    assert "Comment on Method statement" in page
    assert "73.00%" in page and "61.00%" in page and "Panel mean: 67.00%" in page
    assert "Discuss" in page
    assert 'value="67.00"' in page  # the moderated score starts at the mean
    response = client.post(url, {"moderated_score": "70.00", "recommendation": "fund", "reason": "Good."})
    assert "differs from the panel mean of 67.00%" in response.content.decode()
    response = client.post(
        url, {"moderated_score": "70.00", "score_reason": "Agreed at panel.", "recommendation": "fund", "reason": "Good."}
    )
    assert response.status_code == 302
    ranked = client.get(reverse("calls:moderation-list", args=[ac.call.pk])).content.decode()
    assert "70.00%" in ranked and "To moderate" in ranked
    # Council staff read it; only officers record it.
    cabinet = client_as(UserFactory(roles=[Role.CABINET]))
    assert cabinet.get(url).status_code == 200
    assert cabinet.post(url, {"moderated_score": "10"}).status_code == 403


def test_award_page_previews_then_awards_and_the_applicant_sees_the_outcome_without_a_score(ac):
    assess_and_moderate(ac, {"INFRA-001": "fund", "INFRA-002": "fund", "INFRA-003": "do_not_fund", "INFRA-004": "fund"})
    client = client_as(ac.officer)
    url = reverse("calls:award-preview", args=[ac.call.pk])
    page = client.get(url).content.decode()
    assert "In all: £35,000.00 a year, £70,000.00 over the agreements' 2 years." in page
    rows = {f"feedback_{a.pk}": f"Feedback for {a.reference}." for a in ac.call.applications.all() if a.status == "submitted"}
    response = client.post(url, rows)
    assert response.status_code == 302
    assert "Awarded" in client.get(url).content.decode()
    applicant = client_as(ac.applicants["INFRA-003"])
    mine = applicant.get(reverse("calls:application-detail", args=[ac.apps["INFRA-003"].pk])).content.decode()
    assert "Your application was not successful" in mine and "Feedback for INFRA-003." in mine
    assert "73.00" not in mine and "%" not in mine.split('id="outcome"')[1].split("</div>")[0]
    assert applicant.get(reverse("calls:moderation-detail", args=[ac.apps["INFRA-003"].pk])).status_code == 403
    assert applicant.get(reverse("calls:assess-my-list")).status_code == 403
    winner = client_as(ac.applicants["INFRA-002"]).get(reverse("calls:application-detail", args=[ac.apps["INFRA-002"].pk]))
    assert "Your application was successful" in winner.content.decode()


def test_export_has_applications_scores_and_outcomes(ac):
    assess_and_moderate(ac, {"INFRA-001": "fund", "INFRA-002": "fund", "INFRA-003": "do_not_fund", "INFRA-004": "fund"})
    response = client_as(ac.officer).get(reverse("calls:call-export", args=[ac.call.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Applications", "Scores", "Moderation and outcomes"]
    apps = list(book["Applications"].iter_rows(values_only=True))
    assert apps[0][0] == "Reference" and len(apps) == 6
    assert apps[5][:2] == ("INFRA-005", ac.lots[0].name) and apps[5][9] == "No"
    scores = list(book["Scores"].iter_rows(values_only=True))
    assert len(scores) == 1 + 4 * 2 * 5  # 4 applications × 2 assessors × 5 criteria
    first = scores[1]
    assert first[0] == "INFRA-001" and first[5] == "1. Method statement" and first[8] == 4 and first[10] == 73
    moderation = {row[2]: row for row in list(book["Moderation and outcomes"].iter_rows(values_only=True))[1:]}
    assert moderation["INFRA-002"][1] == 1 and moderation["INFRA-002"][7] == 80
    assert moderation["INFRA-002"][8] == "The panel agreed the method statement was the strongest."
    assert moderation["INFRA-003"][9] == "Do not fund"
    assert moderation["INFRA-005"][9] == "Not assessed (not eligible)"
    assert Application.objects.filter(outcome="pending").count() == 5  # exporting changes nothing
