"""Who may build, apply to, assess, moderate and award open calls."""

from __future__ import annotations

import rules

from vcsgrants.calls.models import Assignment
from vcsgrants.core.rules import (
    has_organisation,
    is_admin,
    is_applicant,
    is_assessor,
    is_officer,
    is_provider,
    manages_programmes,
    partner_lineage,
    sees_everything,
)

# --- Assessment, moderation and award ------------------------------------------------------
# Officers set up assessment (criteria, the call's KPIs, the panel), moderate and award; council staff read
# the scores, moderation and ranked list. An assessor (or an officer on a panel) sees only the applications
# assigned to them, reads one (and its files) only after declaring no conflict, and scores only their own
# assignment. Views check calls.assess with rules.has_perm, not Django's has_perm: a superuser is on no panel.

may_assess = is_assessor | is_officer | is_admin


@rules.predicate
def is_own_assignment(user, assignment) -> bool:
    return assignment is not None and assignment.assessor_id == user.pk


@rules.predicate
def assesses_application(user, application) -> bool:
    """Assigned to this application and declared no conflict of interest: may read it and its files."""
    return (
        application is not None
        and bool(getattr(user, "is_authenticated", False))
        and Assignment.objects.filter(application=application, assessor_id=user.pk, conflict=Assignment.Conflict.NONE).exists()
    )


rules.add_perm("calls.manage_assessment", manages_programmes)
rules.add_perm("calls.view_own_assessments", may_assess)
rules.add_perm("calls.assess", may_assess & is_own_assignment)
rules.add_perm("calls.read_assigned_application", may_assess & assesses_application)
rules.add_perm("calls.view_scores", sees_everything)
rules.add_perm("calls.moderate", manages_programmes)
rules.add_perm("calls.award", manages_programmes)


# --- Building, registering and applying ----------------------------------------------------
# Officers build and publish calls; council staff see every call and its applications. Applicants (and providers,
# for their own organisation) apply; they see only their own organisation's applications (via its lineage) and
# never another's. Assessors read the applications assigned to them (assesses_application, above).


@rules.predicate
def owns_application(user, application) -> bool:
    return application is not None and bool(user.organisation_id) and application.organisation_id in partner_lineage(user)


may_apply = (is_applicant | is_provider) & has_organisation

rules.add_perm("calls.view_calls", sees_everything)
rules.add_perm("calls.manage_call", manages_programmes)
rules.add_perm("calls.apply", may_apply)
rules.add_perm("calls.view_application", sees_everything | (may_apply & owns_application) | (may_assess & assesses_application))
rules.add_perm("calls.edit_application", may_apply & owns_application)
rules.add_perm("calls.override_eligibility", manages_programmes)
