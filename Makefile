# VCS Grants: the two commands are `make run` and `make test` (see README).
# Every tool is called by its .venv/bin path; no activated virtualenv is needed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The test steps must run in order even under `make -j`.
.NOTPARALLEL:

PORT ?= 8000
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
# uv installs .venv from uv.lock (docs/adr/0019-lean-locked-install.md). It comes from PyPI, by pip, into a venv of its
# own (.venv-uv), so a machine with Python 3.11 and pip needs nothing else and `uv sync` is free to rebuild .venv.
UV_VERSION := 0.13.8
UV_VENV := .venv-uv
UV_STAMP := $(UV_VENV)/.uv-$(UV_VERSION)
UV := $(UV_VENV)/bin/uv
# uv never fetches a Python of its own (also set in pyproject.toml) and installs into .venv, whatever the shell says.
UV_ENV := env UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV)
# `make install UV_SYNC_FLAGS=--inexact` keeps packages the lock doesn't list (a .venv shared by several branches).
UV_SYNC_FLAGS ?=
RUFF := $(VENV)/bin/ruff
PYTEST := $(VENV)/bin/pytest
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PG_INITDB := /usr/lib/postgresql/15/bin/initdb
# Only for `check --deploy`: a throwaway key that satisfies production.py (>= 50 chars).
DEPLOY_CHECK_SECRET_KEY := deploy-check-throwaway-key-9f3c1a7e5b2d4068-not-for-production
# Run apt-get directly as root, through sudo otherwise.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)


.PHONY: bench bench-load bench-import
.PHONY: test-api-live test-a11y
.PHONY: help install run test test-sqlite test-postgres test-browser lint format \
	migrations-check deploy-check ensure-chromium ensure-postgres ensure-node ensure-oidc-provider
.PHONY: security audit docs

help:
	@echo "make run            migrate, load the demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test           the whole suite: lint, checks, pytest on SQLite (+browser) and PostgreSQL"
	@echo "make test-sqlite    pytest on SQLite, then the browser tests"
	@echo "make test-postgres  pytest on a throwaway PostgreSQL 15 (no browser tests)"
	@echo "make test-a11y      the accessibility crawl: axe-core over every page for every role at 320 and 1280 px"
	@echo "make test-api-live  schemathesis against a live gunicorn with the demo (part of make test-sqlite too)"
	@echo "make lint           ruff check + ruff format --check + the import contracts (lint-imports)"
	@echo "make format         ruff format + ruff check --fix"
	@echo "make security       bandit over vcsgrants/: fails on any high-severity finding (part of make test)"
	@echo "make audit          pip-audit over every package in uv.lock: known vulnerabilities (needs the internet)"
	@echo "make docs           build the docs site into var/site with mkdocs --strict (part of make test)"
	@echo "make bench          the dashboard, equity and 360Giving benchmarks (see docs/development/benchmarks.md)"
	@echo "make bench-import   the bulk return import beside executemany and django-import-export, SQLite and PostgreSQL"
	@echo "make bench-load     50 users for 60 s against gunicorn on 1,000,000 KPI values, beside a trivial view"

# --- virtualenv ----------------------------------------------------------------
# uv makes .venv from the machine's Python (with pip in it, for trying a package out: a second, where venv takes
# several), then makes it exactly uv.lock: every group (pyproject.toml [dependency-groups]: lint, test, bench, docs),
# removing any package the lock does not list.
$(PY): | $(UV_STAMP)
	$(UV_ENV) $(UV) venv --clear --seed --quiet --python $(PYTHON) $(VENV)

