"""Shared fixtures: a council officer, two districts and the county, a funded programme for 2022-23, and the demo
loaded once for a whole test module."""

from __future__ import annotations

import collections
import contextlib
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from tests.factories import AreaFactory, CountyAreaFactory, UserFactory, funded_programme, year
from vcsgrants.core.council import forget
from vcsgrants.core.models import Role

# No wall-clock deadline per example: on a busy machine a slow example is not a wrong answer.
hypothesis_settings.register_profile("vcsgrants", deadline=None)
hypothesis_settings.load_profile("vcsgrants")

# The loopback SMTP server fixtures (smtp, no_smtp), for every test that sends e-mail.
pytest_plugins = ["tests.smtp_server"]


@pytest.fixture(autouse=True)
def _council_settings_read_afresh():
    """The council's settings are read once per request (vcsgrants.core.council); a test's rolled-back settings
    must not outlive it."""
    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _figures_cache_emptied():
    """The performance figures are cached under a version made of row ids (vcsgrants.core.figures_cache); a rolled-back
    test's ids come round again on SQLite, so its cached figures must not outlive it."""
    cache.clear()
    yield
    cache.clear()


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _rows_from_migrate_are_there(request, django_db_blocker):
    """Every test that uses the database starts with what `migrate` itself creates: the role groups and the
    council-settings row. A transactional test (browser, live server, real commits) ends by flushing every table,
    which removes them; put them back (two queries to check, before the test's own transaction opens)."""
    if request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("django_db_setup")  # the test database, before anything touches a connection
        from django.contrib.auth.models import Group

        from vcsgrants.core.models import CouncilSettings

        roles = [role.value for role in Role]
        with django_db_blocker.unblock():
            if Group.objects.filter(name__in=roles).count() < len(roles) or not CouncilSettings.objects.filter(pk=1).exists():
                for name in roles:
                    Group.objects.get_or_create(name=name)
                CouncilSettings.objects.get_or_create(pk=1)
    yield


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.OFFICER])


@pytest.fixture
def fy2022(db):
    return year(2022)


@pytest.fixture
def fy2023(db):
    return year(2023)


@pytest.fixture
def districts(db):
    return [AreaFactory(name="Amber Valley Test"), AreaFactory(name="Bolsover Test")]


@pytest.fixture
def county(db):
    return CountyAreaFactory(name="Derbyshire Test")


@pytest.fixture
def funded(officer, districts):
    """One recurrent stream with a £100,000.00 budget for 2022-23 and £40,000.00 allocated to each district."""
    return funded_programme(actor=officer, areas=districts)


# --- the demo, loaded once per worker for every module that reads it --------------------------------------
# load_demo takes seconds, so loading it for each test was most of the suite's time. A module that reads the
# demo asks for `demo_module`. The modules that do are collected first, and the demo stays loaded, inside one
# open transaction, from the first of them to the last on each xdist worker (`--dist loadfile` keeps a module
# on one worker); the first module that does not read it rolls it back. Each test still runs in its own
# savepoint nested in that transaction (the `db` fixture as usual), so what one test writes is undone before
# the next, and every test starts from the same demo. Tests that need real commits (transaction=True) cannot
# use it: they load the demo themselves.

DEMO_FIXTURE = "demo_module"
# Demo users sign in with a fast hasher in tests: a real one costs a second per demo user.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def reads_the_demo(item) -> bool:
    return DEMO_FIXTURE in getattr(item, "fixturenames", ())


# Modules with few tests that take tens of seconds each (they start gunicorn, build a demo database in a subprocess
# or restore a backup). Among the modules that do not read the demo they go first, so that no worker is left
# running one of them alone at the end of the run. Add a module here when it takes more than ~10 s.
SLOW_MODULES = (
    "tests/core/test_sqlite_concurrency.py",
    "tests/api/test_schemathesis_live.py",
    "tests/core/test_production.py",
    "tests/core/test_two_servers.py",
    "tests/core/test_backup.py",
    "tests/workbook/test_damaged.py",
    "tests/core/test_jobs.py",  # two worker processes started (15-35 s on the shared machine)
)


