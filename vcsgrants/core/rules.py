"""Who may do what: the roles, and the permissions on core's own records (organisations, the audit log).

Roles are Django groups (see core.models.Role). Each app's `rules.py` holds the permissions on its own records,
built from the role predicates here (rules' autodiscovery imports every app's module). Every view and API
endpoint checks one of them; `vcsgrants.core.permissions.require` says why when it refuses.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from vcsgrants.core.models import Organisation, Role


def _role(name: str):
    @rules.predicate(name=f"has_role_{name}")
    def check(user) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and (
            user.has_role(name) or (name == Role.ADMIN and user.is_superuser)
        )

    return check


is_admin = _role(Role.ADMIN)
is_officer = _role(Role.OFFICER)
is_finance = _role(Role.FINANCE)
is_cabinet = _role(Role.CABINET)
is_partner = _role(Role.PARTNER)
is_provider = _role(Role.PROVIDER)
is_assessor = _role(Role.ASSESSOR)
is_applicant = _role(Role.APPLICANT)

# Council staff see everything, read-only unless their role says otherwise.
sees_everything = is_admin | is_officer | is_finance | is_cabinet
manages_programmes = is_admin | is_officer


def organisation_lineage(organisation: Organisation | None) -> set[int]:
    """The organisation with its predecessors and successors: a successor inherits the history."""
    if organisation is None:
        return set()
    seen = {organisation.pk}
    frontier = [organisation.pk]
    while frontier:  # one query a step: the frontier's successors, and the organisations the frontier succeeded
        rows = Organisation.objects.filter(Q(pk__in=frontier) | Q(successor_id__in=frontier)).values_list("pk", "successor_id")
        frontier = list({pk for row in rows for pk in row if pk and pk not in seen})
        seen.update(frontier)
    return seen


def partner_lineage(user) -> set[int]:
    if not hasattr(user, "_partner_lineage"):
        user._partner_lineage = organisation_lineage(user.organisation) if user.organisation_id else set()
    return user._partner_lineage


@rules.predicate
def is_own_organisation(user, organisation) -> bool:
    return organisation is not None and user.organisation_id == organisation.pk


@rules.predicate
def has_organisation(user) -> bool:
    return bool(getattr(user, "organisation_id", None))


rules.add_perm("core.view_organisation_list", sees_everything)
rules.add_perm(
    "core.view_organisation", sees_everything | (is_provider & is_own_organisation) | (is_partner & is_own_organisation)
)
rules.add_perm("core.manage_organisation", manages_programmes)
rules.add_perm("core.view_audit", sees_everything)
# People (the People pages): administrators, and any superuser, whether or not they hold a role.
rules.add_perm("core.manage_people", is_admin)
rules.add_perm("core.manage_council_settings", is_admin)
rules.add_perm("core.view_area_list", sees_everything)
rules.add_perm("core.manage_area", manages_programmes)


@rules.predicate
def is_job_owner(user, job) -> bool:
    return job is not None and job.requested_by_id == getattr(user, "pk", None)


# Background jobs (core.jobs): only the person who asked for one sees it, and its file; administrators see all.
rules.add_perm("core.view_job_list", rules.is_authenticated)
rules.add_perm("core.view_job", is_job_owner | is_admin)
rules.add_perm("core.view_all_jobs", is_admin)
