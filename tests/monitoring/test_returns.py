"""Targets, quarterly returns and their review, RAG on the agreement's monitoring page and the overdue list, as users see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory, line, year
from tests.versions import post_opened
from vcsgrants.core.models import AuditEvent, Role, User
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.services.agreements import agreement_create, agreement_set_status
from vcsgrants.monitoring import selectors, services
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.rag import Rating, Trend

pytestmark = pytest.mark.django_db

D = Decimal


@dataclass
class Setup:
    agreement: Agreement
    provider: User
    officer: User
    groups: Kpi  # SG1, a count summed over quarters
    satisfaction: Kpi  # SG2, a percentage averaged over quarters


def make_kpis(programme, officer) -> tuple[Kpi, Kpi]:
    outcome = services.outcome_save(outcome=Outcome(programme=programme, title="Stronger groups"), actor=officer)
    common = {"direction": "higher_is_better", "actor": officer, "outcome": outcome}
    groups = services.kpi_propose(
        code="SG1",
        name="Groups given one-to-one support",
        definition="Groups that had at least one hour of support.",
        unit=KpiVersion.Unit.COUNT,
        aggregation="sum",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
        **common,
    )
    satisfaction = services.kpi_propose(
        code="SG2",
        name="Groups satisfied with support",
        definition="Share of groups rating support good or better.",
        unit=KpiVersion.Unit.PERCENT,
        aggregation="mean",
        rba_type=KpiVersion.RbaType.HOW_WELL,
        **common,
    )
    for kpi in (groups, satisfaction):
        services.kpi_decide(kpi=kpi, agree=True, actor=officer)
    return Kpi.objects.get(pk=groups.pk), Kpi.objects.get(pk=satisfaction.pk)


def make_agreement(funded, officer, amount="5000.00") -> Agreement:
    """An active agreement from April 2021 to March 2023 with a new provider organisation."""
    agreement = agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[funded.areas[0]],
        title="Infrastructure support",
        start_date=dt.date(2021, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(funded.stream, funded.years[0], funded.areas[0], amount)],
    )
    return agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)


def set_targets(agreement, setup_kpis, officer, fy, groups="100", satisfaction="80"):
    groups_kpi, satisfaction_kpi = setup_kpis
    services.target_set(agreement=agreement, kpi=groups_kpi, year=fy, annual_target=D(groups), actor=officer)
    services.target_set(agreement=agreement, kpi=satisfaction_kpi, year=fy, annual_target=D(satisfaction), actor=officer)


@pytest.fixture
def setup(funded, officer, fy2022) -> Setup:
    agreement = make_agreement(funded, officer)
    kpis = make_kpis(funded.programme, officer)
    set_targets(agreement, kpis, officer, fy2022)
    provider = UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation)
    return Setup(agreement, provider, officer, *kpis)


def submitted_return(s: Setup, fy, quarter: int, groups: str, satisfaction: str = "90") -> Return:
    record = services.return_for(agreement=s.agreement, year=fy, quarter=quarter)
    services.return_save(
        return_record=record,
        values={s.groups: D(groups), s.satisfaction: D(satisfaction)},
        narrative="A good quarter.",
        actor=s.provider,
    )
    return services.return_submit(return_record=record, actor=s.provider)


def edit_url(s: Setup, quarter: int = 1, year: str = "2022-23") -> str:
    return reverse("monitoring:return-edit", args=[s.agreement.pk, year, quarter])


def as_user(client, user):
    client.force_login(user)
    return client


def row_of(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"', 1)[1].split("</tr>", 1)[0]


# --- Targets ---------------------------------------------------------------------------


def test_targets_are_profiled_evenly_by_default_and_the_quarters_can_be_edited(setup, client, fy2022):
    s = setup
    url = reverse("monitoring:targets-edit", args=[s.agreement.pk, "2022-23"])
    client = as_user(client, s.officer)
    page = client.get(url).content.decode()
    assert "Stronger groups" in page and "SG1 Groups given one-to-one support" in page

    g, p = s.groups.pk, s.satisfaction.pk
    response = post_opened(client, url, {f"annual_{g}": "120", f"annual_{p}": "85"})
    assert response.status_code == 302
    groups = KpiTarget.objects.get(agreement=s.agreement, kpi=s.groups, financial_year=fy2022)
    assert groups.annual_target == D("120") and groups.quarter_targets == [D("30")] * 4
    satisfaction = KpiTarget.objects.get(agreement=s.agreement, kpi=s.satisfaction, financial_year=fy2022)
    assert satisfaction.quarter_targets == [D("85")] * 4  # a mean is a level held each quarter

    response = post_opened(
        client, url, {f"annual_{g}": "120", f"q1_{g}": "10", f"q2_{g}": "20", f"q3_{g}": "40", f"q4_{g}": "50"}
    )
    assert response.status_code == 302
    groups.refresh_from_db()
    assert groups.quarter_targets == [D("10"), D("20"), D("40"), D("50")]
    assert AuditEvent.objects.filter(verb="target.set", actor=s.officer).count() >= 3


def test_quarters_that_do_not_add_up_are_refused_and_no_target_is_saved(setup, client, fy2022):
    s = setup
    before = list(KpiTarget.objects.values_list("pk", "annual_target", "q1_target", "q2_target", "q3_target", "q4_target"))
    g, p = s.groups.pk, s.satisfaction.pk
    form = {f"annual_{g}": "100", f"q1_{g}": "10", f"q2_{g}": "10", f"q3_{g}": "10", f"q4_{g}": "10", f"annual_{p}": "150"}
    url = reverse("monitoring:targets-edit", args=[s.agreement.pk, "2022-23"])
    response = post_opened(as_user(client, s.officer), url, form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The quarters add up to 40, but the annual target is 100" in page
    assert "A percentage target cannot be over 100." in page  # every problem shown, not just the first
    assert (
        list(KpiTarget.objects.values_list("pk", "annual_target", "q1_target", "q2_target", "q3_target", "q4_target")) == before
    )


def test_some_quarters_without_the_others_are_refused(setup, client):
    s = setup
    g = s.groups.pk
    response = as_user(client, s.officer).post(
        reverse("monitoring:targets-edit", args=[s.agreement.pk, "2022-23"]), {f"annual_{g}": "100", f"q1_{g}": "50"}
    )
    assert "Give all four of SG1&#x27;s quarters" in response.content.decode()


def test_targets_for_a_year_outside_the_agreement_are_not_offered(setup, client):
    response = as_user(client, setup.officer).get(reverse("monitoring:targets-edit", args=[setup.agreement.pk, "2024-25"]))
    assert response.status_code == 404
    assert "does not run in 2024-25" in response.content.decode()


# --- Returns: draft, submit, query, answer, accept -------------------------------------------


def test_provider_saves_a_draft_sees_what_is_missing_and_submits(setup, client):
    s = setup
    client = as_user(client, s.provider)
    page = client.get(edit_url(s)).content.decode()
    assert "SG1 Groups given one-to-one support (Count)" in page
    assert "Target for Q1: 25 (year: 100)" in page
    record = Return.objects.get(agreement=s.agreement, quarter=1)
    assert record.status == Return.Status.DRAFT

    g, p = s.groups.pk, s.satisfaction.pk
    response = post_opened(client, edit_url(s), {f"kpi_{g}": "30", "narrative": "", "case_studies": "", "action": "save"})
    assert response.status_code == 302
    assert ReturnValue.objects.get(return_record=record).value == D("30")
    assert AuditEvent.objects.filter(verb="return.saved", actor=s.provider, object_id=record.pk).exists()
    missing = client.get(edit_url(s)).content.decode().split('id="missing"')[1].split("</div>")[0]
    assert "SG2 Groups satisfied with support" in missing and "SG1" not in missing
    assert "The narrative" in missing

    response = post_opened(client, edit_url(s), {f"kpi_{g}": "30", "narrative": "Busy.", "action": "submit"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "missing: SG2" in page and "saved as a draft" in page
    record.refresh_from_db()
    assert record.status == Return.Status.DRAFT and record.narrative == "Busy."

    response = post_opened(client, edit_url(s), {f"kpi_{g}": "30", f"kpi_{p}": "91.5", "narrative": "Busy.", "action": "submit"})
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:return-detail", args=[record.pk])
    record.refresh_from_db()
    assert record.status == Return.Status.SUBMITTED and record.submitted_at is not None
    event = ReturnEvent.objects.get(return_record=record)
    assert (event.action, event.actor) == (ReturnEvent.Action.SUBMITTED, s.provider)
    assert AuditEvent.objects.filter(verb="return.submitted", actor=s.provider, object_id=record.pk).exists()
    # Submitted: the edit page sends the provider to the read-only return.
    assert client.get(edit_url(s)).status_code == 302


@pytest.mark.parametrize(
    ("kpi", "value", "message"),
    [
        ("groups", "-3", "SG1 cannot be negative."),
        ("groups", "2.5", "SG1 is a count, so must be a whole number."),
        ("satisfaction", "101", "SG2 is a percentage over 100."),
        ("groups", "lots", "SG1 must be a number"),
    ],
)
def test_a_bad_value_is_refused_naming_the_kpi_and_nothing_is_saved(setup, client, kpi, value, message):
    s = setup
    client = as_user(client, s.provider)
    client.get(edit_url(s))
    form = {f"kpi_{s.groups.pk}": "30", f"kpi_{s.satisfaction.pk}": "90", "narrative": "Quarter one.", "action": "submit"}
    form[f"kpi_{getattr(s, kpi).pk}"] = value
    response = post_opened(client, edit_url(s), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "There is a problem" in page
    record = Return.objects.get(agreement=s.agreement, quarter=1)
    assert not ReturnValue.objects.filter(return_record=record).exists()
    assert record.narrative == "" and record.status == Return.Status.DRAFT
    assert not ReturnEvent.objects.exists()


def test_an_empty_return_submitted_shows_every_problem_at_its_own_box(setup, client):
    s = setup
    client = as_user(client, s.provider)
    response = post_opened(client, edit_url(s), {"narrative": "", "action": "submit"})
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    for kpi in (s.groups, s.satisfaction):  # each KPI's box, linked from the summary
        assert f'href="#id_kpi_{kpi.pk}"' in summary
        assert f"Enter a value for {kpi.code} before submitting." in summary
    assert 'href="#id_narrative"' in summary and "Write the narrative before submitting." in summary
    assert Return.objects.get(agreement=s.agreement, quarter=1).status == Return.Status.DRAFT


def test_officer_queries_provider_must_answer_to_resubmit_officer_accepts(setup, client, fy2022):
    s = setup
    record = submitted_return(s, fy2022, 1, "30")
    officer = as_user(client, s.officer)
    review = reverse("monitoring:return-review", args=[record.pk])

    response = officer.post(review, {"decision": "query", "comment": ""})
    assert response.status_code == 200 and "Say what needs answering." in response.content.decode()
    record.refresh_from_db()
    assert record.status == Return.Status.SUBMITTED

    assert officer.post(review, {"decision": "query", "comment": "Why did SG1 fall in June?"}).status_code == 302
    record.refresh_from_db()
    assert record.status == Return.Status.QUERIED
    assert ReturnEvent.objects.filter(return_record=record, action="queried", actor=s.officer).exists()
    assert AuditEvent.objects.filter(verb="return.queried", actor=s.officer, object_id=record.pk).exists()

    provider = as_user(client, s.provider)
    page = provider.get(edit_url(s)).content.decode()
    assert "Why did SG1 fall in June?" in page and "Your answer to the query" in page
    form = {f"kpi_{s.groups.pk}": "31", f"kpi_{s.satisfaction.pk}": "90", "narrative": "A good quarter.", "action": "submit"}
    response = post_opened(provider, edit_url(s), {**form, "comment": ""})
    assert response.status_code == 200 and "Answer the officer&#x27;s query before resubmitting." in response.content.decode()
    record.refresh_from_db()
    assert record.status == Return.Status.QUERIED
    assert post_opened(provider, edit_url(s), {**form, "comment": "Two groups closed; corrected to 31."}).status_code == 302
    record.refresh_from_db()
    assert record.status == Return.Status.SUBMITTED
    resubmitted = ReturnEvent.objects.get(return_record=record, action="resubmitted")
    assert resubmitted.actor == s.provider and resubmitted.comment == "Two groups closed; corrected to 31."
    assert AuditEvent.objects.filter(verb="return.resubmitted", actor=s.provider).exists()

    officer = as_user(client, s.officer)
    assert officer.post(review, {"decision": "accept", "comment": ""}).status_code == 302
    record.refresh_from_db()
    assert record.status == Return.Status.ACCEPTED
    assert AuditEvent.objects.filter(verb="return.accepted", actor=s.officer, object_id=record.pk).exists()
    assert list(record.events.values_list("action", flat=True)) == ["submitted", "queried", "resubmitted", "accepted"]

    page = officer.get(reverse("monitoring:return-detail", args=[record.pk])).content.decode()
    timeline = page.split('id="timeline"')[1].split("</ol>")[0]
    assert "Why did SG1 fall in June?" in timeline and "Answered and resubmitted" in timeline and "Accepted" in timeline
    assert 'action="/returns/' not in page  # accepted: nothing left to review


def test_another_provider_cannot_see_or_change_the_return(setup, client, fy2022):
    s = setup
    record = submitted_return(s, fy2022, 1, "30")
    stranger = UserFactory(roles=[Role.PROVIDER], organisation=OrganisationFactory())
    client = as_user(client, stranger)
    for url in [
        reverse("monitoring:return-detail", args=[record.pk]),
        edit_url(s, 2),
        reverse("monitoring:agreement-monitoring", args=[s.agreement.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("monitoring:return-review", args=[record.pk]), {"decision": "accept"}).status_code == 403
    assert client.post(edit_url(s), {"narrative": "Mine now", "action": "save"}).status_code == 403
    assert not Return.objects.filter(quarter=2).exists()  # refused before anything was created
    # The provider's own user cannot review its own return either.
    assert (
        as_user(client, s.provider)
        .post(reverse("monitoring:return-review", args=[record.pk]), {"decision": "accept"})
        .status_code
        == 403
    )


def test_a_quarter_outside_the_agreement_shows_the_services_reason(setup, client):
    response = as_user(client, setup.provider).get(edit_url(setup, 1, "2023-24"))
    assert response.status_code == 404
    assert "2023-24 Q1 is outside" in response.content.decode()
    assert not Return.objects.exists()


# --- RAG -------------------------------------------------------------------------------------


def test_monitoring_page_rates_each_kpi_against_its_target_to_date(setup, client, fy2022):
    s = setup
    fy2021 = year(2021)
    set_targets(s.agreement, (s.groups, s.satisfaction), s.officer, fy2021)
    submitted_return(s, fy2021, 1, "18", "95")
    # Q1 target 25: 20 is 20% short (red); 90% against 80% is green; both up on a year before.
    submitted_return(s, fy2022, 1, "20", "90")
    page = as_user(client, s.officer).get(reverse("monitoring:agreement-monitoring", args=[s.agreement.pk])).content.decode()
    groups = row_of(page, "kpi-SG1")
    assert "Red" in groups and "govuk-tag--red" in groups
    assert ">20<" in groups and ">25<" in groups
    assert "↑" in groups and "Up on the same quarter a year before (18)" in groups
    satisfaction = row_of(page, "kpi-SG2")
    assert "Green" in satisfaction and "↓" in satisfaction and "not better" in satisfaction
    assert "Overdue" in page  # the later quarters of 2022-23 are past due today

    rows = {r.kpi.code: r for r in selectors.kpi_ratings(s.agreement, fy2022, 1)}
    assert rows["SG1"].rating.rating == Rating.RED and rows["SG1"].rating.trend == Trend.UP
    assert rows["SG1"].rating.actual == D("20") and rows["SG1"].rating.target == D("25")


def test_a_year_without_targets_says_no_return_is_due_rather_than_not_started(setup, client):
    year(2021)  # the agreement's first year is recorded, with no targets set for it
    page = (
        as_user(client, setup.provider)
        .get(reverse("monitoring:agreement-monitoring", args=[setup.agreement.pk]))
        .content.decode()
    )
    no_targets = page.split('id="returns-2021-22"')[1].split("</table>")[0]  # the agreement's first year: no targets
    assert no_targets.count("No return due") == 4
    assert "Not started" not in no_targets and "by 5pm on" not in no_targets
    with_targets = page.split('id="returns-2022-23"')[1].split("</table>")[0]
    assert "No return due" not in with_targets and "by 5pm on" in with_targets


def test_a_providers_home_lists_its_late_and_queried_returns_and_no_one_elses(setup, client, fy2022):
    s = setup
    record = submitted_return(s, fy2022, 1, "30")
    services.return_review(return_record=record, accept=False, actor=s.officer, comment="Check SG1.")
    home = as_user(client, s.provider).get("/").content.decode()
    to_do = home.split('id="home-returns-to-do"')[1].split("</ul>")[0]
    assert to_do.count("<li>") == 4  # Q1 queried; Q2 to Q4 of 2022-23 long past due (no targets in 2021-22)
    assert f'href="{edit_url(s, 1)}"' in to_do and "Queried" in to_do
    assert to_do.count("Overdue") == 3 and "due by 5pm on" in to_do
    other = UserFactory(roles=[Role.PROVIDER], organisation=OrganisationFactory())
    assert "Returns to do" not in as_user(client, other).get("/").content.decode()


def test_a_providers_returns_to_do_are_kept_until_a_return_changes_and_not_when_a_draft_is_saved_again(
    setup, fy2022, django_assert_num_queries
):
    s, today = setup, dt.date(2023, 3, 1)
    late = [(row.quarter, row.status) for row in selectors.returns_to_do(today, s.agreement.organisation_id)]
    assert late == [(1, None), (2, None), (3, None)]  # Q4 is not due until 30 April 2023
    draft = services.return_for(agreement=s.agreement, year=fy2022, quarter=1)
    services.return_save(return_record=draft, values={s.groups: D("5")}, actor=s.provider)
    started = selectors.returns_to_do(today, s.agreement.organisation_id)
    assert [(row.quarter, row.status) for row in started] == [(1, "draft"), (2, None), (3, None)]  # the very next view
    services.return_save(return_record=draft, values={s.groups: D("6")}, actor=s.provider)
    with django_assert_num_queries(1):  # saved again: the version only; the rows come from the shared cache
        assert [row.return_record for row in selectors.returns_to_do(today, s.agreement.organisation_id)] == [
            row.return_record for row in started
        ]
    services.return_save(return_record=draft, values={s.satisfaction: D("80")}, narrative="Done.", actor=s.provider)
    services.return_submit(return_record=draft, actor=s.provider)
    assert [row.quarter for row in selectors.returns_to_do(today, s.agreement.organisation_id)] == [2, 3]


def test_amber_within_the_programmes_band_and_grey_without_a_return(setup, fy2022):
    s = setup
    submitted_return(s, fy2022, 1, "23")  # 8% short of 25
    rows = {r.kpi.code: r for r in selectors.kpi_ratings(s.agreement, fy2022, 1)}
    assert rows["SG1"].rating_label == "Amber"
    settings = services.monitoring_settings(s.agreement.programme)
    settings.amber_within = D("0.05")
    settings.save()
    assert selectors.kpi_ratings(s.agreement, fy2022, 1)[0].rating_label == "Red"
    assert {r.rating_label for r in selectors.kpi_ratings(s.agreement, fy2022, 2)} == {"Grey"}


def test_a_draft_counts_only_on_its_own_page(setup, client, fy2022):
    s = setup
    record = services.return_for(agreement=s.agreement, year=fy2022, quarter=1)
    services.return_save(return_record=record, values={s.groups: D("20")}, actor=s.provider)
    assert selectors.kpi_ratings(s.agreement, fy2022, 1)[0].rating.rating == Rating.GREY
    page = as_user(client, s.provider).get(reverse("monitoring:return-detail", args=[record.pk])).content.decode()
    assert "Red" in row_of(page, "kpi-SG1")


# --- Overdue ---------------------------------------------------------------------------------


def test_overdue_lists_a_quarter_past_its_due_date_and_not_one_due_later(setup, fy2022):
    s = setup
    rows = selectors.overdue_returns(dt.date(2022, 8, 15))  # Q1 due 30 July 2022; Q2 due 30 October 2022
    assert [(r.agreement, r.year, r.quarter, r.status_label) for r in rows] == [(s.agreement, fy2022, 1, "Not started")]
    assert rows[0].due_date == dt.date(2022, 7, 30) and rows[0].days_overdue == 16
    assert rows[0].due_date == services.return_due_date(s.agreement, fy2022, 1)
    assert selectors.overdue_returns(dt.date(2022, 7, 30)) == []  # due that day: not yet overdue

    # A draft is still overdue; once submitted it is not; a queried return waits on the provider.
    record = services.return_for(agreement=s.agreement, year=fy2022, quarter=1)
    assert [r.status_label for r in selectors.overdue_returns(dt.date(2022, 8, 15))] == ["Draft"]
    record = submitted_return(s, fy2022, 1, "30")
    assert selectors.overdue_returns(dt.date(2022, 8, 15)) == []
    services.return_review(return_record=record, accept=False, comment="Check SG1", actor=s.officer)
    rows = selectors.overdue_returns(dt.date(2022, 8, 15))
    assert [(r.quarter, r.status_label, r.return_record) for r in rows] == [(1, "Queried", record)]


def test_overdue_ignores_years_without_targets_and_draft_agreements(setup, funded, officer, fy2022):
    s = setup
    # 2021-22 is in the agreement but has no targets, so nothing is due for it.
    assert {r.year for r in selectors.overdue_returns(dt.date(2023, 6, 1))} == {fy2022}
    draft = agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[funded.areas[1]],
        title="Draft",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(funded.stream, fy2022, funded.areas[1], "1000.00")],
    )
    services.target_set(agreement=draft, kpi=s.groups, year=fy2022, annual_target=D("10"), actor=officer)
    assert {r.agreement for r in selectors.overdue_returns(dt.date(2023, 6, 1))} == {s.agreement}


def test_overdue_page_for_officers_only(setup, client):
    page = as_user(client, setup.officer).get(reverse("monitoring:returns-overdue")).content.decode()
    table = page.split('id="overdue"')[1].split("</table>")[0]
    assert setup.agreement.reference in table and "by 5pm on 30 July 2022" in table
    assert "Not started" in page and "Days overdue" in page
    assert as_user(client, setup.provider).get(reverse("monitoring:returns-overdue")).status_code == 403


# The overdue page: the session and user (6), the years, due days, late quarters and queried returns (4), the page's
# returns and agreements (2); PostgreSQL also turns JIT off for the late quarters' query.
OVERDUE_PAGE_QUERIES = 12 + (connection.vendor == "postgresql")


@pytest.mark.parametrize("agreements", [1, 5])
def test_overdue_query_count_does_not_grow_with_agreements(
    funded, officer, fy2022, client, agreements, django_assert_max_num_queries
):
    kpis = make_kpis(funded.programme, officer)
    for _ in range(agreements):
        agreement = make_agreement(funded, officer, amount="1000.00")
        set_targets(agreement, kpis, officer, fy2022)
        services.return_for(agreement=agreement, year=fy2022, quarter=2)  # a draft
        record = services.return_for(agreement=agreement, year=fy2022, quarter=3)
        services.return_save(return_record=record, values={kpis[0]: D("1"), kpis[1]: D("1")}, narrative="n", actor=officer)
        services.return_submit(return_record=record, actor=officer)
        services.return_review(return_record=record, accept=False, comment="Why?", actor=officer)
    with django_assert_max_num_queries(6):
        rows = selectors.overdue_returns(dt.date(2023, 6, 1))
    assert len(rows) == 4 * agreements
    keys = selectors.overdue_keys(dt.date(2023, 6, 1))  # the page's rows: the same, drafts and queried alike
    assert selectors.overdue_rows(dt.date(2023, 6, 1), keys) == rows
    client = as_user(client, officer)
    with django_assert_max_num_queries(OVERDUE_PAGE_QUERIES):
        assert client.get(reverse("monitoring:returns-overdue")).status_code == 200


def test_overdue_page_shows_fifty_a_page_with_the_total_and_the_download_has_every_row(
    funded, officer, fy2022, client, django_assert_max_num_queries
):
    kpis = make_kpis(funded.programme, officer)
    for _ in range(13):  # four quarters of 2022-23 late each: 52 rows
        set_targets(make_agreement(funded, officer, amount="1000.00"), kpis, officer, fy2022)
    everything = selectors.overdue_returns(dt.date.today())
    assert len(everything) == 52
    client = as_user(client, officer)
    url = reverse("monitoring:returns-overdue")
    with django_assert_max_num_queries(OVERDUE_PAGE_QUERIES):  # as for 4 or 20 rows (above): bounded
        first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    def references(page):
        table = page.split('id="overdue"')[1].split("</table>")[0]
        return [cell.split("</a>")[0].rsplit(">", 1)[1] for cell in table.split("/monitoring/")[1:] if "</a>" in cell]

    expected = [r.agreement.reference for r in everything]
    assert references(first) == expected[:50] and references(second) == expected[50:]
    assert "52 returns overdue or awaiting an answer: showing 1 to 50" in first
    assert "showing 51 to 52" in second
    assert 'href="?page=2" rel="next"' in first and 'href="?page=1" rel="prev"' in second
    csv = client.get(reverse("monitoring:returns-overdue-export", args=["csv"])).content.decode()
    assert len(csv.strip().splitlines()) == 1 + 52


# --- Every page, as an officer and as a provider ----------------------------------------------


def test_every_page_renders_for_an_officer_and_for_the_provider(setup, client, fy2022):
    s = setup
    record = submitted_return(s, fy2022, 1, "30")
    pages = {
        "targets-edit": (reverse("monitoring:targets-edit", args=[s.agreement.pk, "2022-23"]), 200, 403),
        "agreement-monitoring": (reverse("monitoring:agreement-monitoring", args=[s.agreement.pk]), 200, 200),
        "return-edit": (edit_url(s, 2), 200, 200),
        "return-detail": (reverse("monitoring:return-detail", args=[record.pk]), 200, 200),
        "return-review": (reverse("monitoring:return-review", args=[record.pk]), 302, 403),
        "returns-overdue": (reverse("monitoring:returns-overdue"), 200, 403),
    }
    for user, column in ((s.officer, 1), (s.provider, 2)):
        client = as_user(client, user)
        for name, spec in pages.items():
            response = client.get(spec[0])
            assert response.status_code == spec[column], f"{name} as {user}: {response.status_code}"
    officer_view = as_user(client, s.officer).get(reverse("monitoring:return-detail", args=[record.pk])).content.decode()
    assert 'id="review"' in officer_view and "Accept the return" in officer_view
    provider_view = as_user(client, s.provider).get(reverse("monitoring:return-detail", args=[record.pk])).content.decode()
    assert "Accept the return" not in provider_view
    monitoring = as_user(client, s.provider).get(reverse("monitoring:agreement-monitoring", args=[s.agreement.pk]))
    assert "Set targets" not in monitoring.content.decode() and "Change targets" not in monitoring.content.decode()
