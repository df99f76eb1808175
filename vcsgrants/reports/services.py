"""Writes for Cabinet reports: save a draft, and record the decision it led to (one transaction, audited)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Decision
from vcsgrants.funding.services.programmes import decision_record
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import EDITABLE_FIELDS, TEXT_FIELDS, CabinetReport, IssuedReport
from vcsgrants.reports.pdf_writer import report_pdf

# The fields a new draft copies from the report it starts from (the decision, author and issue are its own).
DRAFT_FIELDS = ["programme", *EDITABLE_FIELDS]


ISSUED_MESSAGE = (
    "This report has been issued and cannot be changed: what the meeting was sent must stay as it was. "
    "Start a new draft from it instead."
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    if not created and IssuedReport.objects.filter(report_id=report.pk).exists():
        raise ValidationError(ISSUED_MESSAGE)
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
    issued = IssuedReport.objects.filter(report=report).first()
    record_event(
        actor=actor,
        verb="report.decision_recorded",
        obj=report,
        summary=f"Recorded the decision on '{report.title}'"
        + (f" as issued on {issued.issued_at:%d %B %Y}" if issued else "")
        + f": {decision}",
        data={"decision_id": decision.pk, "issued_id": issued.pk if issued else None},
    )
    return decision


def render_body(report: CabinetReport, content=None) -> str:
    """The body of the report page (the same template the page and the PDF use)."""
    content = content or report_content(report)
    return render_to_string("reports/_report_body.html", {"content": content, "report": report})


@transaction.atomic
def report_issue(*, report: CabinetReport, actor: User) -> IssuedReport:
    """Issue the report: store its page, PDF and Word file as produced now, with their SHA-256; audited.

    From then on the report is served from what was stored, and cannot be edited."""
    report = CabinetReport.objects.select_for_update().select_related("programme__funder").get(pk=report.pk)
    if IssuedReport.objects.filter(report=report).exists():
        raise ValidationError(f"This report was already issued: {report.issued.label.lower()}.")
    content = report_content(report)
    html = render_body(report, content)
    pdf = report_pdf(content)
    docx = report_docx(content)
    issued = IssuedReport.objects.create(
        report=report,
        issued_at=timezone.now(),
        issued_by=actor,
        appendix_total=content.appendix.total,
        html=html,
        html_sha256=sha256(html.encode()),
        pdf=pdf,
        pdf_sha256=sha256(pdf),
        docx=docx,
        docx_sha256=sha256(docx),
    )
    record_event(
        actor=actor,
        verb="report.issued",
        obj=report,
        summary=f"Issued the report '{report.title}' for {report.meeting}, {report.meeting_date:%d %B %Y}",
        data={
            "issued_id": issued.pk,
            "appendix_total": str(issued.appendix_total),
            "html_sha256": issued.html_sha256,
            "pdf_sha256": issued.pdf_sha256,
            "docx_sha256": issued.docx_sha256,
        },
    )
    return issued


@transaction.atomic
def report_new_draft(*, report: CabinetReport, actor: User) -> CabinetReport:
    """A new draft for the same programme with the report's words and choices, to revise and issue again."""
    attnames = [CabinetReport._meta.get_field(name).attname for name in DRAFT_FIELDS]
    draft = CabinetReport(**{attname: getattr(report, attname) for attname in attnames})
    draft.title = f"{report.title} (revised)"[:300]
    draft.author = actor
    draft.save()
    record_event(
        actor=actor,
        verb="report.drafted",
        obj=draft,
        summary=f"Started a new draft '{draft.title}' from the report '{report.title}'",
        data={"from_report_id": report.pk},
    )
    return draft


def last_report(programme) -> CabinetReport | None:
    """The programme's latest report by meeting date: what "start from last year's report" copies."""
    return programme.reports.order_by("-meeting_date", "-id").first()


def _a_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def report_from_last_year(*, programme, actor: User) -> CabinetReport:
    """A new draft that starts from the programme's last report's words (TEXT_FIELDS), a year on.

    The figures are not copied: the grants' year moves on a year (the year after the last report's, where the
    council has set it up), the meeting a year on, and the choices of quarter, options, consultation and call are
    left for the officer, since last year's would describe last year."""
    previous = last_report(programme)
    if previous is None:
        raise ValidationError("This programme has no report to start from yet: draft one.")
    year = previous.financial_year
    next_year = FinancialYear.objects.filter(start_year=year.start_year + 1).first()
    draft = CabinetReport(programme=programme, **{name: getattr(previous, name) for name in TEXT_FIELDS})
    if next_year is not None:
        draft.title = previous.title.replace(year.label, next_year.label)
    draft.title = draft.title[:300]
    draft.financial_year = next_year or year
    draft.meeting_date = _a_year_later(previous.meeting_date)
    draft.author = actor
    draft.save()
    record_event(
        actor=actor,
        verb="report.drafted",
        obj=draft,
        summary=f"Started the report '{draft.title}' from last year's report '{previous.title}'",
        data={"from_report_id": previous.pk},
    )
    return draft
