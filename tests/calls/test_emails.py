"""The e-mails the open-calls code queues: receipt, assessment request, outcome. Plain English, a link, no scores."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import OrganisationFactory, UserFactory
from vcsgrants.calls.emails import notify_assessment_assigned, notify_outcome, notify_submission_receipt
from vcsgrants.calls.models import ApplicantProfile, Application, Assignment, Call, Lot
from vcsgrants.core.models import Organisation, Role
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db

LINK = "/applications/1/"


@pytest.fixture
def application(funded, officer):
    call = Call.objects.create(
        programme=funded.programme,
        title="VCS infrastructure support 2024-26",
        reference="vcs-2024",
        description="Support for local groups.",
        stream=funded.stream,
        opens_at=timezone.make_aware(dt.datetime(2023, 10, 2, 9)),
        closes_at=timezone.make_aware(dt.datetime(2023, 11, 30, 17)),
        agreement_start=dt.date(2024, 4, 1),
        agreement_end=dt.date(2026, 3, 31),
        published_at=timezone.now(),
        created_by=officer,
    )
    lot = Lot.objects.create(call=call, number=1, name="Amber Valley", area=funded.areas[0], amount=Decimal("40000.00"))
    organisation = OrganisationFactory(name="Dove Test Hub", kind=Organisation.Kind.APPLICANT)
    ApplicantProfile.objects.create(organisation=organisation, contact_name="Priya Shah", contact_email="priya@dove.example")
    applicant = UserFactory(roles=[Role.APPLICANT], organisation=organisation, first_name="Alex")
    return Application.objects.create(
        call=call,
        lot=lot,
        organisation=organisation,
        reference="VCS-2024-001",
        project_title="Stronger groups in Amber Valley",
        amount_requested=Decimal("38000.00"),
        status=Application.Status.SUBMITTED,
        created_by=applicant,
        submitted_by=applicant,
        submitted_at=timezone.make_aware(dt.datetime(2023, 11, 30, 16, 30)),
        eligible=True,
        moderated_score=Decimal("41.50"),
        recommendation=Application.Recommendation.DO_NOT_FUND,
        recommendation_reason="Weak on safeguarding; the panel doubted the price.",
    )


def test_receipt_goes_to_the_submitter_and_the_registered_contact_once(application, smtp):
    queued = notify_submission_receipt(application, link=LINK)
    assert sorted(n.to_email for n in queued) == sorted([application.submitted_by.email, "priya@dove.example"])
    assert notify_submission_receipt(application, link=LINK) == []  # the same event again queues nothing
    call_command("send_notifications", "--only-send", stdout=io.StringIO())
    message = smtp.to(application.submitted_by.email)[0]
    assert message["Subject"] == "Application received: VCS-2024-001, VCS infrastructure support 2024-26"
    body = message.get_content()
    assert body.startswith("Dear Alex,")
    assert "for Lot 1: Amber Valley of VCS infrastructure support 2024-26 at 4:30pm on 30 November 2023." in body
    assert "https://grants.council.example/applications/1/" in body
    assert smtp.to("priya@dove.example")[0].get_content().startswith("Hello,")


def test_assessor_is_asked_to_declare_conflicts_and_score(application, officer):
    assessor = UserFactory(roles=[Role.ASSESSOR], first_name="Jo")
    assignment = Assignment.objects.create(application=application, assessor=assessor, assigned_by=officer)
    (notification,) = notify_assessment_assigned(assignment, link="/assessments/7/")
    assert notification.kind == Notification.Kind.ASSESSMENT_ASSIGNED and notification.to_email == assessor.email
    assert notification.subject == "Application to assess: VCS-2024-001, VCS infrastructure support 2024-26"
    assert "conflict of interest" in notification.body and "/assessments/7/" in notification.body
    assert notify_assessment_assigned(assignment) == []


def test_unsuccessful_outcome_gives_the_feedback_and_never_the_score_or_the_panels_reasons(application):
    application.outcome = Application.Outcome.UNSUCCESSFUL
    application.feedback = "Say more about how you will reach rural groups."
    notifications = notify_outcome(application, link=LINK)
    assert len(notifications) == 2
    for notification in notifications:
        assert notification.subject.startswith("Your application has not been successful: VCS-2024-001")
        assert "Feedback from the panel:\n\nSay more about how you will reach rural groups." in notification.body
        for secret in ("41.5", "41.50", "safeguarding", "price", "Do not fund", "score"):
            assert secret not in notification.body


def test_awarded_outcome_says_when_the_agreement_runs(application):
    application.outcome = Application.Outcome.AWARDED
    (first, _contact) = notify_outcome(application, link=LINK)
    assert first.subject.startswith("Your application has been successful")
    assert "from 1 April 2024 to 31 March 2026" in first.body


def test_no_outcome_yet_is_refused(application):
    with pytest.raises(ValueError, match="no outcome"):
        notify_outcome(application)
