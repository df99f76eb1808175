"""Measuring an uploaded ZIP (a document or a workbook) before anything in it is parsed (pure: no Django).

`check_archive` refuses, with `FileRefused` naming the file and the limit (see `core.limits`):

1. from the archive's end record, before Python's zipfile reads the directory: more parts than allowed;
2. from the directory: a part, or all of them, saying they unpack to more than allowed, or a part compressed
   more than the ratio allows (how a zip bomb hides its size), a file that says it unpacks to more than the
   ratio times its own size (parts overlapping one another), a part protected with a password;
3. while each part is unpacked, a chunk at a time, counting the bytes that come out: the same limits again,
   so a directory that understates a size is caught (Python's zipfile also stops at the stated size and then
   fails the part's checksum); and the time taken, against the time budget.

For a workbook it also caps each kind of part (each sheet, the shared strings, the styles, the rest), the number of
sheets, and feeds each XML part to expat as it is unpacked: a document type or entity declaration (never in a real
workbook, and how "billion laughs" entity expansion starts) or elements nested deeper than the limit are refused
before openpyxl (which itself parses with defusedxml and lxml's entity resolution off) sees the file.
"""

from __future__ import annotations

import re
import struct
import time
import zipfile
from dataclasses import dataclass, field
from typing import IO
from xml.parsers import expat

from vcsgrants.core.limits import FileLimits, size_text

CHUNK = 64 * 1024
END_RECORD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
XML_PART = re.compile(r"\.(xml|rels)$", re.IGNORECASE)  # not .vml: legacy drawings openpyxl does not read


class FileRefused(ValueError):
    """The file was refused before it was parsed; the message names the file and the limit, for the person."""


@dataclass
class CheckedArchive:
    """What the check learnt: the parts' names, and the first bytes of the parts asked for."""

    names: set[str] = field(default_factory=set)
    heads: dict[str, bytes] = field(default_factory=dict)


class _Unreadable(Exception):
    pass


