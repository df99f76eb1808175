"""Figures for the assessment panels included in the call and application pages (owned by calls-build-apply)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from vcsgrants.calls.models import Application, Assignment, Call
from vcsgrants.calls.scoring import weights_problem
from vcsgrants.calls.selectors import assess as selectors
from vcsgrants.calls.services import assess as services

register = template.Library()


@dataclass
class CallSummary:
    criteria: int
    weights_problem: str | None
    assessment_problem: str | None
    assessable: int
    assignments: int
    submitted: int
    conflicts: int
    moderated: int
    awarded: int
    unsuccessful: int


@register.simple_tag
def assess_call_summary(call: Call) -> CallSummary:
    assignments = Assignment.objects.filter(application__call=call)
    assessable = services.assessable(call)
    return CallSummary(
        criteria=call.criteria.count(),
        weights_problem=weights_problem(list(call.criteria.values_list("weight", flat=True))),
        assessment_problem=services.assessment_problem(call),
        assessable=assessable.count(),
        assignments=assignments.count(),
        submitted=assignments.filter(completed_at__isnull=False).exclude(conflict=Assignment.Conflict.CONFLICT).count(),
        conflicts=assignments.filter(conflict=Assignment.Conflict.CONFLICT).count(),
        moderated=assessable.filter(moderated_score__isnull=False).exclude(recommendation="").count(),
        awarded=call.applications.filter(outcome=Application.Outcome.AWARDED).count(),
        unsuccessful=call.applications.filter(outcome=Application.Outcome.UNSUCCESSFUL).count(),
    )


@register.simple_tag
def application_panel(application: Application):
    return selectors.panel_result(application)


@register.simple_tag
def is_assessable(application: Application) -> bool:
    return services.assessable(application.call).filter(pk=application.pk).exists()
