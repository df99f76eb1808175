"""The home page's queues on factory-made records: who is in each queue, in what order, and the totals to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.engagement.test_meetings_services import make_world, monitoring
from tests.factories import DecisionFactory, ProgrammeFactory, UserFactory, year
from tests.monitoring.test_returns import setup as setup  # noqa: F401 - the monitoring tests' fixture
from tests.monitoring.test_returns import submitted_return
from vcsgrants.core.figures_cache import read_versions
from vcsgrants.core.models import Role
from vcsgrants.engagement.services import meetings as meeting_services
from vcsgrants.funding.models import Agreement, Payment, PaymentInstalment
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.hub import selectors as queues
from vcsgrants.monitoring import services as monitoring_services
from vcsgrants.monitoring.models import KpiVersion
from vcsgrants.monitoring.selectors import late_returns

pytestmark = pytest.mark.django_db

D = dt.date
P = Decimal


def by_key(found: list[queues.Queue]) -> dict[str, queues.Queue]:
    return {q.key: q for q in found}


# --- Officers ----------------------------------------------------------------------------------


def test_returns_to_review_are_the_submitted_ones_oldest_first_and_queried_ones_wait_for_the_provider(setup, fy2022):
    s = setup
    later = submitted_return(s, fy2022, 2, "30")
    earlier = submitted_return(s, fy2022, 1, "25")
    earlier.submitted_at, later.submitted_at = timezone.now() - dt.timedelta(days=9), timezone.now() - dt.timedelta(days=2)
    earlier.save(update_fields=["submitted_at"])
    later.save(update_fields=["submitted_at"])
    queried = submitted_return(s, fy2022, 3, "20")
    monitoring_services.return_review(return_record=queried, accept=False, actor=s.officer, comment="Which groups?")

    found = by_key(queues.officer_queues(s.officer, D(2023, 3, 31), limit=1))

    review = found["returns-to-review"]
    assert review.count == 2 and review.more == 1  # only the oldest is shown, with "and 1 more"
    assert [i.url for i in review.items] == [reverse("monitoring:return-detail", args=[earlier.pk])]
    assert review.more_url == reverse("hub:queue", args=["returns-to-review"])
    assert [r.pk for r in queues.returns_to_review()] == [earlier.pk, later.pk]
    assert [r.pk for r in queues.queries_awaiting_provider()] == [queried.pk]
    assert found["queries"].count == 1

    monitoring_services.return_review(return_record=earlier, accept=True, actor=s.officer)
    assert [r.pk for r in queues.returns_to_review()] == [later.pk]  # accepted: no longer waiting


def test_overdue_returns_leave_out_queried_ones_and_say_how_late(setup, fy2022):
    s = setup
    queried = submitted_return(s, fy2022, 1, "20")
    monitoring_services.return_review(return_record=queried, accept=False, actor=s.officer, comment="Check")
    found = by_key(queues.officer_queues(s.officer, D(2023, 3, 1)))
    overdue = found["returns-overdue"]
    # Q2 (due 30 October 2022) and Q3 (due 30 January 2023) are not in by 1 March 2023; Q1 is queried, not late.
    assert overdue.count == 2
    assert [i.days_overdue for i in overdue.items] == [122, 30]
    assert all(reverse("monitoring:agreement-monitoring", args=[s.agreement.pk]) == i.url for i in overdue.items)


def propose_kpi(s):
    """The provider proposes a KPI ("SG9 Groups newly registered") under the stronger-groups outcome."""
    return monitoring_services.kpi_propose(
        outcome=s.groups.outcome,
        code="SG9",
        name="Groups newly registered",
        definition="Groups registered with the Charity Commission in the quarter.",
        unit=KpiVersion.Unit.COUNT,
        aggregation="sum",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
        direction="higher_is_better",
        actor=s.provider,
    )


def test_kpi_proposals_awaiting_a_decision_and_not_once_decided(setup):
    s = setup
    proposal = propose_kpi(s)
    found = by_key(queues.officer_queues(s.officer, D(2023, 3, 1)))
    assert [i.url for i in found["kpi-proposals"].items] == [reverse("monitoring:kpi-detail", args=[proposal.pk])]
    monitoring_services.kpi_decide(kpi=proposal, agree=False, actor=s.officer, reason="Not measurable yet")
    assert queues.kpi_proposals().count() == 0


def test_actions_due_within_two_weeks_or_overdue_the_officers_own_and_everyones(officer, funded):
    world = make_world(officer, funded)
    meeting = monitoring(world)
    today = D(2022, 11, 1)

    def add(text, due, owner=None, organisation=None):
        return meeting_services.action_add(
            meeting=meeting,
            description=text,
            due_date=due,
            actor=world.officer,
            owner_user=owner,
            owner_name="" if owner else "Someone",
            owner_organisation=organisation or world.council,
            today=D(2022, 9, 1),
        )

    late_own = add("Send the minutes", D(2022, 10, 1), owner=world.officer)
    soon_other = add("Book the room", D(2022, 11, 10), owner=world.kestrel_user, organisation=world.kestrel)
    add("Plan next year", D(2022, 12, 31), owner=world.officer)  # not due for eight weeks
    done = add("Circulate the agenda", D(2022, 9, 30), owner=world.officer)
    meeting_services.action_mark_done(action=done, done_on=D(2022, 9, 29), actor=world.officer, today=D(2022, 9, 29))

    found = by_key(queues.officer_queues(world.officer, today))
    assert [i.label for i in found["my-actions"].items] == [late_own.description]
    assert found["my-actions"].items[0].days_overdue == 31
    assert [i.label for i in found["actions"].items] == [late_own.description, soon_other.description]


def test_decisions_with_an_extension_still_to_apply(setup, officer):
    # The agreement is active and ends on 31 March 2023, so a decision covering 2023-24 still has something to apply.
    covering = DecisionFactory(period_start=D(2023, 4, 1), period_end=D(2024, 3, 31), decision_date=D(2023, 2, 10))
    DecisionFactory(period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), decision_date=D(2024, 2, 10))
    DecisionFactory()  # no period: nothing to apply
    year(2023)
    year(2024)
    assert [d.pk for d in queues.decisions_to_apply()] == [covering.pk]


def test_decisions_to_apply_are_worked_out_once_per_change_of_what_they_read(setup, officer, django_assert_num_queries):
    covering = DecisionFactory(period_start=D(2023, 4, 1), period_end=D(2024, 3, 31), decision_date=D(2023, 2, 10))
    year(2023)
    assert [d.pk for d in queues.decisions_to_apply()] == [covering.pk]
    with django_assert_num_queries(1):  # the version of what it reads; the rest from the shared cache
        assert [d.pk for d in queues.decisions_to_apply()] == [covering.pk]
    second = DecisionFactory(period_start=D(2023, 4, 1), period_end=D(2024, 3, 31), decision_date=D(2023, 2, 20))
    assert [d.pk for d in queues.decisions_to_apply()] == [covering.pk, second.pk]  # the very next view
    agreement_services.agreement_set_status(agreement=setup.agreement, status=Agreement.Status.ENDED, actor=officer)
    assert queues.decisions_to_apply() == []  # ended: nothing waits for the extension any more


# --- Finance -----------------------------------------------------------------------------------------


@pytest.fixture
def schedule(setup, fy2022, officer):
    """The £5,000.00 agreement's 2022-23 in three instalments; £400.00 paid on the first."""
    s = setup
    instalments = payment_services.schedule_replace(
        agreement=s.agreement,
        year=fy2022,
        instalments=[(D(2022, 10, 1), P("1666.67")), (D(2022, 11, 15), P("1666.67")), (D(2023, 1, 15), P("1666.66"))],
        actor=officer,
    )
    finance = UserFactory(roles=[Role.FINANCE])
    payment_services.payment_record(instalment=instalments[0], paid_on=D(2022, 11, 2), amount=P("400.00"), actor=finance)
    return instalments