def _entries(fileobj: IO[bytes]) -> int:
    """How many parts the end record says the archive holds (before zipfile builds an object for each)."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    tail_length = min(size, 22 + 0xFFFF)
    fileobj.seek(size - tail_length)
    tail = fileobj.read(tail_length)
    # As zipfile finds it: the last 22 bytes when there is no comment, else the last signature in the tail.
    at = len(tail) - 22 if tail[-22:-18] == END_RECORD else tail.rfind(END_RECORD)
    if at < 0 or len(tail) - at < 22:
        raise _Unreadable
    entries, directory_size, directory_offset = struct.unpack("<10xHLL2x", tail[at : at + 22])
    if entries != 0xFFFF and directory_size != 0xFFFFFFFF and directory_offset != 0xFFFFFFFF:
        return entries
    locator_at = size - tail_length + at - 20  # ZIP64: a locator just before the end record points to the real one
    if locator_at < 0:
        raise _Unreadable
    fileobj.seek(locator_at)
    signature, _, record_offset, _ = struct.unpack("<4sLQL", fileobj.read(20))
    fileobj.seek(record_offset)
    record = fileobj.read(56)
    if signature != ZIP64_LOCATOR or len(record) < 56:
        raise _Unreadable
    return struct.unpack("<32xQ16x", record)[0]


class _XmlCheck:
    """Expat fed a part as it is unpacked: refuses a document type, an entity, or nesting past the limit."""

    def __init__(self, refuse, max_depth: int):
        self.depth = 0
        self.refuse = refuse
        self.max_depth = max_depth
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.StartDoctypeDeclHandler = self.declaration
        self.parser.EntityDeclHandler = self.declaration

    def start(self, name, attributes):
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.refuse(f"nests XML elements more than {self.max_depth:,} deep, the most we accept")

    def end(self, name):
        self.depth -= 1

    def declaration(self, *args):
        raise self.refuse("declares an XML document type or entities, which a real spreadsheet never does")

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            raise _Unreadable from None


def _part_limit(name: str, limits: FileLimits, workbook: bool) -> tuple[int, str]:
    """The most one part may unpack to, and what the message calls that kind of part."""
    if not workbook:
        return limits.max_part_bytes, "a part"
    if WORKSHEET.match(name):
        limit, kind = limits.workbook_max_sheet_bytes, "a sheet"
    elif name == "xl/sharedStrings.xml":
        limit, kind = limits.workbook_max_shared_strings_bytes, "the shared strings"
    elif name == "xl/styles.xml":
        limit, kind = limits.workbook_max_styles_bytes, "the styles"
    else:
        limit, kind = limits.workbook_max_other_bytes, "a part"
    return min(limit, limits.max_part_bytes), kind


def check_archive(
    fileobj: IO[bytes],
    *,
    name: str,
    limits: FileLimits,
    workbook: bool = False,
    label: str = "a real file",
    heads: tuple[str, ...] = (),
) -> CheckedArchive:
    """Measure the ZIP in `fileobj` (named `name` to the person) against `limits`; raise FileRefused if over any.

    `workbook`: the archive is an XLSX to be parsed, so its parts get the workbook limits and XML checks.
    `label`: what the file should be ("a real Word (DOCX) file", "a readable XLSX spreadsheet"), for the message
    about a damaged one.
    `heads`: parts whose first `limits.mimetype_bytes` bytes to keep (an OpenDocument's "mimetype").
    Leaves `fileobj` at its start.
    """
    started = time.monotonic()
    shown = f"“{name}”"

    def refuse(reason: str) -> FileRefused:
        return FileRefused(f"{shown} cannot be accepted: {reason}.")

    def too_big(part: str, size: int | None, limit: int, kind: str) -> FileRefused:
        """`size`: what the directory says, or None once unpacking has passed the limit."""
        if size is None:
            return refuse(f"its part “{part}” unpacks to more than {size_text(limit)}, the most we accept for {kind}")
        return refuse(f"its part “{part}” unpacks to {size_text(size)}; the most we accept for {kind} is {size_text(limit)}")

    def bomb(part: str) -> FileRefused:
        return refuse(
            f"its part “{part}” is compressed more than {limits.max_ratio:,} to 1, the most we accept (a sign of a zip bomb)"
        )

    max_parts = limits.workbook_max_parts if workbook else limits.max_parts
    max_total = min(limits.max_total_bytes, limits.workbook_max_total_bytes) if workbook else limits.max_total_bytes
    grace, ratio = limits.ratio_grace_bytes, limits.max_ratio
    checked = CheckedArchive()
    try:
        if _entries(fileobj) > max_parts:
            raise refuse(f"it holds more than {max_parts:,} parts, the most we accept")
        fileobj.seek(0, 2)
        file_size = fileobj.tell()
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > max_parts:
                raise refuse(f"it holds more than {max_parts:,} parts, the most we accept")
            # What the directory says: nothing is unpacked yet.
            stated_total = sheets = 0
            for info in infos:
                limit, kind = _part_limit(info.filename, limits, workbook)
                if info.flag_bits & 0x1:
                    raise refuse("it is protected with a password: remove the password and upload it again")
                if info.file_size > limit:
                    raise too_big(info.filename, info.file_size, limit, kind)
                if info.file_size > grace and info.file_size > ratio * max(info.compress_size, 1):
                    raise bomb(info.filename)
                stated_total += info.file_size
                sheets += bool(workbook and WORKSHEET.match(info.filename))
            if stated_total > max_total:
                raise refuse(f"it unpacks to {size_text(stated_total)}; the most we accept is {size_text(max_total)}")
            if stated_total > grace and stated_total > ratio * max(file_size, 1):
                raise refuse(f"it unpacks to more than {ratio:,} times its own size, the most we accept (a sign of a zip bomb)")
            if sheets > limits.workbook_max_sheets:
                raise refuse(f"it has {sheets:,} sheets; the most we accept is {limits.workbook_max_sheets:,}")
            # What comes out: counted as each part is unpacked, whatever the directory said.
            total = 0
            for info in infos:
                checked.names.add(info.filename)
                limit, kind = _part_limit(info.filename, limits, workbook)
                xml = None
                if workbook and XML_PART.search(info.filename):
                    xml = _XmlCheck(
                        lambda reason, part=info.filename: refuse(f"its part “{part}” {reason}"), limits.xml_max_depth
                    )
                head = bytearray() if info.filename in heads else None
                unpacked = 0
                with archive.open(info) as part:
                    while chunk := part.read(CHUNK):
                        unpacked += len(chunk)
                        total += len(chunk)
                        if unpacked > limit:
                            raise too_big(info.filename, None, limit, kind)
                        if total > max_total:
                            raise refuse(f"it unpacks to more than {size_text(max_total)}, the most we accept")
                        if unpacked > grace and unpacked > ratio * max(info.compress_size, 1):
                            raise bomb(info.filename)
                        if head is not None and len(head) < limits.mimetype_bytes:
                            head += chunk[: limits.mimetype_bytes - len(head)]
                        if xml is not None:
                            xml.feed(chunk)
                        if time.monotonic() - started > limits.time_budget_seconds:
                            raise refuse(f"it took more than {limits.time_budget_seconds:g} seconds to check, the most we allow")
                if xml is not None:
                    xml.feed(b"", final=True)
                if head is not None:
                    checked.heads[info.filename] = bytes(head)
    except FileRefused:
        raise
    # zipfile's damaged headers and unsupported methods (and RuntimeError for a password); expat's malformed XML
    except (
        _Unreadable,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OSError,
        EOFError,
        struct.error,
    ):
        raise FileRefused(f"{shown} is not {label}: it is damaged, or its content does not match its name.") from None
    finally:
        fileobj.seek(0)
    return checked
