"""Bringing in organisations, agreements and their money from the workbook template."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from tests.workbook.conftest import agreement, money, org
from tests.workbook.helpers import fill
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.funding.models import Agreement, FundingLine, PaymentInstalment
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook

pytestmark = pytest.mark.django_db


def workbook(setup, template, **changes):
    name = setup.programme.name
    stream = setup.stream.name
    rows = {
        "Organisations": [
            org(Kind="provider", **{"Org-ID": "GB-CHC-1234567", "Charity number": "1234567"}),
            org("ORG-2", "Wren Voluntary Action"),
        ],
        "Agreements": [
            agreement(programme=name),
            agreement("SLA-2021-002", "ORG-2", setup.programme.slug, "Amber Valley Test; Bolsover Test"),
        ],
        "Funding lines": [
            money(stream=stream, year="2022-23", amount=Decimal("12345.67")),
            money(stream=stream, year="2023-24", amount=Decimal("12000.01")),
            money("SLA-2021-002", stream, "2022-23", Decimal("1000.00"), Area="Bolsover Test"),
            money("SLA-2021-002", stream, "2022-23", Decimal("999.99"), Area="Amber Valley Test"),
        ],
    }
    rows.update(changes)
    return fill(template, rows)


def test_the_template_round_trips_to_records_exact_to_the_penny(setup, template, officer):
    result = import_workbook(data=workbook(setup, template), filename="ours.xlsx", actor=officer)

    kestrel = Organisation.objects.get(slug="ORG-1")
    assert (kestrel.name, kestrel.kind, kestrel.org_id, kestrel.charity_number) == (
        "Kestrel Community Trust",
        "provider",
        "GB-CHC-1234567",
        "1234567",
    )
    first = Agreement.objects.get(reference="SLA-2021-001")  # the council's own reference, kept
    assert (first.organisation, first.programme, first.start_date, first.end_date, first.status) == (
        kestrel,
        setup.programme,
        dt.date(2022, 4, 1),
        dt.date(2024, 3, 31),
        "active",
    )
    assert [str(a) for a in first.areas.all()] == ["Amber Valley Test"]
    assert sorted(first.funding_lines.values_list("amount", flat=True)) == [Decimal("12000.01"), Decimal("12345.67")]
    second = Agreement.objects.get(reference="SLA-2021-002")
    assert second.value_for(setup.years[0]) == Decimal("1999.99")
    # Each year's instalments add up exactly to the year's value, quarterly in advance.
    for a in (first, second):
        for y in {ln.financial_year for ln in a.funding_lines.all()}:
            instalments = PaymentInstalment.objects.filter(agreement=a, financial_year=y)
            assert sum(i.amount for i in instalments) == a.value_for(y)
    assert [i.due_date for i in first.instalments.filter(financial_year__start_year=2022)] == [
        dt.date(2022, 4, 1),
        dt.date(2022, 7, 1),
        dt.date(2022, 10, 1),
        dt.date(2023, 1, 1),
    ]
    # History records name the importing officer; one audit event tells what came in.
    assert first.history.get().history_user == officer
    assert kestrel.history.get().history_user == officer
    event = AuditEvent.objects.get(verb="workbook.imported")
    assert event.actor == officer and "Agreements: 2 created" in event.summary
    assert result.counts["Funding lines"].created == 4


def test_importing_the_same_workbook_again_changes_nothing_and_says_so(setup, template, officer):
    data = workbook(setup, template)
    import_workbook(data=data, filename="ours.xlsx", actor=officer)
    before = (
        Agreement.objects.count(),
        FundingLine.objects.count(),
        PaymentInstalment.objects.count(),
        AuditEvent.objects.count(),
        Organisation.history.count(),
    )

    again = import_workbook(data=data, filename="ours.xlsx", actor=officer)

    assert not again.changed
    assert again.counts["Agreements"].unchanged == 2 and again.counts["Funding lines"].unchanged == 4
    assert again.counts["Organisations"].unchanged == 2
    assert (
        Agreement.objects.count(),
        FundingLine.objects.count(),
        PaymentInstalment.objects.count(),
        AuditEvent.objects.count(),
        Organisation.history.count(),
    ) == before


def test_a_changed_organisation_is_updated_but_an_agreements_terms_are_not(setup, template, officer):
    import_workbook(data=workbook(setup, template), filename="ours.xlsx", actor=officer)
    renamed = workbook(setup, template, Organisations=[org(name="Kestrel Trust"), org("ORG-2", "Wren Voluntary Action")])
    result = import_workbook(data=renamed, filename="ours.xlsx", actor=officer)
    assert result.counts["Organisations"].updated == 1
    assert Organisation.objects.get(slug="ORG-1").name == "Kestrel Trust"

    more_money = workbook(setup, template, **{"Funding lines": [money(stream=setup.stream.name, amount=Decimal("1.00"))]})
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=more_money, filename="ours.xlsx", actor=officer)
    assert "change an agreement's money by variation" in str(refused.value)


def test_a_broken_workbook_lists_every_problem_by_sheet_row_column_and_field_and_writes_nothing(setup, template, officer):
    bad = workbook(
        setup,
        template,
        Organisations=[org(**{"Org-ID": "charity 12"}), org("ORG 2", "Kestrel Community Trust")],
        Agreements=[
            agreement(programme="No such programme"),
            agreement("SLA-2", "ORG-9", setup.programme.name, End=dt.datetime(2020, 1, 1)),
            agreement("SLA-3", "ORG-1", setup.programme.name, "Nowhere"),
        ],
        **{"Funding lines": [money("SLA-404", setup.stream.name), money(stream=setup.stream.name, amount="lots")]},
    )
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=bad, filename="bad.xlsx", actor=officer)

    lines = refused.value.problems.lines()
    expected = [
        "sheet 'Organisations', row 2, column D (Org-ID): 'CHARITY 12' is not an Org-ID such as GB-CHC-1234567",
        "sheet 'Organisations', row 3, column A (Reference): 'ORG 2' may hold only letters, numbers, hyphens and underscores",
        "sheet 'Organisations', row 3, column B (Name): 'Kestrel Community Trust' is also the name on row 2: names must differ",
        "sheet 'Agreements', row 2, column C (Programme): 'No such programme' is not a programme in the service: create it first",
        "sheet 'Agreements', row 3, column B (Organisation): 'ORG-9' is not on the Organisations sheet or in the service",
        "sheet 'Agreements', row 3, column F (End): must be after the start",
        "sheet 'Agreements', row 4, column G (Areas): 'Nowhere' is not an area in the service",
        "sheet 'Funding lines', row 2, column A (Agreement reference): "
        "'SLA-404' is not on the Agreements sheet or in the service",
        "sheet 'Funding lines', row 3, column E (Amount): 'lots' is not a number",
    ]
    for line in expected:
        assert line in lines
    assert Organisation.objects.filter(slug__startswith="ORG").count() == 0
    assert not Agreement.objects.exists() and not AuditEvent.objects.filter(verb="workbook.imported").exists()


def test_money_past_an_areas_allocation_is_refused(setup, template, officer):
    over = workbook(setup, template, **{"Funding lines": [money(stream=setup.stream.name, amount=Decimal("40000.01"))]})
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=over, filename="over.xlsx", actor=officer)
    assert "allocation from" in str(refused.value) and "£0.01 more than it" in str(refused.value)
    assert not Agreement.objects.exists()


def test_an_empty_or_unreadable_file_is_refused_with_a_reason(officer, template):
    for data, name, message in [
        (b"", "x.xlsx", "The file is empty."),
        (b"not a zip", "x.xlsx", "is not a readable XLSX workbook"),
        (template, "x.csv", "Upload the workbook as an Excel (.xlsx) file."),
        (template, "x.xlsx", "The workbook has no rows to import."),
    ]:
        with pytest.raises(ImportRefused) as refused:
            import_workbook(data=data, filename=name, actor=officer)
        assert message in str(refused.value)


def test_the_page_and_the_command(setup, template, officer, client, tmp_path, capsys):
    client.force_login(officer)
    downloaded = client.get("/import/template.xlsx")
    assert downloaded.status_code == 200 and downloaded.content[:2] == b"PK"
    data = workbook(setup, downloaded.content)
    path = tmp_path / "ours.xlsx"
    path.write_bytes(data)
    call_command("import_workbook", str(path), "--as", officer.username)
    assert "Agreements: 2 created" in capsys.readouterr().out

    page = client.post("/import/", {"file": _upload(data)})
    assert "Nothing to change" in page.content.decode()

    bad = workbook(setup, template, Agreements=[agreement(programme="Nope")])
    page = client.post("/import/", {"file": _upload(bad)}).content.decode()
    assert "Nothing was brought in" in page and "&#x27;Nope&#x27; is not a programme" in page


def test_a_provider_may_not_bring_in_data(client, setup):
    provider = UserFactory(roles=[Role.PROVIDER])
    client.force_login(provider)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/template.xlsx").status_code == 403


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ours.xlsx", data)


def test_the_command_refuses_someone_who_may_not_bring_in_data(setup, template, tmp_path):
    from django.core.management.base import CommandError

    provider = UserFactory(roles=[Role.PROVIDER])
    path = tmp_path / "ours.xlsx"
    path.write_bytes(workbook(setup, template))
    with pytest.raises(CommandError, match="is not an officer or administrator"):
        call_command("import_workbook", str(path), "--as", provider.username)
    assert not Agreement.objects.exists()


def test_the_first_200_problems_are_listed_then_a_count_by_kind(setup, template, officer, client):
    rows = [org(f"ORG-{i}", f"Provider {i}", **{"Org-ID": "nonsense"}) for i in range(230)]
    rows += [org("ORG-0", "Provider again") for _ in range(5)]
    bad = fill(template, {"Organisations": rows})
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=bad, filename="bad.xlsx", actor=officer)
    problems = refused.value.problems
    assert (len(problems), problems.total) == (200, 235)
    assert problems.summary() == (
        "and 35 more problems of the same kinds: a value the service does not accept (30), a record given twice (5)."
    )

    client.force_login(officer)
    page = client.post("/import/", {"file": _upload(bad)}).content.decode()
    assert "these 235 problems" in page
    assert page.count('<tr class="govuk-table__row">\n    <td') == 200
    assert "And 35 more problems of the same kinds" in page


def test_the_template_has_a_sheet_per_kind_of_record_and_explains_every_column(template):
    import io

    from openpyxl import load_workbook

    from vcsgrants.workbook.sheets import README, SHEETS

    wb = load_workbook(io.BytesIO(template))
    assert wb.sheetnames == [README] + [s.name for s in SHEETS]
    explained = {(r[0], r[1]) for r in wb[README].iter_rows(values_only=True) if r[1]}
    for sheet in SHEETS:
        assert [c.value for c in wb[sheet.name][1]] == [c.header for c in sheet.columns]
        assert {(sheet.name, c.header) for c in sheet.columns} <= explained
