"""SQLite named by DATABASE_URL=sqlite:///… under a busy day: the same WAL mode, immediate transactions and busy
timeout as the default file, so parallel writers queue instead of failing; a wait beyond the timeout is a 503 with
a retry message (JSON for the API, the GOV.UK page otherwise) and Retry-After, never a 500.

Real concurrency: gunicorn with 4 worker processes (as production runs it) on a demo database built for the test,
and requests sent from threads at the same moment.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import live
from vcsgrants import settings as app_settings
from vcsgrants.core.middleware import BUSY_MESSAGE

BUSY_TIMEOUT = 8  # seconds: the server's SQLITE_BUSY_TIMEOUT here, so the forced lock test waits that long only
YEAR = "2022-23"


def test_a_sqlite_url_gets_the_same_safety_settings_as_the_default_file(tmp_path):
    from_url = app_settings.database_config(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    default = app_settings.database_config(None)
    assert from_url["ENGINE"] == default["ENGINE"] == "django.db.backends.sqlite3"
    assert from_url["OPTIONS"] == default["OPTIONS"]
    assert from_url["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert from_url["OPTIONS"]["timeout"] == app_settings.SQLITE_BUSY_TIMEOUT
    assert "journal_mode=WAL" in from_url["OPTIONS"]["init_command"]
    postgres = app_settings.database_config("postgres://u:p@127.0.0.1:5432/vcs")
    assert "transaction_mode" not in postgres.get("OPTIONS", {})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = live.start(
        tmp_path_factory.mktemp("sqlite-busy"),
        None,
        demo=live.demo_database(tmp_path_factory),
        SQLITE_BUSY_TIMEOUT=str(BUSY_TIMEOUT),
    )
    yield running
    running.stop()


def at_once(calls) -> list[requests.Response]:
    """Send every call at the same moment (a barrier), each from its own thread."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def api(server, username: str, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {server.tokens[username]}"}
    return requests.request(method, f"{server.url}{path}", headers=headers, timeout=60, **kwargs)


def query(server, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(server.database) as connection:
        return connection.execute(sql, params).fetchall()


def no_server_error(responses) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, errors


def test_the_server_runs_sqlite_in_wal_mode(server):
    assert query(server, "PRAGMA journal_mode")[0][0] == "wal"


def test_four_parallel_return_submissions(server):
    # Four agreements with KPI targets in 2022-23 and no quarter 3 return yet, each submitted by its own provider.
    rows = query(
        server,
        """SELECT a.id, u.username, group_concat(DISTINCT k.code) FROM funding_agreement a
           JOIN monitoring_kpitarget t ON t.agreement_id = a.id
           JOIN core_financialyear y ON y.id = t.financial_year_id AND y.start_year = 2022
           JOIN monitoring_kpi k ON k.id = t.kpi_id
           JOIN core_user u ON u.organisation_id = a.organisation_id AND u.is_active
           WHERE NOT EXISTS (SELECT 1 FROM monitoring_return r WHERE r.agreement_id = a.id
                             AND r.financial_year_id = y.id AND r.quarter = 3)
           GROUP BY a.id ORDER BY a.id LIMIT 4""",
    )
    assert len(rows) == 4

    def submit(agreement_id, username, codes):
        def call():
            body = {"agreement": agreement_id, "financial_year": YEAR, "quarter": 3, "narrative": "On track."}
            body["values"] = {code: "1" for code in codes.split(",")}
            created = api(server, username, "POST", "/api/returns/", json=body)
            if created.status_code >= 300:
                return created
            return api(server, username, "POST", f"/api/returns/{created.json()['id']}/submit/", json={})

        return call

    responses = at_once([submit(*row) for row in rows])
    no_server_error(responses)
    assert [r.status_code for r in responses] == [200] * 4, [r.text[:300] for r in responses]
    assert {r.json()["status"] for r in responses} == {"submitted"}


def test_four_parallel_payments_of_one_instalment_pay_it_once(server):
    listed = api(server, "finance", "GET", "/api/payments/", params={"limit": 1000}).json()["results"]
    instalment = next(i for i in listed if float(i["outstanding"]) > 0 and float(i["paid"]) == 0)
    body = {"paid_on": instalment["due_date"] if instalment["due_date"] < "2026" else "2025-01-01"}
    body |= {"amount": instalment["outstanding"], "reference": "BACS"}
    path = f"/api/payments/{instalment['id']}/pay/"
    responses = at_once([lambda: api(server, "finance", "POST", path, json=body)] * 4)
    no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [201, 400, 400, 400], [r.text[:200] for r in responses]
    after = api(server, "finance", "GET", f"/api/payments/{instalment['id']}/").json()
    assert after["paid"] == instalment["outstanding"] and float(after["outstanding"]) == 0


def test_three_parallel_bulk_extensions_extend_once(server):
    preview = api(server, "officer", "GET", "/api/programmes/1/bulk-extension/", params={"financial_year": "2023-24"})
    assert preview.status_code == 200 and preview.json()["rows"]
    body = {
        "financial_year": "2023-24",
        "reason": "Extend all grants at current levels",
        "approved_by": "Cabinet",
        "approved_on": "2023-02-01",
        "expected_total": preview.json()["total"],
    }
    path = "/api/programmes/1/bulk-extension/"
    responses = at_once([lambda: api(server, "officer", "POST", path, json=body)] * 3)
    no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [201, 400, 400], [r.text[:200] for r in responses]


def test_a_lock_held_past_the_busy_timeout_is_a_503_with_a_retry_message(server):
    browser = requests.Session()
    login = browser.get(f"{server.url}/accounts/login/", timeout=30)
    browser.post(
        f"{server.url}/accounts/login/",
        data={"username": "officer", "password": live.DEMO_PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": login.url},
        timeout=30,
    )
    page = browser.get(f"{server.url}/account/api-tokens/", timeout=30)
    assert page.status_code == 200 and "Create a token" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    instalment = api(server, "finance", "GET", "/api/payments/").json()["results"][0]["id"]

    holder = sqlite3.connect(server.database, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for longer than the busy timeout
    try:
        html, json_answer = at_once(
            [
                lambda: browser.post(
                    f"{server.url}/account/api-tokens/",
                    data={"name": "busy", "csrfmiddlewaretoken": token},
                    headers={"Referer": page.url},
                    timeout=60,
                ),
                lambda: api(
                    server,
                    "finance",
                    "POST",
                    f"/api/payments/{instalment}/pay/",
                    json={"paid_on": "2023-01-01", "amount": "1.00"},
                ),
            ]
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert html.status_code == 503 and html.headers["Retry-After"] == "5"
    assert html.headers["Content-Type"].startswith("text/html")
    assert "Sorry, the service is busy" in html.text and "try again in a few seconds" in html.text
    assert 'class="govuk-heading-l"' in html.text
    assert json_answer.status_code == 503 and json_answer.headers["Retry-After"] == "5"
    assert json_answer.json() == {"detail": BUSY_MESSAGE}
    # Once the lock is free the same request goes through.
    again = browser.post(f"{server.url}/account/api-tokens/", data={"name": "busy", "csrfmiddlewaretoken": token}, timeout=60)
    assert again.status_code == 200 and "Token busy created" in again.text
