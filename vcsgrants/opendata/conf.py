"""Open-data settings: each from Django settings, else the environment, else the default here.

| name | default | meaning |
| --- | --- | --- |
| OPENDATA_LICENCE_TITLE | Open Government Licence v3.0 | the licence the council publishes its grants under |
| OPENDATA_LICENCE_URL | the OGL v3.0 address | its canonical address (written into the JSON package) |
| OPENDATA_PUBLISHER_ORG_ID | unset: the council settings' Org-ID, else the first programme's funder | the publisher's Org-ID |
| OPENDATA_GRANT_PREFIX | unset: ``360G-`` + the publisher's Org-ID | the 360Giving prefix of every grant identifier |
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from vcsgrants.core.models import CouncilSettings

OGL_TITLE = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name, "")
    return str(value).strip() or default


def licence_title() -> str:
    return _setting("OPENDATA_LICENCE_TITLE", OGL_TITLE)


def licence_url() -> str:
    return _setting("OPENDATA_LICENCE_URL", OGL_URL)


def publisher_setting() -> str:
    """OPENDATA_PUBLISHER_ORG_ID as set for this deployment (blank if not): the council settings' Org-ID is used then."""
    return _setting("OPENDATA_PUBLISHER_ORG_ID")


def publisher_org_id() -> str:
    """The setting if set, else the Org-ID an administrator gave in the council settings (blank if neither)."""
    return (
        publisher_setting()
        or (CouncilSettings.objects.filter(pk=1).values_list("council_org_id", flat=True).first() or "").strip()
    )


def grant_prefix() -> str:
    return _setting("OPENDATA_GRANT_PREFIX")


def standard_dir() -> Path:
    """The 360Giving schema, codelists and column titles (copied from ../shared/data/360giving/)."""
    return Path(settings.SHARED_DATA_DIR) / "360giving"
