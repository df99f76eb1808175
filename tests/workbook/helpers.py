"""Filling in the workbook template as a council would: open the downloaded file, type rows under the headers."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def fill(template: bytes, rows: dict[str, list[dict[str, object]]], drop: tuple[str, ...] = ()) -> bytes:
    """The template with each sheet's rows (header → value) typed under its header row; sheets in `drop` removed."""
    wb = load_workbook(io.BytesIO(template))
    for name, records in rows.items():
        ws = wb[name]
        headers = {cell.value: cell.column for cell in ws[1]}
        for r, record in enumerate(records, start=2):
            for header, value in record.items():
                ws.cell(row=r, column=headers[header], value=value)
    for name in drop:
        del wb[name]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
