"""A CSV (or text) upload in UTF-16 is named as such, never called "not a CSV file"; with its byte-order mark, a
document upload (stored and served back as it came) accepts it."""

from __future__ import annotations

import codecs

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vcsgrants.core import encodings, uploads

TEXT = "Organisation,Amount\nKestrel Voluntary Action,1000\nCafé Ünity,250\n"


def check(name: str, data: bytes) -> str | None:
    try:
        uploads.check_upload(SimpleUploadedFile(name, data))
    except ValidationError as exc:
        return exc.message_dict["file"][0]
    return None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_recognised_with_or_without_its_mark(encoding):
    assert encodings.encoding_of(TEXT.encode(encoding)) == "UTF-16"


def test_a_utf16_csv_document_with_its_mark_is_accepted():
    assert check("budget.csv", TEXT.encode("utf-16")) is None  # Excel's "Unicode text" writes the mark
    assert check("notes.txt", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")) is None


def test_a_utf16_csv_without_its_mark_is_named_with_what_to_do():
    assert check("budget.csv", TEXT.encode("utf-16-le")) == ("“budget.csv” is in UTF-16; save it as UTF-8 (CSV UTF-8 in Excel).")


def test_utf32_is_named_too():
    assert check("budget.csv", TEXT.encode("utf-32")) == "“budget.csv” is in UTF-32; save it as UTF-8 (CSV UTF-8 in Excel)."


def test_binary_content_is_still_not_a_csv_file():
    assert check("kpis.csv", b"\x00\x01binary\x00\xff\xfe") == (
        "“kpis.csv” is not a CSV file: its content does not match its name."
    )


def test_a_file_the_service_reads_as_utf8_asks_for_it_by_name():
    assert encodings.not_utf8_message("areas.csv", TEXT.encode("utf-16")) == (
        "This CSV file (areas.csv) is in UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)."
    )
    assert encodings.not_utf8_message("areas.csv", "Café".encode("cp1252")) == (
        "areas.csv is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in Excel)."
    )
