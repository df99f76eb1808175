"""Writes for Cabinet reports: save a draft, and record the decision it led to (one transaction, audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import User
from vcsgrants.funding.models import Decision
from vcsgrants.funding.services.programmes import decision_record
from vcsgrants.reports.models import CabinetReport


def report_state(report: CabinetReport) -> dict[str, str]:
    """The report as its edit page shows it (core.concurrency); the decision and author are not edited there."""
    return model_state(report, exclude=["decision", "author"])


@transaction.atomic
def report_save(*, report: CabinetReport, actor: User, version: str | None = None) -> CabinetReport:
    """Save a draft; an edit is refused (`version`, core.concurrency) if the report changed since it was opened."""
    if report.pk is not None:
        check_version(version, report_state(CabinetReport.objects.select_for_update().get(pk=report.pk)), records=[report])
    if report.option_set_id and report.option_set.programme_id != report.programme_id:
        raise ValidationError({"option_set": "Choose an option set of this programme."})
    if report.consultation_id and report.consultation.programme_id != report.programme_id:
        raise ValidationError({"consultation": "Choose a consultation of this programme."})
    if report.call_id and report.call.programme_id != report.programme_id:
        raise ValidationError({"call": "Choose an open call of this programme."})
    if (report.performance_year is None) != (report.performance_quarter is None):
        raise ValidationError({"performance_quarter": "Give both the year and the quarter, or neither for the latest."})
    created = report.pk is None
    if created:
        report.author = actor
    report.save()
    record_event(
        actor=actor,
        verb="report.drafted" if created else "report.edited",
        obj=report,
        summary=f"{'Drafted' if created else 'Edited'} the report '{report.title}' for {report.meeting}, "
        f"{report.meeting_date:%d %B %Y}",
    )
    return report


@transaction.atomic
def report_record_decision(*, report: CabinetReport, decision: Decision, actor: User) -> Decision:
    """Record the meeting's decision on the report and link the two."""
    report = CabinetReport.objects.select_for_update().get(pk=report.pk)
    if report.decision_id:
        raise ValidationError(f"The decision on this report is already recorded: {report.decision}.")
    if decision.period_start and decision.period_end and decision.period_start > decision.period_end:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    decision = decision_record(decision=decision, actor=actor)
    report.decision = decision
    report.save(update_fields=["decision", "updated_at"])
    record_event(
        actor=actor,
        verb="report.decision_recorded",
        obj=report,
        summary=f"Recorded the decision on '{report.title}': {decision}",
        data={"decision_id": decision.pk},
    )
    return decision
