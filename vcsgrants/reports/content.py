"""What a Cabinet report says, computed from the records: the one source the page, the Word file and the PDF share.

`report_content(report)` returns plain data — numbered sections of paragraphs, tables and numbered
lists, and the appendices — which `docx_writer` and the PDF template lay out. Every figure is summed
from the funding lines, budgets, returns and option sets when the report is opened, never typed.

The grants appendix lists the grants for the report's financial year by organisation and district: the
funding lines the agreements already hold for that year, or — where the year has none yet — the
grants proposed by extending every agreement at current levels (the bulk extension's preview).
One-off streams are left out unless the report says to include them.

Every figure is taken as at the report's "figures as at" date (`CabinetReport.as_at`): funding lines added by a
variation approved after it, programme periods approved after it and returns submitted after it do not count, so
a draft shows what the issued report will.

Appendices are numbered once, here, in the order they appear (the implications, when the council's settings keep
any, then the grants); the text, the page, the PDF and the Word file all take the numbers from `ReportContent`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from vcsgrants.core import council
from vcsgrants.core.council import area_word
from vcsgrants.core.money import long_date, quarter_end, quarter_starts
from vcsgrants.engagement.selectors.consultations import consultation_summary
from vcsgrants.equity.exports import measure_cells
from vcsgrants.equity.selectors import comparison
from vcsgrants.funding.models import ZERO, FundingLine, FundingStream, StreamBudget, Variation
from vcsgrants.funding.selectors.partners import stream_funders_text
from vcsgrants.funding.services.extension import bulk_extension_preview
from vcsgrants.monitoring import dashboards
from vcsgrants.reports.models import IMPLICATION_FIELDS, CabinetReport


def gbp(amount: Decimal) -> str:
    sign = "−" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # columns to right-align (money and counts)
    total: list[str] | None = None
    caption: str = ""


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph", "table", "numbered" or "lines" (unnumbered lines, such as an address)
    text: str = ""
    table: Table | None = None
    items: list[str] = field(default_factory=list)
    lead: str = ""  # a bold lead-in before the paragraph's text ("Financial")


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    blocks: list[Block]

    def numbered_blocks(self) -> list[tuple[str, Block]]:
        """Each block with its paragraph number ("3.2"), counting paragraphs only: a table or a list takes none."""
        numbered, count = [], 0
        for block in self.blocks:
            label = ""
            if block.kind == "paragraph":
                count += 1
                label = f"{self.number}.{count}"
            numbered.append((label, block))
        return numbered


@dataclass(frozen=True)
class AppendixRow:
    organisation: str
    district: str
    amount: Decimal


@dataclass(frozen=True)
class AppendixPart:
    """One appendix as the report shows it: its number, its title and what it holds (paragraphs are not numbered)."""

    number: int
    title: str
    blocks: list[Block]

    @property
    def label(self) -> str:
        return f"Appendix {self.number}"

    @property
    def heading(self) -> str:
        return f"{self.label}: {self.title}"

    @property
    def anchor(self) -> str:
        return f"appendix-{self.number}"


@dataclass(frozen=True)
class Appendix:
    period: str  # "1 April 2022 to 31 March 2023"
    basis: str  # where the grants come from: the agreements' funding lines, or the proposed extension
    scope: str  # recurrent only, or with one-off funding
    rows: list[AppendixRow]
    number: int = 0

    @property
    def label(self) -> str:
        return f"Appendix {self.number}"

    @property
    def title(self) -> str:
        return f"{self.label}: grants for {self.period}"

    @property
    def intro(self) -> str:
        return f"By organisation and {area_word()}: {self.basis}, {self.scope}."

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    def table(self) -> Table:
        return Table(
            headers=["Organisation", area_word(capital=True), "Grant"],
            rows=[[r.organisation, r.district, gbp(r.amount)] for r in self.rows],
            numeric=[False, False, True],
            total=["Total", "", gbp(self.total)],
        )


@dataclass(frozen=True)
class ReportContent:
    report: CabinetReport
    sections: list[Section]
    appendix: Appendix  # the grants
    appendices: list[AppendixPart] = field(default_factory=list)  # every appendix, in order (the grants among them)
    warnings: list[str] = field(default_factory=list)  # for the officer, on a draft's page; never in the report
    council_name: str = ""  # the council's name from its settings; the programme's funder's if none is set
    logo: bytes | None = None  # the council's logo (a checked PNG or JPEG), shown above the heading
    logo_type: str = ""

    @property
    def heading_lines(self) -> list[str]:
        r = self.report
        name = self.council_name or r.programme.funder.name
        lines = [name.upper(), r.meeting.upper(), long_date(r.meeting_date)]
        if r.report_of:
            lines.append(f"Report of the {r.report_of}")
        return lines

    @property
    def as_at(self) -> dt.date:
        return self.report.as_at

    @property
    def intro_line(self) -> str:
        r = self.report
        return f"{r.programme.name}. Meeting of {long_date(r.meeting_date)}. Figures as at {long_date(r.as_at)}."

    @property
    def logo_src(self) -> str:
        """The logo as a data: address, so the PDF (and the page, whose CSP allows data: images) needs no request."""
        if not self.logo:
            return ""
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode('ascii')}"


def paragraphs(text: str) -> list[Block]:
    """Blank lines separate paragraphs; single line breaks inside a paragraph become spaces."""
    chunks = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [Block("paragraph", text=c) for c in chunks if c]


def lines_as_at(report: CabinetReport):
    """The programme's funding lines for the report's year as they stood at its 'figures as at' date: the original
    terms, and what variations approved by then added."""
    as_at = report.as_at
    return FundingLine.objects.filter(agreement__programme=report.programme, financial_year=report.financial_year).filter(
        Q(variation__isnull=True) | Q(variation__approved_on__lte=as_at)
    )


def appendix(report: CabinetReport) -> Appendix:
    year = report.financial_year
    programme = report.programme
    one_off = set(programme.streams.filter(recurrence=FundingStream.Recurrence.ONE_OFF).values_list("pk", flat=True))
    amounts: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    lines = lines_as_at(report).select_related("agreement__organisation", "area")
    if lines.exists():
        basis = "the grants the agreements hold"
        for line in lines:
            if line.stream_id in one_off and not report.include_one_off:
                continue
            amounts[(line.agreement.organisation.name, str(line.area))] += line.amount
    else:
        basis = "the grants proposed by extending every agreement at its current level"
        for row in bulk_extension_preview(programme=programme, year=year).rows:
            for ln in row.lines:
                amounts[(row.agreement.organisation.name, str(ln.area))] += ln.amount
        # An extension applied after the figures-as-at date is what the proposal became: its lines stand in for the
        # preview rows the extended agreements no longer have, so the draft goes on saying what was proposed.
        later = FundingLine.objects.filter(
            agreement__programme=programme,
            financial_year=year,
            variation__kind=Variation.Kind.EXTENSION,
            variation__approved_on__gt=report.as_at,
        ).select_related("agreement__organisation", "area")
        for line in later:
            amounts[(line.agreement.organisation.name, str(line.area))] += line.amount
    scope = "recurrent and one-off funding" if report.include_one_off else "recurrent funding, excluding one-off funding"
    rows = [AppendixRow(org, district, amount) for (org, district), amount in sorted(amounts.items()) if amount]
    return Appendix(
        period=f"{long_date(year.start)} to {long_date(year.end)}",
        basis=f"{basis} for {year}",
        scope=scope,
        rows=rows,
    )


def funding_section(report: CabinetReport, number: int, app: Appendix) -> Section:
    programme, year = report.programme, report.financial_year
    streams = list(programme.streams.select_related("funder"))
    budgets = dict(
        StreamBudget.objects.filter(stream__programme=programme, financial_year=year).values_list("stream_id", "amount")
    )
    stream_table = Table(
        headers=["Funding stream", "Funder", "Type", "Runs", f"Budget {year}"],
        rows=[
            [
                s.name,
                stream_funders_text(s, year),
                s.get_recurrence_display(),
                f"{long_date(s.start)} to {long_date(s.end)}" if s.end else f"from {long_date(s.start)}",
                gbp(budgets[s.pk]) if s.pk in budgets else "—",
            ]
            for s in streams
        ],
        numeric=[False, False, False, False, True],
        total=["Total", "", "", "", gbp(sum(budgets.values(), ZERO))],
    )
    periods = list(programme.periods.filter(approved_on__lte=report.as_at).select_related("decision"))
    period_table = Table(
        headers=["Period", "From", "To", "Months", "Approved by"],
        rows=[
            [
                p.get_kind_display(),
                long_date(p.start),
                long_date(p.end),
                str(p.months),
                f"{p.approved_by}, {long_date(p.approved_on)}",
            ]
            for p in periods
        ],
        numeric=[False, False, False, True, False],
    )
    committed: dict[bool, Decimal] = defaultdict(lambda: ZERO)
    for line in lines_as_at(report).select_related("stream"):
        committed[line.stream.is_one_off] += line.amount
    blocks = [
        Block("paragraph", text=f"The programme is funded by {len(streams)} funding stream{'s' if len(streams) != 1 else ''}:"),
        Block("table", table=stream_table),
        Block("paragraph", text="Its approved period and extensions, each kept as a dated record:"),
        Block("table", table=period_table),
    ]
    sentence = (
        f"In {year} the agreements commit {gbp(committed[False])} of recurrent funding and {gbp(committed[True])} "
        "of one-off funding."
    )
    one_off_ends = [f"{s.name} ends on {long_date(s.end)}" for s in streams if s.is_one_off and s.end]
    if one_off_ends:
        sentence += " One-off money is not carried forward: " + "; ".join(one_off_ends) + "."
    blocks.append(Block("paragraph", text=sentence))
    blocks.append(
        Block(
            "paragraph",
            text=f"{app.label} lists {app.basis}, {app.scope}: {len(app.rows)} grants totalling {gbp(app.total)}.",
        )
    )
    return Section(number, "Funding", blocks)


def performance_section(report: CabinetReport, number: int) -> Section:
    year = report.performance_year.label if report.performance_year else None
    quarter = str(report.performance_quarter) if report.performance_quarter else None
    try:
        performance = dashboards.performance_report(report.programme, year, quarter, as_at=report.as_at)
    except ValueError:
        performance = None
    if performance is None or not performance.has_data:
        return Section(number, "Performance against the outcomes framework", paragraphs("No quarterly returns are in yet."))
    period = performance.period
    period_end = quarter_end(quarter_starts(period.start_year)[period.quarter - 1])
    table = dashboards.outcomes_table(performance)
    rows = [[c.text for c in row] for row in table.rows]
    return Section(
        number,
        "Performance against the outcomes framework",
        [
            Block(
                "paragraph",
                text=(
                    f"Year to date at {period.label} (to {long_date(period_end)}), rated against the profiled "
                    f"targets: {performance.headline}"
                ),
            ),
            Block("table", table=Table(headers=table.headers, rows=rows[:-1], numeric=table.numeric, total=rows[-1])),
        ],
    )


def equity_section(report: CabinetReport, number: int) -> Section | None:
    if report.option_set is None:
        return None
    result = comparison(report.option_set)
    option_set = report.option_set
    rows = []
    for column in result.columns:
        if column.result is None:
            rows.append([column.option.label, column.description, "—", "—", "—", "—", "—"])
            continue
        cells = measure_cells(column.result.measures)
        m = column.result.measures
        rows.append(
            [
                column.option.label,
                column.description,
                f"{cells[0]:.3f}",
                "—" if cells[5] is None else f"{cells[5]:.2f}",
                f"{m.winners} ({gbp(cells[8])})",
                f"{m.losers} ({gbp(cells[10])})",
                gbp(cells[6]),
            ]
        )
    intro = (
        f"The options below share {gbp(option_set.budget)} between {len(result.areas)} areas for {option_set.financial_year}, "
        f"against today's allocations ({option_set.baseline}). The Gini coefficient measures how unequal funding per "
        "resident is (0 is equal); the max/min ratio compares the best- and worst-funded areas per resident; winners and "
        "losers are counted against today."
    )
    table = Table(
        headers=["Option", "How it shares the budget", "Gini", "Max/min", "Winners", "Losers", "Away from target"],
        rows=rows,
        numeric=[False, False, True, True, True, True, True],
    )
    return Section(
        number, "Options for greater equity of provision", [Block("paragraph", text=intro), Block("table", table=table)]
    )


def consultation_section(report: CabinetReport, number: int) -> Section | None:
    if report.consultation is None:
        return None
    summary = consultation_summary(report.consultation)
    state = "closed" if summary.is_closed else "still open: these figures are interim"
    blocks = [
        Block(
            "paragraph",
            text=(
                f"The consultation '{summary.title}' ran from {summary.opens_text} to {summary.closes_text} ({state}). "
                f"{summary.responses} responses are counted: {summary.from_providers} from providers and "
                f"{summary.from_public} from the public"
                + (f"; {summary.excluded} were left out (spam or duplicates)." if summary.excluded else ".")
                + (f" {summary.illustrative_note}" if summary.illustrative_note else "")
            ),
        )
    ]
    for question in summary.questions:
        counts = question.scale_totals or question.options
        if counts:
            blocks.append(Block("paragraph", text=f"Question {question.number}: {question.text} ({question.answered} answered)"))
            blocks.append(
                Block(
                    "table",
                    table=Table(
                        headers=["Answer", "Responses", "Per cent"],
                        rows=[[c.label, str(c.count), c.percent_text] for c in counts],
                        numeric=[False, True, True],
                    ),
                )
            )
        elif question.text_answers:
            blocks.append(
                Block(
                    "paragraph",
                    text=f"Question {question.number}: {question.text} — {len(question.text_answers)} written answers, "
                    "listed in the summary of responses.",
                )
            )
    return Section(number, "Consultation", blocks)


def call_section(report: CabinetReport, number: int) -> Section | None:
    """Ranked recommendations by lot: the moderated applications of each lot and whether the lot's money reaches them."""
    if report.call is None:
        return None
    from vcsgrants.calls.services.award import award_preview

    call = report.call
    preview = award_preview(call)
    awarded = call.applications.filter(outcome="awarded").exists()
    blocks = [
        Block(
            "paragraph",
            text=(
                f"The open call '{call.title}' offered agreements from {long_date(call.agreement_start)} to "
                f"{long_date(call.agreement_end)}. A panel scored each eligible application against weighted criteria; "
                "the moderated score is the panel's agreed percentage. In each lot the applications recommended for "
                "funding are taken in order of moderated score, and each is funded if its yearly request fits within "
                "the money the lot has left; one that does not fit is skipped and the next tried. "
                + ("These awards have been made as draft agreements." if awarded else "No awards have been made yet.")
                + (" The applications are illustrative demo content." if call.is_demo else "")
            ),
        )
    ]
    for lot in preview.lots:
        ranked_rows = [r for r in lot.rows if r.application.moderated_score is not None and r.application.recommendation]
        ranked_rows.sort(key=lambda r: (r.rank is None, r.rank or 0, -r.application.moderated_score, r.application.reference))
        rows = [
            [
                str(r.rank) if r.rank else "—",
                r.application.organisation.name,
                f"{r.application.moderated_score}%",
                r.application.get_recommendation_display(),
                gbp(r.application.amount_requested),
                "In" if r.funded else "Out",
            ]
            for r in ranked_rows
        ]
        blocks.append(Block("paragraph", text=f"{lot.lot}: {gbp(lot.lot.amount)} a year available."))
        blocks.append(
            Block(
                "table",
                table=Table(
                    headers=["Rank", "Organisation", "Moderated score", "Recommendation", "A year", "Within the money"],
                    rows=rows,
                    numeric=[True, False, True, False, True, False],
                    total=["", "Total funded a year", "", "", gbp(lot.awarded), f"{gbp(lot.left)} left"],
                ),
            )
        )
    blocks.append(
        Block(
            "paragraph",
            text=f"In all, {gbp(preview.awarded)} a year is recommended across {len(preview.lots)} lots, "
            f"{gbp(preview.awarded_over_period)} over the agreements' {preview.years} years.",
        )
    )
    return Section(number, "Ranked recommendations by lot", blocks)


