"""A template's zip cannot exhaust memory or time: a zip bomb is refused early, with a French message and exit 2."""

from __future__ import annotations

import bz2
import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, example_text
from convgen.documents.package import MAX_MEMBERS, MAX_UNZIPPED_BYTES, Member, PackageError, deflate_piece, read_members, write_zip

TEMPLATE = ROOT / "templates" / "pfmp.docx"
MB = 1 << 20
# Each case should take well under this; a bomb inflated in full would take far longer.
SECONDS = 5


def docx_with(path: Path, add) -> Path:
    """A real DOCX (the built-in PFMP template) with hostile members added by `add(zip)`."""
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        add(target)
    return path


def deflate_bomb(gigabytes: int) -> bytes:
    """Raw deflate data of `gigabytes` GB of zeros, made in milliseconds: 1 MB deflated once,
    repeated (each piece ends on a sync flush, so the pieces join into one stream)."""
    return deflate_piece(bytes(MB), last=False, level=9) * (gigabytes << 10) + deflate_piece(b"", last=True)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")

    def big(archive: zipfile.ZipFile) -> None:
        # 300 MB of zeros, honestly declared, written a chunk at a time: ~1.4 MB on disk.
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(bytes(MB))

    def many(archive: zipfile.ZipFile) -> None:
        for index in range(2 * MAX_MEMBERS):
            archive.writestr(zipfile.ZipInfo(f"word/x{index}.xml"), b"<a/>")

    liar = folder / "liar.docx"
    # A member declaring 1,000 bytes (and the CRC of 1,000 zeros, so that a reader stopping at the
    # declared size would take it for sound) whose data inflates to 10 GB. write_zip writes the
    # sizes it is given; the other members are the template's own.
    members = read_members(TEMPLATE.read_bytes())
    members.append(Member("word/media/image1.png", zipfile.ZIP_DEFLATED, zlib.crc32(bytes(1000)), 1000, deflate_bomb(10)))
    liar.write_bytes(write_zip(members))
    return {
        "big": docx_with(folder / "big.docx", big),
        "liar": liar,
        "many": docx_with(folder / "many.docx", many),
    }


REASONS = {
    "big": f"plus de {MAX_UNZIPPED_BYTES >> 20} Mo",
    "liar": "plus grande qu'annoncé",
    "many": f"plus de {MAX_MEMBERS} fichiers",
}


def assert_refused(result, bomb: Path, reason: str, elapsed: float) -> None:
    assert result.exit_code == 2, result.output
    assert f"« {bomb} » n'est pas un document Word (.docx) lisible" in result.output
    assert reason in result.output
    assert "Traceback" not in result.output and "erreur interne" not in result.output
    assert elapsed < SECONDS, f"{elapsed:.1f} s"


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_render_refuses_a_hostile_template_before_writing_anything(cli, workdir: Path, bombs: dict[str, Path], kind: str) -> None:
    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    started = time.perf_counter()
    result = cli("render", "agreement.yaml", "--template", str(bombs[kind]), "--out", "OUT")
    assert_refused(result, bombs[kind], REASONS[kind], time.perf_counter() - started)
    assert not (workdir / "OUT").exists()


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_template_check_refuses_a_hostile_template(cli, workdir: Path, bombs: dict[str, Path], kind: str) -> None:
    started = time.perf_counter()
    result = cli("template", "check", str(bombs[kind]))
    assert_refused(result, bombs[kind], REASONS[kind], time.perf_counter() - started)


def test_a_normal_template_still_renders(cli, workdir: Path) -> None:
    mine = workdir / "mine.docx"
    mine.write_bytes(TEMPLATE.read_bytes())
    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    result = cli("render", "agreement.yaml", "--template", str(mine), "--out", "OUT")
    assert result.exit_code == 0, result.output
    documents = sorted((workdir / "OUT").glob("agreement.*.docx"))
    assert len(documents) == 3
    assert cli("template", "check", str(mine), "--kind", "pfmp").exit_code == 0


