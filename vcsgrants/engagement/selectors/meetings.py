"""Reads for meetings and actions: who sees which, engagement at a glance, the actions list.

Who sees what (the permissions in engagement/rules.py call these, so there is one home for the rule):
- council staff (admin, officer, finance, cabinet) see every meeting and action;
- a provider user sees the monitoring meetings with their own organisation, in full, and the partnership
  meetings of programmes their organisation holds an agreement in: the agenda, who attended, the decisions,
  the agreements and KPIs discussed, and the actions owned by their organisation or by the council that runs
  the programme. A partnership meeting's notes are shown to providers only when the officer shares them
  (``Meeting.share_notes``): notes can carry frank remarks about individual providers;
- a partner user sees the meetings with the NHS partner that involve their organisation or its lineage
  (a successor sees its predecessor's meetings: the ICB sees the CCG's), in full.

Engagement is judged "as at" today, or once a programme's last period has ended, as at that end date: a
finished programme's record stays as it stood when it ended rather than every provider turning "not met".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When

from vcsgrants.core.figures_cache import highest_ids, histories, remember
from vcsgrants.core.history import HistoryRow, shown
from vcsgrants.core.models import Organisation, User
from vcsgrants.core.rules import is_partner, is_provider, organisation_lineage, partner_lineage, sees_everything
from vcsgrants.engagement.models.meetings import DEFAULT_MEETING_INTERVAL_DAYS, Action, EngagementSettings, Meeting
from vcsgrants.funding.models import Agreement, Programme, ProgrammePeriod, Variation
from vcsgrants.funding.selectors.agreements import current_end_sql

SHOW_CHOICES = (("overdue", "Overdue"), ("open", "Open"), ("all", "All"))


# --- Pure rules ----------------------------------------------------------------------------------


def as_at(*, today: dt.date, programme_end: dt.date | None) -> dt.date:
    """The date engagement is judged on: today, or the end of the programme's last period once that has passed."""
    return min(today, programme_end) if programme_end else today


def next_meeting_due(*, last_met: dt.date | None, since: dt.date, interval_days: int) -> dt.date:
    """A provider should be met within the interval of their last monitoring meeting (or of their agreement's start)."""
    return (last_met or since) + dt.timedelta(days=interval_days)


# --- Dates and settings ------------------------------------------------------------------------


def programme_end(programme: Programme) -> dt.date | None:
    return ProgrammePeriod.objects.filter(programme=programme).aggregate(end=Max("end"))["end"]


def engagement_date(programme: Programme, today: dt.date | None = None) -> dt.date:
    return as_at(today=today or dt.date.today(), programme_end=programme_end(programme))


def engagement_dates(programme_ids: set[int], today: dt.date | None = None) -> dict[int, dt.date]:
    """As-at dates for several programmes in one query."""
    today = today or dt.date.today()
    ends = dict(
        ProgrammePeriod.objects.filter(programme_id__in=programme_ids)
        .values("programme_id")
        .annotate(end=Max("end"))
        .values_list("programme_id", "end")
    )
    return {pk: as_at(today=today, programme_end=ends.get(pk)) for pk in programme_ids}


def engagement_settings(programme: Programme) -> EngagementSettings:
    """The programme's settings, or the defaults (unsaved) if none were ever set: a read never writes."""
    return EngagementSettings.objects.filter(programme=programme).first() or EngagementSettings(
        programme=programme, meeting_interval_days=DEFAULT_MEETING_INTERVAL_DAYS
    )


# --- Who sees what -------------------------------------------------------------------------------


def _programmes_of_provider(organisation_id: int) -> QuerySet:
    return Agreement.objects.filter(organisation_id=organisation_id).values("programme_id")


def _attended_by(organisation_ids: set[int]) -> QuerySet:
    return Meeting.attending_organisations.through.objects.filter(organisation_id__in=organisation_ids).values("meeting_id")


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    meetings = Meeting.objects.all()
    if sees_everything(user):
        return meetings
    conditions = Q(pk__in=[])
    if is_provider(user) and user.organisation_id:
        own = user.organisation_id
        conditions |= Q(kind=Meeting.Kind.MONITORING, organisation_id=own)
        conditions |= Q(kind=Meeting.Kind.PARTNERSHIP, programme_id__in=_programmes_of_provider(own))
    if is_partner(user) and user.organisation_id:
        lineage = partner_lineage(user)
        conditions |= Q(kind=Meeting.Kind.PARTNER) & (Q(organisation_id__in=lineage) | Q(pk__in=_attended_by(lineage)))
    return meetings.filter(conditions)


