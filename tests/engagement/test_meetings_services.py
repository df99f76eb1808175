"""Meetings and actions: the rules the services enforce, who sees what, and engagement at a glance.

The ``world`` fixture (also used by test_meetings_views) is a programme running 2022-23 with two providers,
the CCG succeeded by the ICB on 1 July 2022, a co-funding partner, and one user for each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from tests.factories import OrganisationFactory, UserFactory
from vcsgrants.core.models import AuditEvent, Organisation, Role, User
from vcsgrants.engagement.models.meetings import Action, EngagementSettings, Meeting
from vcsgrants.engagement.selectors import meetings as selectors
from vcsgrants.engagement.services import meetings as services
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.monitoring.models import Kpi, Outcome

D = dt.date
TODAY = D(2023, 3, 31)  # the services are told the date, so the tests do not depend on the day they run


@dataclass
class World:
    programme: Programme
    council: Organisation
    officer: User
    kestrel: Organisation
    wren: Organisation
    kestrel_user: User
    wren_user: User
    kestrel_sla: Agreement
    wren_sla: Agreement
    ccg: Organisation
    icb: Organisation
    icb_user: User
    health_user: User
    kpi: Kpi
    other_kpi: Kpi


def _kpi(programme: Programme, code: str, actor: User) -> Kpi:
    outcome = Outcome.objects.create(programme=programme, title=f"Outcome {code}")
    return Kpi.objects.create(outcome=outcome, code=code, status=Kpi.Status.AGREED, proposed_by=actor)


@pytest.fixture
def world(officer, funded) -> World:
    return make_world(officer, funded)


def make_world(officer, funded) -> World:
    programme = funded.programme
    council = programme.funder
    officer.organisation = council
    officer.save(update_fields=["organisation"])
    programme_services.period_record(
        programme=programme,
        kind="approved",
        start=D(2022, 4, 1),
        end=D(2023, 3, 31),
        approved_by="Cabinet",
        approved_on=D(2022, 2, 10),
        actor=officer,
    )
    kestrel = OrganisationFactory(name="Kestrel Test CVS")
    wren = OrganisationFactory(name="Wren Test Volunteers")
    slas = {}
    for org, area in ((kestrel, funded.areas[0]), (wren, funded.areas[1])):
        slas[org.pk] = agreement_services.agreement_create(
            programme=programme,
            organisation=org,
            areas=[area],
            title=f"SLA with {org}",
            start_date=D(2022, 4, 1),
            end_date=D(2023, 3, 31),
            actor=officer,
        )
    Agreement.objects.filter(programme=programme).update(status=Agreement.Status.ACTIVE)
    icb = OrganisationFactory(name="Test Integrated Care Board", kind=Organisation.Kind.PARTNER)
    ccg = OrganisationFactory(
        name="Test Clinical Commissioning Group", kind=Organisation.Kind.PARTNER, successor=icb, succeeded_on=D(2022, 7, 1)
    )
    health = OrganisationFactory(name="Test Public Health", kind=Organisation.Kind.PARTNER)
    elsewhere_council = OrganisationFactory(name="Elsewhere Council", kind=Organisation.Kind.FUNDER)
    elsewhere = Programme.objects.create(name="Elsewhere", slug="elsewhere", funder=elsewhere_council)
    return World(
        programme=programme,
        council=council,
        officer=officer,
        kestrel=kestrel,
        wren=wren,
        kestrel_user=UserFactory(roles=[Role.PROVIDER], organisation=kestrel),
        wren_user=UserFactory(roles=[Role.PROVIDER], organisation=wren),
        kestrel_sla=Agreement.objects.get(pk=slas[kestrel.pk].pk),
        wren_sla=Agreement.objects.get(pk=slas[wren.pk].pk),
        ccg=ccg,
        icb=icb,
        icb_user=UserFactory(roles=[Role.PARTNER], organisation=icb),
        health_user=UserFactory(roles=[Role.PARTNER], organisation=health),
        kpi=_kpi(programme, "SG1", officer),
        other_kpi=_kpi(elsewhere, "XX1", officer),
    )


MEETING_DAY, PARTNERSHIP_DAY, DUE_DAY = D(2022, 9, 1), D(2022, 10, 20), D(2022, 10, 31)


def monitoring(world: World, org=None, day=MEETING_DAY, **kwargs) -> Meeting:
    return services.meeting_record(
        programme=world.programme,
        kind=Meeting.Kind.MONITORING,
        organisation=org or world.kestrel,
        date=day,
        actor=world.officer,
        today=TODAY,
        **kwargs,
    )


def partnership(world: World, day=PARTNERSHIP_DAY, **kwargs) -> Meeting:
    return services.meeting_record(
        programme=world.programme, kind=Meeting.Kind.PARTNERSHIP, date=day, actor=world.officer, today=TODAY, **kwargs
    )


def partner_meeting(world: World, org, day) -> Meeting:
    return services.meeting_record(
        programme=world.programme, kind=Meeting.Kind.PARTNER, organisation=org, date=day, actor=world.officer, today=TODAY
    )


def action(meeting: Meeting, world: World, due=DUE_DAY, **owner) -> Action:
    owner = owner or {"owner_user": world.officer}
    return services.action_add(
        meeting=meeting, description="Do the thing", due_date=due, actor=world.officer, today=TODAY, **owner
    )


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- Recording meetings ------------------------------------------------------------------------


def test_a_monitoring_meeting_is_recorded_with_who_was_there_and_what_it_discussed(world):
    meeting = monitoring(
        world,
        title="Quarter 2 review",
        agenda="Returns",
        notes="Went well",
        decisions="Keep the targets",
        guests="Sam, Chair, Kestrel Test CVS",
        attendee_users=[world.officer, world.kestrel_user],
        agreements=[world.kestrel_sla],
        kpis=[world.kpi],
    )
    meeting.refresh_from_db()
    assert str(meeting) == "Monitoring meeting with Kestrel Test CVS, 1 September 2022: Quarter 2 review"
    # The provider the meeting was with is among the organisations represented even if not ticked.
    assert list(meeting.attending_organisations.all()) == [world.kestrel]
    assert set(meeting.attendee_users.all()) == {world.officer, world.kestrel_user}
    assert list(meeting.agreements.all()) == [world.kestrel_sla]
    assert list(meeting.kpis.all()) == [world.kpi]
    event = AuditEvent.objects.get(verb="meeting.recorded")
    assert event.actor == world.officer and event.object_id == meeting.pk
    assert event.data["agreements"] == [world.kestrel_sla.reference]
    assert meeting.history.first().history_user == world.officer


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"organisation": None}, "organisation", "Choose the provider"),
        ({"date": D(2023, 4, 1)}, "date", "cannot be in the future"),
        ({"date": None}, "date", "Enter the date"),
        ({"kind": "coffee"}, "kind", "Choose the kind"),
    ],
)
def test_a_meeting_with_a_missing_or_wrong_detail_is_refused_and_nothing_is_saved(world, change, field, words):
    kwargs = {"kind": Meeting.Kind.MONITORING, "organisation": world.kestrel, "date": D(2022, 9, 1)} | change
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_record(programme=world.programme, actor=world.officer, today=TODAY, **kwargs)
    assert any(words in message for message in refusal(excinfo)[field])
    assert not Meeting.objects.exists() and not AuditEvent.objects.filter(verb="meeting.recorded").exists()


def test_a_monitoring_meeting_must_be_with_one_of_the_programmes_providers_and_its_agreements(world):
    stranger = OrganisationFactory(name="Stranger Trust")
    with pytest.raises(ValidationError) as excinfo:
        monitoring(world, org=stranger)
    assert "Stranger Trust has no agreement in" in refusal(excinfo)["organisation"][0]
    with pytest.raises(ValidationError) as excinfo:
        monitoring(world, agreements=[world.wren_sla], kpis=[world.other_kpi])
    errors = refusal(excinfo)
    assert errors["agreements"] == [f"{world.wren_sla.reference} is with Wren Test Volunteers, not with Kestrel Test CVS."]
    assert errors["kpis"] == ["KPI XX1 is not in " + world.programme.name + "'s outcomes framework."]


def test_a_partnership_meeting_is_with_no_one_organisation_and_a_partner_meeting_with_a_partner_body(world):
    with pytest.raises(ValidationError) as excinfo:
        partnership(world, organisation=world.kestrel)
    assert "all the programme's providers" in refusal(excinfo)["organisation"][0]
    with pytest.raises(ValidationError) as excinfo:
        partner_meeting(world, world.kestrel, D(2022, 5, 1))
    assert refusal(excinfo)["organisation"] == ["Kestrel Test CVS is not a partner body."]
    # Only a partnership meeting's notes can be shared with providers.
    assert monitoring(world, share_notes=True).share_notes is False
    assert partnership(world, share_notes=True).share_notes is True


def test_the_nhs_partner_is_met_as_the_ccg_before_1_july_2022_and_as_the_icb_from_then(world):
    assert partner_meeting(world, world.ccg, D(2022, 6, 30)).organisation == world.ccg
    assert partner_meeting(world, world.icb, D(2022, 7, 1)).organisation == world.icb
    with pytest.raises(ValidationError) as excinfo:
        partner_meeting(world, world.ccg, D(2022, 7, 1))
    assert refusal(excinfo)["organisation"] == [
        "Test Clinical Commissioning Group was succeeded by Test Integrated Care Board on 1 July 2022: "
        "record a meeting on or after that date with Test Integrated Care Board."
    ]
    with pytest.raises(ValidationError) as excinfo:
        partner_meeting(world, world.icb, D(2022, 6, 30))
    assert "record a meeting before that date with Test Clinical Commissioning Group" in refusal(excinfo)["organisation"][0]


def test_editing_a_meeting_changes_only_what_was_asked_is_audited_and_its_history_names_what_changed(world):
    meeting = monitoring(world, notes="First draft", agreements=[world.kestrel_sla])
    services.meeting_update(meeting=meeting, actor=world.officer, today=TODAY, notes="Agreed notes", kpis=[world.kpi], title="Q2")
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.title, list(meeting.kpis.all())) == ("Agreed notes", "Q2", [world.kpi])
    assert list(meeting.agreements.all()) == [world.kestrel_sla]  # untouched
    event = AuditEvent.objects.get(verb="meeting.edited")
    assert event.data["changed"] == ["title", "notes", "kpis"]
    history = " | ".join(row.what for row in selectors.meeting_history_rows(meeting))
    assert "notes: “First draft” → “Agreed notes”" in history
    assert "kpis: “none” → “SG1”" in history  # named, not numbered
    assert "agreements: “none” → “" + world.kestrel_sla.reference in history
    with pytest.raises(TypeError):
        services.meeting_update(meeting=meeting, actor=world.officer, kind=Meeting.Kind.PARTNERSHIP)


def test_a_refused_edit_changes_nothing(world):
    meeting = monitoring(world, title="Before", agreements=[world.kestrel_sla])
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=meeting, actor=world.officer, today=TODAY, title="After", agreements=[world.wren_sla])
    meeting.refresh_from_db()
    assert meeting.title == "Before" and list(meeting.agreements.all()) == [world.kestrel_sla]
    assert not AuditEvent.objects.filter(verb="meeting.edited").exists()


# --- Actions -----------------------------------------------------------------------------------


def test_an_action_owned_by_a_user_carries_their_organisation_and_one_by_a_guest_names_them(world):
    meeting = monitoring(world)
    by_user = action(meeting, world, owner_user=world.kestrel_user, owner_name="ignored")
    assert (by_user.owner_organisation, by_user.owner_name, by_user.status) == (world.kestrel, "", Action.Status.OPEN)
    by_guest = action(meeting, world, owner_name="Sam Patel", owner_organisation=world.kestrel)
    assert by_guest.owner_label == "Sam Patel, Kestrel Test CVS"
    assert AuditEvent.objects.filter(verb="action.added", object_id=meeting.pk).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"owner_user": None}, "owner_user", "Say who owns the action"),
        ({"due_date": D(2022, 8, 31)}, "due_date", "cannot be before the meeting (1 September 2022)"),
        ({"status": Action.Status.DONE}, "done_on", "Enter the date the action was done"),
        ({"status": Action.Status.DONE, "done_on": D(2023, 4, 1)}, "done_on", "cannot be in the future"),
        ({"status": Action.Status.DONE, "done_on": D(2022, 8, 1)}, "done_on", "cannot be done before the meeting"),
        ({"status": Action.Status.CANCELLED}, "note", "Say why the action was cancelled"),
        ({"description": "   "}, "description", "Describe the action"),
    ],
)
def test_an_action_with_a_missing_or_impossible_detail_is_refused(world, kwargs, field, words):
    meeting = monitoring(world)
    values = {"description": "Send the case studies", "due_date": D(2022, 9, 30), "owner_user": world.officer} | kwargs
    with pytest.raises(ValidationError) as excinfo:
        services.action_add(meeting=meeting, actor=world.officer, today=TODAY, **values)
    assert any(words in message for message in refusal(excinfo)[field])
    assert not Action.objects.exists()


def test_the_owner_marks_an_action_done_once_and_an_officer_can_reopen_it(world):
    item = action(monitoring(world), world, owner_user=world.kestrel_user)
    services.action_mark_done(action=item, done_on=D(2022, 10, 3), note="Sent", actor=world.kestrel_user, today=TODAY)
    item.refresh_from_db()
    assert (item.status, item.done_on, item.note) == (Action.Status.DONE, D(2022, 10, 3), "Sent")
    assert AuditEvent.objects.get(verb="action.done").actor == world.kestrel_user
    with pytest.raises(ValidationError, match="already done"):
        services.action_mark_done(action=item, done_on=D(2022, 10, 4), actor=world.kestrel_user, today=TODAY)
    services.action_update(action=item, actor=world.officer, status=Action.Status.OPEN, today=TODAY)
    item.refresh_from_db()
    assert (item.status, item.done_on) == (Action.Status.OPEN, None)  # reopening clears the date it was done


def test_the_interval_between_monitoring_meetings_is_a_programme_setting_with_sensible_bounds(world):
    assert selectors.engagement_settings(world.programme).meeting_interval_days == 90  # the default, nothing written
    assert not EngagementSettings.objects.exists()
    with pytest.raises(ValidationError) as excinfo:
        services.engagement_settings_set(programme=world.programme, meeting_interval_days=3, actor=world.officer)
    assert "meeting_interval_days" in refusal(excinfo)
    assert not EngagementSettings.objects.exists()
    services.engagement_settings_set(programme=world.programme, meeting_interval_days=120, actor=world.officer)
    assert selectors.engagement_settings(world.programme).meeting_interval_days == 120
    assert AuditEvent.objects.get(verb="engagement.settings").data == {"before": 90, "after": 120}


# --- Who sees what -----------------------------------------------------------------------------


def test_a_provider_sees_its_own_monitoring_meetings_and_its_programmes_partnership_meetings_only(world):
    own, other = monitoring(world), monitoring(world, org=world.wren)
    together = partnership(world)
    nhs = partner_meeting(world, world.icb, D(2022, 8, 1))
    assert set(selectors.meetings_visible_to(world.kestrel_user)) == {own, together}
    assert set(selectors.meetings_visible_to(world.wren_user)) == {other, together}
    assert set(selectors.meetings_visible_to(world.officer)) == {own, other, together, nhs}
    assert world.kestrel_user.has_perm("engagement.view_meeting", own)
    assert not world.kestrel_user.has_perm("engagement.view_meeting", other)
    assert not world.kestrel_user.has_perm("engagement.view_meeting", nhs)


def test_a_provider_sees_of_a_partnership_meeting_its_own_and_the_councils_actions_and_the_notes_only_if_shared(world):
    together = partnership(world, notes="Frank words")
    own = action(together, world, owner_user=world.kestrel_user)
    councils = action(together, world, owner_organisation=world.council)
    action(together, world, owner_user=world.wren_user)
    assert set(selectors.actions_visible_to(world.kestrel_user)) == {own, councils}
    assert not selectors.sees_notes(world.kestrel_user, together)
    assert selectors.sees_notes(world.officer, together)
    services.meeting_update(meeting=together, actor=world.officer, share_notes=True, today=TODAY)
    together.refresh_from_db()
    assert selectors.sees_notes(world.kestrel_user, together)
    # All of its own monitoring meeting's actions, whoever owns them; none of another provider's.
    officers = action(monitoring(world), world, owner_user=world.officer)
    action(monitoring(world, org=world.wren), world, owner_user=world.wren_user)
    assert set(selectors.actions_visible_to(world.kestrel_user)) == {own, councils, officers}


def test_a_partner_sees_the_nhs_meetings_of_its_lineage_so_the_icb_sees_the_ccgs(world):
    before = partner_meeting(world, world.ccg, D(2022, 5, 1))
    after = partner_meeting(world, world.icb, D(2022, 8, 1))
    monitoring(world)
    partnership(world)
    assert set(selectors.meetings_visible_to(world.icb_user)) == {before, after}
    assert world.icb_user.has_perm("engagement.view_meeting", before)
    assert not selectors.meetings_visible_to(world.health_user).exists()
    assert not world.health_user.has_perm("engagement.view_meeting", after)
    assert world.icb_user.has_perm("engagement.view_programme_actions", world.programme)
    assert not world.health_user.has_perm("engagement.view_programme_actions", world.programme)


def test_only_the_owners_organisation_or_an_officer_may_mark_an_action_done(world):
    item = action(monitoring(world), world, owner_organisation=world.kestrel)
    assert world.kestrel_user.has_perm("engagement.complete_action", item)
    assert world.officer.has_perm("engagement.complete_action", item)
    assert not world.wren_user.has_perm("engagement.complete_action", item)
    assert not world.icb_user.has_perm("engagement.complete_action", item)
    councils = action(monitoring(world), world, owner_user=world.officer)
    assert not world.kestrel_user.has_perm("engagement.complete_action", councils)


# --- Engagement at a glance --------------------------------------------------------------------


def test_engagement_is_judged_today_or_at_the_end_of_the_programmes_last_period():
    assert selectors.as_at(today=D(2022, 9, 1), programme_end=D(2023, 3, 31)) == D(2022, 9, 1)
    assert selectors.as_at(today=D(2026, 1, 1), programme_end=D(2023, 3, 31)) == D(2023, 3, 31)
    assert selectors.as_at(today=D(2026, 1, 1), programme_end=None) == D(2026, 1, 1)
    assert selectors.next_meeting_due(last_met=D(2022, 9, 1), since=D(2020, 1, 1), interval_days=90) == D(2022, 11, 30)
    assert selectors.next_meeting_due(last_met=None, since=D(2022, 4, 1), interval_days=90) == D(2022, 6, 30)


def test_the_programme_page_flags_a_provider_not_met_within_the_interval(world):
    monitoring(world, day=D(2022, 6, 1))
    monitoring(world, day=D(2023, 1, 10))
    monitoring(world, org=world.wren, day=D(2022, 11, 1))
    partnership(world, day=D(2022, 10, 20))
    engagement = selectors.programme_engagement(programme=world.programme, user=world.officer, today=D(2026, 1, 1))
    assert (engagement.as_at, engagement.ended, engagement.interval_days) == (D(2023, 3, 31), True, 90)
    rows = {row.organisation: row for row in engagement.providers}
    assert (rows[world.kestrel].last_met, rows[world.kestrel].meetings, rows[world.kestrel].not_met) == (D(2023, 1, 10), 2, False)
    assert (rows[world.wren].last_met, rows[world.wren].days_since, rows[world.wren].not_met) == (D(2022, 11, 1), 150, True)
    assert engagement.not_met == [rows[world.wren]]
    assert engagement.last_partnership.date == D(2022, 10, 20)
    # Earlier in the year nobody is flagged; a meeting after the as-at date does not count.
    early = selectors.programme_engagement(programme=world.programme, user=world.officer, today=D(2022, 6, 15))
    rows = {row.organisation: row for row in early.providers}
    assert rows[world.kestrel].last_met == D(2022, 6, 1) and not early.not_met
    assert rows[world.wren].last_met is None and rows[world.wren].due_by == D(2022, 6, 30)
    # A longer interval set for the programme clears the flag.
    services.engagement_settings_set(programme=world.programme, meeting_interval_days=180, actor=world.officer)
    relaxed = selectors.programme_engagement(programme=world.programme, user=world.officer, today=D(2026, 1, 1))
    assert not relaxed.not_met


def test_a_provider_never_met_is_flagged_only_once_the_interval_from_its_agreements_start_has_passed(world):
    engagement = selectors.programme_engagement(programme=world.programme, user=world.officer, today=D(2022, 6, 29))
    assert not engagement.not_met
    engagement = selectors.programme_engagement(programme=world.programme, user=world.officer, today=D(2022, 7, 1))
    assert {row.organisation for row in engagement.not_met} == {world.kestrel, world.wren}


def test_engagement_at_a_glance_is_for_council_staff_only(world):
    assert selectors.programme_engagement(programme=world.programme, user=world.kestrel_user) is None
    assert selectors.programme_engagement(programme=world.programme, user=world.icb_user) is None


def test_the_actions_list_filters_overdue_open_and_all_and_by_owner(world):
    meeting = monitoring(world, day=D(2022, 9, 1))
    late = action(meeting, world, due=D(2022, 9, 30), owner_user=world.kestrel_user)
    pending = action(meeting, world, due=D(2023, 5, 31), owner_user=world.officer)
    finished = action(meeting, world, due=D(2022, 9, 30), owner_user=world.officer)
    services.action_mark_done(action=finished, done_on=D(2022, 9, 20), actor=world.officer, today=TODAY)

    def listed(user=world.officer, **kwargs):
        result = selectors.programme_actions(programme=world.programme, user=user, today=D(2026, 1, 1), **kwargs)
        return [row.action for row in result.rows], result

    assert listed()[0] == [late]  # overdue by default, as at the programme's end
    assert listed(show="open")[0] == [late, pending]
    rows, result = listed(show="all")
    assert rows == [late, finished, pending] and result.counts == {"overdue": 1, "open": 2, "all": 3}
    assert listed(show="open", owner="me")[0] == [pending]
    assert listed(show="all", owner=f"org-{world.kestrel.pk}")[0] == [late]
    assert listed(show="nonsense")[1].show == "overdue"
    days = selectors.programme_actions(programme=world.programme, user=world.officer, today=D(2026, 1, 1)).rows[0].days_overdue
    assert days == (D(2023, 3, 31) - D(2022, 9, 30)).days
