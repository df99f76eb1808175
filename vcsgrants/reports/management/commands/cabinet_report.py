"""Write the report for a decision as Word or PDF: python manage.py cabinet_report --decision 3 --format pdf --out r.pdf"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.pdf_writer import report_pdf

WRITERS = {"docx": report_docx, "pdf": report_pdf}


class Command(BaseCommand):
    help = "Write the report that led to a decision, as Word (docx) or PDF (as issued, if it was)."

    def add_arguments(self, parser):
        parser.add_argument("--decision", type=int, required=True, help="The decision's id (see /decisions/)")
        parser.add_argument("--format", choices=sorted(WRITERS), required=True)
        parser.add_argument("--out", required=True, help="The file to write")

    def handle(self, *args, **options):
        report = (
            CabinetReport.objects.select_related("programme__funder", "financial_year", "option_set")
            .filter(decision_id=options["decision"])
            .first()
        )
        if report is None:
            raise CommandError(
                f"No report is linked to decision {options['decision']}: record the decision from its report's page first."
            )
        issued = report.issued_version
        # An issued report is written exactly as it was issued; a draft is computed from today's records.
        data = bytes(getattr(issued, options["format"])) if issued else WRITERS[options["format"]](report_content(report))
        out = Path(options["out"])
        out.write_bytes(data)
        state = f"{issued.label.lower()}" if issued else "a draft, computed from today's records"
        self.stdout.write(f"Wrote {out} ({len(data):,} bytes): {report.title} ({state})")
