"""The explicit event log of business actions. Every action names its actor."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from vcsgrants.core.models import AuditEvent, User


def record_event(
    *, actor: User, verb: str, summary: str, obj: models.Model | None = None, data: dict | None = None
) -> AuditEvent:
    if actor is None or not getattr(actor, "pk", None):
        raise ValueError("An audited action needs a signed-in actor.")
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        summary=summary[:500],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        data=data or {},
    )


def events_for(obj: models.Model):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk).select_related("actor")


AUDIT_LOG_HEADERS = ["When", "Who", "What"]


def audit_log_rows(events) -> list[list]:
    """The audit log's rows for its CSV/XLSX download, newest first as on the page (local time, YYYY-MM-DD HH:MM)."""
    return [
        [timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.actor.display_name, e.summary]
        for e in events.select_related("actor").iterator(chunk_size=2000)
    ]
