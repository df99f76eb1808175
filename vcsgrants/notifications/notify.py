"""GOV.UK Notify as the e-mail backend, chosen by VCSGRANTS_EMAIL=notify (docs/operations/email.md#govuk-notify).

A Django e-mail backend, so the outbox (services.send_queued), the password-reset e-mail and anything else that
sends through Django go through Notify unchanged. Notify sends only through templates: the council makes one e-mail
template whose subject is ((subject)) and whose message is ((body)), and each e-mail fills those two in with its own
subject and plain-text body. The sender's name and address, the reply-to address and the logo are Notify's settings
(the council's Notify service), not DEFAULT_FROM_EMAIL or the logo in the council settings.

A refusal from Notify (400, 403, 429, 5xx) or an unreachable Notify raises NotifyError carrying Notify's own words;
the outbox records it on the e-mail and tries again later, as it does for an SMTP failure. The check below
(`manage.py check`, `migrate`, `runserver`) refuses a half-made configuration before anything is sent.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

BACKEND = "vcsgrants.notifications.notify.NotifyEmailBackend"
DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
CHOICES = ("", "smtp", "notify")  # VCSGRANTS_EMAIL: unset or smtp = Django's own (SMTP, or the console)

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_RE = re.compile(rf"^{_UUID}$", re.IGNORECASE)
# Notify's API keys are "<key name>-<service id>-<secret>": a name the council chose, then two UUIDs.
API_KEY_RE = re.compile(rf"^.+-{_UUID}-{_UUID}$", re.IGNORECASE)


class NotifyError(Exception):
    """Notify refused an e-mail or could not be reached; the text is what the outbox records on the e-mail."""


def describe(error: APIError, base_url: str) -> str:
    """Notify's answer in one line: its status and each error's kind and message, as the API documents them
    (`{"status_code": 400, "errors": [{"error": "BadRequestError", "message": "…"}]}`)."""
    if error.response is None:  # no answer at all: refused, timed out, name not found
        return f"GOV.UK Notify could not be reached at {base_url}: {error.__cause__ or error}"
    try:
        errors = error.response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    if isinstance(errors, list) and errors:
        said = "; ".join(f"{e.get('error', 'Error')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
    else:
        said = str(error.message)
    return f"GOV.UK Notify answered {error.status_code}: {said}"[:1000]


def reference(message: EmailMessage) -> str | None:
    """Notify's `reference` for an e-mail: the outbox's id and kind (no personal data, as Notify asks), so an e-mail
    in Notify's records can be found in the outbox; None for e-mails that are not in the outbox."""
    headers = message.extra_headers
    outbox_id, kind = headers.get("X-VCS-Grants-Outbox-Id"), headers.get("X-VCS-Grants-Notification")
    if outbox_id:
        return f"vcsgrants-outbox-{outbox_id}-{kind}" if kind else f"vcsgrants-outbox-{outbox_id}"
    return None


class NotifyEmailBackend(BaseEmailBackend):
    """Sends each e-mail, to each of its recipients, as one POST /v2/notifications/email to GOV.UK Notify."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.client: NotificationsAPIClient | None = None
        self.base_url = getattr(settings, "VCSGRANTS_NOTIFY_BASE_URL", "") or DEFAULT_BASE_URL

    def open(self) -> bool:
        if self.client is not None:
            return False
        api_key = getattr(settings, "VCSGRANTS_NOTIFY_API_KEY", "")
        if not API_KEY_RE.match(api_key or "") or not getattr(settings, "VCSGRANTS_NOTIFY_TEMPLATE_ID", ""):
            raise ImproperlyConfigured(
                "GOV.UK Notify is not set up: VCSGRANTS_NOTIFY_API_KEY and VCSGRANTS_NOTIFY_TEMPLATE_ID are needed "
                "(manage.py check says which is wrong)"
            )
        self.client = NotificationsAPIClient(api_key, base_url=self.base_url, timeout=getattr(settings, "EMAIL_TIMEOUT", 30))
        return True

    def close(self) -> None:
        if self.client is not None:
            self.client.request_session.close()
            self.client = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = self.open()
        sent = 0
        try:
            for message in email_messages:
                try:
                    self._send(self.client, message)
                except NotifyError:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        finally:
            if opened:
                self.close()
        return sent

    def _send(self, client: NotificationsAPIClient, message: EmailMessage) -> None:
        """One e-mail: Notify's template with ((subject)) and ((body)) filled in, to each recipient in turn."""
        personalisation = {"subject": str(message.subject), "body": str(message.body)}
        for address in message.recipients():
            try:
                client.send_email_notification(
                    email_address=address,
                    template_id=settings.VCSGRANTS_NOTIFY_TEMPLATE_ID,
                    personalisation=personalisation,
                    reference=reference(message),
                    email_reply_to_id=getattr(settings, "VCSGRANTS_NOTIFY_REPLY_TO_ID", "") or None,
                )
            except APIError as error:
                raise NotifyError(describe(error, self.base_url)) from error


