"""The e-mails that move work along: a return submitted (to the officers), queried and accepted (to the provider),
a KPI proposal decided (to the proposer); each once per event; and the daily digest a person may choose instead."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory
from tests.monitoring.test_returns import Setup, make_agreement, make_kpis, set_targets, submitted_return
from vcsgrants.core.models import Role
from vcsgrants.monitoring import services
from vcsgrants.monitoring.emails import not_emailed, return_event_emails
from vcsgrants.monitoring.models import KpiVersion, ReturnEvent
from vcsgrants.notifications.models import EmailPreference, Notification
from vcsgrants.notifications.services import email_frequency_set

pytestmark = pytest.mark.django_db

BASE = "https://grants.council.example"
K = Notification.Kind


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.VCSGRANTS_BASE_URL = BASE
    settings.VCSGRANTS_DIGEST_HOUR = 0  # whatever the hour the test runs at, the run makes the day's digests


@pytest.fixture
def work(funded, officer, fy2022) -> Setup:
    """An active agreement set up by `officer`, with two agreed KPIs and targets, and its provider's user."""
    agreement = make_agreement(funded, officer)
    kpis = make_kpis(funded.programme, officer)
    set_targets(agreement, kpis, officer, fy2022)
    provider = UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation)
    return Setup(agreement, provider, officer, *kpis)


def outbox(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("id"))


def test_a_submitted_return_is_e_mailed_once_to_the_agreements_officer_with_a_link_to_review_it(work, fy2022):
    other_officer = UserFactory(roles=[Role.OFFICER])  # not responsible for this agreement: not told
    record = submitted_return(work, fy2022, 1, "20")
    [mail] = outbox(K.RETURN_SUBMITTED)
    assert mail.recipient == work.officer and mail.to_email == work.officer.email
    assert mail.recipient != other_officer
    assert work.agreement.reference in mail.subject
    assert f"{BASE}{reverse('monitoring:return-detail', args=[record.pk])}" in mail.body
    assert mail.status == Notification.Status.QUEUED
    # The same event again queues nothing more.
    event = ReturnEvent.objects.get(return_record=record, action=ReturnEvent.Action.SUBMITTED)
    assert return_event_emails(event) == 0
    assert len(outbox(K.RETURN_SUBMITTED)) == 1


def test_history_loaded_without_e_mails_queues_none(work, fy2022):
    with not_emailed():  # how the demo loads its years of past returns
        record = submitted_return(work, fy2022, 1, "20")
        services.return_review(return_record=record, accept=True, actor=work.officer)
    assert not Notification.objects.exists()


def test_without_a_responsible_officer_every_active_officer_is_told(work, fy2022):
    work.officer.is_active = False
    work.officer.save()
    first, second = UserFactory(roles=[Role.OFFICER]), UserFactory(roles=[Role.OFFICER])
    UserFactory(roles=[Role.OFFICER], is_active=False)
    UserFactory(roles=[Role.FINANCE])
    submitted_return(work, fy2022, 1, "20")
    assert {n.recipient for n in outbox(K.RETURN_SUBMITTED)} == {first, second}


def test_queried_and_accepted_go_to_the_providers_users_and_each_submission_is_a_new_event(work, fy2022):
    colleague = UserFactory(roles=[Role.PROVIDER], organisation=work.agreement.organisation)
    UserFactory(roles=[Role.PROVIDER])  # another organisation's user: not told
    record = submitted_return(work, fy2022, 1, "20")
    services.return_review(return_record=record, accept=False, actor=work.officer, comment="Check SG1 please.")
    queried = outbox(K.RETURN_QUERIED)
    assert {n.recipient for n in queried} == {work.provider, colleague}
    edit = reverse("monitoring:return-edit", args=[work.agreement.pk, "2022-23", 1])
    assert all(f"{BASE}{edit}" in n.body and "Check SG1 please." in n.body for n in queried)

    services.return_submit(return_record=record, actor=work.provider, comment="Corrected.")
    assert len(outbox(K.RETURN_SUBMITTED)) == 2  # the first submission and the answer
    services.return_review(return_record=record, accept=True, actor=work.officer)
    accepted = outbox(K.RETURN_ACCEPTED)
    assert {n.recipient for n in accepted} == {work.provider, colleague}
    assert all(f"{BASE}{reverse('monitoring:return-detail', args=[record.pk])}" in n.body for n in accepted)
    assert len(outbox(K.RETURN_QUERIED)) == 2  # nothing queued twice


DEFINITION = {
    "name": "Volunteers recruited",
    "definition": "New volunteers placed.",
    "unit": KpiVersion.Unit.COUNT,
    "aggregation": "sum",
    "direction": "higher_is_better",
    "rba_type": KpiVersion.RbaType.HOW_MUCH,
}


@pytest.mark.parametrize("agree", [True, False])
def test_a_kpi_decision_is_e_mailed_to_the_proposer(work, agree):
    outcome = work.groups.outcome
    kpi = services.kpi_propose(outcome=outcome, code="VR1", actor=work.provider, **DEFINITION)
    services.kpi_decide(kpi=kpi, agree=agree, actor=work.officer, reason="" if agree else "Overlaps SG1.")
    [mail] = outbox(K.KPI_DECIDED)  # the officer's own KPIs (agreed in the set-up) told nobody
    assert mail.recipient == work.provider
    assert ("agreed" if agree else "refused") in mail.subject
    assert f"{BASE}{reverse('monitoring:kpi-detail', args=[kpi.pk])}" in mail.body
    if not agree:
        assert "Overlaps SG1." in mail.body


