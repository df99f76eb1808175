"""Reminders for agreements, as on a given day (--today): returns due and overdue, meeting actions due and overdue.

The agreement's 2022-23 Q1 return is due by 30 July 2022 (the quarter ends 30 June; 30 days to send it).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tests.engagement.test_meetings_services import make_world
from tests.factories import UserFactory
from tests.monitoring.test_returns import make_agreement, make_kpis, set_targets, submitted_return
from tests.monitoring.test_returns import setup as setup  # noqa: F401 - the monitoring tests' fixture
from vcsgrants.core.models import Role
from vcsgrants.engagement.models.meetings import Meeting
from vcsgrants.engagement.services import meetings as services_meetings
from vcsgrants.hub.reminders import due_reminders
from vcsgrants.monitoring import services as monitoring_services
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db

D = dt.date


def run(today: dt.date, *args: str) -> str:
    out = io.StringIO()
    call_command("send_notifications", "--today", today.isoformat(), *args, stdout=out, stderr=out)
    return out.getvalue()


def queued(**filters) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(**filters).values_list("kind", "to_email"))


# --- Returns -----------------------------------------------------------------------------------------------


def test_return_due_reminder_starts_14_days_before_and_goes_once(setup, smtp):
    s = setup
    other_provider = UserFactory(roles=[Role.PROVIDER], organisation=s.agreement.organisation)
    UserFactory(roles=[Role.PROVIDER], organisation=s.agreement.organisation, email="")  # no address: skipped
    UserFactory(roles=[Role.PROVIDER])  # another organisation's user: not theirs to see

    assert "Queued reminders as on 15 July 2022: none." in run(D(2022, 7, 15))  # 15 days before: too early
    output = run(D(2022, 7, 16))
    assert "Queued reminders as on 16 July 2022: 2 monitoring return due." in output and "Sent 2" in output
    assert sorted(smtp.recipients) == sorted([[s.provider.email], [other_provider.email]])
    message = smtp.to(s.provider.email)[0]
    assert message["Subject"] == f"Monitoring return due by 30 July 2022: {s.agreement.reference}, 2022-23 Q1"
    body = message.get_content()
    assert "is due by 5pm on 30 July 2022" in body and "2022-23 quarter 1 (April to June 2022)" in body
    assert f"https://grants.council.example/agreements/{s.agreement.pk}/returns/2022-23/1/" in body

    # The next day, and on the due day itself, nothing more: the reminder went once.
    assert "none" in run(D(2022, 7, 17)) and "none" in run(D(2022, 7, 30))
    assert len(smtp.messages) == 2


def test_overdue_return_chases_the_provider_weekly_and_tells_the_officer_once(setup, smtp):
    s = setup
    run(D(2022, 7, 16))  # the due reminder
    smtp.messages.clear(), smtp.recipients.clear()

    output = run(D(2022, 7, 31))  # the day after the due date
    assert "Queued reminders as on 31 July 2022: 2 monitoring return overdue." in output
    provider_mail = smtp.to(s.provider.email)[0]
    assert provider_mail["Subject"] == f"Monitoring return overdue: {s.agreement.reference}, 2022-23 Q1"
    assert "was due by 5pm on 30 July 2022 and we have not received it. It is 1 day late." in provider_mail.get_content()
    officer_mail = smtp.to(s.officer.email)[0]
    assert "https://grants.council.example/returns/overdue/" in officer_mail.get_content()
    assert "because you set up the agreement" in officer_mail.get_content()

    assert "none" in run(D(2022, 8, 6))  # day 7: still the first week
    assert "1 monitoring return overdue" in run(D(2022, 8, 7))  # day 8: the provider again, not the officer
    assert [r for r in smtp.recipients[2:]] == [[s.provider.email]]
    assert "It is 8 days late." in smtp.messages[-1].get_content()

    # Six weekly reminders at most (weeks 0-5); after that the officers chase from the overdue list.
    assert "1 monitoring return overdue" in run(D(2022, 9, 10))  # day 42, week 5
    assert "none" in run(D(2022, 9, 11))  # day 43, week 6


def test_a_submitted_return_gets_no_reminder_and_a_queried_one_asks_for_an_answer(setup, smtp, fy2022):
    s = setup
    record = submitted_return(s, fy2022, 1, "30")
    assert "none" in run(D(2022, 7, 16)) and "none" in run(D(2022, 8, 1))
    monitoring_services.return_review(return_record=record, accept=False, comment="Check SG1", actor=s.officer)
    assert "1 monitoring return overdue" in run(D(2022, 8, 2))
    message = smtp.to(s.provider.email)[-1]
    assert message["Subject"].startswith("Monitoring return queried:")
    assert "It is waiting for your answer" in message.get_content()
    # No reminder for the officer (they queried it): only the e-mail saying it was submitted (monitoring/emails.py).
    assert [m["Subject"].split(":")[0] for m in smtp.to(s.officer.email)] == ["Monitoring return submitted"]


def test_dry_run_lists_the_reminders_and_queues_nothing(setup):
    output = run(D(2022, 7, 31), "--dry-run")
    assert f"Would queue: return_overdue to {setup.provider.email}" in output
    assert f"Would queue: return_overdue to {setup.officer.email}" in output
    assert "Would queue reminders as on 31 July 2022: 2 monitoring return overdue." in output
    assert Notification.objects.count() == 0


def test_only_queue_queues_without_sending(setup, smtp):
    output = run(D(2022, 7, 16), "--only-queue")
    assert "1 monitoring return due" in output and "Sent" not in output
    assert smtp.messages == [] and Notification.objects.get().sent_at is None


def test_every_agreement_of_the_programme_is_reminded(funded, officer, fy2022, smtp):
    kpis = make_kpis(funded.programme, officer)
    agreements = [make_agreement(funded, officer, amount="1000.00") for _ in range(3)]
    users = []
    for agreement in agreements:
        set_targets(agreement, kpis, officer, fy2022)
        users.append(UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation))
    reminders = due_reminders(D(2022, 7, 20))
    assert sorted(r.to_email for r in reminders) == sorted(u.email for u in users)
    for reminder in reminders:  # each provider hears about their own agreement only
        agreement = next(a for a in agreements if a.organisation_id == reminder.recipient.organisation_id)
        assert agreement.reference in reminder.subject


# --- Meeting actions ------------------------------------------------------------------------------------------


@pytest.fixture
def world(officer, funded):
    return make_world(officer, funded)


def action(world, *, due: dt.date, **owner):
    meeting = services_meetings.meeting_record(
        programme=world.programme,
        kind=Meeting.Kind.MONITORING,
        organisation=world.kestrel,
        date=D(2022, 9, 1),
        actor=world.officer,
        today=D(2022, 9, 1),
    )
    return services_meetings.action_add(
        meeting=meeting,
        description="Send the volunteer-centre figures for Q2.",
        due_date=due,
        actor=world.officer,
        today=D(2022, 9, 1),
        **owner,
    )


def test_an_action_owner_hears_before_it_is_due_and_weekly_once_it_is_late(world, smtp):
    item = action(world, due=D(2022, 10, 14), owner_user=world.kestrel_user, owner_organisation=world.kestrel)
    assert "none" in run(D(2022, 10, 6))  # 8 days before: too early
    assert "1 action due" in run(D(2022, 10, 7))
    message = smtp.to(world.kestrel_user.email)[0]
    assert message["Subject"] == "Action due by 14 October 2022: Monitoring meeting with Kestrel Test CVS"
    body = message.get_content()
    assert "Send the volunteer-centre figures for Q2." in body
    assert f"https://grants.council.example/meetings/{item.meeting.pk}/#action-{item.pk}" in body
    assert "none" in run(D(2022, 10, 14))
    assert "1 action overdue" in run(D(2022, 10, 15))
    assert "(1 day late)" in smtp.messages[-1].get_content()
    assert "none" in run(D(2022, 10, 21)) and "1 action overdue" in run(D(2022, 10, 22))

    services_meetings.action_mark_done(action=item, done_on=D(2022, 10, 23), actor=world.kestrel_user, today=D(2022, 10, 23))
    assert "none" in run(D(2022, 10, 29))


def test_an_action_owned_by_an_organisation_goes_to_its_users(world, smtp):
    action(world, due=D(2022, 10, 14), owner_organisation=world.kestrel)
    run(D(2022, 10, 10))
    assert smtp.recipients == [[world.kestrel_user.email]]  # not Wren's user, not the officer


def test_an_action_owned_by_someone_without_an_account_goes_to_the_officer_who_recorded_it(world, smtp):
    action(world, due=D(2022, 10, 14), owner_name="Sam Guest")
    run(D(2022, 10, 10))
    assert smtp.recipients == [[world.officer.email]]
    body = smtp.messages[0].get_content()
    assert "The action is Sam Guest's, who is not a user of this service, so this comes to you" in body
    assert "An action agreed at the monitoring meeting with Kestrel Test CVS on 1 September 2022" in body


def test_actions_of_a_programme_that_has_ended_are_left_alone(world, smtp):
    action(world, due=D(2023, 3, 20), owner_user=world.kestrel_user)
    assert "1 action due" in run(D(2023, 3, 15))
    assert "none" in run(D(2023, 4, 5))  # the programme's last period ended on 31 March 2023