def test_members_keep_their_stored_bytes() -> None:
    blob = TEMPLATE.read_bytes()
    members = read_members(blob)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        infos = archive.infolist()
        assert [member.name for member in members] == [info.filename for info in infos]
        for member, info in zip(members, infos):
            stored = (info.compress_type, info.CRC, info.file_size, info.compress_size)
            assert (member.method, member.crc, member.size, len(member.raw)) == stored
            assert member.data() == archive.read(info)


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["stored", "deflated", "bzip2", "lzma"]
)
def test_every_compression_still_loads(method: int) -> None:
    data = "".join(f"<w:t>Ligne {n}</w:t>" for n in range(70_000)).encode()  # 1.5 MB: inflated in two steps
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("word/document.xml", data)
        archive.writestr("empty.xml", b"")
    members = read_members(buffer.getvalue())
    assert [(member.name, member.data()) for member in members] == [("word/document.xml", data), ("empty.xml", b"")]


def test_a_damaged_member_is_refused() -> None:
    blob = bytearray(TEMPLATE.read_bytes())
    with zipfile.ZipFile(TEMPLATE) as archive:
        info = archive.getinfo("word/document.xml")
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    blob[middle : middle + 16] = bytes(16)
    with pytest.raises(PackageError, match="partie endommagée word/document.xml"):
        read_members(bytes(blob))


@pytest.mark.parametrize(
    ("method", "raw"),
    [(zipfile.ZIP_DEFLATED, deflate_bomb(1)), (zipfile.ZIP_BZIP2, bz2.compress(bytes(8 * MB)))],
    ids=["deflate", "bzip2"],
)
def test_a_member_bigger_than_it_declares_is_stopped_at_once(method: int, raw: bytes) -> None:
    blob = write_zip([Member("word/document.xml", method, zlib.crc32(bytes(10)), 10, raw)])
    started = time.perf_counter()
    with pytest.raises(PackageError, match="plus grande qu'annoncé"):
        read_members(blob)
    assert time.perf_counter() - started < 0.5


def test_declared_sizes_are_summed_before_anything_is_inflated() -> None:
    # Two members of 150 MB each, declared but never stored: only their sum can refuse them.
    members = [Member(f"word/media/image{n}.png", zipfile.ZIP_STORED, 0, 150 * MB, b"") for n in (1, 2)]
    with pytest.raises(PackageError, match=f"trop gros une fois décompressé \\(300 Mo, plus de {MAX_UNZIPPED_BYTES >> 20} Mo\\)"):
        read_members(write_zip(members))


def test_members_are_counted_before_zipfile_lists_them() -> None:
    # 300,000 directory entries for one local file (14 MB): zipfile alone would spend
    # about 2 s and 100 MB listing them.
    name = b"a"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 33, 0, 0, 0, len(name), 0) + name
    entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 33, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0) + name
    directory = entry * 300_000
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, len(directory), len(local), 0)
    started = time.perf_counter()
    with pytest.raises(PackageError, match="plus de 10000 fichiers"):
        read_members(local + directory + end)
    assert time.perf_counter() - started < 0.5


def test_a_huge_templated_part_is_refused_before_jinja_reads_it(cli, workdir: Path) -> None:
    from convgen.documents.template import MAX_PART_BYTES

    def huge(archive: zipfile.ZipFile) -> None:
        filler = b"<w:p><w:r><w:t>{{ pupil.first_name }}</w:t></w:r></w:p>" * (MAX_PART_BYTES // 50)
        archive.writestr(
            "word/footer9.xml", b'<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' + filler + b"</w:ftr>"
        )

    template = docx_with(workdir / "huge.docx", huge)
    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    started = time.perf_counter()
    result = cli("render", "agreement.yaml", "--template", str(template), "--out", "OUT")
    assert time.perf_counter() - started < SECONDS
    assert result.exit_code == 2, result.output
    assert f"plus de {MAX_PART_BYTES >> 20} Mo" in result.output and "pied de page" in result.output
    assert not (workdir / "OUT").exists()
