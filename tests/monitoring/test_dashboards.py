"""Performance dashboards: roll-ups worked out by hand, the pages, the downloads, the charts and who may see them.

The crafted world: two providers, three agreed KPIs with data and a fourth with none, returns for Q2 2021-22
(the year before, for direction of travel) and Q1–Q2 2022-23, plus a draft Q3 return that must not count.

    Targets 2022-23 (per quarter)      Provider 1 (district A)   Provider 2 (districts A and B)
    SG1 groups supported (SUM count)   100 (annual 400)          50 (annual 200)
    SG2 satisfied % (MEAN percent)     80                        90
    EQ1 days to answer (MEAN, lower)   5                         5

    Values                             P1 Q1, Q2                 P2 Q1, Q2       2021-22 Q2 (P1, P2)
    SG1                                90, 100                   60, 40          120, 60
    SG2                                70, 60                    90, 82          (no target then)
    EQ1                                6, 4                      5, 5            6, 6
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.factories import (
    AreaFactory,
    FundingStreamFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    line,
    year,
)
from vcsgrants.core import charts, exports
from vcsgrants.core.models import Organisation, Role
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.monitoring import dashboards, services
from vcsgrants.monitoring.models import Outcome
from vcsgrants.monitoring.rag import Aggregation, Rating, Trend, aggregate
from vcsgrants.monitoring.views.dashboards import rag_bar, trend_chart

pytestmark = pytest.mark.django_db
D = Decimal
SVG = "{http://www.w3.org/2000/svg}"

KPI_SPECS = {
    "SG1": dict(name="Groups given one-to-one support", unit="count", aggregation="sum", direction="higher_is_better"),
    "SG2": dict(name="Share of users satisfied", unit="percent", aggregation="mean", direction="higher_is_better"),
    "EQ1": dict(name="Average days to answer an enquiry", unit="count", aggregation="mean", direction="lower_is_better"),
    "EQ2": dict(name="Reach into the most deprived areas", unit="percent", aggregation="mean", direction="higher_is_better"),
}


class World:
    """A programme built through the services, as users would build it."""

    def __init__(self, n_districts: int = 2):
        self.officer = UserFactory(roles=[Role.OFFICER])
        self.fy2021, self.fy2022 = year(2021), year(2022)
        self.districts = [AreaFactory(name=f"District {chr(65 + i)}") for i in range(n_districts)]
        self.programme = ProgrammeFactory(slug="vcs-perf")
        self.stream = FundingStreamFactory(programme=self.programme, start=dt.date(2021, 4, 1))
        for fy in (self.fy2021, self.fy2022):
            programme_services.budget_set(stream=self.stream, year=fy, amount=D("1000000.00"), actor=self.officer)
            programme_services.allocations_set(
                stream=self.stream, year=fy, amounts=dict.fromkeys(self.districts, D("100000.00")), actor=self.officer
            )
        self.outcomes = [
            services.outcome_save(outcome=Outcome(programme=self.programme, title=title), actor=self.officer)
            for title in ("Stronger groups", "Equity and quality", "Voice and partnership")
        ]
        self.kpis = {}
        for code, spec in KPI_SPECS.items():
            outcome = self.outcomes[0] if code.startswith("SG") else self.outcomes[1]
            kpi = services.kpi_propose(
                outcome=outcome, code=code, actor=self.officer, definition=f"{spec['name']}.", rba_type="how_much", **spec
            )
            self.kpis[code] = services.kpi_decide(kpi=kpi, agree=True, actor=self.officer)

    def agreement(self, areas, name=None) -> Agreement:
        organisation = OrganisationFactory(name=name) if name else OrganisationFactory()
        lines = [line(self.stream, fy, area, "1000.00") for fy in (self.fy2021, self.fy2022) for area in areas]
        agreement = agreement_services.agreement_create(
            programme=self.programme,
            organisation=organisation,
            areas=areas,
            title="Infrastructure support",
            start_date=dt.date(2021, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=self.officer,
            lines=lines,
        )
        return agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=self.officer)

    def targets(self, agreement, fy, annual: dict[str, str]):
        for code, value in annual.items():
            services.target_set(agreement=agreement, kpi=self.kpis[code], year=fy, annual_target=D(value), actor=self.officer)

    def submit(self, agreement, fy, quarter, values: dict[str, str], *, status="submitted"):
        record = services.return_for(agreement=agreement, year=fy, quarter=quarter)
        services.return_save(
            return_record=record,
            values={self.kpis[c]: D(v) for c, v in values.items()},
            narrative="What we did this quarter.",
            actor=self.officer,
        )
        if status == "draft":
            return record
        services.return_submit(return_record=record, actor=self.officer)
        if status == "accepted":
            services.return_review(return_record=record, accept=True, actor=self.officer)
        elif status == "queried":
            services.return_review(return_record=record, accept=False, comment="Please explain SG1.", actor=self.officer)
        return record


@pytest.fixture
def world():
    w = World()
    a, b = w.districts
    w.p1 = w.agreement([a], name="Kestrel Voluntary Action")
    w.p2 = w.agreement([a, b], name="Heron CVS")
    w.targets(w.p1, w.fy2022, {"SG1": "400", "SG2": "80", "EQ1": "5"})
    w.targets(w.p2, w.fy2022, {"SG1": "200", "SG2": "90", "EQ1": "5"})
    w.targets(w.p1, w.fy2021, {"SG1": "400", "EQ1": "5"})
    w.targets(w.p2, w.fy2021, {"SG1": "200", "EQ1": "5"})
    w.submit(w.p1, w.fy2021, 2, {"SG1": "120", "EQ1": "6"}, status="accepted")
    w.submit(w.p2, w.fy2021, 2, {"SG1": "60", "EQ1": "6"}, status="accepted")
    w.submit(w.p1, w.fy2022, 1, {"SG1": "90", "SG2": "70", "EQ1": "6"}, status="accepted")
    w.submit(w.p2, w.fy2022, 1, {"SG1": "60", "SG2": "90", "EQ1": "5"}, status="accepted")
    w.submit(w.p1, w.fy2022, 2, {"SG1": "100", "SG2": "60", "EQ1": "4"}, status="submitted")
    w.submit(w.p2, w.fy2022, 2, {"SG1": "40", "SG2": "82", "EQ1": "5"}, status="queried")  # queried still counts
    w.submit(w.p1, w.fy2022, 3, {"SG1": "999", "SG2": "1", "EQ1": "99"}, status="draft")  # a draft never counts
    return w


def parse_svg(svg: str) -> ET.Element:
    """xml.etree: the SVG is our own output, built here, so well-formedness is what is being tested."""
    return ET.fromstring(svg)  # noqa: S314


def signed_in(client, user):
    client.force_login(user)
    return client


def by_code(rows):
    return {r.kpi.code: r for r in rows}


# --- Roll-ups, worked out by hand ------------------------------------------------------------


def test_programme_rollup_and_headline_match_the_hand_calculation(world):
    report = dashboards.performance_report(world.programme, "2022-23", "2")
    rows = by_code(report.kpis)

    # SG1 (sum): quarters 90+60=150 and 100+40=140, so 290 to date against 150+150=300: 10 short, within 10% of 300.
    assert (rows["SG1"].actual, rows["SG1"].target, rows["SG1"].rating) == (D("290"), D("300"), Rating.AMBER)
    assert (rows["SG1"].quarter_actual, rows["SG1"].quarter_target, rows["SG1"].reporting) == (D("140"), D("150"), 2)
    # SG2 (mean %): quarters mean(70,90)=80 and mean(60,82)=71, so 75.5 to date against mean(80,90)=85: 9.5 short > 8.5.
    assert (rows["SG2"].actual, rows["SG2"].target, rows["SG2"].rating) == (D("75.5"), D("85"), Rating.RED)
    # EQ1 (mean, lower is better): quarters mean(6,5)=5.5 and mean(4,5)=4.5, so 5 to date against 5: on target.
    assert (rows["EQ1"].actual, rows["EQ1"].target, rows["EQ1"].rating) == (D("5"), D("5"), Rating.GREEN)
    # EQ2: agreed but no targets or returns.
    assert (rows["EQ2"].actual, rows["EQ2"].target, rows["EQ2"].rating) == (None, None, Rating.GREY)

    assert report.headline == (
        "1 of 4 KPIs is on track (green) at Q2 2022-23 year to date; 1 amber, 1 red, 1 without data "
        "(from 0 of 2 expected returns accepted; 2 more submitted, not yet accepted)."
    )


def test_the_page_answers_the_question_with_the_headline_and_the_tables(world, client):
    page = signed_in(client, world.officer).get("/programmes/vcs-perf/performance/?year=2022-23&quarter=2").content.decode()
    assert "Is the shared outcomes framework being met?" in page
    assert "1 of 4 KPIs is on track (green) at Q2 2022-23 year to date; 1 amber, 1 red, 1 without data" in page
    assert "Not every expected return for Q2 2022-23 is accepted, so these figures may change." in page
    assert '<strong class="govuk-tag govuk-tag--yellow">Amber</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page
    assert "75.5%" in page and "85%" in page
    assert dashboards.OUTCOME_RULE in page
    for name in ("performance-providers", "performance-districts", "performance-trends"):
        assert f"/programmes/vcs-perf/performance/{name.split('-')[1]}/" in page


def test_year_and_quarter_are_chosen_by_get(world, client):
    client = signed_in(client, world.officer)
    page = client.get("/programmes/vcs-perf/performance/?year=2022-23&quarter=1").content.decode()
    # At Q1: SG1 150 against 150 (green), SG2 80 against 85 (amber), EQ1 5.5 against 5 (amber: 0.5 over, within 10%).
    assert "1 of 4 KPIs is on track (green) at Q1 2022-23 year to date; 2 amber, 0 red, 1 without data" in page
    assert client.get("/programmes/vcs-perf/performance/?year=2022&quarter=2").status_code == 404
    assert client.get("/programmes/vcs-perf/performance/?year=2022-23&quarter=5").status_code == 404


def test_provider_rollup_rates_each_agreement_on_its_own_kpis(world):
    report = dashboards.performance_report(world.programme, "2022-23", "2")
    providers = {g.obj.id: g for g in report.providers}
    p1, p2 = by_code(providers[world.p1.pk].rollups), by_code(providers[world.p2.pk].rollups)
    # P1: SG1 190 vs 200 (amber); SG2 mean(70,60)=65 vs 80 (red); EQ1 mean(6,4)=5 vs 5 (green).
    assert [(p1[c].actual, p1[c].target, p1[c].rating) for c in ("SG1", "SG2", "EQ1")] == [
        (D("190"), D("200"), Rating.AMBER),
        (D("65"), D("80"), Rating.RED),
        (D("5"), D("5"), Rating.GREEN),
    ]
    # P2: SG1 100 vs 100 (green); SG2 mean(90,82)=86 vs 90 (amber: 4 short, within 9); EQ1 5 vs 5 (green).
    assert [(p2[c].actual, p2[c].target, p2[c].rating) for c in ("SG1", "SG2", "EQ1")] == [
        (D("100"), D("100"), Rating.GREEN),
        (D("86"), D("90"), Rating.AMBER),
        (D("5"), D("5"), Rating.GREEN),
    ]
    assert "EQ2" not in p1  # no target, no value: not one of this agreement's KPIs
    assert (providers[world.p1.pk].overall, providers[world.p2.pk].overall) == (Rating.RED, Rating.AMBER)


def test_district_rollup_counts_a_multi_district_agreement_in_each_district(world, client):
    report = dashboards.performance_report(world.programme, "2022-23", "2")
    districts = {g.label: g for g in report.districts}
    assert set(districts) == {"District A", "District B"}
    a, b = by_code(districts["District A"].rollups), by_code(districts["District B"].rollups)
    # District A has both agreements, so it matches the programme; District B has only provider 2's.
    assert (districts["District A"].agreements, districts["District B"].agreements) == (2, 1)
    assert (a["SG1"].actual, a["SG1"].target, a["SG1"].rating) == (D("290"), D("300"), Rating.AMBER)
    assert (b["SG1"].actual, b["SG1"].target, b["SG1"].rating) == (D("100"), D("100"), Rating.GREEN)
    assert (b["SG2"].actual, b["SG2"].rating) == (D("86"), Rating.AMBER)
    assert districts["District B"].overall == Rating.AMBER
    page = (
        signed_in(client, world.officer)
        .get("/programmes/vcs-perf/performance/districts/?year=2022-23&quarter=2")
        .content.decode()
    )
    assert "counts in full in each of them" in page
    assert "District B" in page


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([Rating.GREEN, Rating.AMBER, Rating.RED, Rating.GREY], Rating.RED),
        ([Rating.GREEN, Rating.AMBER, Rating.GREY], Rating.AMBER),
        ([Rating.GREEN, Rating.GREY], Rating.GREEN),
        ([Rating.GREY, Rating.GREY], Rating.GREY),
        ([], Rating.GREY),
    ],
)
def test_outcome_rating_rule(ratings, expected):
    assert dashboards.overall_rating(ratings) == expected


def test_outcome_ratings_and_counts(world):
    report = dashboards.performance_report(world.programme, "2022-23", "2")
    outcomes = {g.label: g for g in report.outcomes}
    # Stronger groups: SG1 amber, SG2 red → red. Equity and quality: EQ1 green, EQ2 grey → green. Voice: no KPIs → grey.
    assert outcomes["Stronger groups"].overall == Rating.RED
    assert outcomes["Equity and quality"].overall == Rating.GREEN
    assert outcomes["Voice and partnership"].overall == Rating.GREY
    assert outcomes["Stronger groups"].counts == {Rating.GREEN: 0, Rating.AMBER: 1, Rating.RED: 1, Rating.GREY: 0}
    total = dashboards.outcomes_table(report).export_rows()[-1]
    assert total == ["All outcomes", 1, 1, 1, 1, "Red", 0, 2, 2]  # 0 accepted, 2 in but not accepted, of 2 expected


def test_values_made_against_two_versions_of_a_kpi_both_count_and_are_noted(world, client):
    services.kpi_refine(
        kpi=world.kpis["SG1"], change_note="Count groups, not sessions.", actor=world.officer, definition="Groups supported."
    )
    world.submit(world.p2, world.fy2022, 3, {"SG1": "70", "SG2": "85", "EQ1": "5"})  # against version 2
    row = by_code(dashboards.performance_report(world.programme, "2022-23", "3").kpis)["SG1"]
    # Only Heron CVS's Q3 return is in (Kestrel's is a draft): 60 + 40 (version 1) + 70 (version 2) to date.
    assert (row.versions, row.quarter_actual, row.actual, row.reporting) == ((1, 2), D("70"), D("170"), 1)
    assert dashboards.kpi_cells(row)[1].text == "Groups given one-to-one support (values against versions 1, 2)"
    trend = dashboards.trend_report(world.programme, "SG1")  # loads this KPI's figures only
    assert {p.period.label: p.quarter_actual for p in trend.points}["Q3 2022-23"] == D("70")


# Generation speed depends on how busy the machine is, not on the code: no health check on it.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=40),
    st.sampled_from([Aggregation.SUM, Aggregation.MEAN]),
)
def test_providers_figures_combine_exactly_as_rag_aggregate_does(hundredths, across):
    """The roll-ups add up whole hundredths as integers for speed: the result must be rag.aggregate's, to the digit."""
    combined = dashboards.combine(hundredths, across)
    expected = aggregate([Decimal(h).scaleb(-2) for h in hundredths], across)
    assert combined == expected
    assert str(combined) == str(expected)  # the same places too, so a page shows the same figure


