"""Validation against the official 360Giving schemas (1.4.3, JSON Schema draft 2020-12), with formats checked.

Two quirks of the official files (see data/360giving/SOURCE.md):
- ``$schema`` is written with ``http://``, which ``jsonschema`` does not recognise, so the validator class
  (Draft 2020-12) and the resources' specification are given explicitly;
- the package schema's ``grants.items`` refers to the **1.4.2** grant-schema URL: a ``referencing`` registry
  serves our local 1.4.3 grant schema under that address (and its own).

Dates use ``oneOf: [{format: date-time}, {pattern: YYYY-MM-DD}]``: without a format checker a plain date
matches both branches and fails, and an impossible date-time passes. The checker below knows ``date-time``
(rfc3339-validator, a runtime dependency, is installed for it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from vcsgrants.opendata.conf import standard_dir

GRANT_SCHEMA = "360-giving-schema.json"
PACKAGE_SCHEMA = "360-giving-package-schema.json"
PACKAGE_GRANTS_REF = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"


def load(name: str) -> dict:
    return json.loads((standard_dir() / name).read_text(encoding="utf-8"))


@functools.cache
def _registry() -> Registry:
    grant = load(GRANT_SCHEMA)
    resource = Resource(contents=grant, specification=DRAFT202012)
    return Registry().with_resources([(grant["$id"], resource), (PACKAGE_GRANTS_REF, resource)])


def format_checker():
    checker = Draft202012Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:  # pragma: no cover - a broken install must not pass dates silently
        raise RuntimeError("date-time format checking needs the rfc3339-validator package (in pyproject.toml).")
    return checker


@functools.cache
def grant_validator() -> Draft202012Validator:
    return Draft202012Validator(load(GRANT_SCHEMA), registry=_registry(), format_checker=format_checker())


@functools.cache
def package_validator() -> Draft202012Validator:
    return Draft202012Validator(load(PACKAGE_SCHEMA), registry=_registry(), format_checker=format_checker())


def _messages(errors: Iterable) -> list[str]:
    result = []
    for error in sorted(errors, key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        result.append(f"{where}: {error.message}")
    return result


def grant_errors(grant: dict) -> list[str]:
    """Every way one grant breaks the grant schema, as 'path: message' (empty when valid)."""
    return _messages(grant_validator().iter_errors(grant))


def package_errors(package: dict) -> list[str]:
    return _messages(package_validator().iter_errors(package))