def actions_visible_to(user: User) -> QuerySet[Action]:
    actions = Action.objects.all()
    if sees_everything(user):
        return actions
    conditions = Q(pk__in=[])
    if is_provider(user) and user.organisation_id:
        own = user.organisation_id
        conditions |= Q(meeting__kind=Meeting.Kind.MONITORING, meeting__organisation_id=own)
        conditions |= (
            Q(meeting__kind=Meeting.Kind.PARTNERSHIP, meeting__programme_id__in=_programmes_of_provider(own))
            # ... and of those, the actions their own organisation owns or the council running the programme owns.
            & (Q(owner_organisation_id=own) | Q(owner_organisation_id=F("meeting__programme__funder_id")))
        )
    if is_partner(user) and user.organisation_id:
        lineage = partner_lineage(user)
        conditions |= Q(meeting__kind=Meeting.Kind.PARTNER) & (
            Q(meeting__organisation_id__in=lineage) | Q(meeting_id__in=_attended_by(lineage))
        )
    return actions.filter(conditions)


def can_see_meeting(user: User, meeting: Meeting) -> bool:
    return meeting is not None and meetings_visible_to(user).filter(pk=meeting.pk).exists()


def can_see_action(user: User, action: Action) -> bool:
    return action is not None and actions_visible_to(user).filter(pk=action.pk).exists()


def sees_notes(user: User, meeting: Meeting) -> bool:
    """Staff and the parties to a monitoring or partner meeting see its notes; providers see a partnership meeting's if shared."""
    if sees_everything(user) or meeting.kind != Meeting.Kind.PARTNERSHIP:
        return True
    return meeting.share_notes


def owns_action(user: User, action: Action) -> bool:
    return action is not None and (
        action.owner_user_id == user.pk or (bool(user.organisation_id) and action.owner_organisation_id == user.organisation_id)
    )


def takes_part_in_engagement(user: User, programme: Programme) -> bool:
    """A provider with an agreement in the programme, or a partner body (or its lineage) the programme meets."""
    if programme is None or not user.organisation_id:
        return False
    if is_provider(user) and programme.agreements.filter(organisation_id=user.organisation_id).exists():
        return True
    if is_partner(user):
        lineage = partner_lineage(user)
        return (
            programme.meetings.filter(kind=Meeting.Kind.PARTNER)
            .filter(Q(organisation_id__in=lineage) | Q(pk__in=_attended_by(lineage)))
            .exists()
        )
    return False


# --- Lists ---------------------------------------------------------------------------------------


def meeting_list(
    *, user: User, programme: Programme | None = None, kind: str = "", organisation: Organisation | None = None
) -> QuerySet[Meeting]:
    meetings = meetings_visible_to(user).select_related("programme", "organisation")
    if programme is not None:
        meetings = meetings.filter(programme=programme)
    if kind in Meeting.Kind.values:
        meetings = meetings.filter(kind=kind)
    if organisation is not None:
        lineage = organisation_lineage(organisation)
        meetings = meetings.filter(Q(organisation_id__in=lineage) | Q(pk__in=_attended_by(lineage)))
    return meetings.order_by("-date", "-id")


def open_action_counts(*, user: User, meeting_ids: list[int]) -> dict[int, int]:
    rows = (
        actions_visible_to(user)
        .filter(meeting_id__in=meeting_ids, status=Action.Status.OPEN)
        .values("meeting_id")
        .annotate(n=Count("id"))
        .values_list("meeting_id", "n")
    )
    return dict(rows)


@dataclass
class ActionRow:
    action: Action
    overdue: bool
    days_overdue: int
    can_mark_done: bool = False


def _action_queryset(actions: QuerySet[Action]) -> QuerySet[Action]:
    return actions.select_related("meeting__programme", "meeting__organisation", "owner_user", "owner_organisation").order_by(
        "due_date", "id"
    )