def test_finance_sees_instalments_overdue_and_due_in_30_days_with_exact_totals(schedule):
    first, second, third = schedule
    found = by_key(queues.finance_queues(D(2022, 11, 3)))

    overdue = found["instalments-overdue"]
    assert overdue.count == 1 and overdue.total == P("1266.67")  # £1,666.67 less the £400.00 paid
    assert overdue.items[0].amount == P("1266.67") and overdue.items[0].days_overdue == 33
    assert overdue.items[0].url == reverse("funding:payment-record", args=[first.agreement_id, first.pk])

    due = found["instalments-due"]
    assert [i.url for i in due.items] == [reverse("funding:payment-record", args=[second.agreement_id, second.pk])]
    assert due.total == P("1666.67")  # the January instalment is more than 30 days away

    paid = found["payments-this-month"]
    assert paid.count == 1 and paid.total == P("400.00")


def test_an_instalment_paid_in_full_leaves_the_queue_and_last_months_payments_do_not_count(schedule):
    first, second, _ = schedule
    finance = UserFactory(roles=[Role.FINANCE])
    payment_services.payment_record(instalment=first, paid_on=D(2022, 12, 1), amount=P("1266.67"), actor=finance)
    payment_services.payment_record(instalment=second, paid_on=D(2022, 12, 2), amount=P("0.01"), actor=finance)
    found = by_key(queues.finance_queues(D(2022, 12, 3)))
    assert found["instalments-overdue"].count == 1  # only the second, part paid
    assert found["instalments-overdue"].total == P("1666.66")
    assert found["payments-this-month"].total == P("1266.68")  # November's £400.00 is not December's


