"""factory_boy factories for the core and funding records, plus helpers that build money through the services.

Factories write rows directly (quick, no rules checked); `funded_programme` goes through the
services so the budget and allocation invariants hold, as they would for a user.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from vcsgrants.core.models import Area, AreaIndicator, FinancialYear, Organisation, Role, User
from vcsgrants.funding.models import Allocation, Decision, FundingStream, Programme, StreamBudget
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services


class FinancialYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialYear
        django_get_or_create = ("start_year",)

    start_year = 2022


def year(start_year: int) -> FinancialYear:
    return FinancialYearFactory(start_year=start_year)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test Provider {n}")
    slug = factory.Sequence(lambda n: f"test-provider-{n}")
    kind = Organisation.Kind.PROVIDER


class FunderFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Test County Council {n}")
    slug = factory.Sequence(lambda n: f"test-county-council-{n}")
    kind = Organisation.Kind.FUNDER


TEST_PASSWORD = "a-long-test-password"


def hashed_test_password() -> str:
    """Hashed once per process for each hasher setting: hashing for every user made each test half a second slower.

    Keyed by PASSWORD_HASHERS because tests switch to MD5 for speed: a hash cached under one setting would not
    check under another, and whether a later test could sign in would depend on the order tests ran in.
    """
    return _password_hash_for(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _password_hash_for(hashers: tuple[str, ...]) -> str:
    return make_password(TEST_PASSWORD)  # with hashers[0], the setting in force now


class UserFactory(factory.django.DjangoModelFactory):
    """A user with roles: `UserFactory(roles=[Role.OFFICER])` puts them in the group of that name."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organisation = factory.SubFactory(FunderFactory)
    password = factory.LazyFunction(hashed_test_password)  # signs in with TEST_PASSWORD

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for role in extracted:
            group, _ = Group.objects.get_or_create(name=Role(role).value)
            self.groups.add(group)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("gss_code",)

    gss_code = factory.Sequence(lambda n: f"E07{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"Test District {n}")
    kind = Area.Kind.DISTRICT
    population = 100_000

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # imd_score=… (as areas once had) is the indicator "imd" (IMD 2019 average score), made if missing.
        if "imd_score" in kwargs:
            score = kwargs.pop("imd_score")
            AreaIndicator.objects.get_or_create(key="imd", defaults={"name": "IMD 2019 average score"})
            indicators = dict(kwargs.get("indicators") or {})
            if score is not None:
                indicators["imd"] = str(score)
            kwargs["indicators"] = indicators
        return kwargs


class CountyAreaFactory(AreaFactory):
    gss_code = factory.Sequence(lambda n: f"E10{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"Test County {n}")
    kind = Area.Kind.COUNTY
    population = None


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    title = factory.Sequence(lambda n: f"Decision {n}")
    decision_date = dt.date(2022, 2, 10)
    meeting = "Cabinet, 10 February 2022"
    minute_reference = factory.Sequence(lambda n: f"{n}/22")
    recorded_by = factory.SubFactory(UserFactory)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Test programme {n}")
    slug = factory.Sequence(lambda n: f"test-programme-{n}")
    funder = factory.SubFactory(FunderFactory)


class FundingStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingStream

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Stream {n}")
    funder = factory.LazyAttribute(lambda s: s.programme.funder)
    recurrence = FundingStream.Recurrence.RECURRENT
    start = dt.date(2022, 4, 1)
    end = None


class StreamBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreamBudget

    stream = factory.SubFactory(FundingStreamFactory)
    financial_year = factory.SubFactory(FinancialYearFactory)
    amount = Decimal("100000.00")


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    stream = factory.SubFactory(FundingStreamFactory)
    financial_year = factory.SubFactory(FinancialYearFactory)
    area = factory.SubFactory(AreaFactory)
    amount = Decimal("10000.00")


@dataclass
class FundedProgramme:
    """A programme with one stream, a budget for each year and allocations to each area, made through the services."""

    programme: Programme
    stream: FundingStream
    areas: list[Area]
    years: list[FinancialYear]
    actor: User
    budgets: dict[int, Decimal] = field(default_factory=dict)


def funded_programme(
    *,
    actor: User,
    areas: list[Area],
    start_years: tuple[int, ...] = (2022,),
    budget: Decimal = Decimal("100000.00"),
    allocation: Decimal = Decimal("40000.00"),
    recurrence: str = FundingStream.Recurrence.RECURRENT,
    programme: Programme | None = None,
    stream_name: str | None = None,
) -> FundedProgramme:
    programme = programme or ProgrammeFactory()
    kwargs = {"name": stream_name} if stream_name else {}
    stream = FundingStreamFactory(programme=programme, recurrence=recurrence, **kwargs)
    years = [year(y) for y in start_years]
    for fy in years:
        programme_services.budget_set(stream=stream, year=fy, amount=budget, actor=actor)
        programme_services.allocations_set(stream=stream, year=fy, amounts=dict.fromkeys(areas, allocation), actor=actor)
    return FundedProgramme(programme, stream, areas, years, actor, {fy.start_year: budget for fy in years})


def line(stream: FundingStream, fy: FinancialYear, area: Area, amount: str | Decimal) -> agreement_services.LineInput:
    return agreement_services.LineInput(stream=stream, financial_year=fy, area=area, amount=Decimal(amount))


def set_council(**fields) -> None:
    """Give the council's settings these values, whether or not a flushed (transactional) test left the row."""
    from vcsgrants.core.models import CouncilSettings

    CouncilSettings.objects.update_or_create(pk=1, defaults=fields)  # save() signals the per-request read to forget
