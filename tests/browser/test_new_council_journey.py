"""A second council's first day, from `migrate` on an empty database to published open data and a Cabinet report,
using only the documented commands and pages (docs/operations/setup.md), in real Chromium.

Northshire is fictional: a county council with three districts. A second journey is a unitary that allocates by its
own community areas, which have no GSS codes.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from tests.browser.conftest import VIEWPORT
from tests.govuk_dates import fill_date

ADMIN_PASSWORD = "Northshire-admin-2026"
OFFICER_PASSWORD = "Northshire-officer-2026"
YEAR = "2025-26"


@pytest.fixture
def empty_install(transactional_db, settings, tmp_path, live_server, monkeypatch):
    """What `migrate` leaves (the test database), plus the first administrator, as `createsuperuser` makes them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.VCSGRANTS_BASE_URL = live_server.url
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", ADMIN_PASSWORD)
    quiet = io.StringIO()
    call_command("createsuperuser", "--noinput", "--username", "admin", "--email", "it@northshire.example", stdout=quiet)
    return tmp_path


def logo_file(folder, colour=(0, 94, 165)):
    path = folder / "crest.png"
    Image.new("RGB", (160, 80), colour).save(path)
    return path


class Visits:
    """Every page the journey shows, so the test can say none of them names the reference council."""

    def __init__(self):
        self.texts: list[tuple[str, str]] = []

    def look(self, page) -> str:
        """What the page says to a person: its title and visible text (not the markup's ids and addresses)."""
        text = page.title() + "\n" + page.locator("body").inner_text()
        self.texts.append((page.url, text))
        return text

    def assert_never(self, word: str) -> None:
        named = [url for url, text in self.texts if word.lower() in text.lower()]
        assert not named, f"{word} appears on {named}"


def accept_invitation(browser, live_server, password: str):
    """The invited person opens the link in their e-mail, chooses a password and signs in."""
    call_command("send_notifications", "--only-send", stdout=io.StringIO())
    body = mail.outbox[-1].body
    link = re.search(r"(http://\S+/accounts/reset/\S+)", body).group(1)
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Save new password").click()
    return context, page, body


