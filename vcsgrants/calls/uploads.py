"""Checks for files people upload to calls: a size limit, a list of allowed types, and a look at the content.

Shared by the call's documents (officers) and file answers (applicants); the assessment side may import it too.
Files are stored under MEDIA_ROOT (outside the static root) and served only by permission-checked views
(`download_response`).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse

# Extension → the first bytes its content must start with (None: a text format with no signature to check).
ZIP = b"PK\x03\x04"
ALLOWED_TYPES: dict[str, bytes | None] = {
    ".pdf": b"%PDF-",
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".pptx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".doc": b"\xd0\xcf\x11\xe0",
    ".xls": b"\xd0\xcf\x11\xe0",
    ".csv": None,
    ".txt": None,
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}
ALLOWED_TEXT = "PDF, Word (DOCX or DOC), Excel (XLSX or XLS), PowerPoint (PPTX), OpenDocument, CSV, text, PNG or JPEG"


def max_bytes() -> int:
    return settings.MAX_DOCUMENT_BYTES


def max_text() -> str:
    return f"{max_bytes() // (1024 * 1024)} MB"


def check_upload(upload, *, field: str = "file") -> None:
    """Refuse an empty, too large or disallowed file, saying why, against `field`."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if upload.size == 0:
        raise ValidationError({field: f"“{name}” is empty."})
    if upload.size > max_bytes():
        raise ValidationError({field: f"“{name}” is larger than {max_text()}."})
    if suffix not in ALLOWED_TYPES:
        raise ValidationError({field: f"“{name}” is not a file type we accept. Upload a {ALLOWED_TEXT} file."})
    signature = ALLOWED_TYPES[suffix]
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if signature is not None and not head.startswith(signature):
        raise ValidationError({field: f"“{name}” is not a real {suffix[1:].upper()} file: its content does not match its name."})
    if signature is None and b"\x00" in head:
        raise ValidationError({field: f"“{name}” is not a text file: its content does not match its name."})


def content_type_of(upload) -> str:
    return mimetypes.guess_type(upload.name)[0] or getattr(upload, "content_type", "") or "application/octet-stream"


def download_response(file_field, original_name: str, content_type: str = "") -> FileResponse:
    """The stored file as an attachment under its original name (never shown inline)."""
    content_type = content_type or mimetypes.guess_type(original_name)[0] or "application/octet-stream"
    response = FileResponse(file_field.open("rb"), as_attachment=True, filename=original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
