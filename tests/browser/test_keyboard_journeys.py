"""Five journeys with the keyboard only (issue 18, WCAG 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus Visible).

No mouse click and no ``fill``: the focus moves with Tab and Shift+Tab, links and buttons are followed with Enter or
Space, a checkbox is ticked with Space, a radio in its group reached with the arrow keys (a radio group is one Tab
stop in every browser) and chosen with Space, and text is typed into the focused field. Every element the focus
lands on must show GOV.UK's yellow focus state (``focus_is_visible``); a journey fails where Tab never reaches a
control it needs.
"""

from __future__ import annotations

import pytest

from tests.browser.a11y import FOCUS_STYLE, focus_is_visible, session_cookie
from tests.browser.test_consultation_journey import open_consultation  # noqa: F401 -- a fixture
from vcsgrants.engagement.models.consultations import ConsultationResponse
from vcsgrants.monitoring.models import Return

PASSWORD = "demo-pass-2022"
PROVIDER = "provider-kestrel-voluntary-action-demo"
MOST_TABS = 200  # more Tab presses than any of these pages has stops


class Keyboard:
    """Moves the focus with Tab / Shift+Tab only, and records each stop whose focus cannot be seen."""

    def __init__(self, page):
        self.page = page
        self.unseen: list[str] = []

    def _is_focused(self, handle) -> bool:
        return self.page.evaluate("el => el === document.activeElement", handle)

    def tab_to(self, locator, *, backwards: bool = False):
        handle = locator.element_handle()
        for _ in range(MOST_TABS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            style = self.page.evaluate(FOCUS_STYLE)
            # None: Tab went past the last control to the browser's own toolbar (the next Tab comes back to the top).
            if style is not None and not focus_is_visible(style):
                self.unseen.append(f"{self.page.url}: {style}")
            if self._is_focused(handle):
                return
        pytest.fail(f"Tab never reached {locator} on {self.page.url}", pytrace=False)

    def type_into(self, locator, text: str):
        self.tab_to(locator)
        self.page.keyboard.type(text)

    def follow(self, locator, key: str = "Enter"):
        """Tab to a link or button and press Enter (or Space), waiting for the next page."""
        self.tab_to(locator)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def space(self, locator):
        """Tab to a checkbox and tick it with Space."""
        self.tab_to(locator)
        self.page.keyboard.press("Space")

    def choose(self, locator):
        """Tab into a radio group (the focus lands on its first or chosen radio), then the arrow keys to the radio
        wanted, as the browser gives a radio group one Tab stop; Space chooses it."""
        handle = locator.element_handle()
        name = locator.get_attribute("name")
        for _ in range(MOST_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("() => document.activeElement.name") == name:
                break
        for _ in range(20):
            if self._is_focused(handle):
                self.page.keyboard.press("Space")
                assert locator.is_checked()
                if not focus_is_visible(self.page.evaluate(FOCUS_STYLE)):
                    self.unseen.append(f"{self.page.url}: radio {name}")
                return
            self.page.keyboard.press("ArrowDown")
        pytest.fail(f"The arrow keys never reached {locator}", pytrace=False)

    def focus_was_always_visible(self):
        assert not self.unseen, "Focus could not be seen on:\n" + "\n".join(self.unseen)


@pytest.fixture
def keyboard(page):
    return Keyboard(page)


def signed_in(page, live_server, role: str):
    page.context.add_cookies(session_cookie(role, live_server.url))
    page.goto(f"{live_server.url}/")


def test_sign_in_with_the_keyboard(demo, page, live_server, keyboard):
    page.goto(f"{live_server.url}/accounts/login/")
    keyboard.tab_to(page.get_by_role("link", name="Skip to main content"))
    assert page.evaluate("() => document.activeElement.innerText") == "Skip to main content"  # the first Tab stop
    page.keyboard.press("Enter")
    keyboard.type_into(page.get_by_label("Username"), "officer")
    keyboard.type_into(page.get_by_label("Password"), PASSWORD)
    keyboard.follow(page.get_by_role("button", name="Sign in"))
    assert page.get_by_role("button", name="Sign out").is_visible()
    keyboard.focus_was_always_visible()


def test_provider_submits_a_return_with_the_keyboard(demo, page, live_server, keyboard):
    signed_in(page, live_server, "provider")
    keyboard.follow(page.get_by_role("link", name="SLA-2020-001", exact=True).first)
    keyboard.follow(page.get_by_role("link", name="Monitoring: KPI targets, quarterly returns and RAG ratings"))
    keyboard.follow(page.get_by_role("link", name="Start the return").first)
    assert "Q3" in page.locator("h1").inner_text()
    for field in page.locator("input[name^='kpi_']").all():
        label = page.locator(f"label[for='{field.get_attribute('id')}']").inner_text()
        keyboard.type_into(field, "60" if "%" in label else "12")
    keyboard.type_into(page.get_by_label("Narrative"), "Quarter three: steady demand from new groups.")
    keyboard.follow(page.get_by_role("button", name="Submit"), key="Space")
    record = Return.objects.get(agreement__reference="SLA-2020-001", financial_year__start_year=2022, quarter=3)
    assert record.status == "submitted"
    keyboard.focus_was_always_visible()


def test_officer_previews_the_bulk_extension_with_the_keyboard(demo, page, live_server, keyboard):
    signed_in(page, live_server, "officer")
    keyboard.follow(page.get_by_role("link", name="Programmes").first)
    keyboard.follow(page.get_by_role("link", name="VCS infrastructure core provision"))
    keyboard.follow(page.get_by_role("link", name="Extend all agreements at current levels"))
    keyboard.type_into(page.get_by_label("Extend for financial year"), "2023-24")
    keyboard.follow(page.get_by_role("button", name="Preview"), key="Space")
    assert page.locator("#preview-total").inner_text() == "£452,228.00"
    # Back up the page with Shift+Tab from the confirm button to the preview table's first agreement link.
    keyboard.tab_to(page.get_by_role("button", name="Confirm and extend 10 agreements"))
    keyboard.tab_to(page.locator("#preview-table a").first, backwards=True)
    keyboard.focus_was_always_visible()


def test_officer_builds_an_allocation_option_with_the_keyboard(demo, page, live_server, keyboard):
    signed_in(page, live_server, "officer")
    keyboard.follow(page.get_by_role("link", name="Programmes").first)
    keyboard.follow(page.get_by_role("link", name="VCS infrastructure core provision"))
    keyboard.follow(page.get_by_role("link", name="Allocation options: equity of provision"))
    keyboard.follow(page.get_by_role("link", name="2023-24 options for the review of provision (demo)"))
    keyboard.follow(page.get_by_role("link", name="Add an option"))
    keyboard.type_into(page.get_by_label("Label"), "Needs with a floor")
    keyboard.type_into(page.get_by_label("Needs-weighted (%)"), "100")
    keyboard.type_into(page.get_by_label("Weight of need indicator 'imd' (%)"), "100")
    keyboard.type_into(page.get_by_label("Floor as a share of today's level (%)"), "95")
    keyboard.follow(page.get_by_role("button", name="Add the option"))
    assert "Option 'Needs with a floor' added." in page.locator(".govuk-notification-banner").inner_text()
    keyboard.focus_was_always_visible()


def question(page, number: int):
    return page.locator("fieldset").filter(has=page.locator("legend", has_text=f"{number}. "))


def test_the_public_answer_a_consultation_with_the_keyboard(open_consultation, page, live_server, keyboard):  # noqa: F811
    consultation = open_consultation
    page.goto(f"{live_server.url}/consult/{consultation.public_token}/")
    keyboard.choose(question(page, 1).get_by_label("Agree", exact=True))
    keyboard.choose(question(page, 2).get_by_label("Shares weighted by need (population, deprivation and rurality)"))
    keyboard.space(question(page, 3).get_by_label("Volunteer recruitment and placement"))
    keyboard.space(question(page, 3).get_by_label("Digital skills and tools"))
    keyboard.type_into(page.get_by_label("Your organisation (optional)"), "Hilltop Allotment Society (demo)")
    keyboard.type_into(page.get_by_label("5. Is there anything else"), "Please keep a local office in each district.")
    keyboard.follow(page.get_by_role("button", name="Send your response"))
    assert page.locator(".govuk-panel__title").inner_text() == "Response sent"
    response = ConsultationResponse.objects.get(consultation=consultation)
    assert sorted(a.question.number for a in response.answers.all()) == [1, 2, 3, 5]
    keyboard.focus_was_always_visible()
