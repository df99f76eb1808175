"""A provider downloads the pre-filled template, fills it in and uploads it: all of it is saved, or none."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import ReturnValue
from vcsgrants.monitoring.spreadsheets import FIRST_KPI_ROW

pytestmark = pytest.mark.django_db
PROVIDER = "provider-kestrel-voluntary-action-demo"


@pytest.fixture
def draft(demo_module, db):
    agreement = Agreement.objects.get(reference="SLA-2020-001")
    return services.return_for(agreement=agreement, year=FinancialYear.objects.get(start_year=2022), quarter=3)


def fill(template: bytes, value_for) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb["Return"]
    row = FIRST_KPI_ROW
    while ws.cell(row=row, column=1).value:
        ws.cell(row=row, column=5, value=value_for(ws.cell(row=row, column=1).value, ws.cell(row=row, column=3).value))
        row += 1
    wb["Narrative"]["A2"] = "Quarter three went to plan."
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_filled_and_uploaded_is_saved_whole(draft, client):
    client.force_login(User.objects.get(username=PROVIDER))
    template = client.get(f"/returns/{draft.pk}/template.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    data = fill(template.content, lambda code, unit: 50 if unit == "%" else 12)
    response = client.post(f"/returns/{draft.pk}/upload/", {"file": SimpleUploadedFile("q3.xlsx", data)})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.narrative == "Quarter three went to plan."
    assert ReturnValue.objects.filter(return_record=draft).count() == len(
        services.kpis_due(draft.agreement, draft.financial_year)
    )


def test_one_bad_cell_refuses_the_whole_file_and_says_where(draft, client):
    client.force_login(User.objects.get(username=PROVIDER))
    template = client.get(f"/returns/{draft.pk}/template.xlsx").content
    data = fill(template, lambda code, unit: 140 if unit == "%" else 12)
    page = client.post(f"/returns/{draft.pk}/upload/", {"file": SimpleUploadedFile("q3.xlsx", data)}).content.decode()
    assert "Nothing from the file has been saved" in page
    assert "sheet &#x27;Return&#x27;, row" in page and "column E" in page and "140 is a percentage over 100" in page
    assert ReturnValue.objects.filter(return_record=draft).count() == 0
    draft.refresh_from_db()
    assert draft.narrative == ""


def test_another_provider_cannot_upload_or_download(draft, client):
    other = User.objects.filter(username__startswith="provider-").exclude(username=PROVIDER).first()
    client.force_login(other)
    assert client.get(f"/returns/{draft.pk}/template.xlsx").status_code == 403
    assert (
        client.post(f"/returns/{draft.pk}/upload/", {"file": SimpleUploadedFile("q3.csv", b"kpi_code,value\n")}).status_code
        == 403
    )
