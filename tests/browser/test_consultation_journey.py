"""A member of the public answers a consultation through its public link, in real Chromium, passing axe-core;
then an officer reads the summary (chart and table) of the demo's closed consultation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from vcsgrants.core.models import User
from vcsgrants.demo.consultations import TITLE, add_demo_questions, load_consultations_demo
from vcsgrants.engagement.models.consultations import Consultation, ConsultationResponse
from vcsgrants.engagement.services import consultations as services
from vcsgrants.funding.models import Programme

PASSWORD = "demo-pass-2022"


@pytest.fixture
def open_consultation(demo):
    cache.clear()
    programme = Programme.objects.get(slug="vcs-infrastructure")
    officer = User.objects.get(username="officer")
    providers = list(User.objects.filter(username__startswith="provider-").order_by("pk"))
    load_consultations_demo(programme, officer=officer, provider_users=providers)  # a no-op once load_demo loads it
    now = timezone.now()
    consultation = services.consultation_create(
        programme=programme,
        title="Equity of provision: options for 2023-24",
        description="Three ways of sharing the money between districts.",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=28),
        privacy_notice="We use your answers only for this review and name no member of the public.",
        ask_organisation=True,
        actor=officer,
        now=now - dt.timedelta(days=1),
    )
    add_demo_questions(consultation, actor=officer, now=now - dt.timedelta(days=1))
    yield consultation
    cache.clear()


def question(page, number: int):
    return page.locator("fieldset").filter(has=page.locator("legend", has_text=f"{number}. "))


def test_the_public_answer_a_consultation_through_its_link(open_consultation, page, live_server, login_as, axe_check, screenshot):
    consultation = open_consultation
    page.goto(f"{live_server.url}/consult/{consultation.public_token}/")
    assert page.locator("#deadline").inner_text() == f"Respond {consultation.deadline_text}."
    assert "name no member of the public" in page.locator("#privacy-notice").inner_text()
    assert page.locator("#id_website").is_hidden() or page.locator(".app-honeypot").get_attribute("aria-hidden") == "true"
    screenshot(page, "consultation-public")
    assert not axe_check(page)

    page.get_by_role("button", name="Send your response").click()
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "Select an answer to question 1." in errors and "Select an answer to question 2." in errors
    screenshot(page, "consultation-public-errors")
    assert not axe_check(page)
    page.get_by_role("link", name="Select an answer to question 1.").click()

    question(page, 1).get_by_label("Agree", exact=True).check()
    question(page, 2).get_by_label("Shares weighted by need (population, deprivation and rurality)").check()
    question(page, 3).get_by_label("Volunteer recruitment and placement").check()
    question(page, 3).get_by_label("Digital skills and tools").check()
    page.get_by_label("Your organisation (optional)").fill("Hilltop Allotment Society (demo)")
    page.get_by_label("5. Is there anything else").fill("Please keep a local office in each district.")
    page.get_by_role("button", name="Send your response").click()

    assert page.locator(".govuk-panel__title").inner_text() == "Response sent"
    screenshot(page, "consultation-public-sent")
    assert not axe_check(page)
    response = ConsultationResponse.objects.get(consultation=consultation)
    assert (response.channel, response.respondent_organisation) == ("public", "Hilltop Allotment Society (demo)")
    assert sorted(a.question.number for a in response.answers.all()) == [1, 2, 3, 5]

    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/summary/")
    assert "Interim summary of responses" in page.locator("h1").inner_text()
    assert page.locator("#question-2-table").inner_text().count("100.0%") == 1
    demo = Consultation.objects.get(title=TITLE)
    page.goto(f"{live_server.url}/consultations/{demo.pk}/")
    page.get_by_role("link", name="Summary of responses").click()
    assert (
        "18 responses counted: 6 from provider organisations and 12 from members of the public."
        in page.locator("#summary-counts").inner_text()
    )
    # One chart per choice question, each with its table (each drawn wide and narrow; the page shows one).
    assert page.locator("svg[role=img]:visible").count() == 4
    screenshot(page, "consultation-summary")
    assert not axe_check(page)
