"""Point-in-time history (django-simple-history) as rows a person can read."""

from __future__ import annotations

from dataclasses import dataclass


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
            changes = newer.diff_against(older).changes
            what = (
                "; ".join(f"{c.field.replace('_', ' ')}: “{_show(c.old)}” → “{_show(c.new)}”" for c in changes)
                or "Saved with no change"
            )
        who = newer.history_user.username if newer.history_user else "system"
        rows.append(HistoryRow(newer.history_date, who, what))
    return rows


def _show(value) -> str:
    if isinstance(value, list):  # many-to-many: a list of through-table dicts
        return ", ".join(str(next(iter(v.values()), v)) if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)