@pytest.mark.parametrize(
    ("hundredths", "mean"),
    [
        ([1, 2], "0.0150"),
        ([1, 1, 2], "0.0133"),
        ([-1, -2], "-0.0150"),
        ([5, 0, 0, 0], "0.0125"),
        ([1, 0, 0], "0.0033"),
        ([1, 0, 0, 0, 0, 0, 0, 0], "0.0013"),  # 0.00125: a half, away from zero
        ([-1, 0, 0, 0, 0, 0, 0, 0], "-0.0013"),
    ],
)
def test_a_mean_across_providers_rounds_half_away_from_zero_at_four_places(hundredths, mean):
    assert str(dashboards.combine(hundredths, Aggregation.MEAN)) == mean


def test_trend_arrow_against_the_same_quarter_a_year_before(world, client):
    rows = by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)
    # SG1: 140 now against 120+60=180 a year before: down, and higher is better, so worse.
    assert (rows["SG1"].year_before, rows["SG1"].trend, rows["SG1"].improving) == (D("180"), Trend.DOWN, False)
    # EQ1: 4.5 now against mean(6,6)=6: down, and lower is better, so better.
    assert (rows["EQ1"].year_before, rows["EQ1"].trend, rows["EQ1"].improving) == (D("6"), Trend.DOWN, True)
    # SG2 was not measured a year before.
    assert (rows["SG2"].year_before, rows["SG2"].trend) == (None, Trend.NONE)
    assert dashboards.trend_cell(rows["SG1"]).value == "Down, worse"
    assert dashboards.trend_cell(rows["EQ1"]).value == "Down, better"
    assert rows["SG1"].compared_text == "same 2 providers"
    page = signed_in(client, world.officer).get("/programmes/vcs-perf/performance/?year=2022-23&quarter=2").content.decode()
    assert '<span aria-hidden="true">↓ better</span>' in page
    assert (
        '<span class="govuk-visually-hidden">Down on the same quarter a year before (Q2 2021-22), same 2 providers: worse</span>'
        in page
    )


