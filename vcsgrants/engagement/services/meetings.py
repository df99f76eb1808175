"""Business rules for meetings and their actions: every write validated, in one transaction, audited.

A refusal raises ValidationError naming the field and saying what is wrong. Edits touch only the fields
listed in MEETING_FIELDS / ACTION_FIELDS. Field-by-field history is kept by simple-history (the actor is
set on the instance, so the history names them even outside a web request) and each business action is
written to the event log against the meeting, so the meeting's page tells its whole story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import Organisation, User
from vcsgrants.engagement.models.meetings import Action, EngagementSettings, Meeting
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import Kpi

MEETING_FIELDS = ("organisation", "date", "title", "location", "guests", "agenda", "notes", "decisions", "share_notes")
MEETING_M2M = ("attendee_users", "attending_organisations", "agreements", "kpis")
ACTION_FIELDS = ("description", "owner_user", "owner_name", "owner_organisation", "due_date", "status", "done_on", "note")


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- Meetings ----------------------------------------------------------------------------------


def _check_meeting(meeting: Meeting, *, agreements: list[Agreement], kpis: list[Kpi], today: dt.date) -> None:
    """Everything a meeting must satisfy; raises one ValidationError listing every problem by field."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if meeting.kind not in Meeting.Kind.values:
        refuse("kind", "Choose the kind of meeting: monitoring, partnership or with the NHS partner.")
    if meeting.date is None:
        refuse("date", "Enter the date of the meeting.")
    elif meeting.date > today:
        refuse("date", "A meeting is recorded once it has taken place: the date cannot be in the future.")

    organisation = meeting.organisation
    programme = meeting.programme
    if meeting.kind == Meeting.Kind.MONITORING:
        if organisation is None:
            refuse("organisation", "Choose the provider the monitoring meeting was with.")
        elif not programme.agreements.filter(organisation=organisation).exists():
            refuse(
                "organisation",
                f"{organisation} has no agreement in {programme}: a monitoring meeting is with one of the programme's providers.",
            )
    elif meeting.kind == Meeting.Kind.PARTNER:
        if organisation is None:
            refuse("organisation", "Choose the partner body the meeting was with.")
        elif organisation.kind != Organisation.Kind.PARTNER:
            refuse("organisation", f"{organisation} is not a partner body.")
        elif meeting.date is not None:
            _check_succession(organisation, meeting.date, refuse)
    elif meeting.kind == Meeting.Kind.PARTNERSHIP and organisation is not None:
        refuse("organisation", "A partnership meeting is with all the programme's providers, not with one organisation.")

    for agreement in agreements:
        if agreement.programme_id != programme.pk:
            refuse("agreements", f"{agreement.reference} is not an agreement in {programme}.")
        elif meeting.kind == Meeting.Kind.MONITORING and organisation and agreement.organisation_id != organisation.pk:
            refuse("agreements", f"{agreement.reference} is with {agreement.organisation}, not with {organisation}.")
    kpi_programmes = dict(Kpi.objects.filter(pk__in=[k.pk for k in kpis]).values_list("pk", "outcome__programme_id"))
    for kpi in kpis:
        if kpi_programmes.get(kpi.pk) != programme.pk:
            refuse("kpis", f"KPI {kpi.code} is not in {programme}'s outcomes framework.")
    if errors:
        raise ValidationError(errors)


def _check_succession(organisation: Organisation, day: dt.date, refuse) -> None:
    """A partner body that has been succeeded is met through its successor from the date it took over."""
    if organisation.successor_id and organisation.succeeded_on and day >= organisation.succeeded_on:
        refuse(
            "organisation",
            f"{organisation} was succeeded by {organisation.successor} on {_day(organisation.succeeded_on)}: "
            f"record a meeting on or after that date with {organisation.successor}.",
        )
    predecessor = organisation.predecessors.filter(succeeded_on__gt=day).order_by("succeeded_on").first()
    if predecessor is not None:
        refuse(
            "organisation",
            f"{organisation} took over from {predecessor} on {_day(predecessor.succeeded_on)}: "
            f"record a meeting before that date with {predecessor}.",
        )


