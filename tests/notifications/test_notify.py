"""GOV.UK Notify as the e-mail backend (VCSGRANTS_EMAIL=notify): the outbox sends through notifications-python-client,
for real, to a Notify on loopback (tests/notify_server.py) that checks the token and the body as Notify does."""

from __future__ import annotations

import datetime as dt
import io
import runpy
import time

import jwt
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.factories import UserFactory
from tests.notify_server import FakeNotify, NotifyServer, notify_settings
from tests.smtp_server import free_port
from vcsgrants.core.models import Role
from vcsgrants.core.people import person_invite
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.notify import check_notify_settings
from vcsgrants.notifications.services import enqueue, send_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def notify(settings):
    """A Notify on a free loopback port with a live key, and Django sending through it."""
    with NotifyServer() as fake:
        notify_settings(settings, fake)
        yield fake


def queue(address: str = "", key: str = "test:notify:0") -> Notification:
    user = UserFactory(roles=[Role.PROVIDER], **({"email": address} if address else {}))
    return enqueue(
        kind=Notification.Kind.RETURN_DUE,
        key=key,
        to_email=user.email,
        subject="Monitoring return due: Q3 2022/23",
        body="Hello,\n\nYour quarterly return is due on 14 January 2023.\n\nFill it in:\nhttps://grants.council.example/returns/7/\n",
        recipient=user,
    )


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_notifications", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_a_queued_email_is_delivered_through_notify(notify):
    notification = queue()
    assert "Sent 1; failed 0" in run("--only-send")

    (received,) = notify.received
    assert received.body["email_address"] == notification.to_email
    assert received.body["template_id"] == notify.template_id
    assert received.body["personalisation"] == {"subject": notification.subject, "body": notification.body}
    assert received.body["reference"] == f"vcsgrants-outbox-{notification.pk}-return_due"
    assert received.body["email_reply_to_id"] == notify.reply_to_id
    # The token the library made: the service id as issuer, issued just now, signed with the key's secret.
    assert received.claims["iss"] == notify.service_id and abs(received.claims["iat"] - time.time()) <= 30
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 1 and notification.last_error == ""
    # Run again (the timer, ten minutes later): nothing goes twice.
    assert "Sent 0; failed 0" in run("--only-send")
    assert len(notify.received) == 1


def test_an_invitation_carries_its_link_to_notify_and_not_into_the_outbox(notify):
    admin = UserFactory(roles=[Role.ADMIN])
    person_invite(actor=admin, first_name="Nia", username="new.officer", email="new.officer@council.example", role=Role.OFFICER)
    assert send_queued().sent == 1
    (received,) = notify.received
    assert received.body["email_address"] == "new.officer@council.example"
    assert "https://grants.council.example/accounts/reset/" in received.body["personalisation"]["body"]
    stored = Notification.objects.get(kind=Notification.Kind.INVITATION)
    assert "/accounts/reset/" not in stored.body


def test_notifys_refusal_is_recorded_on_the_email_and_a_later_run_sends_it(notify):
    notify.key_type, notify.team_members = "team", {"officer@council.example"}
    notification = queue("provider@charity.example")
    output = run("--only-send")
    assert "Sent 0; failed 1" in output and "team-only API key" in output
    notification.refresh_from_db()
    assert notification.status == "queued" and notification.attempts == 1 and notification.sent_at is None
    assert notification.last_error == (
        "NotifyError: GOV.UK Notify answered 400: BadRequestError: Can't send to this recipient using a team-only API key"
    )
    assert notification.not_before > timezone.now() + dt.timedelta(minutes=4)  # it waits, as after an SMTP failure

    notify.team_members.add("provider@charity.example")  # added to the guest list in Notify
    assert send_queued(now=timezone.now() + dt.timedelta(minutes=6)).sent == 1
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 2 and notification.last_error == ""


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
        (500, "Exception", "Internal server error"),
    ],
)
def test_a_rate_limit_or_server_error_is_recorded_and_tried_again(notify, status, error, message):
    notify.fail_next.append((status, error, message))
    first, second = queue(key="test:notify:1"), queue(key="test:notify:2")
    result = send_queued()
    assert (result.sent, result.failed) == (1, 1)  # the failure is the first e-mail's alone
    first.refresh_from_db()
    assert first.last_error == f"NotifyError: GOV.UK Notify answered {status}: {error}: {message}"
    assert [r.body["email_address"] for r in notify.received] == [second.to_email]
    assert send_queued(now=timezone.now() + dt.timedelta(minutes=6)).sent == 1
    first.refresh_from_db()
    assert first.status == "sent"


def test_a_wrong_api_key_is_refused_and_recorded(settings, notify):
    settings.VCSGRANTS_NOTIFY_API_KEY = FakeNotify(service_id=notify.service_id).api_key  # another secret
    notification = queue()
    assert send_queued().failed == 1
    notification.refresh_from_db()
    assert notification.last_error == (
        "NotifyError: GOV.UK Notify answered 403: AuthError: Invalid token: signature, api token not found"
    )
    assert notify.received == []


def test_notify_out_of_reach_is_recorded(settings):
    notify_settings(settings, None, base_url=f"http://127.0.0.1:{free_port()}")
    notification = queue()
    assert send_queued().failed == 1
    notification.refresh_from_db()
    assert notification.status == "queued"
    assert notification.last_error.startswith("NotifyError: GOV.UK Notify could not be reached at http://127.0.0.1:")
    assert "refused" in notification.last_error.lower()


