"""Who may do what: rules predicates per role and object (no database rows).

Roles are Django groups (see core.models.Role). Every view and API endpoint checks one of the
permissions below; `vcsgrants.core.permissions.require` says why when it refuses.
"""

from __future__ import annotations

import rules

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

# Council staff see everything, read-only unless their role says otherwise.
sees_everything = is_admin | is_officer | is_finance | is_cabinet


def organisation_lineage(organisation: Organisation | None) -> set[int]:
    """The organisation with its predecessors and successors: a successor inherits the history."""
    if organisation is None:
        return set()
    seen = {organisation.pk}
    frontier = [organisation.pk]
    while frontier:
        related = Organisation.objects.filter(pk__in=frontier).values_list("successor_id", flat=True)
        before = Organisation.objects.filter(successor_id__in=frontier).values_list("pk", flat=True)
        frontier = [pk for pk in [*related, *before] if pk and pk not in seen]
        seen.update(frontier)
    return seen


def partner_lineage(user) -> set[int]:
    if not hasattr(user, "_partner_lineage"):
        user._partner_lineage = organisation_lineage(user.organisation) if user.organisation_id else set()
    return user._partner_lineage


@rules.predicate
def co_funds_programme(user, programme) -> bool:
    if programme is None or not user.organisation_id:
        return False
    return programme.streams.filter(funder_id__in=partner_lineage(user)).exists()


@rules.predicate
def co_funds_agreement(user, agreement) -> bool:
    if agreement is None or not user.organisation_id:
        return False
    return agreement.funding_lines.filter(stream__funder_id__in=partner_lineage(user)).exists()


@rules.predicate
def is_own_organisation(user, organisation) -> bool:
    return organisation is not None and user.organisation_id == organisation.pk


@rules.predicate
def is_own_agreement(user, agreement) -> bool:
    return agreement is not None and user.organisation_id == agreement.organisation_id


manages_programmes = is_admin | is_officer

rules.add_perm("core.view_organisation_list", sees_everything)
rules.add_perm(
    "core.view_organisation", sees_everything | (is_provider & is_own_organisation) | (is_partner & is_own_organisation)
)
rules.add_perm("core.manage_organisation", manages_programmes)
rules.add_perm("core.view_audit", sees_everything)

rules.add_perm("funding.view_programme_list", sees_everything | is_partner)
rules.add_perm("funding.view_programme", sees_everything | (is_partner & co_funds_programme))
rules.add_perm("funding.manage_programme", manages_programmes)
rules.add_perm("funding.manage_budget", manages_programmes | is_finance)
rules.add_perm("funding.manage_allocations", manages_programmes)
rules.add_perm("funding.view_agreement_list", sees_everything | is_provider | is_partner)
rules.add_perm("funding.view_agreement", sees_everything | (is_provider & is_own_agreement) | (is_partner & co_funds_agreement))
rules.add_perm("funding.manage_agreement", manages_programmes)
rules.add_perm("funding.manage_schedule", manages_programmes | is_finance)
rules.add_perm("funding.record_payment", is_admin | is_finance)
rules.add_perm("funding.view_payments", sees_everything | (is_provider & is_own_agreement))
rules.add_perm("funding.view_payment_list", sees_everything)
rules.add_perm("funding.view_documents", sees_everything | (is_provider & is_own_agreement))
rules.add_perm("funding.upload_document", manages_programmes | (is_provider & is_own_agreement))
rules.add_perm("funding.view_decision", sees_everything)
rules.add_perm("funding.record_decision", manages_programmes | is_cabinet)


# --- Monitoring ------------------------------------------------------------------------


@rules.predicate
def is_own_return(user, return_record) -> bool:
    return return_record is not None and user.organisation_id == return_record.agreement.organisation_id


def _programme_of(obj):
    """The programme a framework object belongs to: a programme, or a KPI under one of its outcomes."""
    if obj is None:
        return None
    return obj.outcome.programme if hasattr(obj, "outcome") else obj


@rules.predicate
def co_funds_framework(user, obj) -> bool:
    return co_funds_programme(user, _programme_of(obj))


@rules.predicate
def has_agreement_in_framework(user, obj) -> bool:
    programme = _programme_of(obj)
    return programme is not None and programme.agreements.filter(organisation_id=user.organisation_id).exists()


# Co-design is shared: every provider with an agreement in the programme sees every KPI, proposed or agreed.
rules.add_perm(
    "monitoring.view_framework", sees_everything | (is_provider & has_agreement_in_framework) | (is_partner & co_funds_framework)
)
rules.add_perm("monitoring.manage_framework", manages_programmes)
rules.add_perm("monitoring.propose_kpi", manages_programmes | (is_provider & has_agreement_in_framework))
rules.add_perm("monitoring.comment_kpi", manages_programmes | (is_provider & has_agreement_in_framework))
rules.add_perm("monitoring.manage_targets", manages_programmes)
rules.add_perm(
    "monitoring.view_return",
    sees_everything
    | (is_provider & is_own_return)
    | (is_partner & rules.predicate(lambda user, r: r is not None and co_funds_agreement(user, r.agreement))),
)
rules.add_perm("monitoring.edit_return", (is_provider & is_own_return) | manages_programmes)
rules.add_perm("monitoring.review_return", manages_programmes)
rules.add_perm("monitoring.view_dashboard", sees_everything | is_partner)
rules.add_perm("monitoring.view_overdue", sees_everything)


# --- Equity options ----------------------------------------------------------------------
# Council staff compare options; officers build them and adopt one as a year's allocations.
rules.add_perm("equity.view_options", sees_everything)
rules.add_perm("equity.manage_options", manages_programmes)
rules.add_perm("equity.adopt_option", manages_programmes)

# --- Reports for decisions -----------------------------------------------------------------
rules.add_perm("reports.view_report", sees_everything)
rules.add_perm("reports.manage_report", manages_programmes)
