"""Deterministic PDF bytes: the same document gives the same file, whenever it is converted.

Every edit keeps the file's length, and every byte's position: the cross-reference
table gives objects by byte offset, so one byte more would break the file.
"""

from __future__ import annotations

import hashlib
import re

FIXED_PDF_DATES = (b"D:19800101000000Z", b"D:19800101000000", b"D:198001010000", b"D:1980010100", b"D:19800101", b"D:198001", b"D:1980")
FIXED_XMP_DATES = (b"1980-01-01T00:00:00Z", b"1980-01-01T00:00Z", b"1980-01-01", b"1980-01", b"1980")

_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*)\((D:[^()\\]*)\)")
_TRAILER_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>\s*\]")
_DOC_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")
# Only XMP stored as plain text is seen here; a compressed metadata stream would need
# re-compressing to another length. LibreOffice writes XMP (uncompressed) for PDF/A only.
_XMP = re.compile(rb"<(\w+):xmpmeta\b.*?</\1:xmpmeta>", re.S)
_XMP_DATE_NAMES = rb"(?:\w+:)?(?:CreateDate|ModifyDate|MetadataDate)"
_XMP_ID_NAMES = rb"(?:\w+:)?(?:DocumentID|InstanceID|OriginalDocumentID)"
_XMP_DATE_ELEMENT = re.compile(rb"(<(" + _XMP_DATE_NAMES + rb")>)([^<]*)(</\2>)")
_XMP_DATE_ATTRIBUTE = re.compile(rb"(" + _XMP_DATE_NAMES + rb"\s*=\s*)(\"[^\"]*\"|'[^']*')")
_XMP_ID_ELEMENT = re.compile(rb"<(?P<name>" + _XMP_ID_NAMES + rb")>(?P<value>[^<]*)</(?P=name)>")
_XMP_ID_ATTRIBUTE = re.compile(rb"(?P<name>" + _XMP_ID_NAMES + rb")\s*=\s*[\"'](?P<value>[^\"']*)[\"']")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def deterministic(pdf: bytes) -> bytes:
    """The same PDF without what changes at each conversion, at the same length.

    Dates (Info dictionary, XMP) become 1980-01-01 UTC, in the longest fixed form that
    fits, the rest of the room filled with spaces outside the string. The file
    identifier, LibreOffice's /DocChecksum and XMP document ids become a hash of the
    rest of the file: the same document keeps the same id, another one gets another.
    """
    data = _PDF_DATE.sub(_fixed_pdf_date, pdf)
    data = _XMP.sub(_fixed_xmp_dates, data)
    holes = _identifier_holes(data)
    buffer = bytearray(data)
    for start, end, _ in holes:
        buffer[start:end] = bytes(ord("0") if byte in _HEX else byte for byte in buffer[start:end])
    digest = hashlib.sha256(buffer).digest()
    for start, end, label in holes:
        buffer[start:end] = _hashed_hex(data[start:end], digest + label)
    result = bytes(buffer)
    assert len(result) == len(pdf), "deterministic() must keep every byte offset"
    return result


def _fit(fixed_forms: tuple[bytes, ...], room: int) -> bytes | None:
    return next((form for form in fixed_forms if len(form) <= room), None)


def _fixed_pdf_date(match: re.Match[bytes]) -> bytes:
    key, value = match.group(1), match.group(2)
    fixed = _fit(FIXED_PDF_DATES, len(value))
    if fixed is None:
        return match.group(0)
    # Padding after ")" is whitespace between dictionary tokens; inside, it would change the date.
    return key + b"(" + fixed + b")" + b" " * (len(value) - len(fixed))


def _fixed_xmp_dates(match: re.Match[bytes]) -> bytes:
    def element(found: re.Match[bytes]) -> bytes:
        opening, value, closing = found.group(1), found.group(3), found.group(4)
        fixed = _fit(FIXED_XMP_DATES, len(value))
        if fixed is None:
            return found.group(0)
        # Spaces between two XML elements are insignificant, inside one they are part of the value.
        return opening + fixed + closing + b" " * (len(value) - len(fixed))

    def attribute(found: re.Match[bytes]) -> bytes:
        name, quoted = found.group(1), found.group(2)
        fixed = _fit(FIXED_XMP_DATES, len(quoted) - 2)
        if fixed is None:
            return found.group(0)
        quote = quoted[:1]
        return name + quote + fixed + quote + b" " * (len(quoted) - 2 - len(fixed))

    packet = _XMP_DATE_ELEMENT.sub(element, match.group(0))
    return _XMP_DATE_ATTRIBUTE.sub(attribute, packet)


def _identifier_holes(data: bytes) -> list[tuple[int, int, bytes]]:
    """Spans holding identifiers, with the label their hash is derived under."""
    holes = []
    for match in _TRAILER_ID.finditer(data):
        # Both halves get the same value, as LibreOffice writes them for a new document.
        holes += [(match.start(1), match.end(1), b"ID"), (match.start(2), match.end(2), b"ID")]
    holes += [(match.start(1), match.end(1), b"DocChecksum") for match in _DOC_CHECKSUM.finditer(data)]
    for packet in _XMP.finditer(data):
        for pattern in (_XMP_ID_ELEMENT, _XMP_ID_ATTRIBUTE):
            for match in pattern.finditer(data, packet.start(), packet.end()):
                value_start, value_end = match.span("value")
                # Keep the scheme ("uuid:", "xmp.did:"): its letters may be hex digits too.
                scheme = data.rfind(b":", value_start, value_end) + 1
                holes.append((max(scheme, value_start), value_end, match.group("name")))
    return holes


def _hashed_hex(original: bytes, seed: bytes) -> bytes:
    """`original` with each hex digit replaced by one of the hash, keeping case and layout."""
    count = sum(byte in _HEX for byte in original)
    digits = iter(hashlib.shake_256(seed).hexdigest((count + 1) // 2).encode())
    upper = original == original.upper()
    out = bytearray()
    for byte in original:
        if byte in _HEX:
            digit = next(digits)
            out.append(ord(chr(digit).upper()) if upper else digit)
        else:
            out.append(byte)
    return bytes(out)