def test_a_county_council_from_empty_to_open_data_and_a_cabinet_report(
    empty_install, browser, page, live_server, login_as, axe_check, screenshot
):
    folder = empty_install
    seen = Visits()
    quiet = io.StringIO()
    # The IT officer's scripted set-up: the council's identity and its areas (docs/operations/setup.md, steps 2 and 4).
    call_command(
        "setup_council",
        "--as",
        "admin",
        "--council-name",
        "Northshire County Council",
        "--org-id",
        "GB-LAE-NSH",
        "--service-name",
        "Northshire Community Grants",
        "--logo",
        str(logo_file(folder)),
        "--contact-email",
        "grants@northshire.example",
        stdout=quiet,
    )
    areas = folder / "areas.csv"
    areas.write_text("name,code,population\nNorthtown,E07000901,100000\nSouthvale,E07000902,80000\nEastmoor,E07000903,60000\n")
    call_command("load_areas", str(areas), "--whole-area-name", "Northshire", "--whole-area-code", "E10000901", stdout=quiet)

    # The administrator signs in: the checklist says what is done; they invite the first officer.
    login_as(page, live_server, "admin", ADMIN_PASSWORD)
    assert page.locator(".app-header__service").inner_text().strip() == "Northshire Community Grants"
    assert page.locator(".app-header__logo").evaluate("img => img.naturalWidth") == 160  # the logo is served
    steps = page.locator("#setup-checklist").inner_text()
    assert re.search(r"Council settings.*?Completed", steps, re.S) and re.search(r"Areas.*?Completed", steps, re.S)
    seen.look(page)
    screenshot(page, "new-council-home-checklist")
    assert not axe_check(page)

    page.get_by_role("link", name="People", exact=True).first.click()
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("First name").fill("Olu")
    page.get_by_label("Last name").fill("Adeyemi")
    page.get_by_label("E-mail address").fill("olu.adeyemi@northshire.example")
    page.get_by_label("Council officer").check()
    page.get_by_role("button", name="Invite").click()
    assert "olu.adeyemi@northshire.example" in seen.look(page)

    context, officer, invitation = accept_invitation(browser, live_server, OFFICER_PASSWORD)
    assert "Northshire Community Grants" in invitation
    try:
        login_as(officer, live_server, "olu.adeyemi", OFFICER_PASSWORD)
        # The council as the funder of its programmes, then the first programme and its stream.
        officer.goto(f"{live_server.url}/organisations/new/")
        officer.get_by_label("Name", exact=True).fill("Northshire County Council")
        officer.get_by_label("Funder (the council)").check()
        officer.get_by_label("Org-ID").fill("GB-LAE-NSH")
        officer.get_by_role("button", name="Save").click()

        officer.get_by_role("link", name="Programmes").first.click()
        officer.get_by_role("link", name="Create a programme").click()
        officer.get_by_label("Programme name").fill("Community anchors")
        officer.get_by_label("Funder").select_option(label="Northshire County Council")
        officer.get_by_role("button", name="Create programme").click()
        assert officer.locator("h1").inner_text().strip() == "Community anchors"
        programme_url = officer.url.split("?")[0]
        seen.look(officer)

        officer.get_by_role("link", name=re.compile("Add a (funding )?stream")).first.click()
        officer.get_by_label("Name", exact=True).fill("Core grants")
        officer.get_by_label("Funder").select_option(label="Northshire County Council")
        officer.get_by_label("Recurrent", exact=True).check()
        fill_date(officer, "Start date", "2025-04-01")
        fill_date(officer, "End date", "2027-03-31")
        officer.get_by_role("button", name=re.compile("Save|Add")).click()
        seen.look(officer)

        # The council's existing agreements, money and payments from the workbook template.
        officer.goto(f"{live_server.url}/import/")
        with officer.expect_download() as download:
            officer.get_by_role("link", name=re.compile("workbook template")).click()
        workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
        rows = {
            "Organisations": [
                {"Reference": "NS-001", "Name": "Northtown Voluntary Action", "Org-ID": "GB-CHC-1100001"},
                {"Reference": "NS-002", "Name": "Southvale Community Hub", "Org-ID": "GB-CHC-1100002"},
            ],
            "Agreements": [
                {
                    "Agreement reference": "NCC-SLA-01",
                    "Organisation": "NS-001",
                    "Programme": "Community anchors",
                    "Title": "Infrastructure support, Northtown",
                    "Start": "01/04/2025",
                    "End": "31/03/2026",
                    "Areas": "Northtown",
                },
                {
                    "Agreement reference": "NCC-SLA-02",
                    "Organisation": "NS-002",
                    "Programme": "Community anchors",
                    "Title": "Infrastructure support, Southvale",
                    "Start": "01/04/2025",
                    "End": "31/03/2026",
                    "Areas": "Southvale",
                },
            ],
            "Funding lines": [
                {"Agreement reference": "NCC-SLA-01", "Stream": "Core grants", "Financial year": YEAR, "Amount": "42000.00"},
                {"Agreement reference": "NCC-SLA-02", "Stream": "Core grants", "Financial year": YEAR, "Amount": "31500.50"},
            ],
            "Allocations": [
                {
                    "Programme": "Community anchors",
                    "Stream": "Core grants",
                    "Financial year": YEAR,
                    "Area": area,
                    "Amount": amount,
                }
                for area, amount in (("Northtown", "45000.00"), ("Southvale", "35000.00"), ("Eastmoor", "20000.00"))
            ],
            "Payments made": [
                {"Agreement reference": "NCC-SLA-01", "Financial year": YEAR, "Amount": "10500.00", "Paid on": "01/04/2025"},
            ],
        }
        for sheet, records in rows.items():
            ws = workbook[sheet]
            headers = {cell.value: cell.column for cell in ws[1]}
            for r, record in enumerate(records, start=2):
                for header, value in record.items():
                    ws.cell(row=r, column=headers[header], value=value)
        filled = folder / "northshire-existing-data.xlsx"
        workbook.save(filled)
        officer.get_by_label(re.compile("filled-in workbook")).set_input_files(str(filled))
        officer.get_by_role("button", name="Check and bring in").click()
        seen.look(officer)
        assert "northshire-existing-data.xlsx was checked and saved" in officer.locator("main").inner_text()
        held = officer.locator("main table").inner_text()
        assert re.search(r"Agreements\s+2\s+0\s+0", held) and re.search(r"Allocations\s+3\s+0\s+0", held), held
        screenshot(officer, "new-council-import-result")

        # Open data: the year's grants published under the council's own Org-ID.
        officer.goto(f"{programme_url}open-data/?year={YEAR}")
        seen.look(officer)
        officer.get_by_role("button", name=re.compile(r"Publish all 2 grants")).click()
        assert "Published 2 grant(s)" in officer.locator(".govuk-notification-banner").inner_text()

        visitor = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        public = visitor.new_page()
        public.goto(f"{live_server.url}/open-data/?year={YEAR}")
        seen.look(public)
        with public.expect_download() as download:
            public.get_by_role("link", name="360Giving JSON package").click()
        package = json.loads(open(download.value.path(), encoding="utf-8").read())
        visitor.close()
        assert sorted(g["id"] for g in package["grants"]) == [
            f"360G-GB-LAE-NSH-NCC-SLA-01-{YEAR}",
            f"360G-GB-LAE-NSH-NCC-SLA-02-{YEAR}",
        ]
        assert {g["fundingOrganization"][0]["name"] for g in package["grants"]} == {"Northshire County Council"}
        assert sum(Decimal(str(g["amountAwarded"])) for g in package["grants"]) == Decimal("73500.50")

        # The Cabinet report, under the council's name and logo.
        officer.goto(f"{programme_url}reports/new/")
        officer.get_by_label("Title").fill("Community anchors: funding for 2026-27")
        fill_date(officer, "Meeting date", "2026-02-12")
        officer.get_by_label("Purpose").fill("To agree the funding of community anchor organisations for 2026-27.")
        officer.get_by_label("Recommendations", exact=True).fill("Cabinet agrees the allocations in Appendix 2.")
        officer.get_by_label(re.compile("Financial year of the grants")).select_option(label=YEAR)
        officer.get_by_role("button", name=re.compile("Save")).click()
        report = seen.look(officer)
        assert "Northshire County Council" in report
        screenshot(officer, "new-council-report")
        # A draft's PDF is made in the background: its job's page, then the worker (run here, once), then the file.
        officer.get_by_role("button", name="Download as PDF").click()
        officer.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
        assert "Waiting to start" in seen.look(officer)
        assert not axe_check(officer)
        call_command("run_worker", "--once", verbosity=0)
        officer.reload()
        assert "The draft report as a PDF file is ready" in seen.look(officer)
        assert not axe_check(officer)
        with officer.expect_download() as download:
            officer.get_by_role("link", name=re.compile(r"Download cabinet-report-\d+-draft\.pdf")).click()
        pdf = PdfReader(download.value.path())
        text = "\n".join(p.extract_text() for p in pdf.pages)
        assert "NORTHSHIRE COUNTY COUNCIL" in text.upper()
        assert "£73,500.50" in text
        assert len(pdf.pages[0].images) >= 1  # the logo
        seen.texts.append(("report.pdf", text))
    finally:
        context.close()

    seen.assert_never("Derbyshire")