# --- Downloads --------------------------------------------------------------------------------


def test_csv_download_equals_the_table(world, client):
    response = signed_in(client, world.officer).get("/programmes/vcs-perf/performance/framework.csv?year=2022-23&quarter=2")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="vcs-perf-framework-2022-23-q2.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    table = dashboards.framework_table(dashboards.performance_report(world.programme, "2022-23", "2"))
    assert rows[0] == table.headers
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in table.export_rows()]
    sg1 = next(r for r in rows if r[1] == "SG1")
    assert sg1[:9] == [
        "Stronger groups",
        "SG1",
        "Groups given one-to-one support",
        "Count",
        "Higher",
        "300",
        "290",
        "Amber",
        "140",
    ]
    # Returns in, accepted, expected; then the trend over the same 2 providers: 140 against 180.
    assert sg1[9:] == ["2", "0", "2", "2", "140", "180", "Down, worse"]


def test_xlsx_download_has_the_same_cells_with_numbers_as_numbers(world, client):
    client = signed_in(client, world.officer)
    response = client.get("/programmes/vcs-perf/performance/providers.xlsx?year=2022-23&quarter=2")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    table = dashboards.providers_table(dashboards.performance_report(world.programme, "2022-23", "2"))
    assert cells[0] == table.headers
    assert all(c.font.bold for c in sheet[1])
    assert len(cells) == len(table.rows) + 1
    for got, expected in zip(cells[1:], table.export_rows(), strict=True):
        assert got == [None if v is None else (float(v) if isinstance(v, Decimal) else v) for v in expected]
    kestrel_sg2 = next(r for r in cells if r[0] == "Kestrel Voluntary Action" and r[2] == "SG2")
    target, actual = kestrel_sg2[6], kestrel_sg2[7]
    assert isinstance(target, int | float) and isinstance(actual, int | float)
    assert (target, actual) == (80, 65)


