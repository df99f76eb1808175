"""The council this installation serves: its settings, read once per request for pages, e-mails and reports.

`current()` reads them; `council_settings_save` is the one way they change, from the council settings page
(core.views_council) and from `manage.py setup_council`: the same checks (each field's own, and the logo's:
a real PNG or JPEG within LOGO_MAX_BYTES and LOGO_MAX_SIDE), the same audit event, one transaction.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.signals import request_started
from django.db import transaction
from django.db.models import Exists
from django.db.models.signals import post_delete, post_save
from django.utils.functional import SimpleLazyObject

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import State, check_version, model_state
from vcsgrants.core.limits import size_text
from vcsgrants.core.models import CouncilSettings, Organisation, User

# Every field an administrator sets, in the order the page and the command show them.
FIELDS = (
    "council_name",
    "council_org_id",
    "service_name",
    "contact_email",
    "footer_text",
    "email_sign_off",
    "area_word",
    "area_word_plural",
    "whole_area_name",
    "service_phase",
    "accessibility_contact",
    "privacy_notice",
)
# The standard sections of a committee report that a council may rename or switch off (its settings'
# report_sections: a heading per key, blank for off; a key not set keeps the default). "{areas}" is the area word.
REPORT_SECTIONS = (
    ("areas_affected", "{areas} affected"),
    ("key_decision", "Key decision"),
    ("alternatives", "Alternative options considered"),
    ("implications", "Implications"),
    ("financial_implications", "Financial"),
    ("legal_implications", "Legal"),
    ("hr_implications", "Human resources"),
    ("equality_implications", "Equality"),
    ("climate_implications", "Climate change"),
    ("background_papers", "Background papers"),
    ("reasons", "Reasons for the recommendations"),
    ("contact_officer", "Contact officer"),
)
REPORT_SECTION_MAX = 100  # characters in a heading
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000  # pixels, each way: a header logo is shown 40 pixels high; a report's 25 mm
LOGO_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
LOGO_HINT = f"A PNG or JPEG image, up to {size_text(LOGO_MAX_BYTES)} and {LOGO_MAX_SIDE} × {LOGO_MAX_SIDE} pixels."
DEFAULT_SERVICE_NAME = "VCS Grants"  # the software's name: CouncilSettings.service_name's default
AUTOMATIC = "This e-mail was sent automatically. Please do not reply to it."

_read = threading.local()  # the settings as read once in this request (or command), see forget()


def current() -> CouncilSettings:
    """The settings (the row `migrate` makes, with the defaults until an administrator sets them).

    `demo_loaded` on the result says whether fictional demo organisations are in the database (the footer then
    says so); it comes in the same query. Read once per request: every area's name ("County-wide" is the
    council's word) and the page's header share the one query.
    """
    cached = getattr(_read, "settings", None)
    if cached is None:
        cached = _read.settings = _current()
    return cached


def forget(**kwargs) -> None:
    """Read the settings afresh next time: at the start of every request, and when they are saved."""
    _read.__dict__.pop("settings", None)


request_started.connect(forget, dispatch_uid="council-settings-forget-request")
post_save.connect(forget, sender=CouncilSettings, dispatch_uid="council-settings-forget-save")
post_delete.connect(forget, sender=CouncilSettings, dispatch_uid="council-settings-forget-delete")
# `demo_loaded` depends on the organisations: read afresh when one is added, changed or removed.
post_save.connect(forget, sender=Organisation, dispatch_uid="council-settings-forget-organisation-save")
post_delete.connect(forget, sender=Organisation, dispatch_uid="council-settings-forget-organisation-delete")


def _current() -> CouncilSettings:
    demo = Exists(Organisation.objects.filter(is_demo=True))
    settings = CouncilSettings.objects.filter(pk=1).annotate(demo_loaded=demo).first()
    if settings is None:
        # `migrate` makes the row; should it be gone (a flushed database), make it again with the defaults, once,
        # so every later read is the one query above.
        CouncilSettings.objects.get_or_create(pk=1)
        settings = CouncilSettings.objects.filter(pk=1).annotate(demo_loaded=demo).get()
    return settings


def council(request):
    """Context processor: `council` for every template, read only if a template uses it."""
    return {"council": SimpleLazyObject(current)}


# --- The council's words, for e-mails, reports and open data ----------------------------------------------------


def display_name(settings: CouncilSettings | None = None) -> str:
    """What to call the council: its name, else the service's name."""
    settings = settings or current()
    return settings.council_name.strip() or settings.service_name.strip() or "VCS Grants"


