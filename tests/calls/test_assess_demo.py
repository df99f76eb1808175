"""The demo call's assessment tells a consistent story: moderated and awaiting award, with nobody on a moderated
application still to declare or score (moderation closes scoring), and loading it again changes nothing."""

from __future__ import annotations

import pytest

from vcsgrants.calls.models import Application, Assignment, Call, Score
from vcsgrants.calls.selectors.assess import assignment_status, scored_since_moderation
from vcsgrants.calls.services.assess import assessable
from vcsgrants.core.models import User
from vcsgrants.demo.calls_apply import REFERENCE
from vcsgrants.demo.calls_assess import load_demo_assessment

pytestmark = pytest.mark.django_db


def test_the_demo_call_is_moderated_with_every_assignment_declared_and_loads_once(demo_module):
    call = Call.objects.get(reference=REFERENCE)
    assert call.lots.count() == 3 and call.applications.count() == 4
    assert call.applications.filter(eligible=False).count() == 1
    eligible = list(assessable(call))
    assert len(eligible) == 3 and all(a.is_moderated for a in eligible)
    assert not call.applications.exclude(outcome=Application.Outcome.PENDING).exists()  # awaiting award
    statuses = [assignment_status(a) for a in Assignment.objects.filter(application__call=call)]
    assert statuses.count("Conflict of interest") == 1
    assert set(statuses) == {"Scores submitted", "Conflict of interest"}  # nobody left to declare or score
    assert scored_since_moderation(assessable(call)) == set()
    assert not Assignment.objects.filter(
        application__project_title="Dales outreach and volunteering", assessor__username="assessor"
    ).exists()
    counts = (Assignment.objects.count(), Score.objects.count())
    officer = User.objects.get(username="officer")
    assert load_demo_assessment(None, officer=officer, assessors=[]) is False
    assert (Assignment.objects.count(), Score.objects.count()) == counts