@checks.register()
def check_notify_settings(app_configs=None, **kwargs):
    """`manage.py check` (and `migrate`, `runserver`) refuses a half-made Notify configuration, naming what is wrong."""
    choice = getattr(settings, "VCSGRANTS_EMAIL", "")
    notify_settings = ("VCSGRANTS_NOTIFY_API_KEY", "VCSGRANTS_NOTIFY_TEMPLATE_ID", "VCSGRANTS_NOTIFY_REPLY_TO_ID")
    if choice not in CHOICES:
        return [
            checks.Error(
                f"VCSGRANTS_EMAIL is {choice!r}: it must be 'notify' (GOV.UK Notify), 'smtp' or left unset",
                id="notifications.E001",
            )
        ]
    if choice != "notify":
        stray = [name for name in notify_settings if getattr(settings, name, "")]
        if stray:
            return [
                checks.Warning(
                    f"{', '.join(stray)} set, but VCSGRANTS_EMAIL is not 'notify': e-mail does not go through GOV.UK Notify",
                    hint="Set VCSGRANTS_EMAIL=notify to send through Notify, or remove these settings.",
                    id="notifications.W006",
                )
            ]
        return []
    hint = "See docs/operations/email.md, the section GOV.UK Notify."
    problems = []
    api_key = getattr(settings, "VCSGRANTS_NOTIFY_API_KEY", "")
    template_id = getattr(settings, "VCSGRANTS_NOTIFY_TEMPLATE_ID", "")
    reply_to_id = getattr(settings, "VCSGRANTS_NOTIFY_REPLY_TO_ID", "")
    if not api_key:
        problems.append(
            checks.Error(
                "VCSGRANTS_EMAIL is notify but VCSGRANTS_NOTIFY_API_KEY is not set: "
                "create an API key in GOV.UK Notify (API integration, API keys)",
                hint=hint,
                id="notifications.E002",
            )
        )
    elif not API_KEY_RE.match(api_key):  # never echo the key: it is a secret
        problems.append(
            checks.Error(
                "VCSGRANTS_NOTIFY_API_KEY is not a GOV.UK Notify API key: it should be the whole key as Notify shows it, "
                "its name followed by two long codes (<name>-<service id>-<secret>)",
                hint=hint,
                id="notifications.E003",
            )
        )
    if not template_id:
        problems.append(
            checks.Error(
                "VCSGRANTS_EMAIL is notify but VCSGRANTS_NOTIFY_TEMPLATE_ID is not set: the ID of the e-mail template "
                "whose subject is ((subject)) and message ((body))",
                hint=hint,
                id="notifications.E004",
            )
        )
    elif not UUID_RE.match(template_id):
        problems.append(
            checks.Error(
                f"VCSGRANTS_NOTIFY_TEMPLATE_ID is {template_id!r}: a template ID looks like "
                "f33517ff-2a88-4f6e-b855-c550268ce08a (Notify shows it under the template)",
                hint=hint,
                id="notifications.E004",
            )
        )
    if reply_to_id and not UUID_RE.match(reply_to_id):
        problems.append(
            checks.Error(
                f"VCSGRANTS_NOTIFY_REPLY_TO_ID is {reply_to_id!r}: a reply-to ID looks like "
                "8e222534-7f05-4972-86e3-17c5d9f894e2 (Notify's Settings, Email reply-to addresses)",
                hint=hint,
                id="notifications.E005",
            )
        )
    return problems