def email_sign_off(settings: CouncilSettings | None = None) -> str:
    """The lines that end every e-mail: the council's sign-off, else the service's name; then that it is automatic
    (and where to write instead, when the council gave a contact address)."""
    if settings is None:  # one small query (e-mails are written many at a time; no demo check needed)
        fields = ("email_sign_off", "service_name", "contact_email")
        settings = CouncilSettings.objects.filter(pk=1).only(*fields).first() or CouncilSettings()
    first = settings.email_sign_off.strip() or settings.service_name.strip() or DEFAULT_SERVICE_NAME
    contact = settings.contact_email.strip()
    automatic = f"{AUTOMATIC.removesuffix('.')}: write to {contact} instead." if contact else AUTOMATIC
    return f"{first}\n{automatic}"


def email_domain() -> str:
    """The domain e-mails' Message-IDs are made under: the host people reach the service at (VCSGRANTS_BASE_URL)."""
    host = urlsplit(django_settings.VCSGRANTS_BASE_URL).hostname or ""
    return host or "localhost"


def from_address(settings: CouncilSettings | None = None) -> str:
    """Who e-mails are from: DEFAULT_FROM_EMAIL, with the service's name shown unless the setting names someone else."""
    name, address = parseaddr(django_settings.DEFAULT_FROM_EMAIL)
    if not address or (name and name != DEFAULT_SERVICE_NAME):
        return django_settings.DEFAULT_FROM_EMAIL
    if settings is None:
        settings = CouncilSettings.objects.filter(pk=1).only("service_name").first() or CouncilSettings()
    return formataddr((settings.service_name.strip() or DEFAULT_SERVICE_NAME, address))


def logo_bytes(settings: CouncilSettings | None = None) -> bytes | None:
    """The logo's file, or None when none is set or its file is missing from the store."""
    settings = settings or current()
    if not settings.logo:
        return None
    try:
        with settings.logo.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