def test_a_queried_return_is_not_chased_in_the_week_after_the_query_e_mail(work, fy2022):
    """The query's own e-mail tells the provider; the weekly 'answer the query' reminder starts a week later."""
    record = submitted_return(work, fy2022, 1, "20")
    queried = dt.datetime(2022, 8, 2, 10, tzinfo=dt.UTC)
    services.return_review(return_record=record, accept=False, actor=work.officer, comment="Check SG1.", at=queried)
    call_command("send_notifications", "--only-queue", "--today", "2022-08-04", stdout=io.StringIO())
    assert [n.kind for n in Notification.objects.filter(recipient=work.provider)] == [K.RETURN_QUERIED]
    call_command("send_notifications", "--only-queue", "--today", "2022-08-09", stdout=io.StringIO())
    assert sorted(n.kind for n in Notification.objects.filter(recipient=work.provider)) == [K.RETURN_OVERDUE, K.RETURN_QUERIED]


def run_daily() -> str:
    out = io.StringIO()
    call_command("send_notifications", stdout=out, stderr=out)
    return out.getvalue()


def test_the_daily_digest_gathers_a_days_events_into_one_e_mail_and_no_single_ones(work, fy2022, smtp):
    email_frequency_set(user=work.provider, frequency=EmailPreference.Frequency.DAILY)
    first = submitted_return(work, fy2022, 1, "20")
    second = submitted_return(work, fy2022, 2, "25")
    services.return_review(return_record=first, accept=False, actor=work.officer, comment="Check SG1 please.")
    services.return_review(return_record=second, accept=True, actor=work.officer)
    held = list(Notification.objects.filter(recipient=work.provider))
    assert len(held) == 2 and all(n.status == Notification.Status.HELD for n in held)

    assert "Queued 1 daily digests." in run_daily()
    [digest] = smtp.to(work.provider.email)
    assert "daily digest" in str(digest["Subject"]).lower()
    text = digest.get_body(("plain",)).get_content()
    assert "1. Monitoring return queried" in text and "2. Monitoring return accepted" in text
    assert f"{BASE}{reverse('monitoring:return-edit', args=[work.agreement.pk, '2022-23', 1])}" in text
    assert "Check SG1 please." in text
    assert len(smtp.to(work.officer.email)) == 2  # the officer chose nothing: two submissions, two e-mails
    assert all(n.status == Notification.Status.SENT for n in Notification.objects.filter(pk__in=[n.pk for n in held]))

    run_daily()  # the same day again: nothing more for the provider
    assert len(smtp.to(work.provider.email)) == 1


def test_no_digest_is_made_before_the_digest_hour(work, fy2022, settings):
    settings.VCSGRANTS_DIGEST_HOUR = 24  # never reached
    email_frequency_set(user=work.provider, frequency=EmailPreference.Frequency.DAILY)
    record = submitted_return(work, fy2022, 1, "20")
    services.return_review(return_record=record, accept=True, actor=work.officer)
    call_command("send_notifications", "--only-queue", stdout=io.StringIO())
    assert not Notification.objects.filter(kind=K.DIGEST).exists()
    assert Notification.objects.get(recipient=work.provider).status == Notification.Status.HELD


def test_choosing_immediate_again_releases_what_was_held(work, fy2022, smtp):
    email_frequency_set(user=work.provider, frequency=EmailPreference.Frequency.DAILY)
    record = submitted_return(work, fy2022, 1, "20")
    services.return_review(return_record=record, accept=True, actor=work.officer)
    email_frequency_set(user=work.provider, frequency=EmailPreference.Frequency.IMMEDIATE)
    run_daily()
    [mail] = smtp.to(work.provider.email)
    assert str(mail["Subject"]).startswith("Monitoring return accepted")


def test_each_person_chooses_in_their_account(client, work):
    client.force_login(work.provider)
    home = client.get(reverse("hub:home")).content.decode()
    url = reverse("notifications:email-frequency")
    assert f'href="{url}"' in home
    page = client.get(url).content.decode()
    assert 'value="immediate" checked' in page  # the default
    response = client.post(url, {"frequency": "daily"}, follow=True)
    assert "Once a day, in one daily digest" in response.content.decode()
    assert 'value="daily" checked' in response.content.decode()
    assert EmailPreference.objects.get(user=work.provider).frequency == "daily"
    response = client.post(url, {"frequency": "weekly"})
    assert "Choose how often you want e-mails." in response.content.decode()
    assert EmailPreference.objects.get(user=work.provider).frequency == "daily"


def test_the_outbox_is_in_officers_navigation_not_providers(client, work):
    outbox_url = reverse("notifications:notification-list")
    client.force_login(work.officer)
    assert f'href="{outbox_url}"' in client.get(reverse("hub:home")).content.decode()
    client.force_login(work.provider)
    assert f'href="{outbox_url}"' not in client.get(reverse("hub:home")).content.decode()