def _set_relations(
    meeting: Meeting,
    *,
    attendee_users: Iterable[User],
    attending_organisations: Iterable[Organisation],
    agreements: Iterable[Agreement],
    kpis: Iterable[Kpi],
) -> None:
    organisations = {o.pk: o for o in attending_organisations}
    if meeting.organisation_id:  # the provider or partner body of the meeting was there
        organisations.setdefault(meeting.organisation_id, meeting.organisation)
    meeting.attendee_users.set(list(attendee_users))
    meeting.attending_organisations.set(list(organisations.values()))
    meeting.agreements.set(list(agreements))
    meeting.kpis.set(list(kpis))


def _relations_snapshot(meeting: Meeting) -> dict[str, list[str]]:
    return {
        "attendee_users": sorted(u.username for u in meeting.attendee_users.all()),
        "attending_organisations": sorted(o.name for o in meeting.attending_organisations.all()),
        "agreements": sorted(a.reference for a in meeting.agreements.all()),
        "kpis": sorted(k.code for k in meeting.kpis.all()),
    }


@transaction.atomic
def meeting_record(
    *,
    programme: Programme,
    kind: str,
    date: dt.date | None,
    actor: User,
    organisation: Organisation | None = None,
    title: str = "",
    location: str = "",
    guests: str = "",
    agenda: str = "",
    notes: str = "",
    decisions: str = "",
    share_notes: bool = False,
    attendee_users: Iterable[User] = (),
    attending_organisations: Iterable[Organisation] = (),
    agreements: Iterable[Agreement] = (),
    kpis: Iterable[Kpi] = (),
    is_demo: bool = False,
    today: dt.date | None = None,
) -> Meeting:
    """An officer records a meeting that has taken place, with who was there and what it discussed."""
    agreements, kpis = list(agreements), list(kpis)
    meeting = Meeting(
        programme=programme,
        kind=kind,
        organisation=organisation,
        date=date,
        title=title.strip(),
        location=location.strip(),
        guests=guests.strip(),
        agenda=agenda.strip(),
        notes=notes.strip(),
        decisions=decisions.strip(),
        share_notes=bool(share_notes) and kind == Meeting.Kind.PARTNERSHIP,
        is_demo=is_demo,
        recorded_by=actor,
    )
    _check_meeting(meeting, agreements=agreements, kpis=kpis, today=today or dt.date.today())
    meeting._history_user = actor
    meeting.save()
    _set_relations(
        meeting,
        attendee_users=attendee_users,
        attending_organisations=attending_organisations,
        agreements=agreements,
        kpis=kpis,
    )
    record_event(
        actor=actor,
        verb="meeting.recorded",
        obj=meeting,
        summary=f"Recorded {meeting}",
        data={"programme": programme.slug, "kind": kind, **_relations_snapshot(meeting)},
    )
    return meeting


