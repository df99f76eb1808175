"""core.concurrency: the version a form carries, the check a service makes, and that the check holds under a real
race (two connections committing at once: one wins, the other is refused, nothing is lost)."""

from __future__ import annotations

import sqlite3
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from tests.factories import AreaFactory, UserFactory, funded_programme
from vcsgrants.core import concurrency
from vcsgrants.core.concurrency import StaleEdit, check_version, etag, form_token
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import Allocation
from vcsgrants.funding.selectors.programmes import allocations_state
from vcsgrants.funding.services import programmes as programme_services

D = Decimal


def test_a_version_that_still_matches_passes_and_one_that_does_not_says_what_changed():
    shown = {"Amber Valley": "£40,000.00", "Bolsover": ""}
    check_version(form_token(shown), dict(shown))
    check_version(None, {"anything": "else"})  # no version asked for: no check
    with pytest.raises(StaleEdit) as refused:
        check_version(form_token(shown), {"Amber Valley": "£45,000.00", "Bolsover": "", "Chesterfield": "£1.00"})
    assert [str(c) for c in refused.value.changes] == [
        "Amber Valley: £40,000.00 → £45,000.00",
        "Chesterfield: (blank) → £1.00",
    ]
    assert refused.value.messages[0] == concurrency.HEADLINE and refused.value.messages[-1] == concurrency.RELOAD


def test_keys_limit_the_check_to_the_part_being_saved():
    token = form_token({"Budget for 2022-23": "£1.00", "Budget for 2023-24": "£2.00"})
    check_version(token, {"Budget for 2022-23": "£1.00", "Budget for 2023-24": "£9.00"}, keys=["Budget for 2022-23"])
    with pytest.raises(StaleEdit):
        check_version(token, {"Budget for 2022-23": "£5.00"}, keys=["Budget for 2022-23"])


def test_an_etag_is_the_same_for_the_same_values_and_if_match_checks_it():
    state = {"b": "2", "a": "1"}
    assert etag(state) == etag({"a": "1", "b": "2"}) != etag({"a": "1", "b": "3"})
    check_version(etag(state), state)
    check_version("W/" + etag(state), state)
    check_version("*", state)
    with pytest.raises(StaleEdit):
        check_version(etag(state), {"a": "1", "b": "3"})


def test_a_forged_or_garbled_version_is_refused_as_unreadable():
    for version in ("", "garbage", form_token({"a": "1"})[:-3] + "xyz"):
        with pytest.raises(StaleEdit) as refused:
            check_version(version, {"a": "1"})
        assert concurrency.UNREADABLE in refused.value.messages


# --- A real race -----------------------------------------------------------------------------------------------


def in_thread(fn):
    """Run fn in a thread of its own (so on a connection of its own), and give back its result."""
    result = {}

    def run():
        try:
            result["value"] = fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result["value"]


@pytest.fixture
def separate_connections(tmp_path, monkeypatch):
    """Threads that open their own connections to the database as the running service does.

    PostgreSQL: the test database itself. SQLite: the tests' in-memory database is shared between threads in
    SQLite's shared-cache mode, whose table locks fail at once ("database table is locked") instead of waiting as
    the service's database file does; so the data is copied to a file and the threads open it with the service's
    own settings (WAL, immediate transactions, the busy timeout)."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    monkeypatch.setitem(connections.settings, "default", {**connections.settings["default"], "NAME": str(path)})
    yield


@pytest.mark.django_db(transaction=True)
def test_two_saves_committing_at_once_one_wins_and_the_other_is_refused(request, monkeypatch):
    """Two threads (two database connections) save the same allocations page, opened at the same state, at the same
    moment. The winner holds its transaction open a while after its check (a slow audit write), so the loser reaches
    the check while the winner is still inside: only the row lock taken before the check makes the loser wait and
    then see the winner's change. Without it both would pass and the winner's change would be lost."""
    alice, bob = UserFactory(roles=[Role.OFFICER]), UserFactory(roles=[Role.OFFICER])
    amber, bolsover = AreaFactory(name="Amber Valley Race"), AreaFactory(name="Bolsover Race")
    funded = funded_programme(actor=alice, areas=[amber, bolsover])
    stream, year = funded.stream, funded.years[0]
    version = form_token(allocations_state(stream, year))
    request.getfixturevalue("separate_connections")  # from here on, each thread has a connection of its own

    record_event = programme_services.record_event

    def slow_record_event(**kwargs):
        time.sleep(0.3)  # the saver is inside its transaction, past its check, not yet committed
        return record_event(**kwargs)

    monkeypatch.setattr(programme_services, "record_event", slow_record_event)
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(user, amounts):
        try:
            start.wait()
            programme_services.allocations_set(stream=stream, year=year, amounts=amounts, actor=user, version=version)
            outcome[user.username] = "saved"
        except StaleEdit:
            outcome[user.username] = "refused"
        except Exception as exc:  # noqa: BLE001 - any other failure is the test's finding
            outcome[user.username] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(alice, {amber: D("45000.00"), bolsover: D("40000.00")})),
        threading.Thread(target=save, args=(bob, {amber: D("40000.00"), bolsover: D("35000.00")})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcome.values()) == ["refused", "saved"], outcome
    winner = alice if outcome[alice.username] == "saved" else bob
    saved = Allocation.objects.filter(stream=stream, financial_year=year).select_related("area")
    amounts = in_thread(lambda: {a.area.name: a.amount for a in saved})
    expected = (
        {"Amber Valley Race": D("45000.00"), "Bolsover Race": D("40000.00")}
        if winner == alice
        else {"Amber Valley Race": D("40000.00"), "Bolsover Race": D("35000.00")}
    )
    assert amounts == expected
    events = AuditEvent.objects.filter(verb="allocations.set", object_id=stream.pk).order_by("id")
    # the initial allocations (by funded_programme), then the winner's save: one, not two
    assert in_thread(lambda: list(events.values_list("actor", flat=True))) == [alice.pk, winner.pk]
