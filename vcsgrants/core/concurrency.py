"""Optimistic concurrency for multi-field edits: a save is refused if what the form showed has changed since.

One design for every edit page and the API (ADR 0014, docs/adr/0014-optimistic-concurrency-version-tokens.md):

- A service that saves a multi-field edit describes what the edit covers as a **state**: an ordered mapping from
  what a person calls each part ("North Ward", "Title", "Instalment 2") to its value as a person reads it,
  computed from the current rows (`model_state` does it for one record). No version column, no migration: the
  state is the rows themselves, so any change to what the form shows is seen, and a save that changes nothing is
  not a conflict.
- The page carries the state it showed in a hidden field, `version`: a signed token (`form_token`) holding that
  state and the moment the page was opened. The API carries it as an ETag (`etag`): a hash of the state, sent back
  in If-Match.
- The service checks the version (`check_version`) inside its transaction, after locking the rows the state is
  read from (select_for_update; SQLite's immediate transactions lock the whole database), so of two simultaneous
  saves the second waits for the first and then sees the new state. A stale version raises `StaleEdit` (a
  ValidationError, so the page shows it and nothing is saved), saying what changed (old → new) and who saved it
  when, from the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from vcsgrants.core.dates import moment_text
from vcsgrants.core.history import shown
from vcsgrants.core.models import AuditEvent

State = dict[str, str]

FIELD = "version"  # the hidden form field, and the API's word for it
SALT = "vcsgrants.core.concurrency"
HEADLINE = "This was changed since you opened it: here is what changed."
RELOAD = "Nothing you entered has been saved. Reload the page to see the current values, then make your change again."
UNREADABLE = "This form's version is missing or unreadable, so it cannot be checked against what is saved now."
ETAG = re.compile(r'^(W/)?"[0-9a-f]{32}"$')


# --- The state a form showed ----------------------------------------------------------------------------------


def model_state(instance: models.Model, exclude: Iterable[str] = ()) -> State:
    """One record's editable fields (many-to-many ones too) as a person reads them, labelled by verbose name."""
    state: State = {}
    skip = set(exclude)
    for field in instance._meta.concrete_fields:
        if field.primary_key or not field.editable or field.name in skip or getattr(field, "auto_now", False):
            continue
        if field.is_relation and getattr(instance, field.attname) is None:
            value = None  # an unset foreign key (a record not yet saved): no query, no error
        else:
            value = getattr(instance, field.name)
        if field.choices and value not in (None, ""):
            value = getattr(instance, f"get_{field.name}_display")()
        state[str(capfirst(field.verbose_name))] = shown(value, type(instance))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name not in skip:
                state[str(capfirst(field.verbose_name))] = ", ".join(sorted(str(o) for o in getattr(instance, field.name).all()))
    return state


def form_token(state: Mapping[str, str]) -> str:
    """The hidden field's value: the state as the page shows it, and when, signed so it cannot be forged."""
    return signing.dumps({"s": dict(state), "t": timezone.now().timestamp()}, salt=SALT, compress=True)


def etag(state: Mapping[str, str]) -> str:
    """The API's version of a state: a strong ETag, the same for the same values."""
    canonical = json.dumps(dict(state), sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


class VersionField(forms.CharField):
    """The hidden field a versioned form carries; the view sets its initial value with `form_token`."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, **kwargs)


# --- The check, and what a refusal says -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    what: str
    was: str
    now: str

    def __str__(self) -> str:
        return f"{self.what}: {self.was or '(blank)'} → {self.now or '(blank)'}"


@dataclass(frozen=True)
class Save:
    who: str
    when: dt.datetime
    summary: str

    def __str__(self) -> str:
        return f"Saved by {self.who}, {moment_text(self.when)}: {self.summary}"


class StaleEdit(ValidationError):
    """A save refused because the record changed since the form was opened; nothing was written."""

    def __init__(self, *, changes: list[Change], saves: list[Save], current: Mapping[str, str], readable: bool = True):
        self.changes, self.saves, self.current = changes, saves, dict(current)
        lines = [HEADLINE, *map(str, changes), *map(str, saves)] if readable else [UNREADABLE]
        super().__init__([*lines, RELOAD], code="stale")


def check_version(
    version: str | None,
    current: Mapping[str, str],
    *,
    records: Iterable[models.Model] = (),
    keys: Iterable[str] | None = None,
) -> None:
    """Refuse the save (StaleEdit) unless `version` still matches the current state.

    `version` is a form token or an ETag; None means the caller asked for no check (a service called by another
    service, or an API client that sent no If-Match). `records` are those whose audit events say who saved since;
    `keys`, if given, limits the comparison to those parts of the state (the budget page sets one year's budget);
    an ETag is then compared with the ETag of those parts alone (`state_part`).
    Call it inside the service's transaction, after locking the rows `current` was read from.
    """
    if version is None:
        return
    current = dict(current)
    wanted = None if keys is None else set(keys)
    if version == "*" or ETAG.match(version):
        if keys is not None:
            current = state_part(current, keys)
        if version == "*" or version.removeprefix("W/") == etag(current):
            return
        raise StaleEdit(changes=[], saves=saves_since(records, None), current=current)
    try:
        opened = signing.loads(version, salt=SALT)
        shown_then, since = opened["s"], dt.datetime.fromtimestamp(opened["t"], tz=dt.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise StaleEdit(changes=[], saves=[], current=current, readable=False) from None
    changes = [
        Change(what, shown_then.get(what, ""), current.get(what, ""))
        for what in [*shown_then, *(k for k in current if k not in shown_then)]
        if (wanted is None or what in wanted) and shown_then.get(what, "") != current.get(what, "")
    ]
    if changes:
        raise StaleEdit(changes=changes, saves=saves_since(records, since), current=current)


def state_part(state: Mapping[str, str], keys: Iterable[str]) -> State:
    """The parts of a state a write covers (every key given, blank if the state lacks it): what its ETag hashes."""
    return {key: state.get(key, "") for key in keys}


def saves_since(records: Iterable[models.Model], since: dt.datetime | None, limit: int = 10) -> list[Save]:
    """Who saved these records since the moment (oldest first); with no moment, the latest saves."""
    records = [r for r in records if r is not None and r.pk is not None]
    if not records:
        return []
    query = models.Q()
    for record in records:
        query |= models.Q(object_type=record._meta.label_lower, object_id=record.pk)
    events = AuditEvent.objects.filter(query).select_related("actor")
    if since is not None:
        events = events.filter(at__gte=since)
    latest = list(events.order_by("-at", "-id")[:limit])
    return [Save(str(e.actor), e.at, e.summary) for e in reversed(latest)]