def test_finances_totals_are_worked_out_once_per_change_of_the_instalments_and_payments(schedule):
    first, _, _ = schedule
    today = D(2022, 11, 3)
    before = by_key(queues.finance_queues(today))["instalments-overdue"]
    assert (before.count, before.total) == (1, P("1266.67"))
    reads = []
    with connection.execute_wrapper(lambda execute, sql, *args: reads.append(sql) or execute(sql, *args)):
        queues.finance_queues(today)
    assert not any("SUM" in sql.upper() and "COUNT" in sql.upper() for sql in reads)  # the totals from the cache
    payment_services.payment_record(
        instalment=first, paid_on=D(2022, 11, 3), amount=P("66.67"), actor=UserFactory(roles=[Role.FINANCE])
    )
    after = by_key(queues.finance_queues(today))["instalments-overdue"]
    assert (after.count, after.total) == (1, P("1200.00"))  # the very next view


def test_finances_queues_items_come_from_the_cache_and_change_on_the_very_next_view(schedule, django_assert_num_queries):
    first, second, _ = schedule
    today = D(2022, 11, 3)
    queues.finance_queues(today)
    with django_assert_num_queries(1):  # the version of the instalments, payments, agreements and organisations
        found = by_key(queues.finance_queues(today))
    assert [i.url for i in found["instalments-overdue"].items] == [
        reverse("funding:payment-record", args=[first.agreement_id, first.pk])
    ]
    assert found["payments-this-month"].count == 1

    organisation = first.agreement.organisation
    organisation.name = "Renamed Voluntary Action"
    organisation.save()
    found = by_key(queues.finance_queues(today))
    assert all("Renamed Voluntary Action" in i.label for q in found.values() for i in q.items)

    finance = UserFactory(roles=[Role.FINANCE])
    payment_services.payment_record(instalment=first, paid_on=D(2022, 11, 3), amount=P("1266.67"), actor=finance)
    found = by_key(queues.finance_queues(today))  # the very next view: paid in full, so no longer overdue
    assert (found["instalments-overdue"].count, found["instalments-overdue"].items) == (0, [])
    assert (found["payments-this-month"].count, found["payments-this-month"].total) == (2, P("1666.67"))
    assert found["payments-this-month"].items[0].amount == P("1266.67")  # the latest first
    assert by_key(queues.finance_queues(D(2022, 11, 16)))["instalments-overdue"].items[0].url == reverse(
        "funding:payment-record", args=[second.agreement_id, second.pk]
    )  # a later day: the second is overdue


def test_finances_counts_and_totals_equal_the_listed_instalments(schedule):
    """The set-based count and total (one query) are those of the instalments the queue lists, whatever the day."""
    for today in (D(2022, 9, 1), D(2022, 10, 2), D(2022, 11, 3), D(2022, 12, 31), D(2023, 2, 1)):
        for instalments, due in (
            (queues.overdue_instalments(today), {"due_before": today}),
            (queues.instalments_due_soon(today), {"due_from": today, "due_by": today + dt.timedelta(days=30)}),
        ):
            listed = list(instalments)
            assert queues.count_and_outstanding(**due) == (len(listed), sum((i.outstanding for i in listed), P("0.00")))


# --- Cabinet and partners -------------------------------------------------------------------------------


def test_cabinet_sees_each_programmes_budget_committed_and_paid_and_the_latest_decisions(schedule, funded):
    overview = queues.cabinet_overview(D(2022, 11, 3))
    (glance,) = overview.programmes
    assert (glance.budget, glance.committed, glance.paid) == (P("100000.00"), P("5000.00"), P("400.00"))
    assert glance.performance_url == reverse("monitoring:performance", args=[funded.programme.slug])
    upcoming = DecisionFactory(decision_date=D(2023, 2, 10))
    taken = DecisionFactory(decision_date=D(2022, 2, 10))
    overview = queues.cabinet_overview(D(2022, 11, 3))
    assert [i.url for i in overview.coming_up.items] == [upcoming.get_absolute_url()]
    assert [i.url for i in overview.recent.items] == [taken.get_absolute_url()]
    ProgrammeFactory(name="Zz second programme")
    bounded = queues.cabinet_overview(D(2022, 11, 3), limit=1)
    assert [g.programme for g in bounded.programmes] == [funded.programme] and bounded.more_programmes == 1


