"""Write 360Giving grants as a JSON package, an XLSX workbook or a CSV file, streaming.

Grants arrive one at a time (an iterator over the database) and leave at once: the JSON package is written
in chunks, the workbook with openpyxl's write-only mode and the CSV row by row, so memory stays flat
however many grants there are.

The spreadsheet is the standard's flat "grants" sheet: its column titles come from
data/360giving/grants-sheet-column-titles.csv (360Giving's template), in the template's order, keeping
the columns these grants fill. The first beneficiary location uses the template's roll-up columns
(``Beneficiary Location:Name`` …); a grant with more locations adds numbered columns
(``Beneficiary Location:1:Name`` …), which flattentool reads back into the same list. Dates are written as
text (YYYY-MM-DD, as the standard writes them), amounts as numbers. Text that a spreadsheet would run as a
formula is stored as text in XLSX (core.exports, the service's one spreadsheet writer). The CSV carries every
cell exactly as the data says, with no formula guard: the standard's CSV is data for software (360Giving's
converter, GrantNav), where a guard's apostrophe would become part of a name such as "-Kids Club" or "@Home";
people who open the data in a spreadsheet use the XLSX (docs/adr/0013-formula-safe-spreadsheet-writer.md).
The CSV is plain UTF-8
with no byte-order mark: with one, 360Giving's converter reads the first column title as "\ufeffIdentifier"
(the XLSX is the file to open in Excel).
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from vcsgrants.core.exports import csv_row, write_only_cell
from vcsgrants.opendata.conf import standard_dir

# Column title → (list field, item key) for list fields, or (field,) for plain ones.
COLUMNS: dict[str, tuple] = {
    "Identifier": ("id",),
    "Title": ("title",),
    "Description": ("description",),
    "Currency": ("currency",),
    "Amount Awarded": ("amountAwarded",),
    "Award Date": ("awardDate",),
    "Planned Dates:Start Date": ("plannedDates", "startDate"),
    "Planned Dates:End Date": ("plannedDates", "endDate"),
    "Planned Dates:Duration (months)": ("plannedDates", "duration"),
    "Recipient Org:Identifier": ("recipientOrganization", "id"),
    "Recipient Org:Name": ("recipientOrganization", "name"),
    "Recipient Org:Charity Number": ("recipientOrganization", "charityNumber"),
    "Recipient Org:Company Number": ("recipientOrganization", "companyNumber"),
    "Beneficiary Location:Name": ("beneficiaryLocation", "name"),
    "Beneficiary Location:Country Code": ("beneficiaryLocation", "countryCode"),
    "Beneficiary Location:Geographic Code": ("beneficiaryLocation", "geoCode"),
    "Beneficiary Location:Geographic Code Type": ("beneficiaryLocation", "geoCodeType"),
    "Funding Org:Identifier": ("fundingOrganization", "id"),
    "Funding Org:Name": ("fundingOrganization", "name"),
    "Funding Org:Department": ("fundingOrganization", "department"),
    "Grant Programme:Code": ("grantProgramme", "code"),
    "Grant Programme:Title": ("grantProgramme", "title"),
    "Last Modified": ("dateModified",),
}
LOCATION_COLUMNS = [t for t, path in COLUMNS.items() if path[0] == "beneficiaryLocation"]
SHEET = "grants"  # flattentool's root list path and the template's sheet name
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"json": JSON_TYPE, "xlsx": XLSX_TYPE, "csv": CSV_TYPE}
FORMATS = tuple(CONTENT_TYPES)


@functools.cache
def standard_titles() -> list[str]:
    with (standard_dir() / "grants-sheet-column-titles.csv").open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def columns(extra_locations: int = 0) -> list[tuple[str, tuple]]:
    """The sheet's columns in the template's order, with numbered location columns after the roll-up ones."""
    order = {title: n for n, title in enumerate(standard_titles())}
    missing = [t for t in COLUMNS if t not in order]
    if missing:
        raise ValueError(f"Not in the standard's column titles: {', '.join(missing)}")
    result: list[tuple[str, tuple]] = []
    for title in sorted(COLUMNS, key=order.__getitem__):
        path = COLUMNS[title]
        result.append((title, (path[0], 0, path[1]) if len(path) == 2 else path))
        if title == LOCATION_COLUMNS[-1]:
            for n in range(1, extra_locations + 1):
                for loc_title in LOCATION_COLUMNS:
                    head, tail = loc_title.split(":", 1)
                    result.append((f"{head}:{n}:{tail}", ("beneficiaryLocation", n, COLUMNS[loc_title][1])))
    return result


def grant_row(grant: dict, cols: Sequence[tuple[str, tuple]]) -> list:
    row = []
    for _, path in cols:
        if len(path) == 1:
            row.append(grant.get(path[0]))
        else:
            items = grant.get(path[0]) or []
            row.append(items[path[1]].get(path[2]) if len(items) > path[1] else None)
    return row


# --- JSON ----------------------------------------------------------------------------------


def json_chunks(grants: Iterable[dict], meta: dict, *, batch: int = 500) -> Iterator[str]:
    """The package as text chunks: metadata first, then the grants, a few hundred to a chunk."""
    if meta:
        head = json.dumps(meta, ensure_ascii=False, indent=1)
        head = head[: head.rindex("}")].rstrip() + ",\n"  # reopen the object to add "grants" last
    else:
        head = "{\n"
    yield head + ' "grants": [\n'
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    buffer: list[str] = []
    first = True
    for grant in grants:
        buffer.append(("  " if first else ",\n  ") + encode(grant))
        first = False
        if len(buffer) >= batch:
            yield "".join(buffer)
            buffer = []
    buffer.append("\n ]\n}\n")
    yield "".join(buffer)


def write_json(handle, grants: Iterable[dict], meta: dict) -> int:
    """Write the package to a text handle; returns the number of grants."""
    count = 0

    def counted():
        nonlocal count
        for grant in grants:
            count += 1
            yield grant

    for chunk in json_chunks(counted(), meta):
        handle.write(chunk)
    return count


# --- CSV -----------------------------------------------------------------------------------


def csv_chunks(grants: Iterable[dict], *, extra_locations: int = 0, bom: bool = False, batch: int = 500) -> Iterator[str]:
    """The standard's CSV, cells exactly as the data says (no formula guard: see the module's docstring)."""
    cols = columns(extra_locations)
    yield ("\ufeff" if bom else "") + csv_row([title for title, _ in cols], guard=False)
    buffer: list[str] = []
    for grant in grants:
        buffer.append(csv_row(grant_row(grant, cols), guard=False))
        if len(buffer) >= batch:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def write_csv(handle, grants: Iterable[dict], *, extra_locations: int = 0, bom: bool = False) -> None:
    for chunk in csv_chunks(grants, extra_locations=extra_locations, bom=bom):
        handle.write(chunk)


# --- XLSX ----------------------------------------------------------------------------------


def write_xlsx(target, grants: Iterable[dict], *, extra_locations: int = 0) -> int:
    """Write the workbook (one "grants" sheet) to a path or binary handle; returns the number of grants."""
    cols = columns(extra_locations)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([write_only_cell(sheet, title, font=bold) for title, _ in cols])
    count = 0
    for grant in grants:
        # Text typed as text (never a formula), numbers as numbers: the service's one spreadsheet writer.
        sheet.append([write_only_cell(sheet, value) for value in grant_row(grant, cols)])
        count += 1
    workbook.save(target)
    return count


def xlsx_bytes(grants: Iterable[dict], *, extra_locations: int = 0) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, grants, extra_locations=extra_locations)
    return buffer.getvalue()