# Modules whose subject does not depend on the database engine: page markup and forms, files read and written, pure
# computations, settings and processes. They run once, on SQLite; `make test-postgres` leaves them out
# (`-m "not one_engine"`) so the PostgreSQL run repeats what the engine can change (queries, aggregates, transactions,
# locking, the services, selectors and API, imports, backups, the demo's figures, and every page through the
# permissions walk). Put a module here only when nothing it checks could come out differently on PostgreSQL.
ONE_ENGINE_MODULES = (
    "tests/api/test_schema.py",  # the OpenAPI document
    "tests/api/test_schemathesis.py",  # the API's answers against its document (the writes are tests/api/test_writes_*)
    "tests/core/test_about.py",
    "tests/core/test_careless_input.py",
    "tests/core/test_client_ip.py",
    "tests/core/test_display_names.py",
    "tests/core/test_encodings.py",
    "tests/core/test_error_markup.py",
    "tests/core/test_error_pages.py",
    "tests/core/test_form_messages.py",
    "tests/core/test_govuk_inputs.py",
    "tests/core/test_hostile_files.py",  # refused before anything is written
    "tests/core/test_money.py",
    "tests/core/test_observability.py",
    "tests/core/test_shared_storage.py",
    "tests/core/test_sso.py",
    "tests/core/test_tables_and_charts.py",
    "tests/core/test_two_factor.py",
    "tests/core/test_uploads.py",
    "tests/demo/test_guard.py",  # the demo itself loads on PostgreSQL for every demo module
    "tests/demo/test_production.py",
    "tests/equity/test_areas_csv.py",
    "tests/equity/test_engine.py",
    "tests/equity/test_engine_properties.py",
    "tests/equity/test_measures.py",
    "tests/funding/test_careless_input.py",
    "tests/funding/test_multiyear_arithmetic.py",
    "tests/funding/test_partners_arithmetic.py",
    "tests/monitoring/test_rag.py",
    "tests/monitoring/test_spreadsheets.py",
    "tests/monitoring/test_template_formulas.py",
    "tests/notifications/test_notify.py",
    "tests/opendata/test_quality.py",
    "tests/opendata/test_schema.py",
    "tests/reports/test_reports.py",  # Word and PDF rendering (the figures: test_sections, test_issued)
)


def pytest_configure(config):
    """xdist would hand out the modules largest first (`--loadscope-reorder`, its default), scattering the demo
    modules among the others so that each worker loaded and rolled back the demo three or four times; keep the
    order set below (`--no-loadscope-reorder`)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(session, config, items):
    """The order the modules run in (a stable sort: a module's tests stay together, in the order collected): the
    modules that read the demo first, so that each xdist worker loads it once; then the slow modules above; then
    the rest, those with the most tests first (xdist's own heuristic), so the run ends on short modules."""
    demo_modules = {getattr(item, "module", None) for item in items if reads_the_demo(item)}
    tests_in = collections.Counter(getattr(item, "module", None) for item in items)

    def order(item):
        module = getattr(item, "module", None)
        slow = any(str(item.path).endswith(path) for path in SLOW_MODULES)
        return (module not in demo_modules, not slow, -tests_in[module])

    items.sort(key=order)
    for item in items:
        if any(str(item.path).endswith(path) for path in ONE_ENGINE_MODULES):
            item.add_marker("one_engine")


class SharedDemo:
    """The demo loaded in a transaction that stays open until `close` rolls it back."""

    def __init__(self, django_db_blocker, media_root):
        self._blocker = django_db_blocker
        self._media_root = str(media_root)
        self._open: contextlib.ExitStack | None = None
        self.printed = ""

    def open(self) -> str:
        if self._open is None:
            stack = contextlib.ExitStack()
            stack.enter_context(self._blocker.unblock())
            stack.enter_context(override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=self._media_root))
            stack.enter_context(transaction.atomic())
            stack.callback(transaction.set_rollback, True)  # runs first on close: the atomic block rolls back
            printed = io.StringIO()
            call_command("load_demo", stdout=printed)
            self._open, self.printed = stack, printed.getvalue()
        return self.printed

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None


_shared_demo: list[SharedDemo] = []  # this worker's, once a module has asked for it


@pytest.fixture(scope="session")
def shared_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    demo = SharedDemo(django_db_blocker, tmp_path_factory.mktemp("demo-media"))
    _shared_demo.append(demo)
    yield demo
    demo.close()
    _shared_demo.clear()


@pytest.fixture(scope="module", autouse=True)
def _demo_only_where_read(request):
    """Roll the demo back before a module that does not read it (module fixtures are set up before any test's)."""
    module = request.module
    if any(reads_the_demo(item) for item in request.session.items if getattr(item, "module", None) is module):
        request.getfixturevalue("shared_demo").open()
    else:
        for demo in _shared_demo:
            demo.close()


@pytest.fixture(scope="module")
def demo_module(shared_demo) -> str:
    """The demo, loaded (see above); what load_demo printed when it loaded it."""
    return shared_demo.open()