def action_rows(actions, as_at_by_programme: dict[int, dt.date], user: User | None = None) -> list[ActionRow]:
    rows = []
    for action in actions:
        on = as_at_by_programme[action.meeting.programme_id]
        overdue = action.is_overdue(on)
        rows.append(
            ActionRow(
                action,
                overdue,
                (on - action.due_date).days if overdue else 0,
                can_mark_done=bool(user)
                and action.status == Action.Status.OPEN
                and user.has_perm("engagement.complete_action", action),
            )
        )
    return rows


@dataclass
class ProgrammeActions:
    programme: Programme
    as_at: dt.date
    show: str
    owner: str
    rows: list[ActionRow]
    owners: list[tuple[str, str]]
    counts: dict[str, int]
    ended: bool = False


def programme_actions(
    *, programme: Programme, user: User, show: str = "overdue", owner: str = "", today: dt.date | None = None
) -> ProgrammeActions:
    """Every action of the programme's meetings the user may see: overdue (open, past due), open, or all; by owner.

    ``owner`` is "" for anyone, "me", or "org-<id>" for an organisation.
    """
    show = show if show in dict(SHOW_CHOICES) else "overdue"
    today = today or dt.date.today()
    on = engagement_date(programme, today)
    visible = actions_visible_to(user).filter(meeting__programme=programme)
    owner_ids = visible.exclude(owner_organisation=None).values("owner_organisation_id")
    owners = [("", "Anyone"), ("me", "Me")] + [
        (f"org-{o.pk}", o.name) for o in Organisation.objects.filter(pk__in=owner_ids).order_by("name")
    ]
    if owner == "me":
        visible = visible.filter(owner_user=user)
    elif owner.startswith("org-") and owner[4:].isdigit():
        visible = visible.filter(owner_organisation_id=int(owner[4:]))
    else:
        owner = ""
    open_actions = visible.filter(status=Action.Status.OPEN)
    counts = {
        "overdue": open_actions.filter(due_date__lt=on).count(),
        "open": open_actions.count(),
        "all": visible.count(),
    }
    chosen = {"overdue": open_actions.filter(due_date__lt=on), "open": open_actions, "all": visible}[show]
    rows = action_rows(_action_queryset(chosen), {programme.pk: on}, user)
    return ProgrammeActions(programme, on, show, owner, rows, owners, counts, ended=on < today)


# --- Engagement at a glance (the programme page) ---------------------------------------------------


@dataclass
class ProviderEngagement:
    organisation: Organisation
    last_met: dt.date | None
    meetings: int
    due_by: dt.date
    days_since: int | None
    not_met: bool
    open_actions: int = 0
    overdue_actions: int = 0


@dataclass
class ProgrammeEngagement:
    programme: Programme
    as_at: dt.date
    ended: bool
    interval_days: int
    providers: list[ProviderEngagement]
    last_partnership: Meeting | None
    last_partner: Meeting | None
    open_actions: int
    overdue_actions: int

    @property
    def not_met(self) -> list[ProviderEngagement]:
        return [p for p in self.providers if p.not_met]


