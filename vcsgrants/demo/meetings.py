"""The demo's meetings and actions, January 2022 – March 2023: every one illustrative (``Meeting.is_demo``).

Monitoring meetings with each provider (three in 2022-23; Bilberry Volunteer Network is last met in
September 2022, so the programme page flags it as not met), quarterly partnership meetings, and meetings
with the NHS partner: the Clinical Commissioning Group before 1 July 2022 and the Integrated Care Board
that succeeded it after. Actions have owners and due dates; most are done, some are open and some overdue
(as at 31 March 2023, when the demo programme's last period ends).

The providers are the demo's fictional ones. The CCG and the ICB are real bodies, so what is said at their
meetings is kept to the programme's own business (the transition, the shared KPIs, the review), with no
figures, and the people are described by role, not named. Every write goes through services_meetings, so
it is validated and audited like a user's. Idempotent: a programme that has demo meetings is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.services import meetings as services
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring.models import Kpi

D = dt.date
DONE, OPEN, CANCELLED = Action.Status.DONE, Action.Status.OPEN, Action.Status.CANCELLED
ILLUSTRATIVE = "Illustrative demo meeting."


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner: str  # "officer", "provider" (the provider's user), "org:<first word>", "council", "icb-user" or "name:<role>|nhs"
    due: dt.date | int  # a date, or so many days after the meeting
    status: str = DONE
    done_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class Round:
    """One round of monitoring meetings: the same agenda for every provider, in their own words."""

    title: str
    agenda: str
    notes: str
    decisions: str
    kpis: tuple[str, ...]
    actions: tuple[ActionSpec, ...] = field(default_factory=tuple)


# When each provider (keyed by the first word of its demo name) was met, round by round.
MONITORING_DATES = {
    "Kestrel": [D(2022, 6, 14), D(2022, 10, 11), D(2023, 2, 7)],
    "Millstone": [D(2022, 6, 16), D(2022, 10, 13), D(2023, 2, 9)],
    "Lapwing": [D(2022, 7, 5), D(2022, 11, 1), D(2023, 3, 7)],
    "Curlew": [D(2022, 7, 7), D(2022, 11, 3), D(2023, 3, 9)],
    "Wagtail": [D(2022, 6, 28), D(2022, 10, 25), D(2023, 1, 24)],
    "Skylark": [D(2022, 7, 19), D(2022, 11, 15), D(2023, 1, 17)],
    "Bilberry": [D(2022, 5, 11), D(2022, 9, 14)],  # not met since: flagged on the programme page
    "Pennywort": [D(2022, 6, 21), D(2022, 10, 18), D(2023, 2, 21)],
    "Hawthorn": [D(2022, 7, 12), D(2022, 11, 8), D(2023, 3, 14)],
    "Lantern": [D(2022, 6, 30), D(2022, 10, 27), D(2023, 2, 28)],
}

ROUNDS = [
    Round(
        title="Year-end review 2021-22",
        agenda="1. The 2021-22 year-end return and case studies\n2. KPI targets for 2022-23\n"
        "3. The twelve-month extension of the agreement to 31 March 2023\n4. Any other business",
        notes="Went through the year-end return with {name}: the first full year monitored against the shared outcomes "
        "framework. Support to new groups was the strongest area; volunteer placements picked up in the last quarter. "
        "The council confirmed the agreement continues at its current level to 31 March 2023.",
        decisions="KPI targets for 2022-23 agreed in principle, profiled evenly by quarter.",
        kpis=("SG1", "SG2", "VO1"),
        actions=(
            ActionSpec("Send two case studies from 2021-22 for the annual report", "provider", 45),
            ActionSpec("Enter the agreed 2022-23 KPI targets on the system", "officer", 21),
        ),
    ),
    Round(
        title="Mid-year review",
        agenda="1. Quarter 1 and 2 returns and RAG ratings\n2. Volunteer recruitment and retention (VO1, VO2)\n"
        "3. The review of VCS infrastructure provision: what it means for {name}",
        notes="Quarter 1 and 2 returns reviewed. Volunteer retention is below target; {name} put it down to "
        "one-off events counted in earlier years, which the refined VO2 definition now excludes.",
        decisions="Keep the VO2 target for 2022-23; look at it again when the KPIs are refined for 2023-24.",
        kpis=("VO1", "VO2", "SK2"),
        actions=(
            ActionSpec("Share the volunteer retention figures behind VO2 for quarter 2", "provider", 35),
            ActionSpec("Circulate the timetable for the review of VCS infrastructure provision", "officer", 28),
        ),
    ),
    Round(
        title="Planning for 2023-24",
        agenda="1. Quarter 3 return\n2. Reach into the most deprived and rural areas (EQ1, EQ2)\n3. Plans for 2023-24",
        notes="Quarter 3 return reviewed. {name} described outreach work in the district's most deprived wards and asked "
        "for early notice of the funding position for 2023-24.",
        decisions="{name} to draft its delivery plan for 2023-24 against the current KPI set.",
        kpis=("EQ1", "EQ2", "SG1"),
        actions=(
            ActionSpec("Draft the delivery plan for 2023-24", "provider", D(2023, 4, 28), OPEN),
            ActionSpec("Confirm the payment schedule for 2023-24", "officer", 21),
        ),
    ),
]

# Departures from the rounds above, so the demo has something to chase: (provider, round) → actions instead.
EXCEPTIONS: dict[tuple[str, int], tuple[ActionSpec, ...]] = {
    ("Lapwing", 1): (
        ActionSpec("Share the volunteer retention figures behind VO2 for quarter 2", "provider", D(2022, 12, 2), OPEN),
        ActionSpec("Circulate the timetable for the review of VCS infrastructure provision", "officer", 28),
    ),
    ("Curlew", 2): (
        ActionSpec("Draft the delivery plan for 2023-24", "provider", D(2023, 4, 28), OPEN),
        ActionSpec("Confirm the payment schedule for 2023-24", "officer", D(2023, 3, 24), OPEN),
    ),
    ("Hawthorn", 2): (
        ActionSpec("Draft the delivery plan for 2023-24", "provider", D(2023, 4, 28), OPEN),
        ActionSpec("Confirm the payment schedule for 2023-24", "officer", D(2023, 3, 24), OPEN),
    ),
    ("Skylark", 1): (
        ActionSpec("Share the volunteer retention figures behind VO2 for quarter 2", "provider", D(2022, 12, 9), DONE),
        ActionSpec(
            "Run a joint volunteer fair with Bilberry Volunteer Network in the High Peak",
            "provider",
            D(2023, 3, 31),
            CANCELLED,
            note="Replaced by the county-wide volunteering week in March 2023.",
        ),
    ),
    ("Bilberry", 0): (
        ActionSpec("Submit the quarter 4 return for 2021-22", "provider", D(2022, 5, 31), DONE),
        ActionSpec("Send the guidance on the refined VO2 definition", "officer", D(2022, 5, 20), DONE),
    ),
    ("Bilberry", 1): (
        ActionSpec("Submit the quarter 1 return for 2022-23, which is overdue", "provider", D(2022, 9, 30), OPEN),
        ActionSpec("Arrange the next monitoring meeting", "officer", D(2022, 12, 16), OPEN),
    ),
}
BILBERRY_ROUNDS = {0: "Year-end review 2021-22 (rearranged)", 1: "Quarter 1 return and support needed"}


@dataclass(frozen=True)
class MeetingSpec:
    kind: str
    date: dt.date
    title: str
    agenda: str
    notes: str
    decisions: str
    kpis: tuple[str, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    share_notes: bool = False
    partner: str = ""  # "ccg" or "icb"
    location: str = ""
    absent: tuple[str, ...] = ()


PARTNERSHIP = Meeting.Kind.PARTNERSHIP
PARTNER = Meeting.Kind.PARTNER

PARTNERSHIP_MEETINGS = [
    MeetingSpec(
        PARTNERSHIP,
        D(2022, 1, 20),
        "The first year of the new approach",
        "1. Monitoring against the shared outcomes framework so far\n2. The six-month extension to 31 March 2022\n"
        "3. The proposal to Cabinet for 2022-23",
        "Providers welcomed the district-level allocations. Several asked for the KPI definitions to say what counts more "
        "precisely, starting with volunteer retention.",
        "Providers to send proposed changes to KPI definitions by the end of February.",
        kpis=("VO2", "SG4"),
        actions=(ActionSpec("Collect proposed changes to the KPI definitions", "officer", D(2022, 2, 28), DONE, D(2022, 3, 1)),),
        share_notes=True,
        location="Online",
    ),
    MeetingSpec(
        PARTNERSHIP,
        D(2022, 4, 21),
        "Grants for 2022-23",
        "1. Grants kept at their current levels for 2022-23 (Cabinet, 10 February 2022)\n"
        "2. The one-off Public Health funding ends on 30 September 2022\n3. Refining the KPIs",
        "The council set out the decision to keep every grant at its current level for 2022-23, excluding the one-off "
        "Public Health money. Providers discussed how to wind down the work that money pays for by the end of September.",
        "The refined VO2 definition (excluding one-off events) applies from 2022-23.",
        kpis=("VO2",),
        actions=(
            ActionSpec("Publish the refined VO2 definition", "council", D(2022, 5, 13), DONE),
            ActionSpec("Compile a county-wide directory of training for groups", "org:Lantern", D(2022, 6, 30), DONE),
        ),
        share_notes=True,
    ),
    MeetingSpec(
        PARTNERSHIP,
        D(2022, 7, 21),
        "The NHS transition",
        "1. The Integrated Care Board from 1 July 2022\n2. After the one-off Public Health funding\n3. Any other business",
        "The council reported on the move from the CCG to the ICB. Frank discussion of how some providers will manage "
        "when the one-off money ends; the council will follow up with each in their monitoring meeting.",
        "Invite the ICB to the October partnership meeting.",
        actions=(ActionSpec("Invite the ICB's VCSE lead to the October partnership meeting", "officer", D(2022, 9, 30), DONE),),
    ),
    MeetingSpec(
        PARTNERSHIP,
        D(2022, 10, 20),
        "The review of VCS infrastructure provision",
        "1. The review and its consultation timetable\n2. Options for allocating the funding with greater equity of provision\n"
        "3. The ICB's priorities for the voluntary sector",
        "The council outlined the review and the options it will model: current levels, equal shares, per head and "
        "needs-weighted. Providers asked that the consultation run for twelve weeks.",
        "The consultation on the review to run for twelve weeks.",
        kpis=("EQ1", "EQ2"),
        actions=(
            ActionSpec("Publish the consultation on the review", "council", D(2022, 12, 2), DONE),
            ActionSpec("Host the January partnership meeting", "org:Wagtail", D(2023, 1, 19), DONE),
        ),
        share_notes=True,
    ),
    MeetingSpec(
        PARTNERSHIP,
        D(2023, 1, 19),
        "Longer-term funding",
        "1. Multi-year funding arrangements\n2. The KPI set for 2023-24\n3. Consultation responses so far",
        "Providers strongly support multi-year settlements. The council will bring options. Bilberry Volunteer Network sent "
        "apologies.",
        "The KPI set stays the same for 2023-24 apart from agreed refinements.",
        kpis=("SG1", "VO1"),
        actions=(
            ActionSpec("Circulate options for multi-year funding arrangements", "council", D(2023, 3, 17), OPEN),
            ActionSpec("Share the volunteer-led evaluation approach with the partnership", "org:Kestrel", D(2023, 4, 20), OPEN),
        ),
        share_notes=True,
        location="Wagtail Volunteer Centre (demo)",
        absent=("Bilberry",),
    ),
]

NHS_ROLE = "name:VCSE partnership lead (illustrative role)|nhs"
PARTNER_MEETINGS = [
    MeetingSpec(
        PARTNER,
        D(2022, 2, 16),
        "Health outcomes in the shared framework",
        "1. The shared outcomes framework and its health-related KPIs\n2. The proposal to Cabinet for 2022-23",
        "Went through the KPIs that bear on health and wellbeing. Agreed to keep one shared set of KPIs rather than a "
        "separate set for health funding.",
        "One shared KPI set across funders.",
        kpis=("EQ1", "EQ3"),
        actions=(ActionSpec("Share the framework's health-related KPI definitions", "officer", D(2022, 3, 4), DONE),),
        partner="ccg",
    ),
    MeetingSpec(
        PARTNER,
        D(2022, 5, 18),
        "Preparing for the transition",
        "1. The CCG becomes part of the Integrated Care Board on 1 July 2022\n2. Keeping commitments through the transition",
        "Discussed how the programme's shared understanding and commitments carry across to the Integrated Care Board.",
        "The council to meet the ICB in August.",
        actions=(ActionSpec("Confirm who will be the ICB's contact for VCS infrastructure", NHS_ROLE, D(2022, 6, 30), DONE),),
        partner="ccg",
    ),
    MeetingSpec(
        PARTNER,
        D(2022, 8, 17),
        "First meeting with the ICB",
        "1. Introductions\n2. The programme, its KPIs and monitoring\n3. The review of VCS infrastructure provision",
        "First meeting since the ICB took over from the CCG. The programme's history with the CCG was shared.",
        "Meet quarterly.",
        kpis=("EQ3",),
        actions=(ActionSpec("Send the programme's meeting history with the CCG", "officer", D(2022, 8, 31), DONE),),
        partner="icb",
    ),
    MeetingSpec(
        PARTNER,
        D(2022, 11, 16),
        "The review and the ICB",
        "1. The consultation on the review of VCS infrastructure provision\n2. How the ICB will take part",
        "The ICB will respond to the consultation and consider its role in the review.",
        "The ICB to set out how it will take part in the review.",
        actions=(ActionSpec("Set out how the ICB will take part in the review", "icb-user", D(2023, 1, 31), OPEN),),
        partner="icb",
    ),
    MeetingSpec(
        PARTNER,
        D(2023, 2, 15),
        "A consistent approach across funders",
        "1. Reporting across funders\n2. Multi-year arrangements",
        "Discussed one consistent approach to reporting for every funder of the programme's providers.",
        "Work towards one reporting timetable for all funders.",
        kpis=("SG1", "EQ3"),
        actions=(ActionSpec("Draft a joint reporting timetable for funders", "officer", D(2023, 4, 28), OPEN),),
        partner="icb",
    ),
]


@dataclass
class Cast:
    programme: Programme
    officer: User
    council: Organisation
    providers: dict[str, Organisation]
    provider_users: dict[int, User]
    ccg: Organisation | None
    icb: Organisation | None
    icb_user: User | None
    kpis: dict[str, Kpi]


def _first_word(organisation: Organisation) -> str:
    return organisation.name.split()[0]


def _cast(programme: Programme, officer: User) -> Cast:
    providers = {_first_word(o): o for o in Organisation.objects.filter(agreements__programme=programme, is_demo=True).distinct()}
    provider_users = {
        u.organisation_id: u
        for u in User.objects.filter(organisation__in=providers.values(), groups__name=Role.PROVIDER, is_active=True).order_by(
            "pk"
        )
    }
    ccg = (
        Organisation.objects.filter(
            kind=Organisation.Kind.PARTNER, successor__isnull=False, name__contains="Clinical Commissioning"
        )
        .select_related("successor")
        .first()
    )
    icb = ccg.successor if ccg else None
    icb_user = User.objects.filter(organisation=icb, groups__name=Role.PARTNER).first() if icb else None
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__programme=programme)}
    return Cast(programme, officer, programme.funder, providers, provider_users, ccg, icb, icb_user, kpis)


def _owner(spec: ActionSpec, cast: Cast, provider: Organisation | None, partner: Organisation | None) -> dict:
    if spec.owner == "officer":
        return {"owner_user": cast.officer}
    if spec.owner == "council":
        return {"owner_organisation": cast.council}
    if spec.owner == "provider":
        user = cast.provider_users.get(provider.pk)
        return {"owner_user": user} if user else {"owner_organisation": provider}
    if spec.owner == "icb-user":
        return {"owner_user": cast.icb_user} if cast.icb_user else {"owner_organisation": partner}
    if spec.owner.startswith("org:"):
        return {"owner_organisation": cast.providers[spec.owner[4:]]}
    if spec.owner.startswith("name:"):
        name, _ = spec.owner[5:].split("|")
        return {"owner_name": name, "owner_organisation": partner}
    raise ValueError(f"Unknown demo owner {spec.owner!r}")


def _add_actions(meeting: Meeting, specs, cast: Cast, *, provider=None, partner=None) -> None:
    for spec in specs:
        due = meeting.date + dt.timedelta(days=spec.due) if isinstance(spec.due, int) else spec.due
        done_on = spec.done_on or (due - dt.timedelta(days=3) if spec.status == DONE else None)
        if done_on is not None:
            done_on = max(done_on, meeting.date)
        services.action_add(
            meeting=meeting,
            description=spec.description,
            due_date=due,
            actor=cast.officer,
            status=spec.status,
            done_on=done_on,
            note=spec.note,
            **_owner(spec, cast, provider, partner),
        )


def _kpis(codes, cast: Cast) -> list[Kpi]:
    return [cast.kpis[c] for c in codes if c in cast.kpis]


def _monitoring(cast: Cast) -> int:
    count = 0
    for key, dates in MONITORING_DATES.items():
        provider = cast.providers.get(key)
        if provider is None:
            continue
        user = cast.provider_users.get(provider.pk)
        agreements = list(cast.programme.agreements.filter(organisation=provider))
        for number, (day, round_) in enumerate(zip(dates, ROUNDS, strict=False)):
            meeting = services.meeting_record(
                programme=cast.programme,
                kind=Meeting.Kind.MONITORING,
                date=day,
                actor=cast.officer,
                organisation=provider,
                title=BILBERRY_ROUNDS[number] if key == "Bilberry" else round_.title,
                location="Online" if key in {"Curlew", "Skylark"} else f"{provider.name}'s office",
                guests=f"Chief officer (illustrative), {provider.name}",
                agenda=round_.agenda.format(name=provider.name),
                notes=f"{round_.notes.format(name=provider.name)}\n\n{ILLUSTRATIVE}",
                decisions=round_.decisions.format(name=provider.name),
                attendee_users=[cast.officer, *([user] if user else [])],
                attending_organisations=[cast.council, provider],
                agreements=agreements,
                kpis=_kpis(round_.kpis, cast),
                is_demo=True,
            )
            _add_actions(meeting, EXCEPTIONS.get((key, number), round_.actions), cast, provider=provider)
            count += 1
    return count


def _partnership(cast: Cast) -> int:
    for spec in PARTNERSHIP_MEETINGS:
        present = [o for key, o in cast.providers.items() if key not in spec.absent]
        meeting = services.meeting_record(
            programme=cast.programme,
            kind=PARTNERSHIP,
            date=spec.date,
            actor=cast.officer,
            title=spec.title,
            location=spec.location or "County Hall, Matlock",
            agenda=spec.agenda,
            notes=f"{spec.notes}\n\n{ILLUSTRATIVE}",
            decisions=spec.decisions,
            share_notes=spec.share_notes,
            attendee_users=[cast.officer, *(cast.provider_users[o.pk] for o in present if o.pk in cast.provider_users)],
            attending_organisations=[cast.council, *present],
            kpis=_kpis(spec.kpis, cast),
            is_demo=True,
        )
        _add_actions(meeting, spec.actions, cast)
    return len(PARTNERSHIP_MEETINGS)


def _partner(cast: Cast) -> int:
    if cast.ccg is None or cast.icb is None:
        return 0
    for spec in PARTNER_MEETINGS:
        partner = cast.ccg if spec.partner == "ccg" else cast.icb
        users = [cast.officer] + ([cast.icb_user] if spec.partner == "icb" and cast.icb_user else [])
        meeting = services.meeting_record(
            programme=cast.programme,
            kind=PARTNER,
            date=spec.date,
            actor=cast.officer,
            organisation=partner,
            title=spec.title,
            location="Online",
            guests=f"VCSE partnership lead (illustrative role), {partner.name}",
            agenda=spec.agenda,
            notes=f"{spec.notes}\n\n{ILLUSTRATIVE}",
            decisions=spec.decisions,
            attendee_users=users,
            attending_organisations=[cast.council, partner],
            kpis=_kpis(spec.kpis, cast),
            is_demo=True,
        )
        _add_actions(meeting, spec.actions, cast, partner=partner)
    return len(PARTNER_MEETINGS)


@transaction.atomic
def load_meetings_demo(programme: Programme, *, officer: User) -> bool:
    """Load the demo meetings once; returns False (and writes nothing) if the programme has demo meetings already."""
    if programme.meetings.filter(is_demo=True).exists():
        return False
    cast = _cast(programme, officer)
    _monitoring(cast)
    _partnership(cast)
    _partner(cast)
    return True