# --- Checking a logo ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logo:
    """A checked logo: its bytes and the extension its format is stored under."""

    data: bytes
    extension: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def logo_check(upload, *, field: str = "logo") -> Logo:
    """Refuse anything but a real PNG or JPEG image within the size and dimension limits, naming the file and why."""
    from PIL import Image, UnidentifiedImageError

    name = PurePath(getattr(upload, "name", "") or "logo").name
    size = getattr(upload, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        raise ValidationError({field: f"“{name}” is larger than {size_text(LOGO_MAX_BYTES)}. {LOGO_HINT}"})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(LOGO_MAX_BYTES + 1)
    if hasattr(upload, "seek"):
        upload.seek(0)
    if not data:
        raise ValidationError({field: f"“{name}” is empty. {LOGO_HINT}"})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({field: f"“{name}” is larger than {size_text(LOGO_MAX_BYTES)}. {LOGO_HINT}"})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in LOGO_FORMATS:
                raise ValidationError({field: f"“{name}” is a {kind} image, not a PNG or JPEG. {LOGO_HINT}"})
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(
                    {field: f"“{name}” is {width} × {height} pixels, larger than {LOGO_MAX_SIDE} × {LOGO_MAX_SIDE}. {LOGO_HINT}"}
                )
            image.verify()  # reads the whole file: a truncated or corrupt image is refused here
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({field: f"“{name}” is not an image we can read. {LOGO_HINT}"}) from None
    return Logo(data, LOGO_FORMATS[kind])


# --- Saving the settings --------------------------------------------------------------------------------------


def council_settings_get() -> CouncilSettings:
    """The settings row (created with the defaults if a database somehow lacks it)."""
    settings, _ = CouncilSettings.objects.get_or_create(pk=1)
    return settings


def council_settings_state(settings: CouncilSettings) -> State:
    """The settings as their page shows them (core.concurrency): every field, the logo as its file name."""
    return model_state(settings)


@transaction.atomic
def council_settings_save(
    *,
    actor: User,
    changes: Mapping[str, object],
    logo=None,
    remove_logo: bool = False,
    version: str | None = None,
    via: str = "page",
) -> tuple[CouncilSettings, list[str]]:
    """Change some or all of the council's settings; returns them and what changed ("Field: old → new").

    `changes` maps field names (FIELDS) to new values; a name not in FIELDS is refused. `logo` is an uploaded file
    (checked by `logo_check`), `remove_logo` clears it. Each field is checked as the model says (lengths, the
    Org-ID's form, the e-mail address); a problem is raised against the field, nothing is saved. Refused
    (`version`, core.concurrency) if the settings changed since the page was opened. A save that changes nothing
    writes nothing and records nothing, so running `setup_council` again is harmless.
    """
    unknown = sorted(set(changes) - set(FIELDS) - {"report_sections"})
    if unknown:
        raise ValidationError(f"These are not council settings: {', '.join(unknown)}.")
    CouncilSettings.objects.get_or_create(pk=1)
    settings = CouncilSettings.objects.select_for_update().get(pk=1)
    before = council_settings_state(settings)
    headings_before = report_section_headings(settings)
    check_version(version, before, records=[settings])
    problems: dict[str, list[str]] = {}  # every problem at once: the fields' own and the logo's
    if "report_sections" in changes:
        try:
            settings.report_sections = report_sections_check(changes["report_sections"])
        except ValidationError as exc:
            problems.update(exc.message_dict)
    for name, value in changes.items():
        if name == "report_sections":
            continue
        value = "" if value is None else value
        setattr(settings, name, value.strip() if isinstance(value, str) else value)
    try:
        settings.full_clean(exclude=["logo"])
    except ValidationError as exc:
        problems.update(exc.message_dict)
    checked = None
    try:
        checked = logo_check(logo) if logo is not None else None
    except ValidationError as exc:
        problems.update(exc.message_dict)
    if problems:
        raise ValidationError(problems)
    sections_label = str(CouncilSettings._meta.get_field("report_sections").verbose_name).capitalize()
    changed = [
        f"{label}: {before[label] or '(blank)'} → {after or '(blank)'}"
        for label, after in council_settings_state(settings).items()
        if before.get(label, "") != after and label not in ("Logo", sections_label)
    ]
    changed += [
        f"Report section “{report_section_default(key)}”: {headings_before[key] or '(left out)'} → {heading or '(left out)'}"
        for key, heading in report_section_headings(settings).items()
        if headings_before[key] != heading
    ]
    if checked is not None and logo_bytes(settings) != checked.data:
        settings.logo.save(f"logo{checked.extension}", ContentFile(checked.data), save=False)
        changed.append("Logo: a new image")
    elif remove_logo and settings.logo:
        settings.logo = ""
        changed.append("Logo: removed")
    if not changed:
        return settings, []
    settings._history_user = actor  # django-simple-history: the page's request says who; a command does not
    settings.save()
    record_event(
        actor=actor,
        verb="council.settings_saved",
        obj=settings,
        summary=f"Changed the council settings{' (manage.py setup_council)' if via == 'command' else ''}: " + "; ".join(changed),
        data={"via": via, "changes": changed},
    )
    return settings, changed


# --- The sections of Cabinet reports ---------------------------------------------------------------------------


def report_section_default(key: str) -> str:
    default = dict(REPORT_SECTIONS)[key]
    return default.replace("{areas}", area_word(plural=True, capital=True))


def report_section_headings(settings: CouncilSettings | None = None) -> dict[str, str]:
    """Each standard report section's heading in this council's words; "" for a section it has switched off."""
    chosen = (settings or current()).report_sections or {}
    return {
        key: (chosen[key].strip() if isinstance(chosen.get(key), str) else report_section_default(key))
        for key, _ in REPORT_SECTIONS
    }


def report_sections_check(value) -> dict[str, str]:
    """The report sections as saved: a heading (or "" for off) for each known key; refuses anything else."""
    if not isinstance(value, Mapping):
        raise ValidationError({"report_sections": "Give a heading for each report section, or leave it blank."})
    known = dict(REPORT_SECTIONS)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValidationError({"report_sections": f"These are not report sections: {', '.join(unknown)}."})
    cleaned = {}
    for key, heading in value.items():
        heading = " ".join(str(heading or "").split())
        if len(heading) > REPORT_SECTION_MAX:
            raise ValidationError(
                {f"section_{key}": f"A section heading can be at most {REPORT_SECTION_MAX} characters ({len(heading)} given)."}
            )
        if heading != report_section_default(key):  # only what differs is kept: the defaults follow the area word
            cleaned[key] = heading
    return cleaned


# --- The council's words for its areas ----------------------------------------------------------------------


def area_word(*, plural: bool = False, capital: bool = False) -> str:
    """What the council calls an area it allocates to: 'district', 'ward', 'community area'… (plural, capitalised)."""
    settings = current()
    word = (settings.area_word_plural if plural else settings.area_word) or ("districts" if plural else "district")
    return word[:1].upper() + word[1:] if capital else word


def whole_area_name() -> str:
    """What the council calls money for its whole area: 'County-wide', 'Borough-wide'…"""
    return current().whole_area_name or "Council-wide"


def kind_label(kind: str, *, plural: bool = False) -> str:
    """An area kind in the council's words: its whole area, or one of the areas it allocates to."""
    return whole_area_name() if kind == "county" else area_word(plural=plural, capital=True)
