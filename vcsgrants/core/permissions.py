from __future__ import annotations

from django.core.exceptions import PermissionDenied

# What each permission lets someone do, for the message shown when it is refused.
ACTIONS = {
    "core.view_organisation_list": "see the list of organisations",
    "core.view_organisation": "see this organisation",
    "core.manage_organisation": "add or change organisations",
    "core.view_audit": "see the audit log",
    "funding.view_programme_list": "see programmes",
    "funding.view_programme": "see this programme",
    "funding.manage_programme": "change programmes, periods and funding streams",
    "funding.manage_budget": "set budgets",
    "funding.manage_allocations": "change district allocations",
    "funding.view_agreement_list": "see agreements",
    "funding.view_agreement": "see this agreement",
    "funding.manage_agreement": "create or vary agreements",
    "funding.manage_schedule": "change payment schedules",
    "funding.record_payment": "record payments",
    "funding.view_payments": "see this agreement's payments",
    "funding.view_payment_list": "see payments across programmes",
    "funding.view_documents": "see this agreement's documents",
    "funding.upload_document": "upload documents to this agreement",
    "funding.view_decision": "see decisions",
    "funding.record_decision": "record decisions",
    "funding.view_partner_list": "see funding partners",
    "funding.view_partner": "see this funding partner's contributions",
    "funding.manage_contributions": "record partners' contributions to funding streams",
    "funding.view_forecast": "see the commitments forecast",
    "monitoring.view_framework": "see the outcomes framework",
    "monitoring.manage_framework": "change the outcomes framework or decide on KPIs",
    "monitoring.propose_kpi": "propose KPIs",
    "monitoring.comment_kpi": "comment on KPIs",
    "monitoring.manage_targets": "set targets",
    "monitoring.view_return": "see this return",
    "monitoring.edit_return": "fill in or submit this return",
    "monitoring.review_return": "accept or query returns",
    "monitoring.view_dashboard": "see the performance dashboards",
    "monitoring.view_overdue": "see overdue returns",
    "equity.view_options": "see allocation options",
    "equity.manage_options": "build or change allocation options",
    "equity.adopt_option": "adopt an option as a year's allocations",
    "opendata.view_published": "see the published grants",
    "opendata.view_grants": "see grants before publication and their data-quality findings",
    "opendata.publish": "publish or unpublish grants as open data",
    "reports.view_report": "see reports for decisions",
    "reports.manage_report": "draft or edit reports for decisions",
    "engagement.view_consultation_list": "see consultations",
    "engagement.view_consultation": "see this consultation",
    "engagement.manage_consultation": "run consultations: create them and set their questions and documents",
    "engagement.respond_consultation": "respond to this consultation for your organisation",
    "engagement.view_consultation_summary": "see the summary of this consultation's responses",
    "engagement.view_consultation_responses": "see or moderate individual consultation responses",
    "engagement.view_meeting_list": "see meetings",
    "engagement.view_meeting": "see this meeting",
    "engagement.manage_meetings": "record or change meetings, their actions and engagement settings",
    "engagement.complete_action": "mark this action done",
    "engagement.view_programme_actions": "see this programme's actions",
    "engagement.view_engagement": "see the programme's engagement at a glance",
}


def require(user, perm: str, obj=None) -> None:
    """Refuse with a message that says what the user tried and which roles they hold."""
    if user.has_perm(perm, obj):
        return
    roles = ", ".join(user.role_names) if getattr(user, "is_authenticated", False) else "none"
    raise PermissionDenied(f"Your role ({roles or 'none'}) does not allow you to {ACTIONS.get(perm, perm)}.")