def test_every_table_downloads_and_unknown_ones_are_not_found(world, client):
    client = signed_in(client, world.officer)
    for table in ("framework", "outcomes", "providers", "providers-summary", "districts", "districts-summary", "trends"):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/programmes/vcs-perf/performance/{table}.{fmt}").status_code == 200, (table, fmt)
    assert client.get("/programmes/vcs-perf/performance/budgets.csv").status_code == 404
    assert client.get("/programmes/vcs-perf/performance/framework.pdf").status_code == 404
    assert client.get("/programmes/vcs-perf/performance/trends.csv?kpi=NOPE").status_code == 404


def test_exports_write_formula_like_text_as_text():
    text = exports.csv_text(["Name", "Value"], [["=HYPERLINK(1)", D("-3.50")], ["Plain", None]])
    assert list(csv.reader(io.StringIO(text))) == [["Name", "Value"], ["'=HYPERLINK(1)", "-3.50"], ["Plain", ""]]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["Name", "Value"], [["=HYPERLINK(1)", D("-3.50")]]))).active
    assert sheet["A2"].value == "=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -3.5


# --- Charts -------------------------------------------------------------------------------------


def test_trend_chart_is_well_formed_svg_with_every_data_point(world, client):
    trends = dashboards.trend_report(world.programme, "SG1")
    labels = [p.period.label for p in trends.points]
    assert labels == ["Q1 2021-22", "Q2 2021-22", "Q3 2021-22", "Q4 2021-22", "Q1 2022-23", "Q2 2022-23"]
    svg = parse_svg(trend_chart(trends))
    assert svg.get("role") == "img" and svg.get("aria-label")
    assert svg.find(f"{SVG}title").text.startswith("SG1 Groups given one-to-one support")
    assert svg.find(f"{SVG}desc") is not None
    points = [el.find(f"{SVG}title").text for el in svg.iter() if el.get("class") == "app-chart-point"]
    # Actual and target for the three quarters with returns (Q2 2021-22, Q1 and Q2 2022-23).
    assert points == [
        "Q2 2021-22: actual 180",
        "Q1 2022-23: actual 150",
        "Q2 2022-23: actual 140",
        "Q2 2021-22: target 150",
        "Q1 2022-23: target 150",
        "Q2 2022-23: target 150",
    ]
    page = signed_in(client, world.officer).get("/programmes/vcs-perf/performance/trends/?kpi=SG1").content.decode()
    assert "<svg" in page and "Q2 2022-23: actual 140" in page
    table = dashboards.trends_table(trends)
    assert table.export_rows()[-1] == ["Q2 2022-23", 150, 140, 2, 0, 2, 300, 290, "Amber"]
    assert client.get("/programmes/vcs-perf/performance/trends/?kpi=NOPE").status_code == 404


