"""The council this installation serves: its settings, read once per request for pages, e-mails and reports."""

from __future__ import annotations

import threading

from django.core.signals import request_started
from django.db.models import Exists
from django.db.models.signals import post_delete, post_save
from django.utils.functional import SimpleLazyObject

from vcsgrants.core.models import CouncilSettings, Organisation

_read = threading.local()  # the settings as read once in this request (or command), see forget()


def current() -> CouncilSettings:
    """The saved settings, or the defaults (unsaved) before an administrator has set any.

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
        settings = CouncilSettings(pk=1)
        settings.demo_loaded = Organisation.objects.filter(is_demo=True).exists()
    return settings


def council(request):
    """Context processor: `council` for every template, read only if a template uses it."""
    return {"council": SimpleLazyObject(current)}


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
