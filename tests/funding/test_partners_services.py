"""Partners' contributions through the services, who may see what, and agreements' funders reconciling to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import AreaFactory, FundingStreamFactory, OrganisationFactory, UserFactory, funded_programme, line, year
from tests.funding.test_services import make_agreement, messages
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.core.money import from_pence
from vcsgrants.funding.models import StreamContribution
from vcsgrants.funding.rules import co_funds_agreement, co_funds_programme
from vcsgrants.funding.selectors.agreements import agreements_visible_to
from vcsgrants.funding.selectors.partners import agreement_funders, partner_overview, shares_for, stream_funders_text
from vcsgrants.funding.selectors.programmes import programmes_visible_to
from vcsgrants.funding.services import programmes as services
from vcsgrants.funding.services.partners import contribution_set

D = Decimal
pytestmark = pytest.mark.django_db
SUCCESSION = dt.date(2022, 7, 1)


def partner(name: str, **kwargs) -> Organisation:
    return OrganisationFactory(name=name, slug=name.lower().replace(" ", "-"), kind=Organisation.Kind.PARTNER, **kwargs)


@pytest.fixture
def nhs(db):
    """A test CCG succeeded by its ICB on 1 July 2022."""
    icb = partner("Test ICB")
    ccg = partner("Test CCG", successor=icb, succeeded_on=SUCCESSION)
    return ccg, icb


def contribute(funded, funder, amount, start_year=2022):
    return contribution_set(
        stream=funded.stream, year=year(start_year), funder=funder, amount=D(amount), actor=funded.actor, note="Test"
    )


def test_a_contribution_is_recorded_changed_and_removed_with_each_step_audited(funded, nhs):
    ccg, _ = nhs
    contribution = contribute(funded, ccg, "20000.00")
    assert (contribution.amount, contribution.note, contribution.recorded_by) == (D("20000.00"), "Test", funded.actor)
    assert contribute(funded, ccg, "25000.00").pk == contribution.pk
    assert contribute(funded, ccg, "0") is None
    assert not StreamContribution.objects.exists()
    summaries = list(AuditEvent.objects.filter(verb="contribution.set").order_by("id").values_list("summary", flat=True))
    assert summaries[0].startswith("Recorded Test CCG's contribution of £20,000.00")
    assert "(was £20,000.00)" in summaries[1]
    assert summaries[2].startswith("Removed Test CCG's contribution of £25,000.00")
    assert contribution.history.count() == 3  # simple-history: created, changed, deleted


@pytest.mark.parametrize(
    "make, amount, start_year, message",
    [
        ("ccg", "-1", 2022, "cannot be negative"),
        ("ccg", "0.001", 2022, "pounds and pence"),
        ("ccg", "100000.01", 2022, "would total £100,000.01, £0.01 more than its budget of £100,000.00"),
        ("other", "1", 2023, "has no budget for 2023-24"),
        ("ccg", "0", 2022, "no contribution to"),
        ("provider", "1", 2022, "only funders and partner bodies contribute"),
        ("lead", "1", 2022, "funds Stream"),
    ],
)
def test_bad_contributions_are_refused_with_a_clear_message(funded, nhs, make, amount, start_year, message):
    funder = {"ccg": nhs[0], "other": partner("Other Partner"), "provider": OrganisationFactory(), "lead": funded.stream.funder}[
        make
    ]
    with pytest.raises(ValidationError) as caught:
        contribute(funded, funder, amount, start_year)
    assert message in messages(caught.value)
    assert not StreamContribution.objects.exists()


def test_contributions_together_stay_within_the_budget(funded, nhs):
    contribute(funded, partner("Public Health Test"), "60000.00")
    with pytest.raises(ValidationError, match=r"would total £100,000\.01"):
        contribute(funded, nhs[0], "40000.01")


def test_a_contribution_is_recorded_under_the_name_of_its_year(officer, nhs):
    ccg, icb = nhs
    stream = FundingStreamFactory(start=dt.date(2021, 4, 1))
    for start_year in (2021, 2022, 2023):
        services.budget_set(stream=stream, year=year(start_year), amount=D("100.00"), actor=officer)

    def give(funder, start_year):
        return contribution_set(stream=stream, year=year(start_year), funder=funder, amount=D("1.00"), actor=officer)

    with pytest.raises(ValidationError, match="was succeeded by Test ICB on 1 July 2022, before 2023-24 began"):
        give(ccg, 2023)
    with pytest.raises(ValidationError, match="took over from Test CCG on 1 July 2022, after 2021-22 ended"):
        give(icb, 2021)
    give(ccg, 2021)
    give(ccg, 2022)  # the year of the handover: either name
    give(icb, 2022)
    give(icb, 2023)
    assert StreamContribution.objects.count() == 4


def test_the_budget_cannot_fall_below_the_contributions(funded, nhs, fy2022):
    contribute(funded, nhs[0], "90000.00")
    with pytest.raises(ValidationError, match="Partners contribute £90,000.00"):
        services.budget_set(stream=funded.stream, year=fy2022, amount=D("89999.99"), actor=funded.actor)


def test_a_year_spanning_the_succession_shows_both_names_and_reconciles(funded, nhs, fy2022):
    ccg, icb = nhs
    a, b = funded.areas
    first = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "40000.00")], areas=[a])
    second = make_agreement(funded, lines=[line(funded.stream, fy2022, b, "33333.33")], areas=[b])
    contribute(funded, ccg, "36500.00")  # 36.5% of the £100,000.00 budget: £100.00 a day
    for agreement in (first, second):
        [fy] = agreement_funders(agreement)
        assert fy.total == agreement.value_for(fy2022) and fy.co_funded
        assert sum((s.amount for s in fy.shares), D("0")) == fy.total
    [fy] = agreement_funders(first)
    assert {s.payer.label: s.amount for s in fy.shares} == {
        funded.stream.funder.name: D("25400.00"),
        "Test CCG (to 30 June 2022)": D("3640.00"),
        "Test ICB (from 1 July 2022)": D("10960.00"),
    }
    shares = shares_for(streams=[funded.stream])[(funded.stream.pk, fy2022.pk)]
    assert shares.committed == D("73333.33")
    assert sum(shares.committed_by_payer.values(), D("0")) == D("73333.33")
    assert {p.label: v for p, v in shares.pledged_by_payer.items()} == {
        "Test CCG (to 30 June 2022)": D("9100.00"),
        "Test ICB (from 1 July 2022)": D("27400.00"),
        funded.stream.funder.name: D("63500.00"),
    }
    # The ICB's page shows the CCG's part under the CCG's name: the successor has the history.
    overview = partner_overview(icb)
    assert overview.succession == "Test CCG until 30 June 2022, then Test ICB from 1 July 2022"
    assert [(r.year.label, r.label, r.pledged) for r in overview.by_year] == [
        ("2022-23", "Test CCG (to 30 June 2022)", D("9100.00")),
        ("2022-23", "Test ICB (from 1 July 2022)", D("27400.00")),
    ]
    assert overview.total_committed == sum(
        (v for p, v in shares.committed_by_payer.items() if p.org_id in {ccg.pk, icb.pk}), D("0")
    )
    assert {r.agreement for r in overview.agreement_shares} == {first, second}
    assert partner_overview(ccg).by_year == overview.by_year


def test_the_succession_split_uses_the_agreements_own_days_not_the_streams(funded, nhs, fy2022):
    """An agreement that ran 1 April to 30 June 2022 shows £0.00 from the ICB, which began on 1 July 2022; one that
    began on 1 October shows nothing from the CCG; the names' totals still add up to the commitments."""
    ccg, icb = nhs
    a, b = funded.areas
    spring = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "20000.00")], areas=[a], end=dt.date(2022, 6, 30))
    autumn = make_agreement(funded, lines=[line(funded.stream, fy2022, b, "9000.00")], areas=[b], start=dt.date(2022, 10, 1))
    contribute(funded, ccg, "50000.00")  # half the budget
    [fy] = agreement_funders(spring)
    assert {s.payer.label: s.amount for s in fy.shares} == {
        funded.stream.funder.name: D("10000.00"),
        "Test CCG (to 30 June 2022)": D("10000.00"),
    }
    [fy] = agreement_funders(autumn)
    assert {s.payer.label: s.amount for s in fy.shares} == {
        funded.stream.funder.name: D("4500.00"),
        "Test ICB (from 1 July 2022)": D("4500.00"),
    }
    shares = shares_for(streams=[funded.stream])[(funded.stream.pk, fy2022.pk)]
    assert {p.label: v for p, v in shares.committed_by_payer.items()} == {
        "Test CCG (to 30 June 2022)": D("10000.00"),
        "Test ICB (from 1 July 2022)": D("4500.00"),
        funded.stream.funder.name: D("14500.00"),
    }


