"""Erasing an interviewee who withdrew (issue 26), as the researcher meets it: every export
and new project, the audit log, the command line and the Transcripts page."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
from docx import Document
from erasure_study import (
    CODE,
    OTHER_CODE,
    SCHEME,
    TRACES,
    flagged_memos,
)
from sqlalchemy import select
from typer.testing import CliRunner

from study.admin.accounts import AccountInfo
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import EventRow, TranscriptRow, TurnRow
from study.exchange.qdpx import export_qdpx
from study.interviews.coding.exports import export_codings, export_segments
from study.interviews.transcripts.erasure import (
    WITHDRAWN_SPEAKER,
)
from study.interviews.transcripts.store import transcript_json

from conftest import open_app_page


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def _qdpx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())


def every_export(session) -> dict[str, str]:
    """The text of every export format that carries transcript text, codings or memos."""
    out: dict[str, str] = {}
    for fmt in ("xlsx", "csv"):
        stream = io.BytesIO()
        export_codings(session, stream, format=fmt, viewer=OPERATOR)
        data = stream.getvalue()
        out[f"codings.{fmt}"] = _xlsx_text(data) if fmt == "xlsx" else data.decode("utf-8-sig")
    for key in (CODE, OTHER_CODE):
        for fmt in ("docx", "xlsx"):
            stream = io.BytesIO()
            export_segments(
                session, stream, format=fmt, scheme=SCHEME, code_key=key, viewer=OPERATOR
            )
            read = _docx_text if fmt == "docx" else _xlsx_text
            out[f"segments-{key}.{fmt}"] = read(stream.getvalue())
    for transcript_id in session.scalars(select(TranscriptRow.id)):
        data = transcript_json(session, transcript_id, viewer=OPERATOR)
        out[f"transcript-{transcript_id}.json"] = json.dumps(data, ensure_ascii=False)
    stream = io.BytesIO()
    export_qdpx(session, stream, viewer=OPERATOR)
    out["project.qdpx"] = _qdpx_text(stream.getvalue())
    return out


def test_every_export_and_a_new_project_carry_her_before_the_erasure(database, study):
    with database.transaction() as session:
        exports = every_export(session)
    for name in ("codings.xlsx", "codings.csv", f"segments-{CODE}.docx", "project.qdpx"):
        assert TRACES.search(exports[name]), name


def test_no_export_and_no_new_project_carries_her_afterwards(database, study, erased):
    """Memos flagged for review stay out of every export until a researcher reviews them."""
    with database.transaction() as session:
        assert flagged_memos(session)  # not reviewed yet
        exports = every_export(session)
    assert len(exports) == 9
    for name, content in exports.items():
        assert not TRACES.search(content), (name, TRACES.search(content))
    assert "Why do you feel watched?" in exports["codings.csv"]  # the kept words are there
    assert WITHDRAWN_SPEAKER in exports[f"segments-{OTHER_CODE}.docx"]


def test_the_audit_log_says_who_erased_and_when_never_what(database, study, erased):
    with database.transaction() as session:
        [event] = session.scalars(select(EventRow).where(EventRow.action == "speaker.erase"))
        assert event.actor_id == study.researcher
        assert event.at is not None
        assert (event.target_type, event.target_id) == ("transcript", study.transcript)
        assert all(isinstance(v, int) for v in event.details.values())
        assert event.details["turns"] == 2 and event.details["codings_removed"] == 3
        # the earlier events lost the quotes and her name, and kept everything else
        updates = session.scalars(select(EventRow).where(EventRow.action == "memo.update")).all()
        assert [e.details for e in updates] == [
            {"before": "First version.", "after": "[erased]"},
            {"before": "[erased]", "after": "[erased]"},
        ]
        [imported] = session.scalars(
            select(EventRow).where(
                EventRow.action == "transcript.import", EventRow.target_id == study.transcript
            )
        )
        assert imported.details["name"] == "interview-[erased]"
        assert imported.details["organisation"] == "Nordlys Bank"
        assert imported.details["turns"] == 6


def test_cli_erases_a_speaker_and_says_what_it_did(database, study):
    result = CliRunner().invoke(
        app, ["erase", "speaker", "--transcript", str(study.transcript), "--speaker", "Anna Hansen"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Transcript {study.transcript}: 2 turns redacted, 3 codings removed (1 trimmed), "
        "5 memos flagged for review."
    )
    assert "Memos to review" in result.output
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.speaker == "Anna Hansen")) is None
    again = CliRunner().invoke(
        app, ["erase", "speaker", "--transcript", str(study.transcript), "--speaker", "Anna Hansen"]
    )
    assert again.exit_code == 1
    assert again.output.startswith("Error: ") and "no speaker" in again.output
    assert "Traceback" not in again.output
    reviewed = CliRunner().invoke(
        app, ["erase", "review-memo", str(study.memos["naming"]), "--delete"]
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert reviewed.output.strip() == f"Memo {study.memos['naming']} deleted."


def test_cli_erases_as_a_named_account(database, study):
    result = CliRunner().invoke(
        app,
        [
            "erase",
            "speaker",
            "--transcript",
            str(study.transcript),
            "--speaker",
            "Mikkel Dahl",
            "--as",
            "carl@example.org",
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.withdrawn)) is None


def test_the_transcripts_page_erases_a_speaker_once_confirmed(database, study):
    at = open_app_page(
        AccountInfo(study.researcher, "rita@example.org", "researcher", "Rita", None, None),
        "transcripts.py",
    )
    assert not at.exception, at.exception
    at.selectbox(key="transcripts_show").set_value(study.transcript).run()
    assert at.selectbox(key="transcripts_erase_speaker").options == [
        "Anna Hansen",
        "Interviewer",
        "Mikkel Dahl",
    ]
    at.selectbox(key="transcripts_erase_speaker").set_value("Anna Hansen")
    [button] = [b for b in at.button if b.label == "Erase speaker"]
    button.click().run()
    assert any("Tick the box" in w.value for w in at.warning)
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.withdrawn)) is None
    at.checkbox(key="transcripts_erase_sure").check()
    [button] = [b for b in at.button if b.label == "Erase speaker"]
    button.click().run()
    assert not at.exception, at.exception
    assert any("2 turns redacted" in s.value for s in at.success), [s.value for s in at.success]
    assert "Anna Hansen" not in at.selectbox(key="transcripts_erase_speaker").options
    assert not any("xylophonist" in t.value for t in at.text)


def test_a_coder_gets_no_erase_form(database, study):
    at = open_app_page(
        AccountInfo(study.coder, "carl@example.org", "coder", "Carl", None, None), "transcripts.py"
    )
    assert not at.exception, at.exception
    assert at.selectbox(key="transcripts_show").value == study.transcript
    assert not [e for e in at.expander if e.label == "Erase an interviewee"]
    assert any("xylophonist" in t.value for t in at.text)
