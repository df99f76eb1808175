"""Who may do what: rules predicates per role and object (no database rows).

Roles are Django groups (see core.models.Role). Every view and API endpoint checks one of the
permissions below; `vcsgrants.core.permissions.require` says why when it refuses.
"""

from __future__ import annotations

import rules
from django.db.models import F, Q

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
    lineage = partner_lineage(user)  # funds a stream, or contributes to one (funding.StreamContribution)
    return programme.streams.filter(Q(funder_id__in=lineage) | Q(contributions__funder_id__in=lineage)).exists()


@rules.predicate
def co_funds_agreement(user, agreement) -> bool:
    if agreement is None or not user.organisation_id:
        return False
    lineage = partner_lineage(user)  # funds a stream of its lines, or contributes to that stream in that year
    return agreement.funding_lines.filter(
        Q(stream__funder_id__in=lineage)
        | Q(stream__contributions__funder_id__in=lineage, stream__contributions__financial_year=F("financial_year"))
    ).exists()


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

# --- Open data (360Giving) -------------------------------------------------------------------
# Published grants are public; council staff preview and check grants; officers publish and unpublish.
rules.add_perm("opendata.view_published", rules.always_allow)
rules.add_perm("opendata.view_grants", sees_everything)
rules.add_perm("opendata.publish", manages_programmes)

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


# --- Meetings and actions (engagement) ---------------------------------------------------------
# Who sees which meeting and action lives in engagement/selectors_meetings.py (one home for the rule).
# Staff see all; a provider sees its own monitoring meetings and its programmes' partnership meetings;
# a partner sees the meetings with the NHS partner involving its organisation or its lineage.


@rules.predicate
def can_see_meeting(user, meeting) -> bool:
    from vcsgrants.engagement.selectors_meetings import can_see_meeting as visible

    return visible(user, meeting)


@rules.predicate
def can_see_action(user, action) -> bool:
    from vcsgrants.engagement.selectors_meetings import can_see_action as visible

    return visible(user, action)


@rules.predicate
def owns_action(user, action) -> bool:
    from vcsgrants.engagement.selectors_meetings import owns_action as owns

    return owns(user, action)


@rules.predicate
def takes_part_in_engagement(user, programme) -> bool:
    from vcsgrants.engagement.selectors_meetings import takes_part_in_engagement as takes_part

    return takes_part(user, programme)


rules.add_perm("engagement.view_meeting_list", sees_everything | is_provider | is_partner)
rules.add_perm("engagement.view_meeting", sees_everything | ((is_provider | is_partner) & can_see_meeting))
rules.add_perm("engagement.manage_meetings", manages_programmes)
rules.add_perm("engagement.complete_action", manages_programmes | (is_provider & owns_action & can_see_action))
rules.add_perm("engagement.view_programme_actions", sees_everything | ((is_provider | is_partner) & takes_part_in_engagement))
rules.add_perm("engagement.view_engagement", sees_everything)


# --- Funding partners and multi-year funding -----------------------------------------------------
# A partner page shows one lineage's contributions (a body with its predecessors and successors): council
# staff see every one, a partner user their own. Officers and finance record contributions; council staff
# see the commitments forecast; multi-year agreements and conversions are agreement changes (manage_agreement).


@rules.predicate
def in_own_lineage(user, organisation) -> bool:
    return organisation is not None and organisation.pk in partner_lineage(user)


rules.add_perm("funding.view_partner_list", sees_everything | is_partner)
rules.add_perm("funding.view_partner", sees_everything | (is_partner & in_own_lineage))
rules.add_perm("funding.manage_contributions", manages_programmes | is_finance)
rules.add_perm("funding.view_forecast", sees_everything)


# --- API tokens ----------------------------------------------------------------------------------------
# Every signed-in user may make tokens for their own scripts (a token can do only what its user can);
# a token is seen and revoked by its own user only.


@rules.predicate
def owns_token(user, api_token) -> bool:
    return api_token is not None and api_token.user_id == user.pk


rules.add_perm("api.manage_tokens", rules.is_authenticated)
rules.add_perm("api.revoke_token", rules.is_authenticated & owns_token)


# --- Open calls: assessment, moderation and award ------------------------------------------------------
# Officers set up assessment (criteria, the call's KPIs, the panel), moderate and award; council staff read
# the scores, moderation and ranked list. An assessor (or an officer on a panel) sees only the applications
# assigned to them, reads one (and its files) only after declaring no conflict, and scores only their own
# assignment. Views check calls.assess with rules.has_perm, not Django's has_perm: a superuser is on no panel.
# calls-build-apply's file and application rules may OR in `assesses_application`.

is_assessor = _role(Role.ASSESSOR)
may_assess = is_assessor | is_officer | is_admin


@rules.predicate
def is_own_assignment(user, assignment) -> bool:
    return assignment is not None and assignment.assessor_id == user.pk


@rules.predicate
def assesses_application(user, application) -> bool:
    """Assigned to this application and declared no conflict of interest: may read it and its files."""
    from vcsgrants.calls.models import Assignment

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


# --- Open calls: building, registering and applying ----------------------------------------------------
# Officers build and publish calls; council staff see every call and its applications. Applicants (and providers,
# for their own organisation) apply; they see only their own organisation's applications (via its lineage) and
# never another's. Assessors read the applications assigned to them (assesses_application, above).

is_applicant = _role(Role.APPLICANT)


@rules.predicate
def has_organisation(user) -> bool:
    return bool(getattr(user, "organisation_id", None))


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


# --- Notifications ------------------------------------------------------------------------------------
# The e-mail outbox carries messages to every kind of user (applicants' feedback among them): officers and
# administrators only. They can queue a failed e-mail again.

rules.add_perm("notifications.view_outbox", manages_programmes)
rules.add_perm("notifications.send_again", manages_programmes)
