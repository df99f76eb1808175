"""Hostile files built byte by byte, for the tests (tests/core/test_hostile_files.py) and the upload load test
(bench/bench_uploads.py). No Django: plain bytes in, plain bytes out.

Where zipfile would not write a file (a directory that understates a part's size; a part that unpacks to a gigabyte
from a megabyte, made by repeating one flushed deflate block instead of compressing a gigabyte) it is written here.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
ODT = "application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class Part:
    """A part written as given: `data` already compressed when `method` is deflate; `size` and `crc` as stated."""

    name: str
    data: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def stored(name: str, data: bytes) -> Part:
    return Part(name, data, len(data), zlib.crc32(data), zipfile.ZIP_STORED)


def deflated(name: str, data: bytes) -> Part:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Part(name, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data))


@functools.cache
def zeros_block() -> bytes:
    """1 MB of zero bytes as a deflate block that ends flushed, so blocks can follow it: about 1 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(bytes(MB)) + packer.flush(zlib.Z_FULL_FLUSH)


@functools.cache
def zeros_crc(megabytes: int) -> int:
    crc, chunk = 0, bytes(MB)
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return crc


def zeros(name: str, megabytes: int, stated: int | None = None) -> Part:
    """A part that unpacks to `megabytes` MB of zero bytes (1,024 MB from about 1 MB); `stated`: the size it claims."""
    data = zeros_block() * megabytes + b"\x03\x00"  # an empty final block ends the stream
    return Part(name, data, megabytes * MB if stated is None else stated, zeros_crc(megabytes))


def archive(*parts: Part) -> bytes:
    """A ZIP of `parts`, written byte by byte (local headers, the directory and its end record)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for part in parts:
        name = part.name.encode()
        offset = out.tell()
        header = (20, 0, part.method, 0, 0x21, part.crc, len(part.data), part.size, len(name), 0)
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *header) + name + part.data)
        entry = (20, 20, 0, part.method, 0, 0x21, part.crc, len(part.data), part.size, len(name), 0, 0, 0, 0, 0, offset)
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", *entry) + name)
    start = out.tell()
    out.write(directory.getvalue())
    count = len(parts)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory.getvalue()), start, 0))
    return out.getvalue()


CONTENT_TYPES = stored("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')


def odt_bomb() -> bytes:
    """The issue's minutes.odt: about 1 MB, its "mimetype" part unpacking to 1,024 MB."""
    return archive(zeros("mimetype", 1024), deflated("content.xml", b"<office:document-content/>"))


def odt_lying_bomb() -> bytes:
    """The same, but the directory says "mimetype" is 39 bytes: only unpacking it shows what it is."""
    return archive(zeros("mimetype", 1024, stated=len(ODT)), deflated("content.xml", b"<office:document-content/>"))


def docx_bomb() -> bytes:
    """A Word document whose word/document.xml unpacks to 1,024 MB."""
    return archive(CONTENT_TYPES, zeros("word/document.xml", 1024))


def docx_high_ratio() -> bytes:
    """Under every size limit (a 50 MB part, 50 MB in all) but compressed about 1,000 to 1, as no real document is."""
    return archive(CONTENT_TYPES, zeros("word/media/image1.png", 50))


def pptx_many_parts() -> bytes:
    """12,000 empty parts: the directory alone would cost zipfile an object each."""
    return archive(CONTENT_TYPES, *(stored(f"ppt/s{i}.xml", b"") for i in range(12_000)))


def with_part(xlsx: bytes, name: str, part: Part) -> bytes:
    """A real workbook (a return template) with one part replaced."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        kept = [deflated(info.filename, source.read(info)) for info in source.infolist() if info.filename != name]
    return archive(*kept, part)


def shared_strings(count: int) -> bytes:
    items = "".join(f"<si><t>narrative {i}</t></si>" for i in range(count))
    return f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>'.encode()


def billion_laughs() -> bytes:
    entities = ['<!ENTITY a0 "laugh">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?><!DOCTYPE sst [{"".join(entities)}]><sst><si><t>&a9;</t></si></sst>'.encode()


def deep_sheet(depth: int) -> bytes:
    """Elements nested `depth` deep, each named at random so that the part does not compress like a bomb."""
    names = [f"e{os.urandom(3).hex()}".encode() for _ in range(depth)]
    opening, closing = b"".join(b"<%s>" % n for n in names), b"".join(b"</%s>" % n for n in reversed(names))
    return b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + opening + closing + b"</worksheet>"
