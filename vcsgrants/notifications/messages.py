"""How the e-mails are written: plain text in plain English, each with a link to the page concerned.

When the council has a logo, the e-mail also carries the same words as HTML headed by the logo (`html_version`);
the plain text stays the e-mail itself, for every mail reader and screen reader.

Each app writes its own e-mails with these helpers and queues them with services.enqueue (the open calls'
e-mails are in calls/emails.py; the reminders about returns and meeting actions in hub/reminders.py).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils.html import escape, urlize

from vcsgrants.core.council import email_sign_off
from vcsgrants.core.models import User


def sign_off() -> str:
    """The lines that end every e-mail: the council's e-mail sign-off (its settings), else the service's name."""
    return email_sign_off()


def absolute_url(path: str) -> str:
    """A page's full address for an e-mail: settings.VCSGRANTS_BASE_URL followed by the path."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.VCSGRANTS_BASE_URL}/{path.lstrip('/')}"


def greeting(user: User | None) -> str:
    name = (user.first_name or "").strip() if user else ""
    return f"Dear {name}," if name else "Hello,"


def body_text(user: User | None, paragraphs: list[str], link: str, link_intro: str) -> str:
    """A whole e-mail: greeting, paragraphs, the link on a line of its own, sign-off."""
    parts = [greeting(user), *paragraphs, f"{link_intro}\n{absolute_url(link)}", sign_off()]
    return "\n\n".join(p.strip() for p in parts if p and p.strip()) + "\n"


def html_version(body: str, *, logo_cid: str, logo_alt: str) -> str:
    """The plain-text e-mail as simple HTML under the council's logo (an inline image named by `logo_cid`):
    each paragraph a <p>, line breaks kept, addresses as links, everything else escaped."""
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    html = "".join(f"<p>{urlize(p, autoescape=True).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    logo = f'<p><img src="cid:{escape(logo_cid)}" alt="{escape(logo_alt)}" style="max-height:60px"></p>'
    return f'<!DOCTYPE html><html lang="en-GB"><body style="font-family:arial,sans-serif">{logo}{html}</body></html>'


def page_for(obj, link: str | None) -> str:
    if link:
        return link
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:  # the page is not there (yet): the home page, where the user finds their work
        return "/"


def people_with_email(*users: User | None) -> list[User]:
    """Distinct active users with an e-mail address, in the order given."""
    seen, people = set(), []
    for user in users:
        if user is not None and user.is_active and user.email and user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    return people