IMPLICATIONS = IMPLICATION_FIELDS
NONE = "None."


def text_or_none(text: str) -> list[Block]:
    """The officer's paragraphs, or "None." for a section left blank (a standard section is shown even when empty)."""
    return paragraphs(text) or [Block("paragraph", text=NONE)]


def line_list(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def implications_appendix(report: CabinetReport, headings: dict[str, str], number: int) -> AppendixPart | None:
    """The implications, each under the heading the council gives it (an appendix, as committee reports carry)."""
    if not headings["implications"]:
        return None
    blocks = [
        Block("paragraph", lead=headings[key], text=" ".join(b.text for b in paragraphs(getattr(report, key))) or NONE)
        for key in IMPLICATIONS
        if headings[key]
    ]
    return AppendixPart(number, headings["implications"], blocks) if blocks else None


def grants_appendix(app: Appendix) -> AppendixPart:
    return AppendixPart(
        app.number, app.title.split(": ", 1)[1], [Block("paragraph", text=app.intro), Block("table", table=app.table())]
    )


APPENDIX_REFERENCE = re.compile(r"\bAppendix\s+(\d+)", re.IGNORECASE)


def appendix_warnings(report: CabinetReport, numbers: set[int]) -> list[str]:
    """Where the officer's words name an appendix the report does not have ("Appendix 3" in a report with two)."""
    warnings = []
    for name in ["purpose", "progress", "recommendations", "alternatives", "reasons", *IMPLICATIONS]:
        for found in sorted({int(n) for n in APPENDIX_REFERENCE.findall(getattr(report, name))} - numbers):
            label = CabinetReport._meta.get_field(name).verbose_name
            warnings.append(
                f"{str(label)[:1].upper()}{str(label)[1:]} refers to Appendix {found}, but the report has "
                + (f"appendices 1 to {max(numbers)}." if len(numbers) > 1 else "only Appendix 1.")
            )
    return warnings


def report_content(report: CabinetReport) -> ReportContent:
    settings = council.current()
    headings = council.report_section_headings(settings)

    # The appendices first, so that the text can name them by number.
    implications = implications_appendix(report, headings, 1)
    app = dataclasses.replace(appendix(report), number=2 if implications else 1)
    appendices = [part for part in (implications, grants_appendix(app)) if part is not None]

    def optional(key: str, blocks: list[Block]):
        return lambda n: Section(n, headings[key], blocks) if headings[key] else None

    builders = [
        optional("areas_affected", [Block("paragraph", text=report.areas_affected.strip() or NONE)]),
        optional("key_decision", [Block("paragraph", text="Yes." if report.key_decision else "No.")]),
        lambda n: Section(n, "Purpose", paragraphs(report.purpose)),
        lambda n: Section(n, "Progress", paragraphs(report.progress)) if report.progress.strip() else None,
        lambda n: funding_section(report, n, app),
        lambda n: performance_section(report, n),
        lambda n: equity_section(report, n),
        lambda n: consultation_section(report, n),
        lambda n: call_section(report, n),
        optional("alternatives", text_or_none(report.alternatives)),
        lambda n: (
            Section(
                n, headings["implications"], [Block("paragraph", text=f"The implications are set out in {implications.label}.")]
            )
            if implications
            else None
        ),
        optional(
            "background_papers",
            [Block("lines", items=line_list(report.background_papers))] if report.background_papers.strip() else text_or_none(""),
        ),
        lambda n: Section(n, "Appendices", [Block("lines", items=[part.heading for part in appendices])]),
        lambda n: Section(
            n, "Recommendations", [Block("paragraph", text="That Cabinet:"), Block("numbered", items=report.recommendation_list)]
        ),
        optional("reasons", text_or_none(report.reasons)),
        optional(
            "contact_officer",
            [Block("lines", items=line_list(report.contact_officer))] if report.contact_officer.strip() else text_or_none(""),
        ),
    ]
    sections: list[Section] = []
    for build in builders:
        section = build(len(sections) + 1)
        if section is not None:
            sections.append(section)
    logo = council.logo_bytes(settings)
    logo_type = "image/png" if logo and logo.startswith(b"\x89PNG") else "image/jpeg"
    return ReportContent(
        report=report,
        sections=sections,
        appendix=app,
        appendices=appendices,
        warnings=appendix_warnings(report, {part.number for part in appendices}),
        council_name=settings.council_name.strip(),
        logo=logo,
        logo_type=logo_type if logo else "",
    )
