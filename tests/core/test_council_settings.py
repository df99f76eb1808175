"""The council's settings: the page (administrators only), the `setup_council` command, and the logo's checks."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import UserFactory
from tests.versions import opened_form
from vcsgrants.core import council
from vcsgrants.core.models import AuditEvent, CouncilSettings, Role

URL = "/council/settings/"


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 94, 165)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_user(db):
    return UserFactory(roles=[Role.ADMIN], username="it-admin")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(client) -> dict:
    return {k: v[0] for k, v in opened_form(client, URL).items()}


def test_an_administrator_sets_the_councils_name_and_logo_and_every_page_shows_them(admin_user, media):
    client = signed_in(admin_user)
    data = form_data(client)
    data.update(
        council_name="Northshire County Council",
        council_org_id="GB-LAE-NSH",
        service_name="Northshire Community Grants",
        contact_email="grants@northshire.example",
        email_sign_off="Northshire Community Grants team",
        logo_upload=SimpleUploadedFile("crest.png", image_bytes(), content_type="image/png"),
    )
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = CouncilSettings.objects.get_or_create(pk=1)[0]
    assert (saved.council_name, saved.council_org_id, saved.service_name) == (
        "Northshire County Council",
        "GB-LAE-NSH",
        "Northshire Community Grants",
    )
    assert saved.logo.name.endswith(".png")
    page = client.get(reverse("hub:home")).content.decode()
    assert "Northshire Community Grants" in page and 'alt="Northshire County Council logo"' in page
    assert "grants@northshire.example" in page
    assert '"/council/settings/"' in page  # the administrator's navigation links to the page
    logo = client.get(reverse("core:council-logo"))
    assert logo["Content-Type"] == "image/png" and b"".join(logo.streaming_content) == image_bytes()
    event = AuditEvent.objects.get(verb="council.settings_saved")
    assert event.actor == admin_user
    assert "Council name: (blank) → Northshire County Council" in event.summary and "Logo: a new image" in event.summary


def test_an_officer_cannot_open_or_post_the_council_settings(officer):
    client = signed_in(officer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"council_name": "Hijacked"}).status_code == 403
    assert CouncilSettings.objects.get_or_create(pk=1)[0].council_name == ""
    assert '"/council/settings/"' not in client.get(reverse("hub:home")).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("crest.png", b"this is not an image at all", "is not an image we can read"),
        ("crest.gif", None, "is a GIF image, not a PNG or JPEG"),
        ("crest.png", "huge", "3000 × 40 pixels, larger than 2000 × 2000"),
        ("crest.png", "heavy", "is larger than 1 MB"),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused_with_a_clear_message(admin_user, media, name, content, message):
    if content is None:
        buffer = io.BytesIO()
        Image.new("P", (60, 20)).save(buffer, format="GIF")
        content = buffer.getvalue()
    elif content == "huge":
        content = image_bytes(size=(3000, 40))
    elif content == "heavy":
        content = image_bytes() + b"\0" * (1024 * 1024)
    client = signed_in(admin_user)
    data = form_data(client)
    data.update(council_name="Northshire County Council", logo_upload=SimpleUploadedFile(name, content))
    response = client.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page and f"“{name}”" in page
    assert 'href="#id_logo_upload"' in page  # the error summary points at the logo field
    saved = CouncilSettings.objects.get_or_create(pk=1)[0]
    assert (saved.council_name, saved.logo.name) == ("", "")  # nothing saved
    assert not AuditEvent.objects.filter(verb="council.settings_saved").exists()


def test_a_bad_org_id_or_e_mail_is_refused_against_its_field(admin_user):
    client = signed_in(admin_user)
    data = form_data(client)
    data.update(council_org_id="Northshire", contact_email="not an address")
    page = client.post(URL, data).content.decode()
    assert 'href="#id_council_org_id"' in page and 'href="#id_contact_email"' in page
    with pytest.raises(ValidationError) as refused:  # the service reports every problem at once, the logo's too
        council.council_settings_save(
            actor=admin_user, changes={"council_org_id": "Northshire"}, logo=SimpleUploadedFile("c.png", b"nope")
        )
    assert set(refused.value.message_dict) == {"council_org_id", "logo"}
    assert CouncilSettings.objects.get_or_create(pk=1)[0].council_org_id == ""


def test_a_save_over_a_change_made_since_the_page_was_opened_is_refused(admin_user):
    other = UserFactory(roles=[Role.ADMIN], first_name="Priya", last_name="Shah")
    client = signed_in(admin_user)
    data = form_data(client)  # opened before the other administrator's save
    other_client = signed_in(other)
    theirs = form_data(other_client)
    theirs["council_name"] = "Northshire County Council"
    assert other_client.post(URL, theirs).status_code == 302
    data["council_name"] = "Southshire Council"
    page = client.post(URL, data).content.decode()
    assert "This was changed since you opened it" in page
    assert "Council name: (blank) → Northshire County Council" in page
    assert CouncilSettings.objects.get_or_create(pk=1)[0].council_name == "Northshire County Council"


def test_removing_the_logo(admin_user, media):
    council.council_settings_save(actor=admin_user, changes={}, logo=SimpleUploadedFile("c.jpg", image_bytes("JPEG")))
    assert CouncilSettings.objects.get_or_create(pk=1)[0].logo.name.endswith(".jpg")
    client = signed_in(admin_user)
    data = form_data(client)
    data["remove_logo"] = "on"
    assert client.post(URL, data).status_code == 302
    assert not CouncilSettings.objects.get_or_create(pk=1)[0].logo
    assert client.get(reverse("core:council-logo")).status_code == 404


# --- manage.py setup_council --------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("setup_council", *args, stdout=out)
    return out.getvalue()


def test_setup_council_sets_every_field_audits_it_and_running_it_again_changes_nothing(admin_user, media, tmp_path):
    logo = tmp_path / "crest.jpg"
    logo.write_bytes(image_bytes("JPEG"))
    args = [
        "--as", "it-admin",
        "--council-name", "Northshire County Council",
        "--org-id", "GB-LAE-NSH",
        "--service-name", "Northshire Community Grants",
        "--logo", str(logo),
        "--contact-email", "grants@northshire.example",
        "--footer-text", "Northshire County Council, County Hall, Northtown.",
        "--email-sign-off", "The Community Grants team",
        "--area-word", "ward",
        "--area-word-plural", "wards",
        "--whole-area-name", "Council-wide",
    ]  # fmt: skip
    out = run(*args)
    saved = CouncilSettings.objects.get_or_create(pk=1)[0]
    assert (saved.council_name, saved.council_org_id, saved.service_name, saved.contact_email) == (
        "Northshire County Council",
        "GB-LAE-NSH",
        "Northshire Community Grants",
        "grants@northshire.example",
    )
    assert (saved.footer_text, saved.email_sign_off) == (
        "Northshire County Council, County Hall, Northtown.",
        "The Community Grants team",
    )
    assert (saved.area_word, saved.area_word_plural, saved.whole_area_name) == ("ward", "wards", "Council-wide")
    assert saved.logo.name.endswith(".jpg")
    assert "Council name: (blank) → Northshire County Council" in out and "Logo: a new image" in out
    event = AuditEvent.objects.get(verb="council.settings_saved")
    assert event.actor == admin_user and "manage.py setup_council" in event.summary and event.data["via"] == "command"

    again = run(*args)
    assert "Nothing changed" in again
    assert AuditEvent.objects.filter(verb="council.settings_saved").count() == 1
    assert CouncilSettings.objects.get_or_create(pk=1)[0].logo.name == saved.logo.name


def test_setup_council_refuses_bad_values_naming_the_option_and_saves_nothing(admin_user, tmp_path):
    not_image = tmp_path / "crest.png"
    not_image.write_text("hello")
    with pytest.raises(CommandError, match=r"--logo: “crest.png” is not an image we can read"):
        run("--as", "it-admin", "--council-name", "Northshire County Council", "--logo", str(not_image))
    with pytest.raises(CommandError, match=r"--org-id: "):
        run("--as", "it-admin", "--org-id", "Northshire")
    with pytest.raises(CommandError, match=r"No user called 'nobody'"):
        run("--as", "nobody", "--council-name", "X")
    assert CouncilSettings.objects.get_or_create(pk=1)[0].council_name == ""
    assert not AuditEvent.objects.exists()
