"""Zip bombs in every ZIP-based format we read are refused before memory grows.

Each test builds a real ZIP bomb: a valid .docx, .xlsx, .qdpx or platform
export whose one member is 320 MB of blanks (legal trailing whitespace in XML)
packed into about 300 KB, and imports it in a subprocess whose address space
is capped at what it uses after start-up plus 150 MB (``RLIMIT_AS``). Reading
the member whole would need more than that and end in ``MemoryError``, as it
did before the guard; the guard refuses it with one sentence instead.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from study.errors import FileTooLarge, InvalidFile
from study.zipguard import GuardedZip, check_zip

from conftest import ROOT

BOMB_MB = 320
CAP_MB = 150


def _bomb(path: Path, base: dict[str, bytes], member: str) -> Path:
    """Write ``base``'s members to ``path``, with ``member`` followed by 320 MB of blanks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in base.items():
            if name != member:
                archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as stream:
            stream.write(base.get(member, b""))
            blanks = b" " * (1 << 20)
            for _ in range(BOMB_MB):
                stream.write(blanks)
    assert path.stat().st_size < 5 * (1 << 20)  # small compressed, huge uncompressed
    return path


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _under_memory_cap(body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` (which defines ``run()``) with RLIMIT_AS at start-up size + 150 MB."""
    script = textwrap.dedent("""
        import resource, sys
        from study.errors import StudyError
        {body}
        def address_space():
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmSize:"):
                        return int(line.split()[1]) * 1024
        limit = address_space() + {cap} * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            run()
        except MemoryError:
            print("MemoryError")
            sys.exit(3)
        except StudyError as error:
            print(type(error).__name__ + ": " + str(error))
            sys.exit(0)
        print("imported")
        sys.exit(4)
    """).format(body=textwrap.dedent(body), cap=CAP_MB)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _assert_refused(result: subprocess.CompletedProcess[str], name: str) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    line = result.stdout.strip()
    assert line.startswith("FileTooLarge: ") and name in line and "zip bomb" in line, line
    assert "\n" not in line


def test_a_docx_bomb_is_refused_before_memory_grows(tmp_path):
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    path = _bomb(tmp_path / "bomb.docx", _members(buffer.getvalue()), "word/document.xml")
    result = _under_memory_cap(f"""
        from study.interviews.transcripts.store import read_transcript_file
        data = open({str(path)!r}, "rb").read()
        def run():
            read_transcript_file(data, "bomb.docx", role="employee")
    """)
    _assert_refused(result, "bomb.docx")


def test_an_xlsx_bomb_is_refused_before_memory_grows(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "responses"
    workbook.active.append(["nw1", "nw2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = _bomb(tmp_path / "bomb.xlsx", _members(buffer.getvalue()), "xl/worksheets/sheet1.xml")
    result = _under_memory_cap(f"""
        from study.surveys.importing import read_responses
        from study.surveys.instruments import load_instrument
        instrument = load_instrument("instruments/ism-adoption-survey.yaml")
        def run():
            read_responses({str(path)!r}, instrument, format="csv", name="bomb.xlsx")
    """)
    _assert_refused(result, "bomb.xlsx")


def test_a_qdpx_bomb_is_refused_before_memory_grows(tmp_path):
    qde = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<Project '
        b'xmlns="urn:QDA-XML:project:1.0" name="bomb"/>\n'
    )
    path = _bomb(tmp_path / "bomb.qdpx", {"project.qde": qde}, "project.qde")
    result = _under_memory_cap(f"""
        from study.exchange.refiqda.reader import read_qdpx
        def run():
            read_qdpx({str(path)!r}, name="bomb.qdpx")
    """)
    _assert_refused(result, "bomb.qdpx")


def test_a_platform_export_bomb_is_refused_before_memory_grows(tmp_path):
    """What the Slack / Viva Engage importer (issue 15) uses: check_zip and GuardedZip."""
    path = _bomb(tmp_path / "slack.zip", {"channels.json": b"[]"}, "general/2024-01-01.json")
    result = _under_memory_cap(f"""
        from study.zipguard import GuardedZip
        def run():
            with GuardedZip({str(path)!r}, name="slack.zip", what="Slack export") as archive:
                for member in archive.members():
                    for chunk in archive.stream(member):
                        pass
    """)
    _assert_refused(result, "slack.zip")


def test_the_cap_is_real_an_unguarded_read_runs_out_of_memory(tmp_path):
    """The memory cap is tight enough: reading the bomb whole without the guard fails."""
    path = _bomb(tmp_path / "slack.zip", {}, "general/2024-01-01.json")
    result = _under_memory_cap(f"""
        import zipfile
        def run():
            zipfile.ZipFile({str(path)!r}).read("general/2024-01-01.json")
    """)
    assert result.stdout.strip() == "MemoryError", result.stdout + result.stderr


def _zip(members: dict[str, bytes], **kwargs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_total_size_limit_counts_every_member(monkeypatch):
    monkeypatch.setenv("STUDY_MAX_UNPACKED_MB", "1")
    text = bytes(range(256)) * 2048  # 512 KB that hardly compresses
    check_zip(_zip({"a": text}), name="ok.zip")
    with pytest.raises(
        FileTooLarge,
        match=r"many.zip: the archive unpacks to more than 1 MB "
        r"\(STUDY_MAX_UNPACKED_MB\); it may be a zip bomb",
    ):
        check_zip(_zip({"a": text, "b": text, "c": text}), name="many.zip")


def test_a_member_packed_like_a_bomb_is_refused_even_under_the_total():
    data = _zip({"big.xml": b" " * (2 << 20)})
    with pytest.raises(FileTooLarge, match="'big.xml' in the archive is packed .* to 1"):
        check_zip(data, name="x.zip")
    with GuardedZip(data, name="x.zip") as archive, pytest.raises(FileTooLarge, match="packed"):
        archive.read("big.xml")


def test_the_budget_counts_bytes_really_inflated():
    text = random.Random(13).randbytes(1 << 20)  # 1 MB that does not compress
    with GuardedZip(_zip({"a": text, "b": text}), name="x.zip", max_bytes=1_500_000) as archive:
        assert archive.read("a") == text
        with pytest.raises(FileTooLarge):
            archive.read("b")


def test_not_a_zip_is_one_sentence():
    with pytest.raises(
        InvalidFile,
        match=r"^x.docx: the file is not a Word document "
        r"\(it is not a zip file\)$",
    ):
        check_zip(b"hello", name="x.docx", what="Word document")
