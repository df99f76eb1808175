"""Whether a database may take the demo: only when everything in it that matters is the demo's own.

load_demo creates logins with a published password (and sets that password on any user with a demo username),
so it must not touch a database holding real work. A database may take the demo when it is empty, or when every
organisation, programme and user in it is one the demo creates, recognised by the demo's own identifiers,
taken from the modules that create them so that there is one source:

- organisations by slug: the fictional providers, partners and applicant (all named "(demo)") and the real
  bodies the demo names (the county council, its Public Health, the NHS CCG and ICB);
- programmes by slug: the demo's two (`vcs-infrastructure` and `wellbeing-partnership-demo`);
- users by username (the demo's 21, `names.DEMO_NAMES`) *and* membership of one of those organisations. Every
  demo user belongs to one, so an account made with `createsuperuser` (which has none) is not mistaken for the
  demo's even when it is called `admin`; superusers count like anyone else, because a new production database
  holds nothing but one, and that is the database this guard is for.

Reference data the demo shares with a real service (role groups, areas, financial years) is not counted.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.text import slugify

from vcsgrants.core.models import Organisation, User
from vcsgrants.demo import calls, funding, multiyear
from vcsgrants.demo.names import DEMO_NAMES
from vcsgrants.funding.models import Programme

SHOWN = 5  # records named in the message, per kind


def demo_organisation_slugs() -> frozenset[str]:
    names = [
        funding.COUNCIL_NAME,
        funding.PUBLIC_HEALTH_NAME,
        funding.CCG_NAME,
        funding.ICB_NAME,
        *(provider.name for provider in funding.PROVIDERS),
        multiyear.CCG_NAME,
        multiyear.ICB_NAME,
        multiyear.FOUNDATION_NAME,
        calls.APPLICANT_ORGANISATION,
    ]
    return frozenset(slugify(name) for name in names)


def demo_programme_slugs() -> frozenset[str]:
    return frozenset({funding.PROGRAMME_SLUG, multiyear.PROGRAMME_SLUG})


def demo_usernames() -> frozenset[str]:
    return frozenset(DEMO_NAMES)


def _described(kind: str, plural: str, labels: list[str], count: int) -> str:
    shown = ", ".join(repr(label) for label in labels[:SHOWN])
    more = f" and {count - SHOWN} more" if count > SHOWN else ""
    return f"{count} {kind if count == 1 else plural} ({shown}{more})"


def records_not_from_the_demo() -> list[str]:
    """What the database holds that the demo did not create, one phrase per kind ("2 organisations ('A', 'B')");
    empty when the database may take the demo."""
    organisation_slugs = demo_organisation_slugs()
    found = []
    organisations = Organisation.objects.exclude(slug__in=organisation_slugs).order_by("name")
    if count := organisations.count():
        found.append(_described("organisation", "organisations", [o.name for o in organisations[:SHOWN]], count))
    programmes = Programme.objects.exclude(slug__in=demo_programme_slugs()).order_by("name")
    if count := programmes.count():
        found.append(_described("programme", "programmes", [p.name for p in programmes[:SHOWN]], count))
    demo_user = Q(username__in=demo_usernames(), organisation__slug__in=organisation_slugs)
    users = User.objects.exclude(demo_user).order_by("username")
    if count := users.count():
        labels = [f"{u.username} (superuser)" if u.is_superuser else u.username for u in users[:SHOWN]]
        found.append(_described("user", "users", labels, count))
    return found


def refusal(found: list[str], *, demo_loaded: bool = False) -> str:
    """load_demo's message for a database holding `found`; `demo_loaded`: the demo is in it too."""
    message = (
        "load_demo refuses to run: this database holds records the demo did not create, so it may hold real work: "
        + "; ".join(found)
        + ". The demo creates logins with a published password. Load it into a database of its own: an empty one "
        "(with no DATABASE_URL, set VCSGRANTS_VAR_DIR to a new folder for a new SQLite file) or one only load_demo "
        "has written to."
    )
    if demo_loaded:
        message += " If this is a demo database in use, --leave-used-demo starts on it as it is, writing nothing."
    return message
