"""schemathesis against the OpenAPI document at /api/schema/: every operation, with requests generated from the
document, must never answer with a server error, and every answer must be one the document describes (status
code, content type, body). Bounded and seeded: a few examples per operation, the same ones every run.

The demo is loaded once (demo_module; one test: the lazy schema runs every operation as a subtest inside it), and each
generated request is sent as an officer and as a provider, so both the writes and the refusals are checked.
Writes change the demo's records as they go; the test's transaction undoes them all at the end.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import User
from vcsgrants.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
USERS = ["officer", "provider-kestrel-voluntary-action-demo"]
EXAMPLES_PER_OPERATION = 2  # × 2 modes × 2 users × ~70 operations: about 500 requests a run


@pytest.fixture
def tokens(demo_module, db):
    return {username: ApiToken.issue(User.objects.get(username=username), name="schemathesis")[1] for username in USERS}


@pytest.fixture
def one_connection():
    """Keep the test's database connection open across requests, as Django's own test client does: the WSGI
    handler would close it at the end of each request (on PostgreSQL, in the middle of the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(tokens, one_connection):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers={"Authorization": f"Bearer {tokens['officer']}"}
    )


# Operations left out, each with the reason (none yet).
EXCLUDED: dict[str, str] = {}
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def run_operation(
    operation, mode: GenerationMode, tokens: dict[str, str], examples: int = EXAMPLES_PER_OPERATION, **call_options
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,  # the same requests every run
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as generated
        suppress_health_check=list(HealthCheck),
    )
    def requests(case):
        for token in tokens.values():
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, **call_options)

    requests()


def check_every_operation(
    schema, tokens: dict[str, str], examples: int = EXAMPLES_PER_OPERATION, **call_options
) -> tuple[int, list[str]]:
    """Every operation of the document, in both modes, as every user: (operations tried, failures). call_options go
    to each request (a live server's timeout)."""
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()  # an operation the document describes badly fails here, loudly
        if operation.label in EXCLUDED:
            continue
        operations += 1
        for mode in MODES:
            try:
                run_operation(operation, mode, tokens, examples, **call_options)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 — every operation is tried, then every failure reported
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return operations, failures


def test_the_api_answers_as_its_document_says(api_schema, tokens):
    operations, failures = check_every_operation(api_schema, tokens)
    assert operations > 60  # the whole document was walked
    assert not failures, "\n\n".join(failures)
