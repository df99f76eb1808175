"""Who may see and change the outcomes framework, KPIs, targets and quarterly returns."""

from __future__ import annotations

import rules

from vcsgrants.core.rules import is_partner, is_provider, manages_programmes, sees_everything
from vcsgrants.funding.rules import co_funds_agreement, co_funds_programme


@rules.predicate
def is_own_return(user, return_record) -> bool:
    return return_record is not None and user.organisation_id == return_record.agreement.organisation_id


@rules.predicate
def co_funds_return(user, return_record) -> bool:
    return return_record is not None and co_funds_agreement(user, return_record.agreement)


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
rules.add_perm("monitoring.manage_settings", manages_programmes)  # when returns are due, the amber band
rules.add_perm("monitoring.propose_kpi", manages_programmes | (is_provider & has_agreement_in_framework))
rules.add_perm("monitoring.comment_kpi", manages_programmes | (is_provider & has_agreement_in_framework))
rules.add_perm("monitoring.manage_targets", manages_programmes)
rules.add_perm("monitoring.view_return", sees_everything | (is_provider & is_own_return) | (is_partner & co_funds_return))
rules.add_perm("monitoring.edit_return", (is_provider & is_own_return) | manages_programmes)
rules.add_perm("monitoring.review_return", manages_programmes)
rules.add_perm("monitoring.view_dashboard", sees_everything | is_partner)
rules.add_perm("monitoring.view_overdue", sees_everything)