def test_charts_escape_text_and_the_rag_bar_parses(world):
    svg = charts.line_chart(
        title='Scores <script>alert("x")</script> & more',
        desc="A & B",
        labels=["Q1 <b>", "Q2"],
        series=[charts.Series("Actual & <i>", [D("1.5"), None])],
    )
    root = parse_svg(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == 'Scores <script>alert("x")</script> & more'
    bar = parse_svg(rag_bar(dashboards.performance_report(world.programme, "2022-23", "2")))
    segments = [el.find(f"{SVG}title").text for el in bar.iter() if el.get("class") == "app-chart-segment"]
    assert segments == ["Green: 1", "Amber: 1", "Red: 1", "No data: 1"]


# --- Queries do not grow with the data -------------------------------------------------------------

MAX_QUERIES = 17  # 16 today: session, user, programme, roles, settings, the returns index (agreements, target years,
# returns), outcomes, versions, areas, values, targets, the council settings and two for the navigation; one spare


def build_scaled(n_providers: int) -> World:
    w = World(n_districts=n_providers)
    for i in range(n_providers):
        agreement = w.agreement([w.districts[i]])
        for fy in (w.fy2021, w.fy2022):
            w.targets(agreement, fy, {"SG1": "400", "SG2": "80", "EQ1": "5"})
        quarters = [(w.fy2021, q) for q in (1, 2, 3, 4)] + [(w.fy2022, q) for q in (1, 2)]
        for fy, q in quarters:
            w.submit(agreement, fy, q, {"SG1": str(90 + i), "SG2": str(70 + i), "EQ1": str(4 + i % 3)})
    return w


@pytest.mark.parametrize("n_providers", [2, 6])
@pytest.mark.parametrize("path", ["", "providers/", "districts/", "trends/", "framework.csv"])
def test_page_queries_do_not_grow_with_providers_and_returns(client, django_assert_max_num_queries, n_providers, path):
    w = build_scaled(n_providers)
    client = signed_in(client, w.officer)
    url = f"/programmes/vcs-perf/performance/{path}"
    client.get(url)  # the first read creates the programme's monitoring settings
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


# --- Who may see it --------------------------------------------------------------------------------


def test_a_provider_may_not_see_the_dashboard(world, client):
    provider = UserFactory(roles=[Role.PROVIDER], organisation=world.p1.organisation)
    client = signed_in(client, provider)
    for path in ("", "providers/", "districts/", "trends/", "framework.csv"):
        response = client.get(f"/programmes/vcs-perf/performance/{path}")
        assert response.status_code == 403, path


def test_a_partner_sees_only_programmes_it_co_funds(world, client):
    outsider = UserFactory(roles=[Role.PARTNER], organisation=OrganisationFactory(kind=Organisation.Kind.PARTNER))
    response = signed_in(client, outsider).get("/programmes/vcs-perf/performance/")
    assert response.status_code == 403
    assert signed_in(client, outsider).get("/programmes/vcs-perf/performance/framework.csv").status_code == 403

    icb = OrganisationFactory(kind=Organisation.Kind.PARTNER)
    FundingStreamFactory(programme=world.programme, funder=icb, start=dt.date(2022, 4, 1))
    partner = UserFactory(roles=[Role.PARTNER], organisation=icb)
    assert signed_in(client, partner).get("/programmes/vcs-perf/performance/").status_code == 200


def test_a_programme_without_a_framework_or_returns_still_answers(client):
    officer = UserFactory(roles=[Role.OFFICER])
    ProgrammeFactory(slug="empty-programme")
    client = signed_in(client, officer)
    page = client.get("/programmes/empty-programme/performance/").content.decode()
    assert "The outcomes framework has no agreed KPIs yet." in page
    assert "has no agreed KPIs yet" in client.get("/programmes/empty-programme/performance/trends/").content.decode()
    assert client.get("/programmes/empty-programme/performance/providers/").status_code == 200
    assert client.get("/programmes/empty-programme/performance/districts.csv").status_code == 200
    assert client.get("/programmes/empty-programme/performance/trends.csv").status_code == 404


def test_retired_kpis_show_only_in_years_they_have_figures(world):
    services.kpi_retire(kpi=world.kpis["EQ2"], actor=world.officer, reason="Replaced")
    rows = by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)
    assert "EQ2" not in rows  # retired with no figures: it no longer counts as "without data"
    services.kpi_retire(kpi=world.kpis["SG2"], actor=world.officer, reason="Replaced")
    rows = by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)
    assert rows["SG2"].rating == Rating.RED  # retired, but it was measured in 2022-23, so its history stays
    assert "SG2" not in by_code(dashboards.performance_report(world.programme, "2021-22", "2").kpis)