def provider_engagement(*, programme: Programme, on: dt.date, interval_days: int) -> list[ProviderEngagement]:
    """Each provider with an agreement running on the date (active or ended, not a draft, its end moved by extensions):
    their last monitoring meeting and whether one is overdue. Four queries of plain values, whatever the number."""
    since_by_provider: dict[int, dt.date] = {}
    names: dict[int, str] = {}
    for organisation_id, name, start in (
        programme.agreements.exclude(status=Agreement.Status.DRAFT)
        .filter(start_date__lte=on)
        .annotate(current_end=current_end_sql())
        .filter(current_end__gte=on)
        .order_by()
        .values_list("organisation_id", "organisation__name", "start_date")
    ):
        names[organisation_id] = name
        since_by_provider[organisation_id] = min(start, since_by_provider.get(organisation_id, start))
    providers = list(since_by_provider)
    held = (
        Meeting.objects.filter(programme=programme, kind=Meeting.Kind.MONITORING, organisation_id__in=providers, date__lte=on)
        .values("organisation_id")
        .annotate(last=Max("date"), n=Count("id"))
    )
    last = {row["organisation_id"]: (row["last"], row["n"]) for row in held}
    open_actions = Action.objects.filter(
        meeting__programme=programme, owner_organisation_id__in=providers, status=Action.Status.OPEN
    )
    open_counts = dict(
        open_actions.values("owner_organisation_id").annotate(n=Count("id")).values_list("owner_organisation_id", "n")
    )
    overdue_counts = dict(
        open_actions.filter(due_date__lt=on)
        .values("owner_organisation_id")
        .annotate(n=Count("id"))
        .values_list("owner_organisation_id", "n")
    )
    rows = []
    for organisation_id, since in since_by_provider.items():
        last_met, count = last.get(organisation_id, (None, 0))
        due_by = next_meeting_due(last_met=last_met, since=since, interval_days=interval_days)
        rows.append(
            ProviderEngagement(
                # Only its name and id are shown (a link to the meetings with it): not the whole record.
                organisation=Organisation(pk=organisation_id, name=names[organisation_id]),
                last_met=last_met,
                meetings=count,
                due_by=due_by,
                days_since=(on - last_met).days if last_met else None,
                not_met=on > due_by,
                open_actions=open_counts.get(organisation_id, 0),
                overdue_actions=overdue_counts.get(organisation_id, 0),
            )
        )
    rows.sort(key=lambda r: (r.organisation.name, r.organisation.pk))
    return rows


def engagement_version() -> tuple[int | None, ...]:
    """A version of what each provider's engagement reads, in one query: the highest history id of the meetings,
    actions, agreements and organisations, and the highest variation id (variations are only ever added)."""
    return highest_ids(
        *histories(Meeting, Action, Agreement, Organisation),
        (Variation, "id"),
    )


def programme_engagement(*, programme: Programme, user: User, today: dt.date | None = None) -> ProgrammeEngagement | None:
    """Engagement at a glance for the programme page; None for a user who may not see it."""
    if not user.has_perm("engagement.view_engagement", programme):
        return None
    today = today or dt.date.today()
    end = programme_end(programme)
    on = as_at(today=today, programme_end=end)
    interval = engagement_settings(programme).meeting_interval_days
    held = Meeting.objects.filter(programme=programme, date__lte=on).select_related("organisation")
    actions = Action.objects.filter(meeting__programme=programme, status=Action.Status.OPEN)
    return ProgrammeEngagement(
        programme=programme,
        as_at=on,
        ended=on != today,
        interval_days=interval,
        providers=remember(
            "provider-engagement",
            (programme.pk, on, interval, *engagement_version()),
            lambda: provider_engagement(programme=programme, on=on, interval_days=interval),
        ),
        last_partnership=held.filter(kind=Meeting.Kind.PARTNERSHIP).order_by("-date", "-id").first(),
        last_partner=held.filter(kind=Meeting.Kind.PARTNER).order_by("-date", "-id").first(),
        open_actions=actions.count(),
        overdue_actions=actions.filter(due_date__lt=on).count(),
    )


# --- An organisation's page ----------------------------------------------------------------------


@dataclass
class OrganisationEngagement:
    organisation: Organisation
    meetings: list[Meeting]
    more_meetings: bool
    open_actions: list[ActionRow]
    record_in: list[Programme] = field(default_factory=list)
    kind: str = ""


MEETINGS_SHOWN = 25


