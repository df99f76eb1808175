"""Who may see and change programmes, agreements, payments, decisions and partners' contributions."""

from __future__ import annotations

import rules
from django.db.models import F, Q

from vcsgrants.core.rules import (
    is_admin,
    is_cabinet,
    is_finance,
    is_partner,
    is_provider,
    manages_programmes,
    partner_lineage,
    sees_everything,
)


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
def is_own_agreement(user, agreement) -> bool:
    return agreement is not None and user.organisation_id == agreement.organisation_id


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
