"""Who may see and run consultations, meetings and actions."""

from __future__ import annotations

import rules

from vcsgrants.core.rules import is_partner, is_provider, manages_programmes, sees_everything
from vcsgrants.engagement.selectors import meetings as selectors_meetings
from vcsgrants.funding.rules import co_funds_programme

# --- Consultations ---------------------------------------------------------------------------
# Officers run consultations; council staff see them and their summaries (an interim one while open). Providers
# see the open and closed consultations of programmes they hold agreements in and answer for their organisation.
# Partner bodies co-funding the programme read them once open and their summaries once closed, like read-only
# staff; they answer, if they wish, through the public link like anyone else. Individual responses (which may
# carry a respondent's name or e-mail) are for officers and administrators only. The public link needs no rule:
# its unguessable token is the permission, and it reveals only the consultation's own page.


@rules.predicate
def consultation_has_opened(user, consultation) -> bool:
    return consultation is not None and consultation.has_opened()


@rules.predicate
def consultation_is_closed(user, consultation) -> bool:
    return consultation is not None and consultation.is_closed()


@rules.predicate
def has_agreement_in_consultation(user, consultation) -> bool:
    return (
        consultation is not None
        and bool(user.organisation_id)
        and consultation.programme.agreements.filter(organisation_id=user.organisation_id).exists()
    )


@rules.predicate
def co_funds_consultation(user, consultation) -> bool:
    return consultation is not None and co_funds_programme(user, consultation.programme)


rules.add_perm("engagement.view_consultation_list", sees_everything | is_provider | is_partner)
rules.add_perm(
    "engagement.view_consultation",
    sees_everything
    | (is_provider & has_agreement_in_consultation & consultation_has_opened)
    | (is_partner & co_funds_consultation & consultation_has_opened),
)
rules.add_perm("engagement.manage_consultation", manages_programmes)
rules.add_perm("engagement.respond_consultation", is_provider & has_agreement_in_consultation & consultation_has_opened)
rules.add_perm(
    "engagement.view_consultation_summary", sees_everything | (is_partner & co_funds_consultation & consultation_is_closed)
)
rules.add_perm("engagement.view_consultation_responses", manages_programmes)


# --- Meetings and actions ---------------------------------------------------------
# Who sees which meeting and action lives in selectors_meetings.py (one home for the rule, shared with the lists).
# Staff see all; a provider sees its own monitoring meetings and its programmes' partnership meetings;
# a partner sees the meetings with the NHS partner involving its organisation or its lineage.

can_see_meeting = rules.predicate(selectors_meetings.can_see_meeting)
can_see_action = rules.predicate(selectors_meetings.can_see_action)
owns_action = rules.predicate(selectors_meetings.owns_action)
takes_part_in_engagement = rules.predicate(selectors_meetings.takes_part_in_engagement)

rules.add_perm("engagement.view_meeting_list", sees_everything | is_provider | is_partner)
rules.add_perm("engagement.view_meeting", sees_everything | ((is_provider | is_partner) & can_see_meeting))
rules.add_perm("engagement.manage_meetings", manages_programmes)
rules.add_perm("engagement.complete_action", manages_programmes | (is_provider & owns_action & can_see_action))
rules.add_perm("engagement.view_programme_actions", sees_everything | ((is_provider | is_partner) & takes_part_in_engagement))
rules.add_perm("engagement.view_engagement", sees_everything)