def organisation_engagement(*, organisation: Organisation, user: User, today: dt.date | None = None) -> OrganisationEngagement:
    """An organisation's meeting history and open actions, as far as the user may see them.

    Meetings are those with the organisation (or its predecessors and successors) or that it attended; open
    actions are those it owns or that arose from its own meetings.
    """
    lineage = organisation_lineage(organisation)
    meetings = list(meeting_list(user=user, organisation=organisation)[: MEETINGS_SHOWN + 1])
    open_actions = list(
        _action_queryset(
            actions_visible_to(user).filter(
                Q(owner_organisation_id__in=lineage)
                | Q(meeting__organisation_id__in=lineage, meeting__kind__in=[Meeting.Kind.MONITORING, Meeting.Kind.PARTNER]),
                status=Action.Status.OPEN,
            )
        )
    )
    dates = engagement_dates({a.meeting.programme_id for a in open_actions}, today)
    record_in: list[Programme] = []
    kind = ""
    if user.has_perm("engagement.manage_meetings"):
        if organisation.kind == Organisation.Kind.PROVIDER:
            kind = Meeting.Kind.MONITORING
            record_in = list(Programme.objects.filter(agreements__organisation=organisation).distinct().order_by("name"))
        elif organisation.kind == Organisation.Kind.PARTNER:
            kind = Meeting.Kind.PARTNER
            record_in = list(
                Programme.objects.filter(
                    Q(streams__funder_id__in=lineage) | Q(meetings__organisation_id__in=lineage, meetings__kind=kind)
                )
                .distinct()
                .order_by("name")
            )
    return OrganisationEngagement(
        organisation=organisation,
        meetings=meetings[:MEETINGS_SHOWN],
        more_meetings=len(meetings) > MEETINGS_SHOWN,
        open_actions=action_rows(open_actions, dates, user),
        record_in=record_in,
        kind=kind,
    )


def meeting_actions(*, meeting: Meeting, user: User, on: dt.date) -> list[ActionRow]:
    """The meeting's actions the user may see, in the order they were agreed; overdue as at ``on``."""
    actions = _action_queryset(actions_visible_to(user).filter(meeting=meeting)).order_by("id")
    return action_rows(actions, {meeting.programme_id: on}, user)


def programme_users_for_meetings(programme: Programme, kind: str = "") -> QuerySet[User]:
    """Who may attend or own actions: the council's users first, then the providers' (for a partner meeting, the partners')."""
    council = Q(organisation_id=programme.funder_id) | Q(organisation__parent_id=programme.funder_id)
    providers = Q(organisation_id__in=programme.agreements.values("organisation_id"))
    partners = Q(organisation__kind=Organisation.Kind.PARTNER) & ~Q(organisation__parent_id=programme.funder_id)
    others = {Meeting.Kind.PARTNER: partners, Meeting.Kind.MONITORING: providers, Meeting.Kind.PARTNERSHIP: providers}.get(
        kind, providers | partners
    )
    return (
        User.objects.filter(is_active=True)
        .filter(council | others)
        .select_related("organisation")
        .annotate(council_first=Case(When(council, then=Value(0)), default=Value(1)))
        .order_by("council_first", "organisation__name", "last_name", "first_name", "username")
    )


def meeting_organisation_choices(programme: Programme, kind: str) -> QuerySet[Organisation]:
    if kind == Meeting.Kind.MONITORING:
        return Organisation.objects.filter(agreements__programme=programme).distinct().order_by("name")
    if kind == Meeting.Kind.PARTNER:
        return Organisation.objects.filter(kind=Organisation.Kind.PARTNER).select_related("successor").order_by("name")
    return Organisation.objects.none()


def attending_organisation_choices(programme: Programme) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(
            Q(agreements__programme=programme) | Q(kind=Organisation.Kind.PARTNER) | Q(pk=programme.funder_id)
        )
        .distinct()
        .order_by("name")
    )


# --- History -------------------------------------------------------------------------------------


def _shown(value, field: str) -> str:
    text = shown(value, Meeting)
    if isinstance(value, list):
        return text or "none"
    return text if len(text) <= 120 or field not in {"notes", "agenda", "decisions", "guests"} else f"{text[:117]}…"


def meeting_history_rows(meeting: Meeting, limit: int = 30) -> list[HistoryRow]:
    """A meeting's field-by-field history, newest first, with the agreements, KPIs and people named (not numbered).

    Setting the many-to-many fields adds a history record each; records that changed nothing are left out.
    """
    records = list(meeting.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(rows) == limit:
            break
        if newer.history_type == "+" or older is None:
            what = "Created" if newer.history_type == "+" else "Changed"
        else:
            changes = newer.diff_against(older, foreign_keys_are_objs=True).changes
            what = "; ".join(
                f"{c.field.replace('_', ' ')}: “{_shown(c.old, c.field)}” → “{_shown(c.new, c.field)}”" for c in changes
            )
            if not what:
                continue
        rows.append(HistoryRow(newer.history_date, newer.history_user.display_name if newer.history_user else "system", what))
    return rows
