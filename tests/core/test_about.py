"""The pages every footer links to: accessibility statement, cookies, privacy notice; and the phase banner."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory
from tests.versions import opened_form
from vcsgrants.core.models import Role

PAGES = {
    "/about/accessibility/": "Accessibility statement for",
    "/about/cookies/": "Essential cookies",
    "/about/privacy/": "Privacy notice",
}
SETTINGS = "/council/settings/"
PASSWORD = "a long and memorable passphrase 42"


@pytest.fixture
def admin_user(db):
    user = UserFactory(roles=[Role.ADMIN], username="it-admin")
    user.set_password(PASSWORD)
    user.save()
    return user


def save_settings(client: Client, **changes):
    data = {k: v[0] for k, v in opened_form(client, SETTINGS).items()}
    data.update(changes)
    response = client.post(SETTINGS, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.django_db
def test_anyone_opens_the_three_pages_from_the_footer_of_any_page():
    client = Client()
    sign_in = client.get("/accounts/login/").content.decode()
    footer = sign_in[sign_in.index('id="footer-links"') :]
    for url, heading in PAGES.items():
        assert f'href="{url}"' in footer
        response = client.get(url)
        assert response.status_code == 200 and heading in response.content.decode()


def test_the_cookies_page_names_exactly_the_cookies_a_signed_in_user_is_sent(admin_user):
    client = Client()
    sent: set[str] = set()
    sent |= set(client.get("/accounts/login/").cookies)
    response = client.post("/accounts/login/", {"username": "it-admin", "password": PASSWORD})
    assert response.status_code == 302, "the sign-in should succeed"
    sent |= set(response.cookies)
    response = save_settings(client)  # "Nothing was changed.": a message carried to the next page
    sent |= set(response.cookies)
    sent |= set(client.get(response["Location"]).cookies)
    page = client.get("/about/cookies/").content.decode()
    table = page[page.index('id="cookies"') : page.index("</table>")]
    listed = set(re.findall(r"<code>([^<]+)</code>", table))
    assert listed == sent == {"sessionid", "csrftoken", "messages"}
    assert "analytics" in text(client.get("/about/cookies/"))


def test_the_councils_settings_fill_the_statement_the_notice_and_the_banner(admin_user):
    client = Client()
    client.force_login(admin_user)
    statement = text(client.get("/about/accessibility/"))
    assert "Web Content Accessibility Guidelines" in statement and "Equality and Human Rights Commission" in statement
    assert "partially compliant" in statement and "This statement was prepared on" in statement
    assert "phase-banner" not in client.get("/about/cookies/").content.decode()  # blank phase: no banner
    save_settings(
        client,
        council_name="Northshire County Council",
        contact_email="grants@northshire.example",
        accessibility_contact="01234 567890",
        service_phase="Beta",
    )
    statement = text(client.get("/about/accessibility/"))
    assert "run by Northshire County Council" in statement and "contact us at 01234 567890" in statement
    privacy = text(client.get("/about/privacy/"))
    assert "Northshire County Council runs" in privacy and "grants@northshire.example" in privacy
    assert "public interest" in privacy
    banner = client.get("/about/cookies/").content.decode()
    assert re.search(r'phase-banner__content__tag">Beta<', banner)

    save_settings(client, privacy_notice="We hold your name.\n\nAsk our data officer to see it.", accessibility_contact="")
    privacy = Client().get("/about/privacy/").content.decode()  # anonymous readers see the council's own words
    assert '<p class="govuk-body">We hold your name.</p><p class="govuk-body">Ask our data officer to see it.</p>' in privacy
    assert "public interest" not in privacy
    statement = text(Client().get("/about/accessibility/"))
    assert "contact us at grants@northshire.example" in statement  # no accessibility contact: the team's address


def test_a_scripted_install_sets_the_phase_contact_and_notice(admin_user):
    call_command(
        "setup_council",
        "--as",
        "it-admin",
        "--service-phase",
        "Beta",
        "--accessibility-contact",
        "access@northshire.example",
        "--privacy-notice",
        "Our own notice.",
        stdout=io.StringIO(),
    )
    assert "Our own notice." in Client().get("/about/privacy/").content.decode()
    statement = Client().get("/about/accessibility/").content.decode()
    assert 'href="mailto:access@northshire.example"' in statement and 'tag">Beta<' in statement