def meeting_state(meeting: Meeting) -> dict[str, str]:
    """The meeting as its edit page shows it (core.concurrency)."""
    return model_state(meeting)


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, actor: User, today: dt.date | None = None, version: str | None = None, **changes
) -> Meeting:
    """Change a meeting's details (not its kind or programme); only the fields in MEETING_FIELDS and MEETING_M2M.
    Refused (`version`, core.concurrency) if the meeting changed since its edit page was opened."""
    unknown = set(changes) - set(MEETING_FIELDS) - set(MEETING_M2M)
    if unknown:
        raise TypeError(f"meeting_update cannot change {', '.join(sorted(unknown))}.")
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("programme", "organisation").get(pk=meeting.pk)
    check_version(version, meeting_state(meeting), records=[meeting])
    before_fields = {f: getattr(meeting, f) for f in MEETING_FIELDS}
    before_relations = _relations_snapshot(meeting)
    for field in MEETING_FIELDS:
        if field in changes:
            value = changes[field]
            setattr(meeting, field, value.strip() if isinstance(value, str) else value)
    if meeting.kind != Meeting.Kind.PARTNERSHIP:
        meeting.share_notes = False
    relations = {
        "attendee_users": list(changes.get("attendee_users", meeting.attendee_users.all())),
        "attending_organisations": list(changes.get("attending_organisations", meeting.attending_organisations.all())),
        "agreements": list(changes.get("agreements", meeting.agreements.all())),
        "kpis": list(changes.get("kpis", meeting.kpis.all())),
    }
    _check_meeting(meeting, agreements=relations["agreements"], kpis=relations["kpis"], today=today or dt.date.today())
    changed = [f for f in MEETING_FIELDS if getattr(meeting, f) != before_fields[f]]
    meeting._history_user = actor
    if changed:
        meeting.save()
    _set_relations(meeting, **relations)
    after_relations = _relations_snapshot(meeting)
    changed += [f for f in MEETING_M2M if after_relations[f] != before_relations[f]]
    if changed:
        record_event(
            actor=actor,
            verb="meeting.edited",
            obj=meeting,
            summary=f"Edited {meeting}: {', '.join(f.replace('_', ' ') for f in changed)}",
            data={"changed": changed},
        )
    return meeting


# --- Actions -----------------------------------------------------------------------------------


def _check_action(action: Action, *, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    meeting = action.meeting
    if not action.description:
        refuse("description", "Describe the action.")
    if action.owner_user is not None and not action.owner_user.is_active:
        refuse("owner_user", f"{action.owner_user.display_name} can no longer sign in: choose someone else, or give a name.")
    if action.owner_user is None and not action.owner_name and action.owner_organisation is None:
        refuse("owner_user", "Say who owns the action: choose a user, or give a person's name or an organisation.")
    if action.due_date is None:
        refuse("due_date", "Enter the date the action is due.")
    elif action.due_date < meeting.date:
        refuse("due_date", f"The due date cannot be before the meeting ({_day(meeting.date)}).")
    if action.status not in Action.Status.values:
        refuse("status", "Choose open, done or cancelled.")
    elif action.status == Action.Status.DONE:
        if action.done_on is None:
            refuse("done_on", "Enter the date the action was done.")
        elif action.done_on < meeting.date:
            refuse("done_on", f"The action cannot be done before the meeting that agreed it ({_day(meeting.date)}).")
        elif action.done_on > today:
            refuse("done_on", "The date it was done cannot be in the future.")
    elif action.status == Action.Status.CANCELLED and not action.note:
        refuse("note", "Say why the action was cancelled.")
    if errors:
        raise ValidationError(errors)


def _tidy_action(action: Action) -> None:
    action.description = (action.description or "").strip()
    action.owner_name = (action.owner_name or "").strip()
    action.note = (action.note or "").strip()
    if action.owner_user is not None:
        # A user owns it on behalf of their own organisation; a named person may be from any organisation.
        action.owner_name = ""
        if action.owner_user.organisation_id:
            action.owner_organisation = action.owner_user.organisation
    if action.status != Action.Status.DONE:
        action.done_on = None


@transaction.atomic
def action_add(
    *,
    meeting: Meeting,
    description: str,
    due_date: dt.date | None,
    actor: User,
    owner_user: User | None = None,
    owner_name: str = "",
    owner_organisation: Organisation | None = None,
    status: str = Action.Status.OPEN,
    done_on: dt.date | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> Action:
    """An action agreed at a meeting, with its owner and due date (open unless recorded as already done)."""
    action = Action(
        meeting=meeting,
        description=description,
        owner_user=owner_user,
        owner_name=owner_name,
        owner_organisation=owner_organisation,
        due_date=due_date,
        status=status,
        done_on=done_on,
        note=note,
        created_by=actor,
    )
    _tidy_action(action)
    _check_action(action, today=today or dt.date.today())
    action._history_user = actor
    action.save()
    record_event(
        actor=actor,
        verb="action.added",
        obj=meeting,
        summary=f"Added action: {action}",
        data={"action": action.pk, "status": action.status},
    )
    return action


def action_state(action: Action) -> dict[str, str]:
    """The action as its edit page shows it (core.concurrency)."""
    return model_state(action)


@transaction.atomic
def action_update(*, action: Action, actor: User, today: dt.date | None = None, version: str | None = None, **changes) -> Action:
    """An officer changes an action: what, who, when, or its status (open, done with the date, cancelled with why).
    Refused (`version`, core.concurrency) if the action changed since its edit page was opened (marked done too)."""
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"action_update cannot change {', '.join(sorted(unknown))}.")
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("meeting", "owner_user", "owner_organisation")
        .get(pk=action.pk)
    )
    check_version(version, action_state(action), records=[action.meeting])
    before = {f: getattr(action, f) for f in ACTION_FIELDS}
    for field, value in changes.items():
        setattr(action, field, value)
    _tidy_action(action)
    _check_action(action, today=today or dt.date.today())
    changed = [f for f in ACTION_FIELDS if getattr(action, f) != before[f]]
    if not changed:
        return action
    action._history_user = actor
    action.save()
    record_event(
        actor=actor,
        verb="action.edited",
        obj=action.meeting,
        summary=f"Edited action ({', '.join(f.replace('_', ' ') for f in changed)}): {action}",
        data={"action": action.pk, "changed": changed, "status": action.status},
    )
    return action


