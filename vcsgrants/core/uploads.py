"""Checks for files people upload, and how stored uploads are served back.

One check for every document upload in the service: agreement documents (funding), consultation documents
(engagement), a call's documents and applicants' file answers (calls). `check_upload` refuses an empty file, a file
over MAX_DOCUMENT_BYTES, a type not in the list, and a file whose content does not match its name (a ".pdf" that is
not a PDF, a ".docx" that is not a Word document, a ".csv" with binary content), naming the file and saying what is
wrong. A ZIP-based file (DOCX, XLSX, PPTX, ODT, ODS, ODP) is measured by `core.archives.check_archive` before
anything in it is read, against the limits in `core.limits` (changed by the FILE_LIMITS setting): a "zip bomb" is
refused in well under a second, naming the file and the limit. Files are stored in the file storage (MEDIA_ROOT, or a
private S3 or Azure store: settings.storage_config) and served only by permission-checked views that stream them from
the store, always as attachments (`download_response`), never from the store's own address.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.http import FileResponse

from vcsgrants.core import encodings
from vcsgrants.core.archives import FileRefused, check_archive
from vcsgrants.core.limits import DEFAULT_LIMITS, FileLimits

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Office formats (DOC, XLS, PPT)


@dataclass(frozen=True)
class FileType:
    """What a file with this extension must look like inside.

    `signatures`: the content starts with one of these (empty: a text format, which must not hold NUL bytes).
    `zip_folder`: for an Office Open XML file, the folder its parts are in (a DOCX has [Content_Types].xml and word/…).
    `zip_mimetype`: for an OpenDocument file, what its `mimetype` member says.
    """

    label: str
    signatures: tuple[bytes, ...] = ()
    zip_folder: str = ""
    zip_mimetype: str = ""


ALLOWED_TYPES: dict[str, FileType] = {
    ".pdf": FileType("PDF", (b"%PDF-",)),
    ".docx": FileType("Word (DOCX)", (ZIP,), zip_folder="word/"),
    ".xlsx": FileType("Excel (XLSX)", (ZIP,), zip_folder="xl/"),
    ".pptx": FileType("PowerPoint (PPTX)", (ZIP,), zip_folder="ppt/"),
    ".odt": FileType("OpenDocument text (ODT)", (ZIP,), zip_mimetype="application/vnd.oasis.opendocument.text"),
    ".ods": FileType("OpenDocument spreadsheet (ODS)", (ZIP,), zip_mimetype="application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": FileType("OpenDocument presentation (ODP)", (ZIP,), zip_mimetype="application/vnd.oasis.opendocument.presentation"),
    ".doc": FileType("Word (DOC)", (OLE,)),
    ".xls": FileType("Excel (XLS)", (OLE,)),
    ".ppt": FileType("PowerPoint (PPT)", (OLE,)),
    ".rtf": FileType("Rich Text (RTF)", (b"{\\rtf",)),
    ".csv": FileType("CSV"),
    ".txt": FileType("text"),
    ".png": FileType("PNG", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": FileType("JPEG", (b"\xff\xd8\xff",)),
    ".jpeg": FileType("JPEG", (b"\xff\xd8\xff",)),
    ".tif": FileType("TIFF", (b"II*\x00", b"MM\x00*")),
    ".tiff": FileType("TIFF", (b"II*\x00", b"MM\x00*")),
}
ALLOWED_TEXT = (
    "PDF, Word (DOCX, DOC or RTF), Excel (XLSX or XLS), PowerPoint (PPTX or PPT), OpenDocument (ODT, ODS or ODP), "
    "CSV, text, PNG, JPEG or TIFF"
)


def max_bytes() -> int:
    return settings.MAX_DOCUMENT_BYTES


def max_text() -> str:
    return f"{max_bytes() // (1024 * 1024)} MB"


def help_text() -> str:
    """The hint under a file field: what may be uploaded."""
    return f"{ALLOWED_TEXT}; up to {max_text()}."


def file_limits() -> FileLimits:
    """The limits on reading uploaded files: core.limits' defaults with the FILE_LIMITS setting's changes."""
    return DEFAULT_LIMITS.with_overrides(getattr(settings, "FILE_LIMITS", {}))


@checks.register()
def file_limits_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check` (and every server start) refuses a FILE_LIMITS setting with a misspelt name or a bad value."""
    try:
        file_limits()
    except ValueError as exc:
        return [checks.Error(str(exc), hint="See docs/operations/file-limits.md.", id="core.E001")]
    return []


def _zip_problem(upload, name: str, kind: FileType) -> bool:
    """True when a ZIP-based file is not the document its name says; FileRefused when it is over a limit."""
    checked = check_archive(upload, name=name, limits=file_limits(), label=f"a real {kind.label} file", heads=("mimetype",))
    if kind.zip_folder:
        return "[Content_Types].xml" not in checked.names or not any(n.startswith(kind.zip_folder) for n in checked.names)
    mimetype = checked.heads.get("mimetype")
    return mimetype is None or mimetype.strip().decode("ascii", "replace") != kind.zip_mimetype


def _text_mismatch(name: str, kind: FileType, head: bytes) -> str:
    """A text file (CSV, TXT) with NUL bytes: name the encoding when it is one (UTF-16 without its mark, UTF-32)."""
    encoding = encodings.encoding_of(head)
    if encoding in ("UTF-16", "UTF-32"):
        return f"“{name}” is in {encoding}; {encodings.SAVE_AS_UTF8}."
    return f"“{name}” is not a {kind.label} file: its content does not match its name."


def check_upload(upload, *, field: str = "file") -> None:
    """Refuse an empty, too large or disallowed file, or one whose content does not match its name, against `field`."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if upload.size == 0:
        raise ValidationError({field: f"“{name}” is empty."})
    if upload.size > max_bytes():
        raise ValidationError({field: f"“{name}” is larger than {max_text()}."})
    kind = ALLOWED_TYPES.get(suffix)
    if kind is None:
        raise ValidationError({field: f"“{name}” is not a file type we accept. Upload a {ALLOWED_TEXT} file."})
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    mismatch = f"“{name}” is not a real {kind.label} file: its content does not match its name."
    if not kind.signatures:
        if b"\x00" in head and not encodings.is_utf16_text(head):
            raise ValidationError({field: _text_mismatch(name, kind, head)})
        return
    if not head.startswith(kind.signatures):
        raise ValidationError({field: mismatch})
    if kind.zip_folder or kind.zip_mimetype:
        try:
            broken = _zip_problem(upload, name, kind)
        except FileRefused as refused:
            raise ValidationError({field: str(refused)}) from None
        finally:
            upload.seek(0)
        if broken:
            raise ValidationError({field: mismatch})


def content_type_of(upload) -> str:
    """The type to store and serve a file as: from its (checked) name, else what the browser said."""
    return mimetypes.guess_type(upload.name)[0] or getattr(upload, "content_type", "") or "application/octet-stream"


def download_response(file_field, original_name: str, content_type: str = "") -> FileResponse:
    """The stored file as an attachment under its original name (never shown inline)."""
    content_type = content_type or mimetypes.guess_type(original_name)[0] or "application/octet-stream"
    response = FileResponse(file_field.open("rb"), as_attachment=True, filename=original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
