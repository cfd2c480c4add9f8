"""DOCX packages as zip members: read a template once, write many documents from it.

A rendered document differs from its template only in the few XML parts that hold
tags. Every other member is copied as the template's compressed bytes, never inflated
and deflated again; the members keep the template's order and carry a fixed timestamp,
so identical input gives byte-identical files.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# 1980-01-01 00:00:00, the earliest date a zip can hold.
DOS_DATE = (0 << 9) | (1 << 5) | 1
DOS_TIME = 0
DEFLATE_LEVEL = 1
_UTF8_NAME = 0x800

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


class PackageError(Exception):
    """The file is not a DOCX package convgen can read."""


@dataclass(frozen=True, slots=True)
class Member:
    """One zip member, kept compressed as stored."""

    name: str
    method: int
    crc: int
    size: int
    raw: bytes  # the compressed bytes (or the bytes themselves when stored)

    def data(self) -> bytes:
        if self.method == zipfile.ZIP_STORED:
            return self.raw
        return zlib.decompress(self.raw, -15)

    @classmethod
    def of(cls, name: str, data: bytes, level: int = DEFLATE_LEVEL) -> Member:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        raw = compressor.compress(data) + compressor.flush()
        return cls(name, zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data), raw)


def deflate_piece(data: bytes, last: bool, level: int = DEFLATE_LEVEL) -> bytes:
    """Raw deflate of one piece of a member's data.

    Pieces deflated apart join into one valid stream when every piece but the last
    ends on a sync flush (byte-aligned, not marked final): a piece shared by the three
    copies of a document is compressed once, and only what differs per copy again.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def joined(name: str, pieces: Iterable[tuple[bytes, bytes]]) -> Member:
    """The member whose data is these pieces in order, each given as (data, deflate_piece(data))."""
    crc = size = 0
    raws = []
    for data, raw in pieces:
        crc = zlib.crc32(data, crc)
        size += len(data)
        raws.append(raw)
    return Member(name, zipfile.ZIP_DEFLATED, crc, size, b"".join(raws))


def read_members(blob: bytes) -> list[Member]:
    """Every member of a zip, in its order, with the compressed bytes as stored."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise PackageError(f"not a zip file ({error})") from None
    members = []
    seen: set[str] = set()
    with archive:
        for info in archive.infolist():
            if info.filename in seen or info.is_dir():
                continue
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise PackageError(f"encrypted member {info.filename}")
            if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                offset = info.header_offset
                header = blob[offset : offset + _LOCAL.size]
                if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
                    raise PackageError(f"damaged member {info.filename}")
                name_len, extra_len = struct.unpack("<HH", header[26:30])
                start = offset + _LOCAL.size + name_len + extra_len
                raw = blob[start : start + info.compress_size]
                member = Member(info.filename, info.compress_type, info.CRC, info.file_size, raw)
                try:
                    if zlib.crc32(member.data()) != info.CRC:
                        raise PackageError(f"damaged member {info.filename}")
                except zlib.error:
                    raise PackageError(f"damaged member {info.filename}") from None
            else:  # another compression: normalise once, at load time
                try:
                    member = Member.of(info.filename, archive.read(info))
                except (NotImplementedError, zipfile.BadZipFile, zlib.error, RuntimeError) as error:
                    raise PackageError(f"unreadable member {info.filename} ({error})") from None
            members.append(member)
    return members


def write_zip(members: Iterable[Member]) -> bytes:
    """The zip holding these members, in this order, with fixed timestamps."""
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    count = 0
    for member in members:
        name = member.name.encode("utf-8")
        flags = 0 if member.name.isascii() else _UTF8_NAME
        header = _LOCAL.pack(
            0x04034B50, 20, flags, member.method, DOS_TIME, DOS_DATE, member.crc, len(member.raw), member.size, len(name), 0
        )
        central.append(
            _CENTRAL.pack(
                0x02014B50,
                20,
                20,
                flags,
                member.method,
                DOS_TIME,
                DOS_DATE,
                member.crc,
                len(member.raw),
                member.size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
        chunks += (header, name, member.raw)
        offset += len(header) + len(name) + len(member.raw)
        count += 1
    directory = b"".join(central)
    end = _END.pack(0x06054B50, 0, 0, count, count, len(directory), offset, 0)
    return b"".join(chunks) + directory + end
