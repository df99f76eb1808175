"""Every limit on reading an uploaded file, in one place (pure: no Django).

A document or a spreadsheet is a ZIP of XML parts (DOCX, XLSX, PPTX, ODT, ODS, ODP). A small file can unpack to
gigabytes (a "zip bomb"), or hold XML that expands or nests without end, and reading it whole would hold a worker
and its memory for minutes. So every archive is measured before anything in it is parsed: its directory first
(how many parts, how big each says it is, how much it is compressed), then each part as it is unpacked, counting
the bytes that actually come out, so a directory that lies is caught too. A refusal names the file and the limit.

The defaults suit every council we know of; a council may change any of them with the ``FILE_LIMITS`` setting, a
dict of field names below to values (``core.uploads.file_limits()`` reads it). See docs/operations/file-limits.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

MB = 1024 * 1024


@dataclass(frozen=True)
class FileLimits:
    """The limits on reading an uploaded archive (document or workbook) or CSV file."""

    # Any archive: documents (DOCX, XLSX, PPTX, ODT, ODS, ODP uploaded as documents or file answers) and workbooks.
    max_parts: int = 10_000  # files inside the ZIP: a long Word document with many pictures has a few hundred
    max_part_bytes: int = 100 * MB  # one part, unpacked
    max_total_bytes: int = 200 * MB  # all parts together, unpacked
    max_ratio: int = 100  # unpacked size ÷ packed size, for a part over ratio_grace_bytes and for the whole file
    ratio_grace_bytes: int = 100 * 1024  # small parts (a page of repeated text) may compress further
    mimetype_bytes: int = 100  # how much of an OpenDocument "mimetype" part is read (the longest is 47 bytes)

    # A workbook we parse (a quarterly return uploaded as XLSX): the template is a few kilobytes.
    workbook_max_parts: int = 200
    workbook_max_total_bytes: int = 20 * MB
    workbook_max_sheet_bytes: int = 10 * MB  # each xl/worksheets/sheetN.xml
    workbook_max_shared_strings_bytes: int = 2 * MB  # xl/sharedStrings.xml: every text in the workbook, read whole
    workbook_max_styles_bytes: int = 2 * MB  # xl/styles.xml, read whole
    workbook_max_other_bytes: int = 2 * MB  # any other part (workbook.xml, relationships, properties, theme)
    workbook_max_sheets: int = 50
    max_rows: int = 500  # rows read from a sheet; a return has a row per KPI
    import_max_rows: int = 200_000  # rows in one bulk import of returns (a row per KPI value): 2 × the benchmark's 100,000
    xml_max_depth: int = 100  # nesting of XML elements; real workbooks nest under 20 deep

    # Every upload and import.
    max_problems_shown: int = 200  # problems listed one by one; the rest are counted by kind

    # The most time one file's checks may take before it is refused (seconds). The limits above keep a file inside
    # them well under this (measured: see docs/operations/file-limits.md); this stops a worker being held longer.
    time_budget_seconds: float = 5.0

    def with_overrides(self, overrides: Mapping[str, object]) -> FileLimits:
        """These limits with some changed; an unknown name or a value that is not a number above 0 is refused, naming
        it, so a typo is not silently ignored (`manage.py check` reports it: core.uploads.file_limits_check)."""
        known = {f.name: f.type for f in fields(self)}
        unknown = sorted(set(overrides) - known.keys())
        if unknown:
            raise ValueError(f"FILE_LIMITS has unknown names: {', '.join(unknown)}. Known names: {', '.join(known)}.")
        for name, value in overrides.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"FILE_LIMITS['{name}'] must be a number above 0, not {value!r}.")
        return replace(self, **overrides)


DEFAULT_LIMITS = FileLimits()


def size_text(n: int) -> str:
    """A size in words a person reads: 100 MB, 512 KB, 80 bytes."""
    if n >= MB:
        return f"{n / MB:,.0f} MB" if n % MB == 0 or n >= 10 * MB else f"{n / MB:,.1f} MB"
    if n >= 1024:
        return f"{n // 1024:,} KB"
    return f"{n:,} bytes"
