"""DOCX packages as zip members: read a template once, write many documents from it.

A rendered document differs from its template only in the few XML parts that hold
tags. Every other member is copied as the template's compressed bytes, never inflated
and deflated again; the members keep the template's order and carry a fixed timestamp,
so identical input gives byte-identical files.
"""

from __future__ import annotations

import bz2
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from convgen.errors import Bilingual
from convgen.i18n import Msg

# 1980-01-01 00:00:00, the earliest date a zip can hold.
DOS_DATE = (0 << 9) | (1 << 5) | 1
DOS_TIME = 0
DEFLATE_LEVEL = 1
_UTF8_NAME = 0x800

# Bounds on a template's zip, so that a small hostile file cannot exhaust memory or time.
# A Word template is well under 10 MB unzipped; 200 MB leaves room for large images.
MAX_UNZIPPED_BYTES = 200 << 20
# A Word document holds a few dozen members; zipfile spends ~300 bytes and ~7 µs on each it lists.
MAX_MEMBERS = 10_000
# Members are inflated this much at a time: checking a CRC never holds a whole member.
_STEP = 1 << 20

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


class PackageError(Bilingual, Exception):
    """The file is not a DOCX package convgen can read.

    `said` says why, in both languages; the message is the French text.
    """


M_TOO_MANY = Msg(
    "plus de {limit} fichiers à l'intérieur (un document Word en contient quelques dizaines)",
    "more than {limit} files inside (a Word document holds a few dozen)",
)
M_NOT_ZIP = Msg("ce n'est pas un fichier zip ({why})", "it is not a zip file ({why})")
M_TOO_BIG = Msg("trop gros une fois décompressé ({size} Mo, plus de {limit} Mo)", "too big once unzipped ({size} MB, more than {limit} MB)")
M_ENCRYPTED = Msg("partie chiffrée {name}", "encrypted part {name}")
M_DAMAGED = Msg("partie endommagée {name}", "damaged part {name}")
M_LONGER = Msg("partie endommagée {name} (plus grande qu'annoncé)", "damaged part {name} (larger than declared)")
M_METHOD = Msg(
    "partie illisible {name} (méthode de compression {method} non prise en charge)",
    "unreadable part {name} (compression method {method} not supported)",
)


_DRIVE = re.compile(r"[A-Za-z]:")


def outside_package(name: str) -> bool:
    """A member name that, unzipped, would land outside the folder it is unzipped into.

    Absolute (`/etc/x`, `C:x`), climbing (`../x`), or with backslashes, which Windows reads
    as folders: no DOCX names a part so, and each rendered document would carry it.
    """
    return name.startswith("/") or "\\" in name or _DRIVE.match(name) is not None or ".." in name.split("/")


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
    """Every member of a zip, in its order, with the compressed bytes as stored.

    Each member is inflated once, in bounded steps, to check its CRC and size: a zip
    bomb is refused before it costs memory or time (see the limits above).
    """
    import io

    # Counted before zipfile lists them: every directory entry starts with this signature.
    if blob.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise PackageError(M_TOO_MANY.fill(limit=MAX_MEMBERS))
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:  # NotImplementedError: a too recent zip version
        raise PackageError(M_NOT_ZIP.fill(why=error)) from None
    members = []
    seen: set[str] = set()
    with archive:
        infos = archive.infolist()
        # The sizes the zip declares; each member is then held to its own while inflated.
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise PackageError(M_TOO_BIG.fill(size=declared >> 20, limit=MAX_UNZIPPED_BYTES >> 20))
        for info in infos:
            if info.filename in seen or info.is_dir():
                continue
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise PackageError(M_ENCRYPTED.fill(name=info.filename))
            offset = info.header_offset
            header = blob[offset : offset + _LOCAL.size]
            if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
                raise PackageError(M_DAMAGED.fill(name=info.filename))
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            start = offset + _LOCAL.size + name_len + extra_len
            raw = blob[start : start + info.compress_size]
            if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                _inflate(info, raw, keep=False)
                member = Member(info.filename, info.compress_type, info.CRC, info.file_size, raw)
            else:  # another compression: normalise once, at load time
                member = Member.of(info.filename, _inflate(info, raw, keep=True))
            members.append(member)
    return members


def _inflate(info: zipfile.ZipInfo, raw: bytes, keep: bool) -> bytes:
    """A member's data, checked against its declared CRC and size (returned when `keep`, else b"").

    Inflated in steps of at most _STEP bytes in and out, and never past one byte more
    than declared: a member that unzips to gigabytes while declaring a few is stopped at once.
    """
    name, size = info.filename, info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != size or zlib.crc32(raw) != info.CRC:
            raise PackageError(M_DAMAGED.fill(name=name))
        return raw
    inflater, data = _inflater(info, raw)
    view, fed = memoryview(data), 0
    pending: bytes | memoryview = b""
    crc = done = 0
    pieces = []
    try:
        while not inflater.eof:
            if not pending and getattr(inflater, "needs_input", True):
                pending, fed = view[fed : fed + _STEP], fed + _STEP
            piece = inflater.decompress(pending, min(_STEP, size - done + 1))
            # zlib hands back the input it has not read yet; bz2 and lzma keep it inside.
            rest = getattr(inflater, "unconsumed_tail", b"")
            if not piece and len(rest) == len(pending):
                break  # no progress: the data stops short (or an LZMA stream has no end marker)
            pending = rest
            crc = zlib.crc32(piece, crc)
            done += len(piece)
            if done > size:
                raise PackageError(M_LONGER.fill(name=name))
            if keep:
                pieces.append(piece)
    except (zlib.error, OSError, lzma.LZMAError):  # bz2 says OSError
        raise PackageError(M_DAMAGED.fill(name=name)) from None
    ended = inflater.eof or info.compress_type == zipfile.ZIP_LZMA  # LZMA's end marker is optional
    if not ended or done != size or crc != info.CRC:
        raise PackageError(M_DAMAGED.fill(name=name))
    return b"".join(pieces)


def _inflater(info: zipfile.ZipInfo, raw: bytes) -> tuple[Any, bytes]:
    """A decompressor for the member's method, and the input to give it."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return zlib.decompressobj(-15), raw
    if info.compress_type == zipfile.ZIP_BZIP2:
        return bz2.BZ2Decompressor(), raw
    if info.compress_type == zipfile.ZIP_LZMA:
        # Version (2 bytes), size of the properties (2), then LZMA1's: lc, lp and pb in one byte, the dictionary size.
        length = int.from_bytes(raw[2:4], "little")
        props = raw[4 : 4 + length]
        if len(props) == 5:
            # No dictionary larger than the member: a header cannot make the decoder reserve gigabytes.
            dict_size = min(int.from_bytes(props[1:5], "little"), max(info.file_size, 4096))
            lc, lp, pb = props[0] % 9, props[0] // 9 % 5, props[0] // 45
            try:
                filters = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}]
                return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters), raw[4 + length :]
            except lzma.LZMAError:
                pass
        raise PackageError(M_DAMAGED.fill(name=info.filename))
    raise PackageError(M_METHOD.fill(name=info.filename, method=info.compress_type))


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
