"""send_notifications sends the outbox over real SMTP (aiosmtpd on loopback) and records what happened."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.factories import UserFactory, set_council
from tests.smtp_server import Inbox, free_port, smtp_settings
from vcsgrants.core.models import Role
from vcsgrants.notifications import services
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue, send_queued

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_notifications", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def queue(n: int = 2) -> list[Notification]:
    users = [UserFactory(roles=[Role.PROVIDER]) for _ in range(n)]
    return [
        enqueue(
            kind=Notification.Kind.RETURN_DUE,
            key=f"test:{i}",
            to_email=user.email,
            subject=f"Monitoring return due {i}",
            body=f"Hello,\n\nFill it in:\nhttps://grants.council.example/returns/{i}/\n",
            recipient=user,
        )
        for i, user in enumerate(users)
    ]


def test_queued_mail_reaches_the_smtp_server_once(smtp):
    first, second = queue(2)
    output = run("--only-send")
    assert "Sent 2; failed 0" in output
    assert smtp.subjects() == ["Monitoring return due 0", "Monitoring return due 1"]
    received = smtp.to(first.to_email)[0]
    assert received["From"] == "VCS Grants <grants@council.example>"
    assert received["To"] == first.to_email
    assert received["Auto-Submitted"] == "auto-generated"
    assert "https://grants.council.example/returns/0/" in received.get_content()
    first.refresh_from_db()
    assert first.sent_at is not None and first.attempts == 1 and first.last_error == "" and first.status == "sent"

    # A second run (by cron ten minutes later) sends nothing again.
    assert "Sent 0; failed 0" in run("--only-send")
    assert len(smtp.messages) == 2


def test_a_refused_connection_leaves_the_mail_queued_with_the_error(no_smtp):
    (notification,) = queue(1)
    output = run("--only-send")
    assert "Sent 0; failed 1" in output and "Not sent:" in output and notification.to_email in output
    notification.refresh_from_db()
    assert notification.sent_at is None and notification.attempts == 1 and notification.status == "queued"
    assert "refused" in notification.last_error.lower()
    # It waits before the next try rather than hammering a server that is down.
    assert notification.not_before > timezone.now() + dt.timedelta(minutes=4)
    assert "Sent 0; failed 0" in run("--only-send")


def test_after_a_failure_a_later_run_sends_it(settings, no_smtp):
    (notification,) = queue(1)
    send_queued()
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_settings(settings, port)
        result = send_queued(now=timezone.now() + dt.timedelta(minutes=6))  # the retry wait (5 minutes) is over
    finally:
        controller.stop()
    assert result.sent == 1 and [m["To"] for m in inbox.messages] == [notification.to_email]
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.last_error == "" and notification.sent_at


def test_gives_up_after_the_last_attempt_and_shows_as_failed(settings, no_smtp):
    settings.VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS = 2
    (notification,) = queue(1)
    now = timezone.now()
    assert send_queued(now=now).gave_up == 0
    result = send_queued(now=now + dt.timedelta(hours=1))
    assert (result.failed, result.gave_up) == (1, 1)
    notification.refresh_from_db()
    assert notification.status == "failed" and notification.attempts == 2
    # A failed notification is not tried again, however late.
    assert send_queued(now=now + dt.timedelta(days=2)).failed == 0


def test_mail_claimed_by_another_run_is_not_sent_twice(smtp):
    first, second = queue(2)
    now = timezone.now()
    claimed = services._claim(now, 1)  # another copy of the command, started at the same moment, took the first
    assert [n.pk for n in claimed] == [first.pk]
    result = send_queued(now=now)
    assert result.sent == 1 and [m["To"] for m in smtp.messages] == [second.to_email]
    assert services._claim(now, 10) == []  # nothing left for a third copy


def test_dry_run_lists_what_would_be_sent_and_changes_nothing(smtp):
    (notification,) = queue(1)
    output = run("--dry-run")
    assert f"Would send: return_due to {notification.to_email}: Monitoring return due 0" in output
    assert "Would send 1 queued e-mails." in output
    notification.refresh_from_db()
    assert notification.sent_at is None and notification.attempts == 0 and notification.claim == ""
    assert smtp.messages == []


def test_a_bad_today_is_refused_with_the_format():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_notifications", "--today", "20/07/2022", stdout=io.StringIO())


def test_e_mails_carry_the_councils_sign_off_name_and_domain(smtp, settings):
    from vcsgrants.notifications.messages import body_text

    set_council(service_name="Northshire Community Grants", email_sign_off="The Community Grants team\nNorthshire County Council")
    settings.DEFAULT_FROM_EMAIL = "no-reply@grants.northshire.example"  # an address alone: the service's name is shown
    settings.VCSGRANTS_BASE_URL = "https://grants.northshire.example:8443/vcs"
    user = UserFactory(roles=[Role.PROVIDER], first_name="Sam")
    body = body_text(user, ["Your return is due."], "/returns/1/", "The return:")
    assert body.endswith(
        "The Community Grants team\nNorthshire County Council\nThis e-mail was sent automatically. Please do not reply to it.\n"
    )
    assert "VCS Grants" not in body
    enqueue(kind=Notification.Kind.RETURN_DUE, key="sign-off", to_email=user.email, subject="Due", body=body, recipient=user)
    assert "Sent 1; failed 0" in run("--only-send")
    received = smtp.to(user.email)[0]
    assert received["Message-ID"].endswith("@grants.northshire.example>")
    assert received["From"] == "Northshire Community Grants <no-reply@grants.northshire.example>"
    assert "The Community Grants team" in received.get_content()


def test_with_no_sign_off_set_e_mails_end_with_the_service_name(db):
    from vcsgrants.notifications.messages import body_text

    set_council(service_name="Westshire Grants", email_sign_off="")
    assert body_text(None, ["Hi."], "/", "Home:").endswith(
        "Westshire Grants\nThis e-mail was sent automatically. Please do not reply to it.\n"
    )
    set_council(contact_email="grants@westshire.example")
    assert body_text(None, ["Hi."], "/", "Home:").endswith(
        "Westshire Grants\nThis e-mail was sent automatically. Please do not reply to it: "
        "write to grants@westshire.example instead.\n"
    )


def test_with_a_logo_e_mails_carry_the_same_words_as_html_under_the_logo_inline(smtp, settings, tmp_path):
    import io as _io

    from django.core.files.base import ContentFile
    from PIL import Image

    from vcsgrants.core.models import CouncilSettings
    from vcsgrants.notifications.messages import body_text

    settings.MEDIA_ROOT = tmp_path
    settings.VCSGRANTS_BASE_URL = "https://grants.northshire.example"
    set_council(council_name="Northshire County Council")
    png = _io.BytesIO()
    Image.new("RGB", (40, 20), (0, 94, 165)).save(png, "PNG")
    CouncilSettings.objects.get(pk=1).logo.save("logo.png", ContentFile(png.getvalue()))
    user = UserFactory(roles=[Role.PROVIDER], first_name="Sam")
    body = body_text(user, ["Your return is due <soon> & overdue."], "/returns/1/", "The return:")
    enqueue(kind=Notification.Kind.RETURN_DUE, key="logo", to_email=user.email, subject="Due", body=body, recipient=user)
    assert "Sent 1; failed 0" in run("--only-send")

    received = smtp.to(user.email)[0]
    assert received.get_content_type() == "multipart/related"
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert text.replace("\r\n", "\n") == body  # the plain text is the e-mail itself, unchanged (SMTP sends CRLF)
    image = next(part for part in received.walk() if part.get_content_type() == "image/png")
    cid = image["Content-ID"].strip().strip("<>")
    assert f'src="cid:{cid}"' in html and 'alt="Northshire County Council logo"' in html
    assert image.get_content() == png.getvalue()
    assert "Your return is due &lt;soon&gt; &amp; overdue." in html  # escaped, never markup
    assert '<a href="https://grants.northshire.example/returns/1/"' in html


def test_without_a_logo_e_mails_are_plain_text_only(smtp):
    user = UserFactory(roles=[Role.PROVIDER])
    enqueue(kind=Notification.Kind.RETURN_DUE, key="plain", to_email=user.email, subject="Due", body="Hello.\n", recipient=user)
    assert "Sent 1; failed 0" in run("--only-send")
    assert smtp.to(user.email)[0].get_content_type() == "text/plain"
