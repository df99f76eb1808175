"""No lost updates (issue 19, item 2): two officers open the same edit page; the first saves; the second's save, from
the page as it was, is refused with what changed, by whom and when, and nothing of the first is overwritten. Each
test drives the pages with two real sessions, as two browsers would, then shows the second officer reloading and
making their change again."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.calls.conftest import applicant_user, build_call
from tests.factories import OrganisationFactory, UserFactory, line
from tests.monitoring.test_returns import make_agreement, make_kpis, set_targets
from tests.versions import opened_form, shown_form
from vcsgrants.calls.services.apply import application_start
from vcsgrants.calls.services.assess import criterion_save
from vcsgrants.calls.services.build import call_create
from vcsgrants.core.concurrency import HEADLINE, RELOAD, UNREADABLE
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.engagement.models.meetings import EngagementSettings, Meeting
from vcsgrants.engagement.services.consultations import consultation_create, question_add
from vcsgrants.engagement.services.meetings import action_add, meeting_record
from vcsgrants.funding.models import (
    Agreement,
    Allocation,
    FundingStream,
    PaymentInstalment,
    StreamBudget,
    StreamContribution,
)
from vcsgrants.funding.services.agreements import agreement_create
from vcsgrants.monitoring.models import KpiTarget, KpiVersion, Return
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.services import report_save

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def alice(db):
    return UserFactory(roles=[Role.OFFICER], first_name="Alice", last_name="Able")


@pytest.fixture
def bob(db):
    return UserFactory(roles=[Role.OFFICER], first_name="Bob", last_name="Baker")


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused(response, *lines: str) -> str:
    """The page a stale save gets back: the form again, saying what changed and that nothing was saved."""
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.content.decode())
    assert "There is a problem" in page
    for expected in (HEADLINE, RELOAD, *lines):
        assert expected in page, expected
    return page


def allocations(funded) -> dict[str, Decimal]:
    rows = Allocation.objects.filter(stream=funded.stream, financial_year=funded.years[0]).select_related("area")
    return {a.area.name: a.amount for a in rows}


# --- Allocations ---------------------------------------------------------------------------------------------


def test_allocations_a_stale_page_is_refused_and_the_first_change_is_kept(funded, alice, bob):
    amber, bolsover = funded.areas
    url = reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form[f"area_{amber.pk}"] = ["45000.00"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form[f"area_{bolsover.pk}"] = ["35000.00"]
    refused(
        bob_page.post(url, bob_form),
        "Amber Valley Test: £40,000.00 → £45,000.00",
        "Saved by Alice Able",
        "Changed 1 allocation(s)",
    )
    assert allocations(funded) == {"Amber Valley Test": D("45000.00"), "Bolsover Test": D("40000.00")}
    assert not AuditEvent.objects.filter(verb="allocations.set", actor=bob).exists()

    # Bob reloads: the page shows Alice's figure, and his change goes through on top of it.
    bob_form = opened_form(bob_page, url)
    assert bob_form[f"area_{amber.pk}"] == ["45000.00"]
    bob_form[f"area_{bolsover.pk}"] = ["35000.00"]
    assert bob_page.post(url, bob_form).status_code == 302
    assert allocations(funded) == {"Amber Valley Test": D("45000.00"), "Bolsover Test": D("35000.00")}


def test_allocations_a_save_that_changed_nothing_does_not_block_the_other(funded, alice, bob):
    amber, bolsover = funded.areas
    url = reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)
    assert alice_page.post(url, alice_form).status_code == 302  # saved as it was
    bob_form[f"area_{bolsover.pk}"] = ["35000.00"]
    assert bob_page.post(url, bob_form).status_code == 302
    assert allocations(funded) == {"Amber Valley Test": D("40000.00"), "Bolsover Test": D("35000.00")}


def test_a_form_with_a_forged_or_missing_version_is_refused(funded, alice):
    amber, _ = funded.areas
    url = reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    page = session(alice)
    form = opened_form(page, url)
    form[f"area_{amber.pk}"] = ["1.00"]
    for version in (["forged"], []):
        form["version"] = version
        refused_page = html.unescape(page.post(url, form).content.decode())
        assert UNREADABLE in refused_page and RELOAD in refused_page
    assert allocations(funded)["Amber Valley Test"] == D("40000.00")


# --- Budgets -------------------------------------------------------------------------------------------------


def test_budgets_a_stale_page_is_refused_for_the_year_someone_else_set(funded, alice, bob):
    url = reverse("funding:budget-set", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)
    other_year = dict(bob_form)

    alice_form["amount"] = ["120000.00"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["amount"] = ["90000.00"]
    refused(bob_page.post(url, bob_form), "Budget for 2022-23: £100,000.00 → £120,000.00", "Saved by Alice Able")
    assert StreamBudget.objects.get(stream=funded.stream, financial_year=funded.years[0]).amount == D("120000.00")

    # The same stale page may still set a year nobody has touched: the check covers the year being set.
    other_year.update(financial_year=["2023-24"], amount=["80000.00"])
    assert bob_page.post(url, other_year).status_code == 302
    assert StreamBudget.objects.get(stream=funded.stream, financial_year__start_year=2023).amount == D("80000.00")


# --- Payment schedules ---------------------------------------------------------------------------------------


@pytest.fixture
def draft(funded, officer):
    """A draft agreement with £8,000.00 in 2022-23, scheduled quarterly in advance (£2,000.00 a quarter)."""
    return agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[funded.areas[0]],
        title="Infrastructure support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(funded.stream, funded.years[0], funded.areas[0], "8000.00")],
    )


def test_payment_schedules_a_stale_page_is_refused_and_the_first_schedule_is_kept(draft, alice, bob):
    url = reverse("funding:schedule-edit", args=[draft.pk, "2022-23"])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)
    assert alice_form["form-0-amount"] == ["2000.00"]

    alice_form.update({"form-0-amount": ["2500.00"], "form-1-amount": ["1500.00"]})
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form.update({"form-2-amount": ["1000.00"], "form-3-amount": ["3000.00"]})
    refused(
        bob_page.post(url, bob_form),
        "Instalment 1: due 1 April 2022, £2,000.00 → due 1 April 2022, £2,500.00",
        "Instalment 2: due 1 July 2022, £2,000.00 → due 1 July 2022, £1,500.00",
        "Saved by Alice Able",
    )
    amounts = list(PaymentInstalment.objects.filter(agreement=draft).order_by("due_date").values_list("amount", flat=True))
    assert amounts == [D("2500.00"), D("1500.00"), D("2000.00"), D("2000.00")]

    bob_form = opened_form(bob_page, url)
    bob_form.update({"form-2-amount": ["1000.00"], "form-3-amount": ["3000.00"]})
    assert bob_page.post(url, bob_form).status_code == 302
    amounts = list(PaymentInstalment.objects.filter(agreement=draft).order_by("due_date").values_list("amount", flat=True))
    assert amounts == [D("2500.00"), D("1500.00"), D("1000.00"), D("3000.00")]


# --- Agreements ----------------------------------------------------------------------------------------------


def test_agreement_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft, alice, bob):
    url = reverse("funding:agreement-edit", args=[draft.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["title"] = ["Infrastructure support and training"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["end_date"] = ["2022-12-31"]
    refused(
        bob_page.post(url, bob_form),
        "Title: Infrastructure support → Infrastructure support and training",
        "Saved by Alice Able",
    )
    draft.refresh_from_db()
    assert (draft.title, draft.end_date) == ("Infrastructure support and training", dt.date(2023, 3, 31))


# --- Reports for decisions -----------------------------------------------------------------------------------


def test_report_drafts_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    report = report_save(
        report=CabinetReport(
            programme=funded.programme,
            title="VCS grants 2022-23",
            meeting_date=dt.date(2022, 3, 10),
            purpose="To agree the grants.",
            recommendations="Agree the grants.",
            financial_year=funded.years[0],
        ),
        actor=officer,
    )
    url = reverse("reports:report-edit", args=[report.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["purpose"] = ["To agree the grants for 2022-23."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["recommendations"] = ["Agree the grants.\nDelegate the details."]
    refused(
        bob_page.post(url, bob_form), "Purpose: To agree the grants. → To agree the grants for 2022-23.", "Saved by Alice Able"
    )
    report.refresh_from_db()
    assert (report.purpose, report.recommendations) == ("To agree the grants for 2022-23.", "Agree the grants.")


# --- KPI targets ---------------------------------------------------------------------------------------------


def test_kpi_targets_a_stale_page_is_refused_and_the_first_targets_are_kept(funded, officer, fy2022, alice, bob):
    agreement = make_agreement(funded, officer)
    groups, satisfaction = make_kpis(funded.programme, officer)
    set_targets(agreement, (groups, satisfaction), officer, fy2022)
    url = reverse("monitoring:targets-edit", args=[agreement.pk, "2022-23"])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form.update({f"annual_{groups.pk}": ["120"], **{f"q{q}_{groups.pk}": ["30"] for q in (1, 2, 3, 4)}})
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form.update({f"annual_{satisfaction.pk}": ["85"], **{f"q{q}_{satisfaction.pk}": ["85"] for q in (1, 2, 3, 4)}})
    refused(
        bob_page.post(url, bob_form),
        "SG1 target: 100 (quarters 25, 25, 25, 25) → 120 (quarters 30, 30, 30, 30)",
        "Saved by Alice Able",
    )
    targets = {t.kpi.code: t.annual_target for t in KpiTarget.objects.filter(agreement=agreement).select_related("kpi")}
    assert targets == {"SG1": D("120"), "SG2": D("80")}


# --- Funding streams -----------------------------------------------------------------------------------------


def test_stream_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, alice, bob):
    url = reverse("funding:stream-edit", args=[funded.programme.slug, funded.stream.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)
    name = funded.stream.name

    alice_form["description"] = ["Core grants to infrastructure bodies."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["name"] = ["Core grants"]
    refused(bob_page.post(url, bob_form), "Description: (blank) → Core grants to infrastructure bodies.")
    stream = FundingStream.objects.get(pk=funded.stream.pk)
    assert (stream.name, stream.description) == (name, "Core grants to infrastructure bodies.")
    assert Agreement.objects.count() == 0


# --- Meetings ------------------------------------------------------------------------------------------------


def test_meeting_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    meeting = meeting_record(
        programme=funded.programme, kind=Meeting.Kind.PARTNERSHIP, date=dt.date(2022, 10, 20), actor=officer, agenda="Budgets"
    )
    url = reverse("engagement:meeting-edit", args=[meeting.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["notes"] = ["Agreed the budget."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["location"] = ["Matlock"]
    refused(bob_page.post(url, bob_form), "Notes: (blank) → Agreed the budget.", "Saved by Alice Able")
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.location) == ("Agreed the budget.", "")


def test_action_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    meeting = meeting_record(
        programme=funded.programme, kind=Meeting.Kind.PARTNERSHIP, date=dt.date(2022, 10, 20), actor=officer, agenda="Budgets"
    )
    action = action_add(
        meeting=meeting, description="Send the figures", owner_name="Pat", due_date=dt.date(2035, 1, 31), actor=officer
    )
    url = reverse("engagement:action-edit", args=[action.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["due_date"] = ["2035-02-28"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["description"] = ["Send the figures to partners"]
    refused(bob_page.post(url, bob_form), "Due date: 31 January 2035 → 28 February 2035", "Saved by Alice Able")
    action.refresh_from_db()
    assert (action.description, action.due_date) == ("Send the figures", dt.date(2035, 2, 28))


# --- Consultations -------------------------------------------------------------------------------------------


def test_consultation_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    consultation = consultation_create(
        programme=funded.programme,
        title="Future of VCS grants",
        description="Our proposals.",
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=30),
        privacy_notice="We keep your answers safe.",
        actor=officer,
    )
    url = reverse("engagement:consultation-edit", args=[consultation.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["description"] = ["Our proposals, with costs."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["title"] = ["The future of VCS grants"]
    refused(bob_page.post(url, bob_form), "Description: Our proposals. → Our proposals, with costs.", "Saved by Alice Able")
    consultation.refresh_from_db()
    assert (consultation.title, consultation.description) == ("Future of VCS grants", "Our proposals, with costs.")


def test_consultation_question_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    consultation = consultation_create(
        programme=funded.programme,
        title="Future of VCS grants",
        description="Our proposals.",
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=30),
        privacy_notice="We keep your answers safe.",
        actor=officer,
    )
    question = question_add(
        consultation=consultation, text="Which matters most?", kind="single", options=["Rural", "Urban"], actor=officer
    )
    url = reverse("engagement:consultation-question-edit", args=[question.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["options"] = ["Rural\nUrban\nBoth"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["text"] = ["Which matters most to you?"]
    refused(bob_page.post(url, bob_form), "Options: Rural\nUrban → Rural\nUrban\nBoth", "Saved by Alice Able")
    question.refresh_from_db()
    assert (question.text, question.options) == ("Which matters most?", ["Rural", "Urban", "Both"])


# --- Open calls ----------------------------------------------------------------------------------------------


def test_call_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(funded, officer, alice, bob):
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    call = call_create(
        programme=funded.programme,
        title="Infrastructure support",
        reference="infra-support",
        description="Support for local groups.",
        stream=funded.stream,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=30),
        agreement_start=dt.date(2024, 4, 1),
        agreement_end=dt.date(2026, 3, 31),
        actor=officer,
    )
    url = reverse("calls:call-edit", args=[call.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["description"] = ["Support for local groups and networks."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["title"] = ["Infrastructure support 2024 to 2026"]
    refused(
        bob_page.post(url, bob_form),
        "Description: Support for local groups. → Support for local groups and networks.",
        "Saved by Alice Able",
    )
    call.refresh_from_db()
    assert (call.title, call.description) == ("Infrastructure support", "Support for local groups and networks.")


# --- Organisations -------------------------------------------------------------------------------------------


def test_organisation_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(alice, bob):
    organisation = OrganisationFactory(name="Amber Valley CVS")
    url = reverse("core:organisation-edit", args=[organisation.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["charity_number"] = ["1012345"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["company_number"] = ["01234567"]
    refused(bob_page.post(url, bob_form), "Charity number: (blank) → 1012345", "Saved by Alice Able")
    organisation.refresh_from_db()
    assert (organisation.charity_number, organisation.company_number) == ("1012345", "")

    # Bob reloads: his change goes through on top of Alice's.
    bob_form = opened_form(bob_page, url)
    bob_form["company_number"] = ["01234567"]
    assert bob_page.post(url, bob_form).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.charity_number, organisation.company_number) == ("1012345", "01234567")


# --- Partners' contributions ---------------------------------------------------------------------------------


def test_contributions_a_stale_page_is_refused_for_the_partner_and_year_someone_else_set(funded, fy2022, alice, bob):
    partner = OrganisationFactory(name="Test ICB", kind=Organisation.Kind.PARTNER)
    url = reverse("funding:stream-contributions", args=[funded.programme.slug, funded.stream.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)
    chosen = {"funder": [str(partner.pk)], "financial_year": [str(fy2022.pk)]}

    alice_form.update(chosen, amount=["20000.00"], note=["Section 256"])
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form.update(chosen, amount=["15000.00"])
    refused(
        bob_page.post(url, bob_form),
        "Test ICB's contribution for 2022-23: (blank) → £20,000.00 (Section 256)",
        "Saved by Alice Able",
    )
    assert StreamContribution.objects.get(stream=funded.stream, funder=partner).amount == D("20000.00")


# --- Parts of an open call: lots, eligibility questions, sections, questions; assessment criteria -------------


@pytest.fixture
def draft_call(officer, districts):
    """A call not yet published, opening in ten days: every part of it may still change."""
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    return build_call(officer, districts, publish=False, opens_at=opens, closes_at=opens + dt.timedelta(days=30))


def test_call_lot_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft_call, alice, bob):
    lot = draft_call.lots[0]
    url = reverse("calls:call-lot-edit", args=[lot.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["amount"] = ["45000.00"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["name"] = ["Amber Valley and Belper"]
    refused(bob_page.post(url, bob_form), "Amount: 40000.00 → 45000.00", "Saved by Alice Able", "edited Lot 1")
    lot.refresh_from_db()
    assert (lot.name, lot.amount) == ("Amber Valley Test", D("45000.00"))

    bob_form = opened_form(bob_page, url)
    bob_form["name"] = ["Amber Valley and Belper"]
    assert bob_page.post(url, bob_form).status_code == 302
    lot.refresh_from_db()
    assert (lot.name, lot.amount) == ("Amber Valley and Belper", D("45000.00"))


def test_call_eligibility_question_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft_call, alice, bob):
    question = draft_call.eligibility[1]
    url = reverse("calls:call-eligibility-edit", args=[question.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["options"] = ["In the county\nOn its borders\nElsewhere"]
    alice_form["passing_answers"] = ["In the county\nOn its borders"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["text"] = ["Where does your organisation work?"]
    refused(
        bob_page.post(url, bob_form),
        "Passing answers: In the county → In the county\nOn its borders",
        "Saved by Alice Able",
    )
    question.refresh_from_db()
    assert (question.text, question.passing_answers) == ("Where do you work?", ["In the county", "On its borders"])


def test_call_section_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft_call, alice, bob):
    section = draft_call.sections[0]
    url = reverse("calls:call-section-edit", args=[section.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["intro"] = ["Tell us who you are."]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["title"] = ["About you"]
    refused(bob_page.post(url, bob_form), "Intro: (blank) → Tell us who you are.", "Saved by Alice Able")
    section.refresh_from_db()
    assert (section.title, section.intro) == ("About your organisation", "Tell us who you are.")


def test_call_question_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft_call, alice, bob):
    question = draft_call.questions["short_text"]
    url = reverse("calls:call-question-edit", args=[question.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["word_limit"] = ["20"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["hint"] = ["As on their contract"]
    refused(bob_page.post(url, bob_form), "Word limit: 10 → 20", "Saved by Alice Able")
    question.refresh_from_db()
    assert (question.hint, question.word_limit) == ("", 20)


def test_assessment_criterion_edit_a_stale_page_is_refused_and_the_first_edit_is_kept(draft_call, officer, alice, bob):
    criterion = criterion_save(
        call=draft_call.call, actor=officer, title="Value for money", guidance="0 = none; 5 = excellent", weight=40, max_score=5
    )
    url = reverse("calls:assess-criterion-edit", args=[criterion.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form["weight"] = ["30"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["title"] = ["Value for money and reach"]
    refused(bob_page.post(url, bob_form), "Weight: 40 → 30", "Saved by Alice Able", "Changed criterion 1")
    criterion.refresh_from_db()
    assert (criterion.title, criterion.weight) == ("Value for money", 30)

    bob_form = opened_form(bob_page, url)
    bob_form["title"] = ["Value for money and reach"]
    assert bob_page.post(url, bob_form).status_code == 302
    criterion.refresh_from_db()
    assert (criterion.title, criterion.weight) == ("Value for money and reach", 30)


# --- A programme's engagement settings -----------------------------------------------------------------------


def test_engagement_settings_a_stale_page_is_refused_and_the_first_setting_is_kept(funded, alice, bob):
    url = reverse("engagement:engagement-settings", args=[funded.programme.slug])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)  # never set: the defaults

    alice_form["meeting_interval_days"] = ["60"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form["meeting_interval_days"] = ["120"]
    refused(bob_page.post(url, bob_form), "Longest time between monitoring meetings (days): 90 → 60", "Saved by Alice Able")
    assert EngagementSettings.objects.get(programme=funded.programme).meeting_interval_days == 60

    bob_form = opened_form(bob_page, url)
    assert bob_form["meeting_interval_days"] == ["60"]
    bob_form["meeting_interval_days"] = ["120"]
    assert bob_page.post(url, bob_form).status_code == 302
    assert EngagementSettings.objects.get(programme=funded.programme).meeting_interval_days == 120


def test_call_kpis_a_stale_page_is_refused_and_the_first_targets_are_kept(draft_call, officer, alice, bob):
    groups, satisfaction = make_kpis(draft_call.call.programme, officer)
    url = reverse("calls:assess-kpis", args=[draft_call.call.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form[f"kpi_{groups.pk}"] = ["120"]
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form[f"kpi_{satisfaction.pk}"] = ["85"]
    refused(bob_page.post(url, bob_form), "SG1 annual target: (blank) → 120", "Saved by Alice Able", "Set the call's KPIs")
    assert {k.kpi.code: k.annual_target for k in draft_call.call.call_kpis.select_related("kpi")} == {"SG1": D("120")}


# --- Quarterly returns ---------------------------------------------------------------------------------------


@pytest.fixture
def return_setup(funded, officer, fy2022):
    agreement = make_agreement(funded, officer)
    kpis = make_kpis(funded.programme, officer)
    set_targets(agreement, kpis, officer, fy2022)
    colleagues = [
        UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation, first_name=name, last_name="Provider")
        for name in ("Pat", "Sam")
    ]
    return agreement, kpis, colleagues, reverse("monitoring:return-edit", args=[agreement.pk, "2022-23", 1])


def test_return_a_stale_page_is_refused_and_the_first_draft_is_kept(return_setup):
    agreement, (groups, satisfaction), (pat, sam), url = return_setup
    pat_page, sam_page = session(pat), session(sam)
    pat_form, sam_form = opened_form(pat_page, url), opened_form(sam_page, url)

    pat_form.update({f"kpi_{groups.pk}": ["30"], "action": ["save"]})
    assert pat_page.post(url, pat_form).status_code == 302
    sam_form.update({f"kpi_{satisfaction.pk}": ["90"], "narrative": ["A good quarter."], "action": ["save"]})
    refused(sam_page.post(url, sam_form), "SG1 value: (blank) → 30", "Saved by Pat Provider")
    record = Return.objects.get(agreement=agreement, quarter=1)
    assert {v.kpi_version.kpi.code: v.value for v in record.values.select_related("kpi_version__kpi")} == {"SG1": D("30")}
    assert record.narrative == ""


def test_return_a_draft_saved_by_a_failed_submit_does_not_block_the_same_page(return_setup):
    """Submit saves the draft first; when the submit is refused (a KPI missing), the page shown again is of the saved
    draft, so correcting it and submitting again goes through."""
    agreement, (groups, satisfaction), (pat, _), url = return_setup
    pat_page = session(pat)
    form = opened_form(pat_page, url)
    form.update({f"kpi_{groups.pk}": ["30"], "narrative": ["A good quarter."], "action": ["submit"]})
    shown = pat_page.post(url, form)
    assert shown.status_code == 200 and "saved as a draft" in shown.content.decode()

    again = {**shown_form(shown), f"kpi_{satisfaction.pk}": ["90"], "action": ["submit"]}  # as shown, corrected
    assert pat_page.post(url, again).status_code == 302
    assert Return.objects.get(agreement=agreement, quarter=1).status == Return.Status.SUBMITTED


# --- Refining a KPI ------------------------------------------------------------------------------------------


def test_kpi_refine_a_stale_page_is_refused_and_the_first_new_version_is_kept(funded, officer, alice, bob):
    groups, _ = make_kpis(funded.programme, officer)
    url = reverse("monitoring:kpi-refine", args=[groups.pk])
    alice_page, bob_page = session(alice), session(bob)
    alice_form, bob_form = opened_form(alice_page, url), opened_form(bob_page, url)

    alice_form.update(name=["Groups given support"], change_note=["Shorter name."])
    assert alice_page.post(url, alice_form).status_code == 302
    bob_form.update(definition=["Groups that had at least two hours of support."], change_note=["Two hours."])
    refused(
        bob_page.post(url, bob_form),
        "Current version: 1 → 2",
        "Name: Groups given one-to-one support → Groups given support",
        "Saved by Alice Able",
    )
    current = KpiVersion.objects.filter(kpi=groups).order_by("-number").first()
    assert (current.number, current.name) == (2, "Groups given support")
    assert current.definition == "Groups that had at least one hour of support."


# --- An application to an open call -------------------------------------------------------------------------


def test_application_details_a_stale_page_is_refused_and_the_first_edit_is_kept(officer, districts):
    built = build_call(officer, districts)  # published and open
    pat = applicant_user()
    sam = UserFactory(roles=[Role.APPLICANT], organisation=pat.organisation, first_name="Sam", last_name="Colleague")
    application = application_start(
        call=built.call, lot=built.lots[0], project_title="Volunteer hub", amount_requested=D("25000.00"), actor=pat
    )
    url = reverse("calls:application-edit", args=[application.pk])
    pat_page, sam_page = session(pat), session(sam)
    pat_form, sam_form = opened_form(pat_page, url), opened_form(sam_page, url)

    pat_form["amount_requested"] = ["30,000.00"]
    assert pat_page.post(url, pat_form).status_code == 302
    sam_form["project_title"] = ["Volunteer hub for the Peak"]
    refused(sam_page.post(url, sam_form), "Amount asked for each year: £25,000.00 → £30,000.00", f"Saved by {pat}")
    application.refresh_from_db()
    assert (application.project_title, application.amount_requested) == ("Volunteer hub", D("30000.00"))
