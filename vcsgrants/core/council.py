"""The council this installation serves: its settings, read once per request for pages, e-mails and reports."""

from __future__ import annotations

from django.db.models import Exists
from django.utils.functional import SimpleLazyObject

from vcsgrants.core.models import CouncilSettings, Organisation


def current() -> CouncilSettings:
    """The saved settings, or the defaults (unsaved) before an administrator has set any.

    `demo_loaded` on the result says whether fictional demo organisations are in the database (the footer then
    says so); it comes in the same query.
    """
    demo = Exists(Organisation.objects.filter(is_demo=True))
    settings = CouncilSettings.objects.filter(pk=1).annotate(demo_loaded=demo).first()
    if settings is None:
        settings = CouncilSettings(pk=1)
        settings.demo_loaded = Organisation.objects.filter(is_demo=True).exists()
    return settings


def council(request):
    """Context processor: `council` for every template, read only if a template uses it."""
    return {"council": SimpleLazyObject(current)}