def test_an_email_sent_at_once_goes_through_notify_too(notify):
    """The password-reset e-mail is not in the outbox: Django's send_mail goes through the same backend."""
    assert mail.send_mail("Reset your password", "Hello,\n\nUse this link.\n", None, ["someone@charity.example"]) == 1
    (received,) = notify.received
    assert received.body["personalisation"] == {"subject": "Reset your password", "body": "Hello,\n\nUse this link.\n"}
    assert "reference" not in received.body


def test_the_local_notify_refuses_what_notify_refuses(notify):
    """The server the tests send to is not a yes-man: the library's own calls, wrong in the ways Notify checks."""
    client = NotificationsAPIClient(notify.api_key, base_url=notify.base_url)
    with pytest.raises(HTTPError) as refused:
        client.send_email_notification("someone@charity.example", notify.template_id, personalisation={"subject": "Hi"})
    assert (refused.value.status_code, refused.value.message) == (
        400,
        [{"error": "BadRequestError", "message": "Missing personalisation: body"}],
    )
    with pytest.raises(HTTPError) as refused:
        client.send_email_notification("not an address", "not-a-uuid")
    assert refused.value.message == [
        {"error": "ValidationError", "message": "email_address Not a valid email address"},
        {"error": "ValidationError", "message": "template_id is not a valid UUID"},
    ]
    stale = jwt.encode({"iss": notify.service_id, "iat": int(time.time()) - 60}, notify.secret, algorithm="HS256")
    answer = client.request_session.post(
        f"{notify.base_url}/v2/notifications/email", json={}, headers={"Authorization": f"Bearer {stale}"}, timeout=5
    )
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["message"] == "Error: Your system clock must be accurate to within 30 seconds"
    assert client.request_session.post(f"{notify.base_url}/v2/notifications/email", json={}, timeout=5).status_code == 401
    assert notify.received == []


def test_the_environment_chooses_notify(monkeypatch):
    """VCSGRANTS_EMAIL=notify in the environment (as /etc/vcsgrants/vcsgrants.env sets it) selects the backend."""
    monkeypatch.setenv("VCSGRANTS_EMAIL", "Notify ")
    monkeypatch.setenv("VCSGRANTS_NOTIFY_API_KEY", " key-from-env ")
    monkeypatch.setenv("EMAIL_HOST", "smtp.council.example")
    chosen = runpy.run_module("vcsgrants.settings")
    assert chosen["EMAIL_BACKEND"] == "vcsgrants.notifications.notify.NotifyEmailBackend"
    assert (chosen["VCSGRANTS_EMAIL"], chosen["VCSGRANTS_NOTIFY_API_KEY"]) == ("notify", "key-from-env")
    assert chosen["VCSGRANTS_NOTIFY_BASE_URL"] == "https://api.notifications.service.gov.uk"
    monkeypatch.delenv("VCSGRANTS_EMAIL")
    assert runpy.run_module("vcsgrants.settings")["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


# --- The settings check ---------------------------------------------------------------------------------------


def messages(settings, **values) -> list[tuple[str, str]]:
    for name, value in values.items():
        setattr(settings, name, value)
    return [(problem.id, problem.msg) for problem in check_notify_settings()]


def test_the_check_refuses_notify_without_an_api_key(settings):
    found = messages(
        settings,
        VCSGRANTS_EMAIL="notify",
        VCSGRANTS_NOTIFY_API_KEY="",
        VCSGRANTS_NOTIFY_TEMPLATE_ID="f33517ff-2a88-4f6e-b855-c550268ce08a",
    )
    assert found == [
        (
            "notifications.E002",
            "VCSGRANTS_EMAIL is notify but VCSGRANTS_NOTIFY_API_KEY is not set: "
            "create an API key in GOV.UK Notify (API integration, API keys)",
        )
    ]
    # `manage.py check` stops on it, and so does `manage.py migrate`, which every deploy runs.
    with pytest.raises(SystemCheckError, match="VCSGRANTS_NOTIFY_API_KEY is not set"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_check_names_each_wrong_setting_and_never_shows_the_key(settings):
    found = messages(
        settings,
        VCSGRANTS_EMAIL="notify",
        VCSGRANTS_NOTIFY_API_KEY="secret-looking-thing",
        VCSGRANTS_NOTIFY_TEMPLATE_ID="",
        VCSGRANTS_NOTIFY_REPLY_TO_ID="reply",
    )
    assert [found_id for found_id, _ in found] == ["notifications.E003", "notifications.E004", "notifications.E005"]
    assert not any("secret-looking-thing" in message for _, message in found)
    assert messages(settings, VCSGRANTS_EMAIL="notfy") == [
        ("notifications.E001", "VCSGRANTS_EMAIL is 'notfy': it must be 'notify' (GOV.UK Notify), 'smtp' or left unset")
    ]


def test_the_check_passes_a_whole_configuration_and_warns_of_an_unused_one(settings):
    whole = FakeNotify()
    values = {
        "VCSGRANTS_NOTIFY_API_KEY": whole.api_key,
        "VCSGRANTS_NOTIFY_TEMPLATE_ID": whole.template_id,
        "VCSGRANTS_NOTIFY_REPLY_TO_ID": whole.reply_to_id,
    }
    assert messages(settings, VCSGRANTS_EMAIL="notify", **values) == []
    (warning,) = messages(settings, VCSGRANTS_EMAIL="", **values)
    assert warning[0] == "notifications.W006" and "VCSGRANTS_EMAIL is not 'notify'" in warning[1]
    only_reply_to = messages(settings, VCSGRANTS_NOTIFY_API_KEY="", VCSGRANTS_NOTIFY_TEMPLATE_ID="")
    assert [message.split(" set, ")[0] for _, message in only_reply_to] == ["VCSGRANTS_NOTIFY_REPLY_TO_ID"]
