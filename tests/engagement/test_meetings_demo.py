"""The demo's meetings tell the minute's story: monitoring with most providers, quarterly partnership meetings,
the NHS partner met as the CCG before 1 July 2022 and as the ICB after, one provider not met recently."""

from __future__ import annotations

import datetime as dt

import pytest

from vcsgrants.core.models import User
from vcsgrants.demo.meetings import load_meetings_demo
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors import meetings as selectors
from vcsgrants.funding.models import Programme


@pytest.fixture
def demo(demo_module, db):
    programme = Programme.objects.get(slug="vcs-infrastructure")
    # load_demo calls this too once it is wired in; it is idempotent, so calling it here is safe either way.
    load_meetings_demo(programme, officer=User.objects.get(username="officer"))
    return programme


def test_the_demo_meetings_tell_the_story_are_labelled_illustrative_and_are_seen_by_the_right_users(demo):
    meetings = Meeting.objects.filter(programme=demo)
    assert not meetings.filter(is_demo=False).exists()
    counts = {kind: meetings.filter(kind=kind).count() for kind in Meeting.Kind.values}
    assert counts == {"monitoring": 29, "partnership": 5, "partner": 5}
    assert all("Illustrative" in m.notes for m in meetings)

    partner_meetings = meetings.filter(kind=Meeting.Kind.PARTNER).select_related("organisation")
    for meeting in partner_meetings:
        is_ccg = "Clinical Commissioning Group" in meeting.organisation.name
        assert is_ccg == (meeting.date < dt.date(2022, 7, 1)), meeting

    officer = User.objects.get(username="officer")
    engagement = selectors.programme_engagement(programme=demo, user=officer)
    assert engagement.as_at == dt.date(2023, 3, 31)  # the end of the demo programme's last period
    assert [p.organisation.name for p in engagement.not_met] == ["Bilberry Volunteer Network (demo)"]
    assert len(engagement.providers) == 10
    assert "Integrated Care Board" in engagement.last_partner.organisation.name

    actions = Action.objects.filter(meeting__programme=demo)
    open_actions = actions.filter(status=Action.Status.OPEN)
    assert open_actions.filter(due_date__lt=engagement.as_at).count() == engagement.overdue_actions > 0
    assert open_actions.filter(due_date__gte=engagement.as_at).exists()
    assert actions.filter(status=Action.Status.CANCELLED).exclude(note="").exists()

    assert load_meetings_demo(demo, officer=officer) is False
    assert Meeting.objects.filter(programme=demo).count() == sum(counts.values())

    # The demo users see what their role allows (one test: loading the demo is the slow part).
    icb = User.objects.get(username="partner-icb")
    seen = selectors.meetings_visible_to(icb).select_related("organisation")
    assert {m.organisation.name for m in seen} == {
        "NHS Derby and Derbyshire Clinical Commissioning Group",
        "NHS Derby and Derbyshire Integrated Care Board",
    }
    assert not selectors.meetings_visible_to(User.objects.get(username="partner")).exists()
    kestrel = User.objects.get(username="provider-kestrel-voluntary-action-demo")
    kinds = set(selectors.meetings_visible_to(kestrel).values_list("kind", flat=True))
    assert kinds == {Meeting.Kind.MONITORING, Meeting.Kind.PARTNERSHIP}
    own_open = selectors.actions_visible_to(kestrel).filter(status=Action.Status.OPEN, owner_organisation=kestrel.organisation)
    assert own_open.exists() and all(kestrel.has_perm("engagement.complete_action", a) for a in own_open)


def meeting_url_args(agreement) -> dict[str, list]:
    """URL args for tests/test_permissions.py: the demo's latest monitoring meeting with the agreement's provider,
    and an open action that provider owns (so the provider user may mark it done)."""
    programme = agreement.programme
    load_meetings_demo(programme, officer=User.objects.get(username="officer"))  # until load_demo calls it; idempotent
    meeting = (
        Meeting.objects.filter(programme=programme, kind=Meeting.Kind.MONITORING, organisation=agreement.organisation)
        .order_by("-date")
        .first()
    )
    own_open = meeting.actions.get(status=Action.Status.OPEN, owner_organisation=agreement.organisation)
    return {
        "meeting-create": [programme.slug],
        "meeting-detail": [meeting.pk],
        "meeting-edit": [meeting.pk],
        "action-create": [meeting.pk],
        "action-edit": [own_open.pk],
        "action-done": [own_open.pk],
        "action-list": [programme.slug],
        "engagement-settings": [programme.slug],
    }