$(UV_STAMP):
	@test -n "$(PYTHON)" || { echo "ERROR: python3.11 (or python3) not found on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install --disable-pip-version-check -q uv==$(UV_VERSION)
	touch $(UV_STAMP)

# Reinstall when pyproject.toml or uv.lock is newer than the stamp (an edit, a pull, a branch switch).
# --locked: a pyproject.toml changed without `uv lock` fails here, rather than install something the lock doesn't say.
$(STAMP): pyproject.toml uv.lock | $(PY) $(UV_STAMP)
	$(UV_ENV) $(UV) sync --locked --all-groups $(UV_SYNC_FLAGS)
	touch $(STAMP)

install: $(STAMP)

# --- the app -------------------------------------------------------------------
# load_demo refuses a database holding anything but the demo; --leave-used-demo lets make run start again on a demo
# database someone has added records to (it then writes nothing).
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --leave-used-demo
	VCSGRANTS_BASE_URL="$${VCSGRANTS_BASE_URL:-http://127.0.0.1:$(PORT)}" $(PY) manage.py runserver 127.0.0.1:$(PORT)

# --- system packages for the tests -----------------------------------------------
ensure-chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) is missing: installing Debian's chromium"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
			|| { echo "ERROR: could not install chromium; browser tests cannot run" >&2; exit 1; }; \
		[ -x $(CHROMIUM) ] || { echo "ERROR: chromium installed but $(CHROMIUM) is still missing" >&2; exit 1; }; \
	fi

ensure-postgres:
	@if [ ! -x $(PG_INITDB) ] && ! command -v initdb >/dev/null 2>&1; then \
		echo "PostgreSQL 15 server binaries are missing: installing postgresql-15"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 \
			|| { echo "ERROR: could not install postgresql-15; the PostgreSQL run cannot go ahead" >&2; exit 1; }; \
		[ -x $(PG_INITDB) ] || { echo "ERROR: postgresql-15 installed but $(PG_INITDB) is still missing" >&2; exit 1; }; \
	fi

# The single sign-on browser test (tests/browser/test_sso.py) runs a real OpenID provider: the certified npm package
# oidc-provider under Node 20 or later, installed by `npm ci` from tests/oidc/package-lock.json into
# tests/oidc/node_modules (git-ignored), again only when the lock file changes.
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
ensure-node:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "node or npm is missing: installing Debian's nodejs and npm"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm \
			|| { echo "ERROR: could not install nodejs and npm; the single sign-on test cannot run" >&2; exit 1; }; \
	fi
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
		|| { echo "ERROR: node $$(node --version) is too old: the single sign-on test needs Node 20 or later" >&2; exit 1; }

$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json | ensure-node
	npm ci --prefix tests/oidc --no-audit --no-fund
	touch $@

ensure-oidc-provider: $(OIDC_PROVIDER)

# --- checks --------------------------------------------------------------------
# lint-imports checks the contracts in pyproject.toml: the apps' layers, pure modules free of Django, the demo apart.
lint: $(STAMP)
	$(RUFF) check .
	$(RUFF) format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(RUFF) format .
	$(RUFF) check --fix .

migrations-check: $(STAMP)
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(STAMP)
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=vcsgrants.production SECRET_KEY=$(DEPLOY_CHECK_SECRET_KEY) \
		$(PY) manage.py check --deploy --fail-level WARNING

# bandit's settings (what it skips) are in pyproject.toml [tool.bandit]; -lll: high severity only.
security: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r vcsgrants --severity-level high -q

# The docs site (mkdocs.yml): --strict fails on a broken link or anchor, or a page missing from the nav.
# NO_MKDOCS_2_WARNING only silences Material's notice about MkDocs 2.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# pip-audit asks the PyPI vulnerability database, so it needs the internet: not part of `make test`.
# It checks every package in uv.lock (runtime and every group), exported with hashes so pip-audit resolves nothing;
# it is installed beside uv in .venv-uv on first use rather than locked.
PIP_AUDIT_VERSION := 2.10.1
audit: $(UV_STAMP)
	@$(UV_VENV)/bin/pip-audit --version 2>/dev/null | grep -q "$(PIP_AUDIT_VERSION)" \
		|| $(UV_VENV)/bin/pip install --disable-pip-version-check -q pip-audit==$(PIP_AUDIT_VERSION)
	@mkdir -p var
	$(UV) export --frozen --all-groups --no-emit-project --format requirements-txt -o var/audit-requirements.txt -q
	$(UV_VENV)/bin/pip-audit --disable-pip -r var/audit-requirements.txt --strict

