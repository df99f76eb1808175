"""Which text encoding an uploaded text file (CSV, TXT) is in, so a refusal can name it.

Excel's "Unicode text" and some older exports save CSV as UTF-16, which holds a NUL byte in every other byte for
plain English text; that once made a UTF-16 CSV "not a CSV file". A UTF-16 file with its byte-order mark is
recognised and named; a document upload (stored and served back as it came) accepts it, and a file the service
reads row by row asks for UTF-8 by name.
"""

from __future__ import annotations

import codecs

BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: its mark starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
SAVE_AS_UTF8 = "save it as UTF-8 (CSV UTF-8 in Excel)"


def encoding_of(head: bytes) -> str:
    """ "UTF-8" (or plain ASCII), "UTF-16" or "UTF-32" from a byte-order mark, or "UTF-16" for text whose every other
    byte is NUL (UTF-16 without a mark); "" for bytes that are none of these (binary content)."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" not in head:
        return "UTF-8"
    sample = head[: len(head) - len(head) % 2]
    if len(sample) >= 4 and (sample[1::2].count(0) == len(sample) // 2 or sample[0::2].count(0) == len(sample) // 2):
        return "UTF-16"
    return ""


def is_utf16_text(head: bytes) -> bool:
    """True for UTF-16 text with its byte-order mark that decodes cleanly (no NUL characters in it)."""
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            sample = head[: len(head) - len(head) % 2]
            try:
                text = sample.decode("utf-16", errors="strict")
            except UnicodeDecodeError:
                # A cut in the middle of a surrogate pair at the end of the sample is still text.
                text = sample[:-2].decode("utf-16", errors="replace")
            return "\x00" not in text
    return False


def not_utf8_message(filename: str, data: bytes, what: str = "CSV file") -> str:
    """The refusal for a file the service reads as UTF-8 but which is not: naming its encoding where it can."""
    encoding = encoding_of(data[:4096])
    if encoding in ("UTF-16", "UTF-32"):
        return f"This {what} ({filename}) is in {encoding}; {SAVE_AS_UTF8}."
    return f"{filename} is not UTF-8 text: {SAVE_AS_UTF8}."
