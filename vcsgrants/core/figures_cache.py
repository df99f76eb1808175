"""Figures worked out once per change of what they read, kept in the shared cache (Django's default cache:
the database table `vcsgrants_cache` in production, so every gunicorn worker and app server shares them).

`remember(namespace, key, compute)` gives what `compute()` returns, from the cache when the same key was seen
before. The key must hold a *version of the data* the figures read (for example the highest history id of the
returns they count), never a time alone: then a change to the data makes a new key, and the very next view
works the figures out afresh; nothing stale is ever shown and nothing needs to be deleted. Old entries simply
expire (`VCSGRANTS_FIGURES_CACHE_SECONDS`, a day by default; 0 turns the cache off).

Values are pickled and compressed (zlib, fast level), so a large programme's figures take a few hundred KB, not
megabytes, in the cache table. A value that cannot be read back (written by another release) is worked out again.
"""

from __future__ import annotations

import functools
import hashlib
import pickle  # nosec B403 - only our own values, written by `remember` below, are ever read back
import zlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)

# Part of every key: bump it when a cached class changes shape, so a deploy never reads the old release's values.
FORMAT = 1
DEFAULT_SECONDS = 24 * 60 * 60


def cache_seconds() -> int:
    """How long an entry is kept (settings.VCSGRANTS_FIGURES_CACHE_SECONDS); 0 or less: not cached at all."""
    return int(getattr(settings, "VCSGRANTS_FIGURES_CACHE_SECONDS", DEFAULT_SECONDS))


def cache_key(namespace: str, key: tuple[Hashable, ...]) -> str:
    """The cache key for a namespace and a tuple of plain values (ids, strings, dates, numbers)."""
    digest = hashlib.sha256(repr((FORMAT, key)).encode()).hexdigest()[:40]
    return f"vcsgrants:figures:{namespace}:{digest}"


_UNREADABLE = object()


def _load(blob: bytes | None):
    if blob is None:
        return _UNREADABLE
    try:
        return pickle.loads(zlib.decompress(blob))  # noqa: S301  # nosec B301 - written by us, in _dump
    except Exception:  # noqa: BLE001 - another release's value, or a damaged one: work it out again
        return _UNREADABLE


def _dump(value) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def remember(namespace: str, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, from the shared cache when there, else worked out and stored."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    name = cache_key(namespace, key)
    value = _load(cache.get(name))
    if value is _UNREADABLE:
        value = compute()
        cache.set(name, _dump(value), seconds)
    return value


def remember_each(
    namespace: str, keys: Mapping[H, tuple[Hashable, ...]], compute: Callable[[list[H]], Mapping[H, T]]
) -> dict[H, T]:
    """Several values at once, each under its own key (`keys`: item → key): those in the shared cache read back in one
    request, and `compute(missing items)` asked once for the others, which are then stored."""
    seconds = cache_seconds()
    if seconds <= 0:
        return dict(compute(list(keys)))
    names = {item: cache_key(namespace, key) for item, key in keys.items()}
    found = cache.get_many(list(names.values()))
    values = {item: _load(found.get(name)) for item, name in names.items()}
    missing = [item for item, value in values.items() if value is _UNREADABLE]
    if missing:
        computed = compute(missing)
        cache.set_many({names[item]: _dump(computed[item]) for item in missing}, seconds)
        values.update({item: computed[item] for item in missing})
    return values


@functools.cache
def history_model(model) -> type:
    """A model's django-simple-history model. Memoised: `Model.history` builds a new manager class on every access
    (0.08 ms), and the versions a page checks name a dozen models."""
    return model.history.model


def histories(*models) -> tuple[tuple[type, str], ...]:
    """(history model, "history_id") of each model, for `version_of` or `highest_ids`: a version that every save and
    delete moves."""
    return tuple((history_model(model), "history_id") for model in models)


def highest_sql(model, column: str = "history_id", where: str = "") -> str:
    """A subquery for the highest value of a model's column (one index lookup), to put in a version's SELECT; `where`:
    a condition on the model's own columns, written by our code (never anything a user typed)."""
    qn = connection.ops.quote_name
    condition = f" WHERE {where}" if where else ""
    return f"(SELECT MAX({qn(column)}) FROM {qn(model._meta.db_table)}{condition})"  # noqa: S608 - our own SQL


@dataclass(frozen=True)
class VersionQuery:
    """How to read a version of some data: subqueries for one SELECT list (each the highest id of something, or a
    count), their parameters, and plain values that are part of the version too (settings). `read_versions` reads
    several in one query, so a page that keeps several things in the cache checks them all in one round trip."""

    parts: tuple[str, ...]
    params: tuple = ()
    settings: tuple = ()


def version_of(*columns: tuple[type, str] | tuple[type, str, str]) -> VersionQuery:
    """The version made of the highest value of each (model, column[, condition]): a version of data whose every change
    writes a row with a higher id (a history row of django-simple-history, which the services write on every save and
    delete)."""
    return VersionQuery(tuple(highest_sql(*column) for column in columns))


def read_versions(*queries: VersionQuery) -> list[tuple]:
    """Each query's version (its values, then its settings), all read in one SELECT (none for no query)."""
    if not queries:
        return []
    parts = [part for query in queries for part in query.parts]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", [p for query in queries for p in query.params])  # our own SQL
        row = cursor.fetchone()
    versions, start = [], 0
    for query in queries:
        versions.append((*row[start : start + len(query.parts)], *query.settings))
        start += len(query.parts)
    return versions


def highest_ids(*columns: tuple[type, str] | tuple[type, str, str]) -> tuple[int | None, ...]:
    """The highest value of each (model, column[, condition]), in one query (`version_of`)."""
    return read_versions(version_of(*columns))[0]