def test_without_contributions_the_stream_funder_pays_everything(funded, fy2022):
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "1234.56")])
    [fy] = agreement_funders(agreement)
    assert [(s.payer.label, s.amount) for s in fy.shares] == [(funded.stream.funder.name, D("1234.56"))]
    assert not fy.co_funded


def test_a_contributing_partner_and_its_successor_see_the_programme_and_the_agreements_of_those_years(officer, districts, nhs):
    ccg, icb = nhs
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))
    a = districts[0]
    in_2022 = make_agreement(funded, lines=[line(funded.stream, year(2022), a, "100.00")], areas=[a])
    in_2023 = make_agreement(
        funded,
        lines=[line(funded.stream, year(2023), a, "100.00")],
        areas=[a],
        start=dt.date(2023, 4, 1),
        end=dt.date(2024, 3, 31),
    )
    icb_user = UserFactory(roles=[Role.PARTNER], organisation=icb)
    stranger = UserFactory(roles=[Role.PARTNER], organisation=partner("Unrelated Partner"))
    assert not co_funds_programme(icb_user, funded.programme)
    contribute(funded, ccg, "10.00", 2022)
    icb_user = type(icb_user).objects.get(pk=icb_user.pk)  # a fresh request: lineage is cached per user object
    assert co_funds_programme(icb_user, funded.programme)
    assert co_funds_agreement(icb_user, in_2022)
    assert not co_funds_agreement(icb_user, in_2023)  # no contribution to 2023-24
    assert list(programmes_visible_to(icb_user)) == [funded.programme]
    assert list(agreements_visible_to(icb_user)) == [in_2022]
    assert icb_user.has_perm("funding.view_partner", ccg) and icb_user.has_perm("funding.view_partner", icb)
    assert not stranger.has_perm("funding.view_partner", icb)
    assert not co_funds_programme(stranger, funded.programme)


