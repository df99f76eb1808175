"""The invitation e-mail: queued when an administrator invites someone (vcsgrants.core.people sends the
`invitation_wanted` signal; `NotificationsConfig.ready` connects `queue_invitation` to it).

The outbox stores the e-mail with a placeholder where the set-your-password link goes, and `with_link` puts a
fresh link there when the e-mail is sent: officers can read the outbox, and the link is a key to the account.
The link is Django's password-reset link, so it works once and for PASSWORD_RESET_TIMEOUT from the sending.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from vcsgrants.core import council
from vcsgrants.core.models import User
from vcsgrants.core.people import invitation_path
from vcsgrants.notifications.messages import absolute_url, body_text
from vcsgrants.notifications.models import Notification

PLACEHOLDER = "[The link to set your password is added when this e-mail is sent.]"
LINK_SLOT = "https://link.invalid/"  # body_text's link, replaced by the placeholder at once


def link_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def queue_invitation(sender, *, person: User, invited_by: User | None, role: str, **kwargs) -> Notification | None:
    """Queue the invitation to `person` (a new one each time: an invitation can be sent again)."""
    from vcsgrants.notifications.services import enqueue

    service = council.current()
    name = service.service_name or "VCS Grants"
    who = invited_by.display_name if invited_by is not None else "An administrator"
    for_whom = f" for {service.council_name}" if service.council_name else ""
    organisation = f" for {person.organisation}" if person.organisation_id else ""
    again = "the administrator" if invited_by is None else invited_by.display_name
    paragraphs = [
        f"{who} has invited you to {name}, the service{for_whom} that manages grants to voluntary and community "
        f"organisations. You have been given the role of {role}{organisation}.",
        f"Your username is {person.username}. The link below works once, and for {link_hours()} hours: if it has "
        f"stopped working, ask {again} to send the invitation again. Once your password is set, sign in at "
        f"{absolute_url(reverse('login'))}",
    ]
    # The shared layout (greeting, link on its own line, the sign-off), with the placeholder where the link goes.
    body = body_text(person, paragraphs, LINK_SLOT, "Choose your password with this link:").replace(LINK_SLOT, PLACEHOLDER)
    sent_before = Notification.objects.filter(kind=Notification.Kind.INVITATION, recipient=person).count()
    return enqueue(
        kind=Notification.Kind.INVITATION,
        key=f"invitation:{person.pk}:{sent_before + 1}",
        to_email=person.email,
        subject=f"You are invited to {name}",
        body=body,
        recipient=person,
    )


def with_link(notification: Notification) -> str:
    """The invitation's body as sent: the placeholder replaced by a fresh link, or by why there is none."""
    person = notification.recipient
    if person is None or not person.is_active:
        text = "(This account has been deactivated since the invitation was queued, so there is no link.)"
    elif person.has_usable_password():
        text = f"(You have already set your password: sign in at {absolute_url(reverse('login'))})"
    else:
        text = absolute_url(invitation_path(person))
    return notification.body.replace(PLACEHOLDER, text)