def test_each_programmes_money_is_worked_out_once_per_change_and_the_very_next_view_shows_a_change(schedule, funded):
    first, _, _ = schedule
    today = D(2022, 11, 3)
    queues.cabinet_overview(today)
    reads = []
    with connection.execute_wrapper(lambda execute, sql, *args: reads.append(sql) or execute(sql, *args)):
        (glance,) = queues.cabinet_overview(today).programmes
    assert (glance.budget, glance.committed, glance.paid) == (P("100000.00"), P("5000.00"), P("400.00"))
    assert not any("SUM(" in sql and "funding_fundingline" in sql for sql in reads)  # the money from the cache

    finance = UserFactory(roles=[Role.FINANCE])
    payment_services.payment_record(instalment=first, paid_on=D(2022, 11, 3), amount=P("100.00"), actor=finance)
    (glance,) = queues.cabinet_overview(today).programmes
    assert glance.paid == P("500.00")  # the very next view
    programme_services.budget_set(stream=funded.stream, year=first.financial_year, amount=P("120000.00"), actor=finance)
    (glance,) = queues.cabinet_overview(today).programmes
    assert glance.budget == P("120000.00")


def test_a_partner_sees_its_contributions_by_year_and_what_it_co_funds(officer, funded):
    world = make_world(officer, funded)
    overview = queues.partner_home(world.icb_user)
    assert overview.detail_url == reverse("funding:partner-detail", args=[world.icb.pk])
    assert overview.total_committed == sum((row.committed for row in overview.by_year), P("0"))


# --- The pages ------------------------------------------------------------------------------------------


def test_the_full_queue_page_lists_every_item_and_only_officers_open_it(setup, fy2022):
    s = setup
    records = [submitted_return(s, fy2022, q, "10") for q in (1, 2)]
    client = Client()
    client.force_login(s.officer)
    page = client.get(reverse("hub:queue", args=["returns-to-review"])).content.decode()
    assert all(reverse("monitoring:return-detail", args=[r.pk]) in page for r in records)
    assert client.get(reverse("hub:queue", args=["nothing-like-this"])).status_code == 404
    client.force_login(s.provider)
    assert client.get(reverse("hub:queue", args=["returns-to-review"])).status_code == 403


pence = st.integers(min_value=1, max_value=5_000_000)  # up to £50,000.00


@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(pence, st.integers(min_value=0, max_value=100)), min_size=1, max_size=8))
def test_the_overdue_total_is_what_is_left_to_pay_on_each_instalment_to_the_penny(setup, fy2022, examples):
    """For any amounts and any part payments (a percentage of each), the queue's total is the sum of what is still to
    pay on each instalment shown in full, exactly; an instalment paid in full is not in the queue."""
    s = setup
    PaymentInstalment.objects.filter(agreement=s.agreement).delete()
    expected, left = P("0"), 0
    for i, (amount_pence, percent) in enumerate(examples):
        amount = P(amount_pence) / 100
        instalment = PaymentInstalment.objects.create(
            agreement=s.agreement, financial_year=fy2022, due_date=D(2022, 4, 1) + dt.timedelta(days=i), amount=amount
        )
        paid = (amount * percent / 100).quantize(P("0.01"))
        if paid:
            Payment.objects.create(instalment=instalment, paid_on=D(2022, 12, 1), amount=paid, recorded_by=s.officer)
        if amount - paid > 0:
            expected += amount - paid
            left += 1
    (overdue, *_) = queues.finance_queues(D(2023, 1, 1), limit=100)
    assert overdue.count == left and overdue.total == expected
    assert sum((item.amount for item in overdue.items), P("0")) == expected
    Payment.objects.filter(instalment__agreement=s.agreement).delete()


def test_an_administrator_on_a_new_install_is_still_pointed_to_people_beside_the_empty_queues(db):
    client = Client()
    client.force_login(UserFactory(roles=[Role.ADMIN]))
    page = client.get("/").content.decode()
    assert 'id="home-administrator-next"' in page and 'id="officer-work"' in page
    assert 'id="queue-returns-to-review"' in page and "Nothing waiting." in page


