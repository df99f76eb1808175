"""The demo loader: the Derbyshire case's figures, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Sum

from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.core.services import financial_year_get
from vcsgrants.demo.funding import ANNUAL_TOTAL, PROVIDERS
from vcsgrants.demo.names import DEMO_NAMES
from vcsgrants.funding.models import Agreement, PaymentInstalment, Programme, ProgrammePeriod
from vcsgrants.funding.selectors import programmes as selectors
from vcsgrants.funding.services import extension as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db) -> Programme:
    return Programme.objects.get(slug="vcs-infrastructure")


def year(start: int):
    return financial_year_get(start_year=start)


def test_illustrative_split_adds_up_to_the_minute_total():
    assert sum((p.annual for p in PROVIDERS), Decimal("0")) == ANNUAL_TOTAL == Decimal("452228.00")


def test_2022_23_commitments_match_the_minute(demo):
    summary = selectors.programme_year_summary(programme=demo, year=year(2022))
    assert summary.committed_recurrent == Decimal("452228.00")
    assert summary.committed_one_off == Decimal("125000.00")
    assert summary.reconciles
    assert summary.stream_total.budget == summary.stream_total.allocated == Decimal("577228.00")


def test_2023_24_bulk_extension_preview_is_the_same_total(demo):
    preview = services.bulk_extension_preview(programme=demo, year=year(2023))
    assert preview.total == Decimal("452228.00")
    assert len(preview.rows) == 10
    assert preview.problems == []
    assert all(s.is_one_off for s in preview.excluded_streams)


def test_periods_are_the_approved_period_and_two_extensions_in_order(demo):
    periods = list(demo.periods.all())
    assert [(p.kind, p.start, p.end, p.approved_by) for p in periods] == [
        (ProgrammePeriod.Kind.APPROVED, dt.date(2020, 10, 1), dt.date(2021, 9, 30), "Cabinet"),
        (ProgrammePeriod.Kind.EXTENSION, dt.date(2021, 10, 1), dt.date(2022, 3, 31), "Cabinet"),
        (ProgrammePeriod.Kind.EXTENSION, dt.date(2022, 4, 1), dt.date(2023, 3, 31), "Cabinet"),
    ]
    assert [p.months for p in periods] == [12, 6, 12]
    assert "from 1 October 2021 to 30 September 2022" in periods[0].note
    assert periods[2].decision.amount_approved == Decimal("452228.00")


def test_every_2022_23_schedule_sums_to_the_agreement_value(demo):
    fy = year(2022)
    agreements = list(demo.agreements.all())
    assert len(agreements) == 10
    for agreement in agreements:
        assert agreement.status == Agreement.Status.ACTIVE
        assert agreement.current_end_date == dt.date(2023, 3, 31)
        scheduled = agreement.instalments.filter(financial_year=fy).aggregate(t=Sum("amount"))["t"]
        assert scheduled == agreement.value_for(fy)
    # Paid up to 30 Sep 2022, nothing after: the payments page has paid and overdue rows.
    instalments = PaymentInstalment.objects.filter(agreement__programme=demo)
    for instalment in instalments:
        paid = instalment.payments.aggregate(t=Sum("amount"))["t"]
        assert paid == (instalment.amount if instalment.due_date < dt.date(2022, 10, 1) else None)
    assert instalments.filter(due_date__gte=dt.date(2022, 10, 1)).count() == 20


def test_a_second_run_changes_no_row_counts(demo):
    models = apps.get_models(include_auto_created=True)
    before = {m._meta.label: m.objects.count() for m in models}
    call_command("load_demo", stdout=io.StringIO())
    after = {m._meta.label: m.objects.count() for m in models}
    assert after == before
    assert Agreement.objects.filter(programme__slug="vcs-infrastructure").count() == 10


def test_every_demo_user_exists_with_its_role_and_organisation(demo):
    provider_group = Group.objects.get(name=Role.PROVIDER)
    providers = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
    assert providers.count() == 10
    for org in providers:
        assert org.is_demo and org.name.endswith(" (demo)") and org.org_id.startswith("GB-CHC-99990")
        user = User.objects.get(username=f"provider-{org.slug}")
        assert user.organisation == org
        assert provider_group in user.groups.all()
        assert user.check_password("demo-pass-2022")
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.has_role(Role.ADMIN)
    for username in ("officer", "finance", "cabinet", "partner", "partner-icb"):
        assert User.objects.filter(username=username).exists()
    assert Organisation.objects.get(name="Derbyshire County Council").org_id == "GB-LAE-DBY"
    ccg = Organisation.objects.get(name="NHS Derby and Derbyshire Clinical Commissioning Group")
    assert ccg.org_id is None and ccg.successor.name == "NHS Derby and Derbyshire Integrated Care Board"


def test_every_demo_user_has_an_invented_name_and_pages_use_it(demo, client):
    users = User.objects.filter(username__in=DEMO_NAMES)
    assert users.count() == len(DEMO_NAMES) == 21  # admin, officer, finance, cabinet, 3 partners, 10 providers, 4 calls
    for user in users:
        assert (user.first_name, user.last_name) == DEMO_NAMES[user.username]
    officer = User.objects.get(username="officer")
    assert officer.display_name == "Olivia Ashworth"
    client.force_login(officer)
    assert "Welcome, Olivia Ashworth" in client.get("/").content.decode()


def test_a_second_run_names_a_demo_user_with_no_name_and_keeps_a_changed_one(demo):
    User.objects.filter(username="officer").update(first_name="", last_name="")
    User.objects.filter(username="finance").update(first_name="Frances", last_name="Adeyemi-Clarke")
    User.objects.filter(username="assessor-2").update(first_name="", last_name="")
    User.objects.filter(username="partner-nhs-demo").update(first_name="", last_name="")
    call_command("load_demo", stdout=io.StringIO())
    names = dict(User.objects.values_list("username", "last_name"))
    assert names["officer"] == "Ashworth" and names["assessor-2"] == "Karim" and names["partner-nhs-demo"] == "Lomas"
    assert names["finance"] == "Adeyemi-Clarke"


def test_partners_see_only_programmes_they_co_fund(demo):
    assert list(selectors.programmes_visible_to(User.objects.get(username="partner"))) == [demo]
    assert list(selectors.programmes_visible_to(User.objects.get(username="partner-icb"))) == []


def test_demo_password_comes_from_the_environment(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert User.objects.get(username="officer").check_password("another-demo-pass")
    assert "another-demo-pass" in out.getvalue()


def test_the_covid_one_off_stream_is_fully_paid_in_2022_23(demo):
    """Both its 2022-23 instalments (April and July, the stream ends 30 September) were paid: all £125,000.00."""
    summary = selectors.programme_year_summary(programme=demo, year=year(2022))
    covid = next(row for row in summary.streams if row.obj.is_one_off)
    core = next(row for row in summary.streams if not row.obj.is_one_off)
    assert (covid.committed, covid.paid, covid.remaining) == (Decimal("125000.00"), Decimal("125000.00"), Decimal("0.00"))
    assert covid.uncommitted == Decimal("0.00")
    assert core.paid + covid.paid == summary.stream_total.paid == summary.district_total.paid
    assert core.remaining == core.committed - core.paid
    assert summary.stream_total.remaining == summary.district_total.remaining
    assert summary.reconciles and not summary.over_committed


def test_wellbeing_2024_25_remaining_to_pay_is_the_same_on_both_tables(demo):
    """Remaining to pay is committed − paid on the stream and district tables alike (it was budget − paid on one
    and allocated − paid on the other)."""
    from vcsgrants.demo.multiyear import PROGRAMME_SLUG

    summary = selectors.programme_year_summary(programme=Programme.objects.get(slug=PROGRAMME_SLUG), year=year(2024))
    streams, districts = summary.stream_total, summary.district_total
    assert (streams.committed, streams.paid) == (Decimal("74982.75"), Decimal("0.00"))
    assert streams.remaining == districts.remaining == Decimal("74982.75")
    assert streams.uncommitted == Decimal("-4982.75")
    # Its multi-year profile commits more than the year's budget: flagged, naming the stream and the excess.
    [over] = summary.over_committed
    assert (over.label, over.over_committed) == ("Wellbeing infrastructure grant (demo)", Decimal("4982.75"))