def test_a_unitary_allocates_models_and_adopts_by_its_own_community_areas_without_gss_codes(
    empty_install, page, live_server, login_as, axe_check, screenshot
):
    seen = Visits()
    call_command(
        "setup_council",
        "--as",
        "admin",
        "--council-name",
        "Westbrook Borough Council",
        "--org-id",
        "GB-LAE-WBK",
        "--area-word",
        "community area",
        "--area-word-plural",
        "community areas",
        "--whole-area-name",
        "Borough-wide",
        stdout=io.StringIO(),
    )
    login_as(page, live_server, "admin", ADMIN_PASSWORD)

    # The council's own need indicator and its community areas, none with a GSS code, from the Areas page.
    page.get_by_role("link", name="Areas", exact=True).first.click()
    page.get_by_role("link", name="Add a need indicator").click()
    page.get_by_label("Name", exact=True).fill("Child poverty rate")
    page.get_by_label("Short name").fill("poverty")
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    for name, population, poverty in (("Riverside", "30000", "30"), ("Hillside", "20000", "10"), ("Old Town", "10000", "20")):
        page.get_by_role("link", name="Add an area").click()
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label(re.compile("^Community area: ")).check()
        page.get_by_label("Population").fill(population)
        page.get_by_label("Child poverty rate").fill(poverty)
        page.get_by_role("button", name=re.compile("Save|Add")).click()
    page.get_by_role("link", name="Add an area").click()
    page.get_by_label("Name", exact=True).fill("Westbrook")
    page.get_by_label(re.compile("^Borough-wide: ")).check()
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    areas = page.locator("main table").first.inner_text()
    assert all(name in areas for name in ("Riverside", "Hillside", "Old Town", "Westbrook")), areas
    seen.look(page)
    screenshot(page, "unitary-areas")
    assert not axe_check(page)

    # Its programme, stream and first year's budget.
    page.goto(f"{live_server.url}/organisations/new/")
    page.get_by_label("Name", exact=True).fill("Westbrook Borough Council")
    page.get_by_label("Funder (the council)").check()
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server.url}/programmes/new/")
    page.get_by_label("Programme name").fill("Neighbourhood support")
    page.get_by_label("Funder").select_option(label="Westbrook Borough Council")
    page.get_by_role("button", name="Create programme").click()
    programme_url = page.url.split("?")[0]
    page.get_by_role("link", name=re.compile("Add a (funding )?stream")).first.click()
    page.get_by_label("Name", exact=True).fill("Community grants")
    page.get_by_label("Funder").select_option(label="Westbrook Borough Council")
    page.get_by_label("Recurrent", exact=True).check()
    fill_date(page, "Start date", "2026-04-01")
    fill_date(page, "End date", "2029-03-31")
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    page.get_by_role("link", name=re.compile("budget", re.I)).first.click()
    page.get_by_label("Financial year").fill("2026-27")
    page.get_by_label("Budget", exact=True).fill("100000.00")
    page.get_by_role("button", name=re.compile("Save|Set")).click()
    seen.look(page)

    # An option set over the community areas, by need; adopting it allocates the budget to the penny.
    page.goto(f"{programme_url}options/new/")
    page.get_by_label("Name").fill("2026-27 by need")
    page.get_by_label("Funding stream").select_option(label="Community grants")
    page.get_by_label("Financial year to allocate").select_option(label="2026-27")
    page.get_by_label("The council's community areas").check()
    page.get_by_role("button", name="Build the option set").click()
    seen.look(page)
    page.get_by_role("link", name="Add an option").click()
    page.get_by_label("Label").fill("By child poverty")
    page.get_by_label("Needs-weighted (%)").fill("100")
    page.get_by_label(re.compile("Weight of need indicator .*poverty")).fill("100")
    page.get_by_role("button", name="Add the option").click()
    page.get_by_role("link", name="Adopt By child poverty").click()
    seen.look(page)
    screenshot(page, "unitary-adopt-preview")
    page.get_by_role("button", name="Adopt these allocations").click()
    assert "adopted" in page.locator(".govuk-notification-banner").inner_text()

    page.goto(f"{programme_url}?year=2026-27")
    programme = seen.look(page)
    screenshot(page, "unitary-programme")
    allocations = page.locator("main").inner_text()
    assert "Riverside" in allocations and "Old Town" in allocations
    assert "£100,000.00" in allocations
    assert "community area" in programme.lower()
    for word in ("Derbyshire", "County-wide", "district"):
        seen.assert_never(word)
