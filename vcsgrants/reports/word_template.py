"""A council's own Word template for reports (docxtpl): the variables it may use, checking an upload, rendering.

The template is a .docx with Jinja tags (docs/guide/administrator.md lists the variables): `{{ title }}`,
`{{ meeting_date }}` and the like for words, and `{{p body }}` / `{{p appendices_body }}` for the numbered
sections and the appendices laid out as the built-in Word file lays them out (docxtpl subdocuments). A tag the
reports do not provide is an error, not a blank: the upload is refused with the tag named
(`template_check`), so a template in use always renders. Without a template, `docx_writer.builtin_docx` is used.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError

from vcsgrants.core.audit import record_event
from vcsgrants.core.limits import size_text
from vcsgrants.core.models import User
from vcsgrants.core.money import long_date
from vcsgrants.reports.content import ReportContent
from vcsgrants.reports.models import CabinetReport, ReportTemplate

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_HINT = (
    f"A Word document (.docx) up to {size_text(TEMPLATE_MAX_BYTES)}, using the variables listed in the administrator's guide."
)

# Every variable a template may use, with what it holds (the administrator's guide lists the same).
VARIABLES = {
    "council_name": "The council's name (council settings)",
    "title": "The report's title",
    "meeting": "The meeting, for example Cabinet",
    "meeting_date": "The meeting's date, for example 9 February 2023",
    "figures_as_at": "The date the figures are taken at",
    "report_of": "Whose report it is",
    "programme": "The programme's name",
    "intro_line": "The programme, the meeting's date and the figures-as-at date in one line",
    "areas_affected": "The areas affected, as typed",
    "key_decision": "Yes or No",
    "recommendations": "The recommendations, a list (loop over it)",
    "grants_appendix": "The grants appendix's label, for example Appendix 2",
    "grants_total": "The grants appendix's total, for example £452,228.00",
    "sections": "The numbered sections, a list: each has number, heading and paragraphs (each with label, lead, text)",
    "appendices": "The appendices, a list: each has number, label, title and heading",
    "body": "The numbered sections laid out as the built-in layout does (use {{p body }})",
    "appendices_body": "Every appendix, each on a new page (use {{p appendices_body }})",
}


def _sections(content: ReportContent) -> list[dict]:
    return [
        {
            "number": section.number,
            "heading": section.heading,
            "paragraphs": [
                {"label": label, "lead": block.lead, "text": block.text or "; ".join(block.items)}
                for label, block in section.numbered_blocks()
                if block.kind != "table"
            ],
        }
        for section in content.sections
    ]


def template_context(tpl: DocxTemplate, content: ReportContent) -> dict:
    """The variables for one report: words as text, the sections and appendices also as laid-out subdocuments."""
    from vcsgrants.reports.content import gbp
    from vcsgrants.reports.docx_writer import write_appendices, write_sections

    report = content.report
    body = tpl.new_subdoc()
    write_sections(body, content)
    appendices_body = tpl.new_subdoc()
    write_appendices(appendices_body, content)
    return {
        "council_name": content.council_name or report.programme.funder.name,
        "title": report.title,
        "meeting": report.meeting,
        "meeting_date": long_date(report.meeting_date),
        "figures_as_at": long_date(report.as_at),
        "report_of": report.report_of,
        "programme": report.programme.name,
        "intro_line": content.intro_line,
        "areas_affected": report.areas_affected,
        "key_decision": "Yes" if report.key_decision else "No",
        "recommendations": report.recommendation_list,
        "grants_appendix": content.appendix.label,
        "grants_total": gbp(content.appendix.total),
        "sections": _sections(content),
        "appendices": [
            {"number": p.number, "label": p.label, "title": p.title, "heading": p.heading} for p in content.appendices
        ],
        "body": body,
        "appendices_body": appendices_body,
    }


def _render(data: bytes, content: ReportContent) -> bytes:
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(template_context(tpl, content), jinja_env=Environment(undefined=StrictUndefined, autoescape=True), autoescape=True)
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()


def current_template() -> ReportTemplate | None:
    return ReportTemplate.objects.order_by("-id").first()


def template_bytes(template: ReportTemplate) -> bytes:
    with template.file.open("rb") as handle:
        return handle.read()


def render_template(template: ReportTemplate, content: ReportContent) -> bytes:
    """The report rendered into the council's template (checked when uploaded, so it renders)."""
    return _render(template_bytes(template), content)


def _sample_content() -> ReportContent | None:
    """The latest report's content, to try an uploaded template with; None on an install with no report yet."""
    from vcsgrants.reports.content import report_content

    report = CabinetReport.objects.select_related("programme__funder").order_by("-meeting_date", "-id").first()
    return report_content(report) if report else None


def template_check(upload, *, sample: ReportContent | None = None) -> bytes:
    """Refuse anything but a Word document that renders with a report's variables, naming the file and why."""
    name = PurePath(getattr(upload, "name", "") or "template").name
    if not name.lower().endswith(".docx"):
        raise ValidationError({"file": f"“{name}” is not a Word document (.docx). {TEMPLATE_HINT}"})
    upload.seek(0)
    data = upload.read(TEMPLATE_MAX_BYTES + 1)
    if len(data) > TEMPLATE_MAX_BYTES:
        raise ValidationError({"file": f"“{name}” is larger than {size_text(TEMPLATE_MAX_BYTES)}. {TEMPLATE_HINT}"})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile
    except zipfile.BadZipFile:
        raise ValidationError({"file": f"“{name}” is not a Word document we can read. {TEMPLATE_HINT}"}) from None
    sample = sample or _sample_content()
    if sample is None:
        raise ValidationError({"file": "Draft a report first: a template is tried with a report before it is used."})
    try:
        _render(data, sample)
    except UndefinedError as exc:
        raise ValidationError(
            {"file": f"“{name}” uses a variable reports do not provide ({exc.message}). {TEMPLATE_HINT}"}
        ) from None
    except TemplateError as exc:
        raise ValidationError({"file": f"“{name}” has a mistake in its tags: {exc.message}. {TEMPLATE_HINT}"}) from None
    except Exception as exc:  # docxtpl and python-docx raise many kinds for a damaged file
        raise ValidationError({"file": f"“{name}” could not be rendered ({type(exc).__name__}). {TEMPLATE_HINT}"}) from None
    return data


@transaction.atomic
def template_upload(*, upload, actor: User) -> ReportTemplate:
    """Check and store the council's template; from now on new Word files (and reports issued) use it. Audited."""
    data = template_check(upload)
    name = PurePath(upload.name).name[:200]
    template = ReportTemplate(name=name, sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor)
    template.file.save("report-template.docx", ContentFile(data), save=False)
    template.save()
    ReportTemplate.objects.exclude(pk=template.pk).delete()
    record_event(
        actor=actor,
        verb="report.template_uploaded",
        obj=template,
        summary=f"Uploaded the Word template for reports “{name}”",
        data={"sha256": template.sha256},
    )
    return template


@transaction.atomic
def template_remove(*, actor: User) -> bool:
    """Stop using the council's template: Word files go back to the built-in layout. Audited."""
    templates = list(ReportTemplate.objects.all())
    if not templates:
        return False
    for template in templates:
        record_event(
            actor=actor, verb="report.template_removed", obj=template, summary=f"Removed the Word template “{template.name}”"
        )
        template.delete()
    return True