def test_a_cabinet_member_on_a_new_install_is_told_no_programme_is_set_up_rather_than_shown_an_empty_table(db):
    client = Client()
    client.force_login(UserFactory(roles=[Role.CABINET]))
    page = client.get("/").content.decode()
    assert "No programme is set up yet" in page and 'id="cabinet-money"' not in page
    assert "No programme has performance figures yet." in page
    assert "No decision is recorded yet." in page


def test_the_late_returns_queue_is_worked_out_once_per_change_of_what_it_reads(setup, fy2022, django_assert_num_queries):
    s = setup
    today = D(2023, 3, 1)
    count, rows = late_returns(today, limit=5)
    assert count == 3  # Q1, Q2 and Q3 of 2022/23 are due and not in
    with django_assert_num_queries(1):  # the version of what it reads; the rest from the shared cache
        assert late_returns(today, limit=5) == (count, rows)
    submitted_return(s, fy2022, 1, "20")
    assert late_returns(today, limit=5)[0] == 2  # the very next view: Q1 is in
    assert late_returns(D(2023, 5, 1), limit=5)[0] == 3  # a later day: Q4 is due too


def test_a_draft_saved_again_leaves_the_late_returns_queue_as_it_was(setup, fy2022, django_assert_num_queries):
    """Providers save drafts all day and a draft changes nothing in the queue but the link to it, made when the draft
    is started: saving it again keeps the figures cached; starting one or submitting it shows on the next view."""
    s, today = setup, D(2023, 3, 1)
    late_returns(today, limit=5)
    draft = monitoring_services.return_for(agreement=s.agreement, year=fy2022, quarter=2)
    monitoring_services.return_save(return_record=draft, values={s.groups: P("5")}, actor=s.provider)
    count, rows = late_returns(today, limit=5)
    assert count == 3 and [r.return_record for r in rows if r.quarter == 2] == [draft]  # started: linked at once
    monitoring_services.return_save(return_record=draft, values={s.groups: P("6")}, actor=s.provider)
    with django_assert_num_queries(1):  # saved again: the version has not moved
        assert late_returns(today, limit=5) == (count, rows)
    monitoring_services.return_save(return_record=draft, values={s.satisfaction: P("80")}, narrative="Done.", actor=s.provider)
    monitoring_services.return_submit(return_record=draft, actor=s.provider)
    assert late_returns(today, limit=5)[0] == 2  # submitted: no longer late, on the very next view


def test_the_returns_and_kpi_queues_are_kept_until_a_return_a_kpi_or_a_name_they_show_changes(setup, fy2022):
    """The officer's queues of returns and KPI proposals come from the shared cache while nothing they read changes:
    a submission, an acceptance, a KPI decision and an organisation's new name each show on the very next view, and a
    draft saved again (all day, by providers) keeps them cached."""
    s, today = setup, D(2023, 3, 1)

    def officer_view() -> dict[str, queues.Queue]:
        return by_key(queues.officer_queues(s.officer, today))

    assert officer_view()["returns-to-review"].count == 0
    first = submitted_return(s, fy2022, 1, "25")
    assert [i.url for i in officer_view()["returns-to-review"].items] == [reverse("monitoring:return-detail", args=[first.pk])]

    draft = monitoring_services.return_for(agreement=s.agreement, year=fy2022, quarter=2)
    monitoring_services.return_save(return_record=draft, values={s.groups: P("5")}, actor=s.provider)
    version = read_versions(queues.review_version_query())[0]
    monitoring_services.return_save(return_record=draft, values={s.groups: P("6")}, actor=s.provider)
    assert read_versions(queues.review_version_query())[0] == version  # a draft saved again: still cached

    s.agreement.organisation.name = "Renamed Voluntary Action"
    s.agreement.organisation.save()
    assert officer_view()["returns-to-review"].items[0].label.startswith(f"{s.agreement.reference}, Renamed Voluntary Action:")

    monitoring_services.return_review(return_record=first, accept=False, actor=s.officer, comment="Which groups?")
    queued = officer_view()
    assert queued["returns-to-review"].count == 0 and queued["queries"].count == 1

    proposal = propose_kpi(s)
    assert [i.label for i in officer_view()["kpi-proposals"].items] == ["SG9 Groups newly registered"]
    monitoring_services.kpi_decide(kpi=proposal, agree=False, actor=s.officer, reason="Not measurable yet")
    assert officer_view()["kpi-proposals"].count == 0