@transaction.atomic
def action_mark_done(
    *, action: Action, done_on: dt.date | None, actor: User, note: str = "", today: dt.date | None = None
) -> Action:
    """The owner (or an officer) marks an open action done, with the date and what was done."""
    action = Action.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=action.pk)
    if action.status != Action.Status.OPEN:
        raise ValidationError(f"This action is already {action.get_status_display().lower()}; an officer can reopen it.")
    action.status = Action.Status.DONE
    action.done_on = done_on
    if note.strip():
        action.note = note
    _tidy_action(action)
    _check_action(action, today=today or dt.date.today())
    action._history_user = actor
    action.save()
    record_event(
        actor=actor,
        verb="action.done",
        obj=action.meeting,
        summary=f"Marked done on {_day(action.done_on)}: {action}",
        data={"action": action.pk},
    )
    return action


# --- Settings ----------------------------------------------------------------------------------


def engagement_settings_state(settings: EngagementSettings) -> dict[str, str]:
    """A programme's engagement settings as their page shows them (core.concurrency); the defaults if never set."""
    return model_state(settings, exclude=["programme"])


@transaction.atomic
def engagement_settings_set(
    *, programme: Programme, meeting_interval_days: int, actor: User, version: str | None = None
) -> EngagementSettings:
    """Set the programme's engagement settings; refused (`version`, core.concurrency) if they changed since the page
    was opened. The programme's row is locked first, so two first saves (nothing to lock yet) follow one another."""
    Programme.objects.select_for_update().get(pk=programme.pk)
    settings, created = EngagementSettings.objects.select_for_update().get_or_create(programme=programme)
    check_version(version, engagement_settings_state(settings), records=[programme])
    before = settings.meeting_interval_days
    settings.meeting_interval_days = meeting_interval_days
    settings.full_clean(exclude=["programme"])
    settings._history_user = actor
    settings.save()
    if created or before != meeting_interval_days:
        record_event(
            actor=actor,
            verb="engagement.settings",
            obj=programme,
            summary=f"Set the longest time between monitoring meetings for {programme} to {meeting_interval_days} days",
            data={"before": before, "after": meeting_interval_days},
        )
    return settings
