"""Finance opens the payments page on what is due and overdue, records a payment run of three instalments in one
step and downloads the run's file for the finance system."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

PASSWORD = "demo-pass-2022"


def money(text: str) -> Decimal:
    return Decimal(text.strip().replace("£", "").replace(",", ""))


def test_finance_records_a_payment_run_of_three_instalments_and_downloads_its_file(
    demo, page, live_server, login_as, axe_check, screenshot
):
    login_as(page, live_server, "finance", PASSWORD)
    page.goto(f"{live_server.url}/payments/")
    assert page.locator("#payment-views strong").inner_text() == "Due and overdue"
    rows = page.locator("#payments-table tbody tr:has(input[name=instalment])")
    assert rows.count() >= 3
    listed_total = money(page.locator("#payments-total td").nth(2).inner_text())
    assert listed_total == sum(money(rows.nth(n).locator("td").nth(6).inner_text()) for n in range(rows.count()))
    screenshot(page, "finance-payments-due")
    assert not axe_check(page)

    chosen = [rows.nth(n) for n in range(3)]
    outstanding = sum(money(row.locator("td").nth(6).inner_text()) for row in chosen)
    agreements = sorted(row.locator("td").nth(1).inner_text() for row in chosen)
    for row in chosen:
        row.locator("input[name=instalment]").check()
    page.get_by_label("Payment run reference").fill("BACS-RUN-0001")
    page.get_by_role("button", name="Record payment run").click()
    page.wait_for_url("**/payments/runs/*/")
    assert "Payment run BACS-RUN-0001 recorded" in page.locator(".govuk-notification-banner").inner_text()
    assert money(page.locator("#run-total").inner_text()) == outstanding
    assert money(page.locator("#lines-total").inner_text()) == outstanding
    screenshot(page, "finance-payment-run")
    assert not axe_check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file for the finance system (CSV)").click()
    assert download.value.suggested_filename == "payment-run-bacs-run-0001.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert {r["Run reference"] for r in rows} == {"BACS-RUN-0001"}
    assert sorted({r["Agreement"] for r in rows}) == sorted(set(agreements))
    assert sum(Decimal(r["Amount"]) for r in rows) == outstanding
    # The demo's providers have supplier numbers and its streams their coding.
    assert all(r["Supplier reference"].startswith("DEMO-SUP-") and r["Cost centre"] and r["Account code"] for r in rows)
