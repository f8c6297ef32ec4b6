"""Moving a transcript to another organisation: an imported QualCoder source whose case link
QualCoder did not export (issue 25, item 6), from the library, the CLI and the page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.accounts import AccountInfo
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import CodingRow, EventRow, MemoRow, OrganisationRow, TranscriptRow
from study.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from study.exchange.qdpx_import import import_qdpx
from study.interviews.transcripts.store import list_transcripts, move_transcript

from conftest import DATA, REFIQDA, add_user, import_platform, open_app_page


@pytest.fixture
def imported(database):
    """QualCoder's pilot project: one case, linked to no source (QualCoder's export drops the
    links its Cases window makes), so its sources land where their descriptions say."""
    with database.transaction() as session:
        summary = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        add_organisation(session, "Lager Nord", actor=OPERATOR)
    return summary


def _organisations(session) -> dict[str, str]:
    return {i.name: i.organisation for i in list_transcripts(session, viewer=OPERATOR)}


def test_an_import_says_which_sources_no_case_claims(imported):
    [warning] = [w for w in imported.warnings if "linked to none of the project's" in w]
    assert warning.startswith("2 of 2 sources are linked to none of the project's 1 cases")
    assert "QualCoder exports only case links stored at characters 0-0" in warning


def test_a_moved_transcript_keeps_its_codings_and_memos_and_is_audited(database, imported):
    with database.transaction() as session:
        transcript = session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)).first()
        codings = session.scalar(
            select(func.count(CodingRow.id)).where(CodingRow.transcript_id == transcript.id)
        )
        memos = session.scalar(select(func.count(MemoRow.id)))
        info = move_transcript(session, transcript.id, "Lager Nord", actor=OPERATOR)
        assert info.organisation == "Lager Nord"
    with database.transaction() as session:
        assert _organisations(session)[transcript.name] == "Lager Nord"
        assert codings > 0
        assert codings == session.scalar(
            select(func.count(CodingRow.id)).where(CodingRow.transcript_id == transcript.id)
        )
        assert memos == session.scalar(select(func.count(MemoRow.id)))
        event = session.scalars(select(EventRow).where(EventRow.action == "transcript.move")).one()
        assert event.details["to"] == "Lager Nord"


def test_moving_is_refused_where_it_would_double_or_break_something(database, imported, tmp_path):
    with database.transaction() as session:
        first, second = session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)).all()
        coder = add_user(session, "coder@example.org", "coder")
    with database.transaction() as session, pytest.raises(NotFound, match="Nowhere"):
        move_transcript(session, first.id, "Nowhere", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(NotFound, match="no transcript"):
        move_transcript(session, 999_999, "Lager Nord", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(PermissionDenied):
        move_transcript(session, first.id, "Lager Nord", actor=coder.id)
    with database.transaction() as session:
        # the same interview already in the target organisation
        transcript = session.get(TranscriptRow, second.id)
        copy = TranscriptRow(
            organisation_id=session.scalar(
                select(OrganisationRow.id).where(OrganisationRow.name == "Lager Nord")
            ),
            name="copy",
            text=transcript.text,
            text_sha256=transcript.text_sha256,
            interviewee_role="employee",
            language="da",
        )
        session.add(copy)
    target = "Lager Nord"
    with database.transaction() as session, pytest.raises(AlreadyExists, match="already has"):
        move_transcript(session, second.id, target, actor=OPERATOR)
    with database.transaction() as session:
        import_platform(
            session,
            DATA / "platforms" / "slack-nordlys",
            "Nordlys",
            "slack",
            tmp_path / "salt",
            keep_text=True,
        )
        conversation = session.scalar(
            select(TranscriptRow.id).where(TranscriptRow.name.startswith("Slack"))
        )
    with database.transaction() as session, pytest.raises(InvalidInput, match="platform export"):
        move_transcript(session, conversation, "Lager Nord", actor=OPERATOR)


def test_cli_moves_a_transcript(database, imported):
    with database.transaction() as session:
        transcript = session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)).first()
    result = CliRunner().invoke(
        app, ["transcripts", "move", str(transcript.id), "--organisation", "Lager Nord"]
    )
    assert result.exit_code == 0, result.output
    assert "now belongs to Lager Nord" in result.output
    refused = CliRunner().invoke(
        app, ["transcripts", "move", str(transcript.id), "--organisation", "Nowhere"]
    )
    assert refused.exit_code != 0
    assert "Nowhere" in refused.output and "Traceback" not in refused.output


def test_the_transcripts_page_moves_the_transcript_it_shows(database, imported):
    with database.transaction() as session:
        researcher = add_user(session, "rita@example.org", "researcher", display_name="Rita")
    at = open_app_page(
        AccountInfo(researcher.id, "rita@example.org", "researcher", "Rita", None, None),
        "transcripts.py",
    )
    assert not at.exception, at.exception
    shown = at.selectbox(key="transcripts_show").value
    at.selectbox(key="transcripts_move_to").set_value("Lager Nord")
    [button] = [b for b in at.button if b.label == "Move transcript"]
    button.click().run()
    assert not at.exception, at.exception
    assert any("now belongs to Lager Nord" in s.value for s in at.success)
    with database.transaction() as session:
        assert session.get(TranscriptRow, shown).organisation.name == "Lager Nord"
