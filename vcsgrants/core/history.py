"""Point-in-time history (django-simple-history) as rows a person can read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from vcsgrants.core.money import long_date


@dataclass
class HistoryRow:
    when: object
    who: str
    what: str


def history_rows(history_queryset, limit: int = 20) -> list[HistoryRow]:
    """Newest first: who changed which field from what to what. One query, diffs taken pairwise."""
    records = list(history_queryset.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    if not records:  # made outside the app (bulk data), so no history was recorded
        return []
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(rows) == limit:
            break
        if newer.history_type == "+":
            what = "Created"
        elif newer.history_type == "-":
            what = "Deleted"
        elif older is None:
            what = "Changed"
        else:
            owner = history_queryset.model.instance_type
            changes = newer.diff_against(older, foreign_keys_are_objs=True).changes  # names, not ids
            what = "; ".join(f"{c.field.replace('_', ' ')}: “{shown(c.old, owner)}” → “{shown(c.new, owner)}”" for c in changes)
            if not what:  # saved as it was (setting a many-to-many field records the save before it): nothing to tell
                continue
        who = newer.history_user.display_name if newer.history_user else "system"
        rows.append(HistoryRow(newer.history_date, who, what))
    return rows


def shown(value, owner) -> str:
    """A field's value as a person reads it. A many-to-many field's value is its through-table rows, each naming the
    record itself (of the `owner` model) and the one it points to (an area, an attendee): the latter are shown."""
    if isinstance(value, list):
        return ", ".join(sorted(str(v) for row in value for v in row.values() if not isinstance(v, owner)))
    if isinstance(value, dt.datetime):
        return f"{long_date(timezone.localtime(value))}, {timezone.localtime(value):%H:%M}"
    if isinstance(value, dt.date):
        return long_date(value)
    return "" if value is None else str(value)
