"""Reminders for agreements: monitoring returns due and overdue, and meeting actions due and overdue.

What is sent, to whom, and how often (each reminder has a key, so running the command again the same day, or
every hour, queues nothing new):

- **Return due** — once, `days` (default 14) or fewer days before a quarterly return's due date, to the provider
  organisation's users (provider role, active, with an e-mail address), while the return is not in (none yet,
  or still a draft).
- **Return overdue** — the returns on the officers' overdue list (monitoring.selectors.overdue_returns, the same
  rule): to the provider's users once a week, for the first `overdue_weeks` weeks (default 6) after the due date;
  after that the officers chase by hand from the overdue list. A queried return is chased the same way ("answer
  the query"), except in the week after the query, when the query's own e-mail (monitoring/emails.py) has just
  told them. The officer who set up the agreement (if still an active officer or administrator with an
  e-mail) is told once when a return first becomes overdue.
- **Action due / overdue** — an open meeting action due within `action_days` (default 7): once to its owner;
  then once a week while it is overdue, for the first `overdue_weeks` weeks. The owner is the user named on the
  action; failing that, the users of the organisation that owns it who may see it; failing that (a named person
  who is not a user), the officer who recorded the meeting, so that someone chases it. Programmes whose last
  period has ended are left alone.

Every recipient must be allowed to see what the e-mail is about (an action is checked with
engagement.selectors_meetings.can_see_action); the e-mail says no more than the page it links to.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from vcsgrants.core.models import Role, User
from vcsgrants.core.money import long_date, quarter_end, quarter_starts
from vcsgrants.engagement.models.meetings import Action
from vcsgrants.engagement.selectors.meetings import can_see_action, can_see_meeting, engagement_dates
from vcsgrants.monitoring.models import Return, ReturnEvent
from vcsgrants.monitoring.selectors import OverdueReturn, overdue_returns
from vcsgrants.notifications.messages import body_text
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue

RETURN_DAYS = 14
ACTION_DAYS = 7
OVERDUE_WEEKS = 6


@dataclass(frozen=True)
class Reminder:
    kind: str
    key: str
    recipient: User
    subject: str
    body: str

    @property
    def to_email(self) -> str:
        return self.recipient.email


def overdue_week(days_late: int) -> int:
    """Which week of lateness: days 1–7 are week 0, days 8–14 week 1, …; one reminder per week."""
    return max(days_late - 1, 0) // 7


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- Returns ---------------------------------------------------------------------------------------------


def _quarter_text(row: OverdueReturn) -> str:
    start = quarter_starts(row.year.start_year)[row.quarter - 1]
    end = quarter_end(start)
    return f"{row.year} quarter {row.quarter} ({start:%B} to {end:%B %Y})"


def _return_link(row: OverdueReturn) -> str:
    return reverse("monitoring:return-edit", args=[row.agreement.pk, str(row.year), row.quarter])


def _return_key(kind: str, row: OverdueReturn) -> str:
    return f"{kind}:{row.agreement.pk}:{row.year.start_year}:{row.quarter}"


def _provider_users(organisation_ids: set[int]) -> dict[int, list[User]]:
    users = (
        User.objects.filter(organisation_id__in=organisation_ids, is_active=True, groups__name=Role.PROVIDER)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )
    by_organisation: dict[int, list[User]] = defaultdict(list)
    for user in users:
        by_organisation[user.organisation_id].append(user)
    return by_organisation


def _responsible_officers(user_ids: set[int]) -> dict[int, User]:
    """The officers who set up agreements, if they are still active officers or administrators with an e-mail."""
    users = (
        User.objects.filter(pk__in=user_ids, is_active=True, groups__name__in=[Role.OFFICER, Role.ADMIN])
        .exclude(email="")
        .distinct()
    )
    return {u.pk: u for u in users}


def _queried_on(return_ids: list[int]) -> dict[int, dt.date]:
    """When each of these returns was last queried (local date)."""
    latest = (
        ReturnEvent.objects.filter(return_record_id__in=return_ids, action=ReturnEvent.Action.QUERIED)
        .values("return_record_id")
        .annotate(at=Max("at"))
    )
    return {row["return_record_id"]: timezone.localdate(row["at"]) for row in latest}


def _due_reminder(row: OverdueReturn, user: User) -> Reminder:
    agreement = row.agreement
    body = body_text(
        user,
        [
            f"The monitoring return for {agreement.reference} ({agreement.title}) for {_quarter_text(row)} "
            f"is due by 5pm on {long_date(row.due_date)}.",
            "Enter a value for each KPI with a short narrative, in the browser or by uploading the spreadsheet "
            "template. If you have already sent it, you can ignore this e-mail.",
        ],
        _return_link(row),
        "Fill in or upload the return:",
    )
    return Reminder(
        kind=Notification.Kind.RETURN_DUE,
        key=f"{_return_key('return_due', row)}:u{user.pk}",
        recipient=user,
        subject=f"Monitoring return due by {long_date(row.due_date)}: {agreement.reference}, {row.year} Q{row.quarter}",
        body=body,
    )


def _overdue_reminder(row: OverdueReturn, user: User, week: int) -> Reminder:
    agreement = row.agreement
    if row.status == Return.Status.QUERIED:
        subject = f"Monitoring return queried: {agreement.reference}, {row.year} Q{row.quarter}"
        paragraphs = [
            f"The council has queried the monitoring return for {agreement.reference} ({agreement.title}) "
            f"for {_quarter_text(row)}. It is waiting for your answer.",
            "Read the officer's comment on the return, correct it if needed and submit it again.",
        ]
    else:
        subject = f"Monitoring return overdue: {agreement.reference}, {row.year} Q{row.quarter}"
        paragraphs = [
            f"The monitoring return for {agreement.reference} ({agreement.title}) for {_quarter_text(row)} "
            f"was due by 5pm on {long_date(row.due_date)} and we have not received it. "
            f"It is {_plural(row.days_overdue, 'day')} late.",
            "Please send it as soon as you can. If something is stopping you, contact the council officer "
            "who manages your agreement.",
        ]
    return Reminder(
        kind=Notification.Kind.RETURN_OVERDUE,
        key=f"{_return_key('return_overdue', row)}:w{week}:u{user.pk}",
        recipient=user,
        subject=subject,
        body=body_text(user, paragraphs, _return_link(row), "The return:"),
    )


def _officer_overdue_reminder(row: OverdueReturn, officer: User) -> Reminder:
    agreement = row.agreement
    body = body_text(
        officer,
        [
            f"The monitoring return from {agreement.organisation} for {agreement.reference} ({agreement.title}) "
            f"for {_quarter_text(row)} was due by 5pm on {long_date(row.due_date)} and is not in "
            f"({row.status_label.lower()}). The provider's users have been sent a reminder.",
            "You are receiving this because you set up the agreement.",
        ],
        reverse("monitoring:returns-overdue"),
        "Every overdue return:",
    )
    return Reminder(
        kind=Notification.Kind.RETURN_OVERDUE,
        key=f"{_return_key('return_overdue', row)}:officer:u{officer.pk}",
        recipient=officer,
        subject=f"Return overdue from {agreement.organisation}: {agreement.reference}, {row.year} Q{row.quarter}",
        body=body,
    )


def return_reminders(today: dt.date, *, days: int = RETURN_DAYS, overdue_weeks: int = OVERDUE_WEEKS) -> list[Reminder]:
    """Returns due within `days` of today (inclusive) and returns overdue (see the module docstring)."""
    # Due soon: what would be on the overdue list the day after the window ends, with a due date still ahead.
    due = [
        row
        for row in overdue_returns(today + dt.timedelta(days=days + 1))
        if row.due_date >= today and row.status in (None, Return.Status.DRAFT)
    ]
    late = [row for row in overdue_returns(today) if overdue_week(row.days_overdue) < overdue_weeks]
    rows = due + late
    providers = _provider_users({row.agreement.organisation_id for row in rows})
    officers = _responsible_officers({row.agreement.created_by_id for row in late})
    reminders = [_due_reminder(row, user) for row in due for user in providers.get(row.agreement.organisation_id, [])]
    queried_on = _queried_on([row.return_record.pk for row in late if row.status == Return.Status.QUERIED])
    for row in late:
        week = overdue_week(row.days_overdue)
        if row.return_record is not None and 0 <= (today - queried_on.get(row.return_record.pk, dt.date.min)).days < 7:
            continue  # queried in the last week: the provider has just had the query's own e-mail (monitoring/emails.py)
        reminders += [_overdue_reminder(row, user, week) for user in providers.get(row.agreement.organisation_id, [])]
        officer = officers.get(row.agreement.created_by_id)
        if officer and row.status != Return.Status.QUERIED and row.days_overdue > 0:
            reminders.append(_officer_overdue_reminder(row, officer))
    return reminders


# --- Meeting actions ---------------------------------------------------------------------------------------


def _action_recipients(action: Action, organisation_users: dict[int, list[User]]) -> list[User]:
    owner = action.owner_user
    if owner is not None and owner.is_active and owner.email:
        candidates = [owner]
    elif action.owner_organisation_id and organisation_users.get(action.owner_organisation_id):
        candidates = organisation_users[action.owner_organisation_id]
    else:
        candidates = [action.meeting.recorded_by]  # nobody to write to: the officer who recorded the meeting chases
    return [u for u in candidates if u.is_active and u.email and can_see_action(u, action)]


def _action_reminder(action: Action, user: User, today: dt.date, week: int | None) -> Reminder:
    meeting = action.meeting
    link = (
        action.get_absolute_url()
        if can_see_meeting(user, meeting)
        else reverse("engagement:action-list", args=[meeting.programme.slug])
    )
    chasing = action.owner_user_id != user.pk and not (
        action.owner_organisation_id and action.owner_organisation_id == user.organisation_id
    )
    owner = ""
    if chasing:
        why = "who has no e-mail address here" if action.owner_user_id else "who is not a user of this service"
        owner = f" The action is {action.owner_label}'s, {why}, so this comes to you as the officer who recorded the meeting."
    held = f"the {meeting.label[0].lower()}{meeting.label[1:]} on {long_date(meeting.date)}"
    if week is None:
        kind, key = Notification.Kind.ACTION_DUE, f"action_due:{action.pk}:u{user.pk}"
        subject = f"Action due by {long_date(action.due_date)}: {meeting.label}"
        first = f"An action agreed at {held} is due by {long_date(action.due_date)}.{owner}"
    else:
        kind, key = Notification.Kind.ACTION_OVERDUE, f"action_overdue:{action.pk}:w{week}:u{user.pk}"
        late = (today - action.due_date).days
        subject = f"Action overdue: {meeting.label}"
        first = (
            f"An action agreed at {held} was due by "
            f"{long_date(action.due_date)} and is still open ({_plural(late, 'day')} late).{owner}"
        )
    body = body_text(
        user,
        [first, f"The action:\n\n{action.description.strip()}", "When it is done, mark it done on the meeting's page."],
        link,
        "See the action:",
    )
    return Reminder(kind=kind, key=key, recipient=user, subject=subject, body=body)


def action_reminders(today: dt.date, *, days: int = ACTION_DAYS, overdue_weeks: int = OVERDUE_WEEKS) -> list[Reminder]:
    """Open actions due within `days` of today, and overdue ones weekly (see the module docstring)."""
    actions = list(
        Action.objects.filter(status=Action.Status.OPEN, due_date__lte=today + dt.timedelta(days=days))
        .select_related("meeting__programme", "meeting__organisation", "meeting__recorded_by", "owner_user", "owner_organisation")
        .order_by("due_date", "id")
    )
    running = engagement_dates({a.meeting.programme_id for a in actions}, today)
    actions = [a for a in actions if running[a.meeting.programme_id] >= today]  # a finished programme is left alone
    organisation_ids = {a.owner_organisation_id for a in actions if a.owner_organisation_id}
    organisation_users: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(organisation_id__in=organisation_ids, is_active=True).exclude(email="").order_by("username"):
        organisation_users[user.organisation_id].append(user)
    reminders = []
    for action in actions:
        late = (today - action.due_date).days
        if late > 0 and overdue_week(late) >= overdue_weeks:
            continue
        week = overdue_week(late) if late > 0 else None
        reminders += [_action_reminder(action, user, today, week) for user in _action_recipients(action, organisation_users)]
    return reminders


# --- Queueing -----------------------------------------------------------------------------------------------


def due_reminders(
    today: dt.date, *, return_days: int = RETURN_DAYS, action_days: int = ACTION_DAYS, overdue_weeks: int = OVERDUE_WEEKS
) -> list[Reminder]:
    """Every reminder due today that has not been queued before (a read: writes nothing)."""
    reminders = return_reminders(today, days=return_days, overdue_weeks=overdue_weeks) + action_reminders(
        today, days=action_days, overdue_weeks=overdue_weeks
    )
    keys = [r.key for r in reminders]
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        known |= set(Notification.objects.filter(key__in=keys[start : start + 500]).values_list("key", flat=True))
    return [r for r in reminders if r.key not in known]


def queue_reminders(reminders: list[Reminder]) -> Counter:
    """Queue the reminders in one transaction; how many were queued, by kind."""
    queued: Counter = Counter()
    with transaction.atomic():
        for r in reminders:
            if enqueue(kind=r.kind, key=r.key, to_email=r.to_email, subject=r.subject, body=r.body, recipient=r.recipient):
                queued[r.kind] += 1
    return queued
