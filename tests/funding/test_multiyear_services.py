"""Multi-year agreements and conversions through the services: what is written, and what is refused (writing nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from tests.factories import FundingStreamFactory, OrganisationFactory, funded_programme, line, year
from tests.funding.test_services import make_agreement, messages, nothing_written
from vcsgrants.core.models import AuditEvent, FinancialYear
from vcsgrants.funding.models import Agreement, FundingLine, FundingStream, MultiYearTerms, ProfileYear, Variation
from vcsgrants.funding.selectors.agreements import agreement_terms
from vcsgrants.funding.selectors.multiyear import agreement_multiyear
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.funding.services.multiyear import (
    agreement_convert_to_multiyear,
    agreement_create_multiyear,
    multiyear_plan_conversion,
)

D = Decimal
pytestmark = pytest.mark.django_db


def create(funded, **overrides):
    args = {
        "programme": funded.programme,
        "organisation": OrganisationFactory(),
        "area": funded.areas[0],
        "stream": funded.stream,
        "title": "Three-year infrastructure support",
        "first_year": year(2022),
        "last_year": year(2024),
        "first_amount": D("30000.00"),
        "uplift_percent": D("2.5"),
        "actor": funded.actor,
    }
    return agreement_create_multiyear(**(args | overrides))


def values(agreement) -> dict[str, Decimal]:
    rows = agreement.funding_lines.values("financial_year__start_year").annotate(t=Sum("amount"))
    return {f"{r['financial_year__start_year']}": r["t"] for r in rows}


def test_a_new_multi_year_agreement_holds_one_year_of_lines_per_year_uplifted_by_the_rule(funded):
    agreement = create(funded, notice_months=6, earliest_break_date=dt.date(2024, 3, 31), first_review_date=dt.date(2023, 3, 1))
    assert agreement.status == Agreement.Status.DRAFT
    assert (agreement.start_date, agreement.end_date) == (dt.date(2022, 4, 1), dt.date(2025, 3, 31))
    assert values(agreement) == {"2022": D("30000.00"), "2023": D("30750.00"), "2024": D("31518.75")}
    assert not agreement.variations.exists()  # the profile is the original terms
    for fy in FinancialYear.objects.filter(start_year__in=[2022, 2023, 2024]):
        scheduled = agreement.instalments.filter(financial_year=fy).aggregate(t=Sum("amount"))["t"]
        assert scheduled == agreement.value_for(fy)  # a payment schedule for every year, to the penny
    view = agreement_multiyear(agreement)
    assert view.total == D("92268.75") and view.years == 3
    assert [ln.by_rule for ln in view.lines] == [True, True, True]
    assert view.notice_by == dt.date(2023, 9, 30)
    assert view.reviews == [dt.date(2023, 3, 1), dt.date(2024, 3, 1), dt.date(2025, 3, 1)]
    event = AuditEvent.objects.get(verb="agreement.multiyear_terms")
    assert event.data["profile"] == {"2022-23": "30000.00", "2023-24": "30750.00", "2024-25": "31518.75"}
    assert event.data["committed_ahead_of_budget"] == ["2023-24", "2024-25"]


def test_a_profile_can_be_agreed_other_than_by_the_rule(funded):
    agreement = create(funded, amounts=[D("30000.00"), D("25000.00"), D("20000.00")])
    assert values(agreement) == {"2022": D("30000.00"), "2023": D("25000.00"), "2024": D("20000.00")}
    assert [ln.by_rule for ln in agreement_multiyear(agreement).lines] == [True, False, False]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"last_year": "2022"}, "last_year", "at least two financial years"),
        ({"last_year": "2033"}, "last_year", "at most 10 financial years"),
        ({"first_amount": D("0")}, "amount", "more than £0.00"),
        ({"uplift_percent": D("-1")}, "uplift_percent", "cannot be negative"),
        ({"uplift_percent": D("2.0005")}, "uplift_percent", "three decimal places"),
        ({"amounts": [D("1.00")]}, "amount", "Give one amount for each of the 3 years"),
        ({"amounts": [D("1.00"), D("0"), D("2.00")]}, "amount", "2023-24: each year's amount must be more than £0.00"),
        ({"notice_months": 6}, "earliest_break_date", "needs both the notice period and the earliest break date"),
        ({"notice_months": 30, "earliest_break_date": dt.date(2024, 3, 31)}, "notice_months", "1 to 24 months"),
        ({"notice_months": 3, "earliest_break_date": dt.date(2026, 3, 31)}, "earliest_break_date", "before it ends"),
        (
            {"notice_months": 12, "earliest_break_date": dt.date(2022, 12, 31)},
            "earliest_break_date",
            "notice for a break on 31 December 2022 would have to be given by 31 December 2021, before the agreement starts",
        ),
        ({"first_review_date": dt.date(2026, 1, 1)}, "first_review_date", "within the agreement"),
        ({"first_amount": D("40000.01")}, "amount", "has £40,000.00 uncommitted; the profile needs £40,000.01"),
    ],
)
def test_bad_terms_are_refused_with_a_clear_message_and_nothing_written(funded, overrides, field, message):
    if overrides.get("last_year") in ("2022", "2033"):
        overrides = overrides | {"last_year": year(int(overrides["last_year"]))}
    with nothing_written(), pytest.raises(ValidationError) as caught:
        create(funded, **overrides)
    assert field in caught.value.message_dict
    assert message in messages(caught.value)
    assert not MultiYearTerms.objects.exists()


def test_a_stream_that_stops_cannot_carry_a_multi_year_profile(funded):
    one_off = FundingStreamFactory(
        programme=funded.programme, recurrence=FundingStream.Recurrence.ONE_OFF, end=dt.date(2023, 9, 30), name="One-off"
    )
    with nothing_written(), pytest.raises(ValidationError, match="One-off does not run in 2024-25"):
        create(funded, stream=one_off)


def test_a_known_budget_year_must_fit_its_allocation_while_later_years_are_committed_ahead_of_budget(funded):
    programme_services.budget_set(stream=funded.stream, year=year(2023), amount=D("50000.00"), actor=funded.actor)
    programme_services.allocations_set(
        stream=funded.stream, year=year(2023), amounts={funded.areas[0]: D("30000.00")}, actor=funded.actor
    )
    with (
        nothing_written(),
        pytest.raises(ValidationError, match=r"2023-24 allocation .* has £30,000\.00 uncommitted; the profile needs £30,750\.00"),
    ):
        create(funded)  # 2023-24 needs £30,750.00
    agreement = create(funded, uplift_percent=D("0"))
    assert values(agreement)["2023"] == D("30000.00")


# --- converting an annual agreement ----------------------------------------------------------


@pytest.fixture
def annual(funded, fy2022):
    """An active 2022-23 agreement over both districts: £20,000.00 and £10,000.01 from the recurrent stream."""
    a, b = funded.areas
    return make_agreement(
        funded, lines=[line(funded.stream, fy2022, a, "20000.00"), line(funded.stream, fy2022, b, "10000.01")], status="active"
    )


def convert(agreement, **overrides):
    args = {
        "agreement": agreement,
        "last_year": year(2024),
        "uplift_percent": D("3"),
        "reason": "Three-year settlement",
        "approved_by": "Cabinet",
        "approved_on": dt.date(2023, 2, 9),
        "actor": agreement.created_by,
    }
    return agreement_convert_to_multiyear(**(args | overrides))


def test_a_conversion_is_a_variation_that_adds_each_years_funding_and_keeps_the_original(annual, funded):
    original = sorted(FundingLine.objects.filter(agreement=annual).values_list("pk", "amount"))
    variation = convert(annual, notice_months=3, earliest_break_date=dt.date(2024, 3, 31), first_review_date=dt.date(2024, 1, 15))
    annual.refresh_from_db()
    assert variation.kind == Variation.Kind.MULTI_YEAR and variation.number == 1
    assert str(variation) == "Variation 1: Conversion to multi-year"
    assert annual.current_end_date == dt.date(2025, 3, 31) and annual.end_date == dt.date(2023, 3, 31)
    # 30,000.01 × 1.03 = 30,900.0103 → 30,900.01; × 1.03 = 31,827.0103 → 31,827.01; shared 2:1 over the districts.
    assert values(annual) == {"2022": D("30000.01"), "2023": D("30900.01"), "2024": D("31827.01")}
    a, b = funded.areas
    added = {
        (ln.financial_year.start_year, ln.area_id): ln.amount for ln in variation.funding_lines.select_related("financial_year")
    }
    assert added == {
        (2023, a.pk): D("20600.00"),
        (2023, b.pk): D("10300.01"),
        (2024, a.pk): D("21218.00"),
        (2024, b.pk): D("10609.01"),
    }
    assert sorted(FundingLine.objects.filter(agreement=annual, variation=None).values_list("pk", "amount")) == original
    terms = MultiYearTerms.objects.get(agreement=annual)
    assert terms.variation == variation and (terms.first_year.start_year, terms.last_year.start_year) == (2022, 2024)
    assert list(ProfileYear.objects.filter(terms=terms).values_list("amount", "added")) == [
        (D("30000.01"), False),
        (D("30900.01"), True),
        (D("31827.01"), True),
    ]
    steps = agreement_terms(annual)["steps"]
    assert [s.label for s in steps] == ["Original terms", "Variation 1: Conversion to multi-year"]
    assert AuditEvent.objects.filter(verb="variation.created", object_id=annual.pk).exists()


def test_one_off_money_is_not_carried_into_the_new_years(annual, funded, fy2022):
    one_off = FundingStreamFactory(programme=funded.programme, recurrence=FundingStream.Recurrence.ONE_OFF, name="One-off")
    programme_services.budget_set(stream=one_off, year=fy2022, amount=D("500.00"), actor=funded.actor)
    programme_services.allocations_set(stream=one_off, year=fy2022, amounts={funded.areas[0]: D("500.00")}, actor=funded.actor)
    agreement_services.variation_create(
        agreement=annual,
        kind=Variation.Kind.VALUE_CHANGE,
        reason="One-off",
        approved_by="Officer",
        approved_on=dt.date(2022, 5, 1),
        actor=funded.actor,
        lines=[line(one_off, fy2022, funded.areas[0], "500.00")],
    )
    plan = multiyear_plan_conversion(agreement=annual, last_year=year(2023), uplift_percent=D("0"))
    assert [r.amount for r in plan.rows] == [D("30000.01"), D("30000.01")]
    assert {ln.stream for ln in plan.lines} == {funded.stream}


@pytest.mark.parametrize(
    "setup, overrides, message",
    [
        ("draft", {}, "A draft agreement is not varied"),
        ("mid_year", {}, "ends on 30 September 2022; a conversion starts from a whole financial year"),
        ("converted", {}, "is already multi-year (2022-23 to 2024-25)"),
        (None, {"last_year": "2022"}, "already runs to the end of 2022-23"),
        (None, {"reason": " "}, "Say why the agreement is changing"),
        (None, {"earliest_break_date": dt.date(2025, 3, 31), "notice_months": 3}, "before it ends"),
        (None, {"expected_total": D("1.00")}, "The agreement changed since the preview"),
    ],
)
def test_bad_conversions_are_refused_and_write_nothing(funded, fy2022, setup, overrides, message):
    end = dt.date(2022, 9, 30) if setup == "mid_year" else dt.date(2023, 3, 31)
    agreement = make_agreement(
        funded,
        lines=[line(funded.stream, fy2022, funded.areas[0], "1000.00")],
        end=end,
        status=None if setup == "draft" else "active",
    )
    if setup == "converted":
        convert(agreement)
    if overrides.get("last_year") == "2022":
        overrides = overrides | {"last_year": fy2022}
    with nothing_written(), pytest.raises(ValidationError) as caught:
        convert(agreement, **overrides)
    assert message in messages(caught.value)


def test_only_recurrent_funding_can_be_continued(funded, fy2022):
    one_off = FundingStreamFactory(programme=funded.programme, recurrence=FundingStream.Recurrence.ONE_OFF, name="One-off")
    programme_services.budget_set(stream=one_off, year=fy2022, amount=D("500.00"), actor=funded.actor)
    programme_services.allocations_set(stream=one_off, year=fy2022, amounts={funded.areas[0]: D("500.00")}, actor=funded.actor)
    agreement = make_agreement(funded, lines=[line(one_off, fy2022, funded.areas[0], "500.00")], status="active")
    with nothing_written(), pytest.raises(ValidationError, match="no recurrent funding in 2022-23 to continue"):
        convert(agreement)


def test_the_ordinary_variation_form_cannot_make_a_conversion_without_its_terms(annual):
    with nothing_written(), pytest.raises(ValidationError, match="needs its profile, uplift and break clause"):
        agreement_services.variation_create(
            agreement=annual,
            kind=Variation.Kind.MULTI_YEAR,
            new_end_date=dt.date(2025, 3, 31),
            reason="x",
            approved_by="y",
            approved_on=dt.date(2023, 1, 1),
            actor=annual.created_by,
        )


def test_a_budget_set_later_below_the_commitments_is_allowed_and_allocations_cannot_undercut_them(annual, funded):
    convert(annual)
    fy2023 = year(2023)
    programme_services.budget_set(
        stream=funded.stream, year=fy2023, amount=D("25000.00"), actor=funded.actor
    )  # less than £30,900.01
    with pytest.raises(ValidationError, match="agreements already commit £20,600.00"):
        programme_services.allocations_set(
            stream=funded.stream, year=fy2023, amounts={funded.areas[0]: D("10000.00")}, actor=funded.actor
        )


def test_another_providers_conversion_must_not_run_into_a_later_agreement(annual, funded):
    later = funded_programme(actor=funded.actor, areas=funded.areas, start_years=(2024,), programme=funded.programme)
    make_agreement(
        funded,
        organisation=annual.organisation,
        lines=[line(later.stream, year(2024), funded.areas[0], "100.00")],
        start=dt.date(2024, 4, 1),
        end=dt.date(2025, 3, 31),
    )
    with nothing_written(), pytest.raises(ValidationError, match="already has"):
        convert(annual)