# --- tests ---------------------------------------------------------------------
# Browser tests: each xdist worker has its own live_server, Chromium and copy of the demo; the accessibility crawl's
# two modules go first, one to each worker (tests/browser/conftest.py).
BROWSER_XDIST := -n 2 --dist loadfile
# --dist loadfile keeps a module's tests on one worker, so a module that shares the demo (demo_module) loads it once.
# tests/conftest.py sets the order the modules are handed out in (the demo's first, then the slow ones) and turns
# off xdist's own reordering (--loadscope-reorder), so each worker loads the demo once.
XDIST := -n 2 --dist loadfile
# The accessibility crawl (every page for every role through axe-core, issue 18) is one of the browser tests;
# `make test-a11y` runs it alone (docs/development/testing.md).
A11Y_CRAWL := tests/browser/test_accessibility_crawl.py tests/browser/test_accessibility_crawl_other_roles.py
test-sqlite: $(STAMP) ensure-chromium ensure-oidc-provider ensure-postgres
	env -u DATABASE_URL $(PYTEST) $(XDIST) --ignore=tests/browser
	env -u DATABASE_URL $(PYTEST) $(BROWSER_XDIST) tests/browser

test-a11y: $(STAMP) ensure-chromium
	env -u DATABASE_URL $(PYTEST) $(BROWSER_XDIST) $(A11Y_CRAWL)

# schemathesis against a live gunicorn on a free port (DATABASE_URL=sqlite:///… with the demo), as an officer and a
# provider: 0 server errors and 0 schema violations. The same test runs in test-sqlite; this runs it alone.
test-api-live: $(STAMP)
	env -u DATABASE_URL $(PYTEST) -q tests/api/test_schemathesis_live.py

test-browser: $(STAMP) ensure-chromium ensure-oidc-provider
	env -u DATABASE_URL $(PYTEST) $(BROWSER_XDIST) tests/browser

# The live-server modules always run on a database of their own, whatever DATABASE_URL says (they test SQLite through
# DATABASE_URL and the API over HTTP, and the production gunicorn, from the runtime-only install, on a throwaway SQLite
# file; the two app servers start a PostgreSQL cluster of their own), so the PostgreSQL run leaves them to test-sqlite
# rather than repeat them.
LIVE_SQLITE_ONLY := --ignore=tests/api/test_schemathesis_live.py --ignore=tests/core/test_sqlite_concurrency.py \
	--ignore=tests/core/test_production.py --ignore=tests/core/test_two_servers.py
# It also leaves out the modules whose subject does not depend on the database engine (markup, files, pure
# computations: ONE_ENGINE_MODULES in tests/conftest.py, marked one_engine), which the SQLite run has tested.
test-postgres: $(STAMP) ensure-postgres
	scripts/with_postgres.sh $(PYTEST) $(XDIST) --ignore=tests/browser $(LIVE_SQLITE_ONLY) -m "not one_engine"

# Benchmarks print figures side by side; they are not part of `make test`.
bench: $(STAMP)
	env -u DATABASE_URL $(PY) bench/bench_dashboard.py
	scripts/with_postgres.sh $(PY) bench/bench_dashboard.py
	$(PY) bench/bench_equity.py
	env -u DATABASE_URL $(PY) bench/bench_360giving.py
	scripts/with_postgres.sh $(PY) bench/bench_360giving.py

bench-import: $(STAMP)
	env -u DATABASE_URL $(PY) bench/bench_import.py
	scripts/with_postgres.sh $(PY) bench/bench_import.py

# The first run builds the dataset in var/bench-load (about 2 minutes); USERS= and DURATION= for a quick run.
USERS ?= 50
DURATION ?= 60
bench-load: $(STAMP)
	env -u DATABASE_URL $(PY) bench/bench_load.py --users $(USERS) --duration $(DURATION)

test: $(STAMP) ensure-chromium ensure-postgres lint migrations-check deploy-check security docs test-sqlite test-postgres
	@echo "make test: all steps passed"
