"""The report as an A4 Word document laid out like a council committee report (python-docx).

Numbered sections with numbered paragraphs (2.1, 2.2 …), tables with money right-aligned and a bold
total row, recommendations numbered (1), (2) …, each appendix on its own page under the number the text
gives it, and "Page X of Y" in the footer as Word fields, so Word fills in the numbers. A council's own
template (reports.word_template) takes the same sections and appendices as docxtpl subdocuments.
"""

from __future__ import annotations

import io
import logging

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from vcsgrants.reports.content import Block, ReportContent, Table

FONT = "Arial"
logger = logging.getLogger(__name__)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word computes when it lays the document out."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, placeholder, end):
        run._r.append(element)


def _table(document, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [(table.headers, True), *((row, False) for row in table.rows)]
    if table.total:
        rows.append((table.total, True))
    for index, (cells, bold) in enumerate(rows):
        row = grid.rows[0] if index == 0 else grid.add_row()
        for col, value in enumerate(cells):
            paragraph = row.cells[col].paragraphs[0]
            run = paragraph.add_run(value)
            run.bold = bold
            run.font.size = Pt(9.5)
            if table.numeric[col]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header = grid.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on each page a long table runs over
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    document.add_paragraph()


def _logo_size(logo: bytes) -> dict | None:
    """20 mm high, or 150 mm wide for a logo so wide that 20 mm high would run off the page; None if unreadable."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(logo)) as image:
            width, height = image.size
    except (OSError, ValueError):  # an unreadable logo is left out rather than stopping the report
        return None
    return {"width": Mm(150)} if width * 20 > height * 150 else {"height": Mm(20)}


def _a4(section) -> None:
    """A4 portrait (python-docx's template is US Letter) with the PDF's margins, so both print alike."""
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(22)
    section.left_margin, section.right_margin = Mm(18), Mm(18)


def _styled_document() -> Document:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    for style_name in ("Title", "Heading 1", "Heading 2"):
        style = document.styles[style_name]
        style.font.name = FONT
        style.font.color.rgb = RGBColor(0, 0, 0)
    return document


def _block(document, block: Block, label: str = "") -> None:
    if block.kind == "paragraph":
        paragraph = document.add_paragraph()
        if label:
            paragraph.add_run(f"{label}\t").bold = True
        if block.lead:
            paragraph.add_run(f"{block.lead}. ").bold = True
        paragraph.add_run(block.text)
    elif block.kind == "table" and block.table is not None:
        _table(document, block.table)
    elif block.kind == "numbered":
        for i, item in enumerate(block.items, start=1):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(24)
            paragraph.add_run(f"({i})\t").bold = True
            paragraph.add_run(item)
    elif block.kind == "lines":
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(24)
        for i, item in enumerate(block.items):
            run = paragraph.add_run(item)
            if i < len(block.items) - 1:
                run.add_break()


def write_sections(document, content: ReportContent) -> None:
    """The numbered sections (headings, numbered paragraphs, tables, lists) into a document or a docxtpl subdocument."""
    for section in content.sections:
        document.add_heading(f"{section.number}. {section.heading}", level=1)
        for label, block in section.numbered_blocks():
            _block(document, block, label)


def write_appendices(document, content: ReportContent, *, page_breaks: bool = True) -> None:
    """Every appendix, each on a new page, under the number the text gives it."""
    for part in content.appendices:
        if page_breaks:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(part.heading, level=1)
        for block in part.blocks:
            _block(document, block)


def builtin_docx(content: ReportContent) -> bytes:
    """The built-in layout: used when the council has no Word template of its own."""
    report = content.report
    document = _styled_document()
    _a4(document.sections[0])
    document.core_properties.title = report.title
    document.core_properties.author = content.council_name or report.programme.funder.name

    size = _logo_size(content.logo) if content.logo else None
    if size:
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(content.logo), **size)
    for line in content.heading_lines:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(line).bold = True
    title = document.add_paragraph(style="Title")
    title.add_run(report.title).font.size = Pt(18)
    document.add_paragraph(content.intro_line)

    write_sections(document, content)
    write_appendices(document, content)

    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_docx(content: ReportContent) -> bytes:
    """The report as a Word file: rendered into the council's own template if it has uploaded one
    (reports.word_template), else the built-in layout."""
    from vcsgrants.reports.word_template import current_template, render_template

    template = current_template()
    if template is not None:
        try:
            return render_template(template, content)
        except Exception:  # checked when uploaded; should a later change break it, the report still downloads
            logger.exception("The council's Word template “%s” did not render; the built-in layout is used", template.name)
    return builtin_docx(content)