# --- Property: random co-funded streams, through the services, reconcile by agreement and by funder -----------


@st.composite
def co_funded_programmes(draw):
    budget = draw(st.integers(min_value=100, max_value=5_000_000_00))
    contributions = draw(st.lists(st.integers(min_value=1, max_value=budget), min_size=0, max_size=2))
    while sum(contributions) > budget:
        contributions.pop()
    agreements = draw(st.lists(st.integers(min_value=0, max_value=budget), min_size=1, max_size=4))
    return budget, contributions, agreements


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(example=co_funded_programmes())
def test_random_co_funded_programmes_reconcile_to_the_penny(officer, nhs, example):
    budget, contributions, agreement_pence = example

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            areas = [AreaFactory() for _ in agreement_pence]
            funded = funded_programme(actor=officer, areas=areas, budget=from_pence(budget), allocation=D("0"))
            fy = funded.years[0]
            left = budget
            allocations = {}
            for area, pence in zip(areas, agreement_pence, strict=True):
                allocations[area] = from_pence(min(pence, left))
                left -= min(pence, left)
            services.allocations_set(stream=funded.stream, year=fy, amounts=allocations, actor=officer)
            for funder, pence in zip((nhs[0], partner("Random Partner")), contributions, strict=False):
                contribute(funded, funder, from_pence(pence))
            agreements = [
                make_agreement(funded, lines=[line(funded.stream, fy, area, amount)], areas=[area])
                for area, amount in allocations.items()
                if amount > 0
            ]
            shares = shares_for(streams=[funded.stream])[(funded.stream.pk, fy.pk)]
            by_payer: dict = {}
            for agreement in agreements:
                [year_funders] = agreement_funders(agreement)
                assert year_funders.total == agreement.value_for(fy)
                assert sum((s.amount for s in year_funders.shares), D("0")) == agreement.value_for(fy)
                for s in year_funders.shares:
                    assert s.amount > 0
                    by_payer[s.payer] = by_payer.get(s.payer, D("0")) + s.amount
            assert {p: v for p, v in shares.committed_by_payer.items() if v} == by_payer
            assert sum(shares.pledged_by_payer.values(), D("0")) == from_pence(budget)
            # No body (the CCG and its ICB together) is shown committed above what it pledged.
            funders = list(zip((nhs[0], "Random Partner"), contributions, strict=False))
            for funder, pledged in funders:
                ids = {nhs[0].pk, nhs[1].pk} if funder == nhs[0] else {Organisation.objects.get(name=funder).pk}
                body = sum((v for p, v in shares.committed_by_payer.items() if p.org_id in ids), D("0"))
                assert body <= from_pence(pledged)
            if shares.committed == from_pence(budget) and contributions:
                # Fully committed: the NHS lineage's shares, under both names, add up to its contribution exactly.
                paid = sum((v for p, v in by_payer.items() if p.org_id in {nhs[0].pk, nhs[1].pk}), D("0"))
                assert paid == from_pence(contributions[0])
            raise Rollback
    except Rollback:
        # The example's rows are gone and, on SQLite, their ids come round again in the next one: so must its cached
        # figures (tests/conftest.py empties the cache between tests for the same reason).
        cache.clear()


def test_reports_can_name_a_streams_funders_for_a_year_under_the_names_they_had(officer, districts, nhs):
    ccg, icb = nhs
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))
    lead = funded.stream.funder.name
    assert stream_funders_text(funded.stream, year(2022)) == lead
    contribute(funded, ccg, "10.00", 2022)
    contribute(funded, icb, "10.00", 2023)
    assert stream_funders_text(funded.stream, year(2022)) == f"{lead}, with Test CCG (to 30 June 2022), then Test ICB"
    assert stream_funders_text(funded.stream, year(2023)) == f"{lead}, with Test ICB"
