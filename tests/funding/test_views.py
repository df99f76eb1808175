"""The pages, as a user drives them: forms that save, forms that refuse with a message, files that come back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.versions import post_opened
from vcsgrants.core.models import User
from vcsgrants.funding.models import Agreement, AgreementDocument, Allocation, Payment, PaymentInstalment, Variation

pytestmark = pytest.mark.django_db
PROVIDER = "provider-kestrel-voluntary-action-demo"


@pytest.fixture
def demo(demo_module, db):
    return Agreement.objects.get(reference="SLA-2020-001")


def signed_in(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_programme_page_shows_the_minutes_total_and_one_off_money_apart(demo, client):
    page = signed_in(client, "cabinet").get("/programmes/vcs-infrastructure/?year=2022-23").content.decode()
    assert '<p class="govuk-heading-l govuk-!-margin-bottom-0" id="committed-recurrent">£452,228.00</p>' in page
    assert "£125,000.00" in page
    assert "illustrative" in page
    assert "reconcile with the stream totals to the penny" in page
    assert "Twelve-month" in page or "1 April 2022 to 31 March 2023" in page


def test_allocations_over_budget_are_refused_and_nothing_changes(demo, client):
    before = list(Allocation.objects.values_list("pk", "amount"))
    stream = demo.programme.streams.get(recurrence="recurrent")
    area = demo.areas.get()
    form = {f"area_{a.area_id}": str(a.amount) for a in Allocation.objects.filter(stream=stream, financial_year__start_year=2023)}
    form[f"area_{area.pk}"] = "100000.00"
    response = post_opened(
        signed_in(client, "officer"), f"/programmes/vcs-infrastructure/streams/{stream.pk}/allocations/?year=2023-24", form
    )
    assert response.status_code == 200
    assert "more than the 2023-24 budget of £452,228.00 for Core infrastructure grant" in response.content.decode()
    assert list(Allocation.objects.values_list("pk", "amount")) == before


def test_bulk_extension_confirmed_through_the_page(demo, client):
    client = signed_in(client, "officer")
    preview = client.get("/programmes/vcs-infrastructure/extend/?financial_year=2023-24").content.decode()
    assert 'id="preview-total">£452,228.00<' in preview
    response = client.post(
        "/programmes/vcs-infrastructure/extend/",
        {
            "financial_year": "2023-24",
            "expected_total": "452228.00",
            "reason": "Extend at current levels",
            "approved_by": "Cabinet",
            "approved_on": "2023-02-09",
        },
    )
    assert response.status_code == 302
    assert Variation.objects.filter(new_end_date=dt.date(2024, 3, 31)).count() == 10
    demo.refresh_from_db()
    assert demo.value_for(demo.funding_lines.filter(financial_year__start_year=2023).first().financial_year) == Decimal(
        "58120.00"
    )


def test_bulk_extension_refuses_when_the_agreements_changed_since_the_preview(demo, client):
    response = signed_in(client, "officer").post(
        "/programmes/vcs-infrastructure/extend/",
        {
            "financial_year": "2023-24",
            "expected_total": "452000.00",
            "reason": "x",
            "approved_by": "Cabinet",
            "approved_on": "2023-02-09",
        },
    )
    assert "changed since the preview" in response.content.decode()
    assert not Variation.objects.filter(new_end_date=dt.date(2024, 3, 31)).exists()


def test_new_agreement_with_end_before_start_names_the_field(demo, client):
    response = signed_in(client, "officer").post(
        "/agreements/new/",
        {
            "programme": demo.programme_id,
            "organisation": demo.organisation_id,
            "title": "Bad dates",
            "areas": [demo.areas.get().pk],
            "start_date": "2024-04-01",
            "end_date": "2024-03-31",
        },
    )
    page = response.content.decode()
    assert page.count("The end date must be after the start date.") == 2  # the summary and the field say the same
    assert not Agreement.objects.filter(title="Bad dates").exists()


def test_variation_of_value_through_the_form(demo, client):
    stream = demo.programme.streams.get(recurrence="recurrent")
    year = demo.funding_lines.filter(financial_year__start_year=2022).first().financial_year
    response = signed_in(client, "officer").post(
        f"/agreements/{demo.pk}/variations/new/",
        {
            "kind": "value_change",
            "reason": "Reduced activity",
            "approved_by": "Head of service",
            "approved_on": "2022-11-01",
            "line-stream": stream.pk,
            "line-financial_year": year.pk,
            "line-area": demo.areas.get().pk,
            "line-amount": "-1000.00",
        },
    )
    assert response.status_code == 302
    assert demo.value_for(year) == Decimal("69620.00")
    page = client.get(f"/agreements/{demo.pk}/").content.decode()
    assert "Reduced activity" in page and "−£1,000.00" in page
    assert sum(i.amount for i in demo.instalments.filter(financial_year=year)) == Decimal("69620.00")


def test_finance_records_a_payment_and_cannot_overpay(demo, client):
    instalment = PaymentInstalment.objects.filter(agreement=demo, payments__isnull=True).order_by("due_date").first()
    client = signed_in(client, "finance")
    url = f"/agreements/{demo.pk}/instalments/{instalment.pk}/pay/"
    too_much = client.post(url, {"paid_on": "2022-10-03", "amount": str(instalment.amount + 1), "reference": "BACS-1"})
    assert f"Only £{instalment.amount:,.2f} is outstanding on this instalment." in too_much.content.decode()
    assert client.post(url, {"paid_on": "2022-10-03", "amount": str(instalment.amount), "reference": "BACS-1"}).status_code == 302
    assert Payment.objects.get(instalment=instalment).reference == "BACS-1"


def test_provider_uploads_a_document_and_only_permitted_users_download_it(demo, client):
    provider = signed_in(client, PROVIDER)
    upload = SimpleUploadedFile("monitoring-q1.pdf", b"%PDF-1.4 quarterly report", content_type="application/pdf")
    assert provider.post(f"/agreements/{demo.pk}/documents/new/", {"title": "Q1 report", "file": upload}).status_code == 302
    document = AgreementDocument.objects.get(title="Q1 report")
    download = provider.get(f"/documents/{document.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 quarterly report"
    assert 'filename="monitoring-q1.pdf"' in download["Content-Disposition"]
    other = User.objects.filter(username__startswith="provider-").exclude(username=PROVIDER).first()
    client.force_login(other)
    assert client.get(f"/documents/{document.pk}/").status_code == 403


def test_schedule_that_does_not_add_up_is_refused(demo, client):
    response = post_opened(
        signed_in(client, "finance"),
        f"/agreements/{demo.pk}/schedule/2023-24/",
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-due_date": "2023-04-01", "form-0-amount": "10.00"},
    )
    assert "value for 2023-24 is £0.00" in response.content.decode()


def test_payments_page_lists_overdue_instalments(demo, client):
    page = signed_in(client, "finance").get("/payments/?status=overdue").content.decode()
    assert "Overdue" in page
    assert "SLA-2020-001" in page


def test_programme_page_shows_the_covid_one_off_stream_paid_in_full_with_nothing_remaining(demo, client):
    page = signed_in(client, "cabinet").get("/programmes/vcs-infrastructure/?year=2022-23").content.decode()
    table = page[page.index('id="streams-table"') :]
    row = table[table.index("COVID-19 response") :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    # Budget, allocated, committed, uncommitted, paid, remaining to pay.
    assert cells == ["£125,000.00", "£125,000.00", "£125,000.00", "£0.00", "£125,000.00", "£0.00"]
    assert 'id="over-committed"' not in page
