"""Fast coding in the library: span changes, undo from the audit log, in-vivo codes, blind mode.

Runs on SQLite and PostgreSQL (real databases, no mocks); the workbench's
browser tests (tests/test_e2e_coding.py) drive the same functions.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.accounts import active_account, add_account
from study.admin.audit import list_events
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import CodingRow, MemoRow
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding import (
    add_memo,
    blind_state,
    change_coding_span,
    code_in_vivo,
    coded_segments,
    get_coding,
    list_codes,
    list_codings,
    list_memos,
    load_scheme_into_db,
    recode,
    remove_coding,
    set_blind,
    undo_last,
)
from study.interviews.coding.in_vivo import in_vivo_name

from coding_study import CODING, code_span, seed_tiny_study, span_of


@pytest.fixture
def coded(session):
    transcript, ana, ben = seed_tiny_study(session)
    boss = add_account(
        session,
        "rita@example.org",
        role="researcher",
        password=None,
        display_name="Rita Researcher",
        actor=OPERATOR,
    )
    return session, transcript, ana, ben, boss.id


def _code(session, key):
    return next(c.id for c in list_codes(session, "tiny", viewer=OPERATOR) if c.key == key)


def test_changing_a_span_moves_the_snippet_and_is_audited(coded):
    session, transcript, ana, _, _ = coded
    start, end = span_of(session, transcript, "nobody has time")
    coding = code_span(session, transcript, start, end, _code(session, "no-time"), ana, actor=ana)
    moved = change_coding_span(session, coding.id, start - 4, end, actor=ana)
    text = session.get(CodingRow, coding.id).snippet
    assert (
        moved.start == start - 4
        and text.endswith("nobody has time")
        and len(text) == end - start + 4
    )
    event = list_events(session, action_prefix="coding.span", viewer=OPERATOR).iloc[0]
    assert event["details"]["from_start"] == start and event["details"]["start"] == start - 4
    with pytest.raises(InvalidInput, match="inside the transcript"):
        change_coding_span(session, coding.id, end, start, actor=ana)
    with pytest.raises(InvalidInput, match="whole number"):
        change_coding_span(session, coding.id, "1; DROP TABLE coding", end, actor=ana)


def test_a_coder_cannot_move_another_coders_coding(coded):
    session, transcript, ana, ben, _ = coded
    coding = code_span(session, transcript, 0, 5, _code(session, "fear"), ana, actor=ana)
    with pytest.raises(PermissionDenied):
        change_coding_span(session, coding.id, 0, 8, actor=ben)
    assert get_coding(session, coding.id).end == 5


def test_undo_walks_back_add_recode_span_and_remove_in_order(coded):
    session, transcript, ana, _, _ = coded
    fear, no_time = _code(session, "fear"), _code(session, "no-time")
    coding = code_span(session, transcript, 10, 20, fear, ana, actor=ana)
    recode(session, coding.id, no_time, actor=ana)
    change_coding_span(session, coding.id, 12, 30, actor=ana)
    remove_coding(session, coding.id, actor=ana)
    assert list_codings(session, transcript_id=transcript, viewer=OPERATOR).empty

    assert undo_last(session, ana).action == "coding.remove"
    back = get_coding(session, coding.id)  # the same id comes back
    assert (back.start, back.end, back.code_id) == (12, 30, no_time)
    assert undo_last(session, ana).action == "coding.span"
    assert (get_coding(session, coding.id).start, get_coding(session, coding.id).end) == (10, 20)
    assert undo_last(session, ana).action == "coding.recode"
    assert get_coding(session, coding.id).code_id == fear
    assert undo_last(session, ana).action == "coding.add"
    assert session.scalar(select(func.count(CodingRow.id))) == 0
    assert undo_last(session, ana) is None
    assert len(list_events(session, action_prefix="coding.undo", viewer=OPERATOR)) == 4


def test_undoing_a_removal_brings_back_the_memos_written_on_the_coding(coded):
    session, transcript, ana, ben, _ = coded
    coding = code_span(session, transcript, 10, 20, _code(session, "fear"), ana, actor=ana)
    add_memo(session, text="Ana's first thought", actor=ana, coding_id=coding.id)
    add_memo(session, text="Ben adds: borderline", actor=ben, coding_id=coding.id)
    before = [
        (m.id, m.author_id, m.text, m.created_at)
        for m in session.scalars(
            select(MemoRow).where(MemoRow.coding_id == coding.id).order_by(MemoRow.id)
        )
    ]
    remove_coding(session, coding.id, actor=ana)
    assert session.scalar(select(func.count(MemoRow.id))) == 0
    undo_last(session, ana)
    after = [
        (m.id, m.author_id, m.text, m.created_at)
        for m in session.scalars(
            select(MemoRow).where(MemoRow.coding_id == coding.id).order_by(MemoRow.id)
        )
    ]
    assert after == before


def test_undo_is_per_account_and_undoes_a_batch_together(coded):
    session, transcript, ana, ben, _ = coded
    fear = _code(session, "fear")
    for start in (0, 30, 60):
        code_span(session, transcript, start, start + 5, fear, ana, actor=ana, batch="hits-1")
    code_span(session, transcript, 0, 5, fear, ben, actor=ben)
    result = undo_last(session, ana)
    assert result.codings == 3 and "3 codings" in result.sentence
    assert list(list_codings(session, transcript_id=transcript, viewer=OPERATOR)["coder_id"]) == [
        ben
    ]


def test_undo_says_so_when_a_researcher_removed_the_coding_meanwhile(coded):
    session, transcript, ana, _, boss = coded
    coding = code_span(session, transcript, 0, 5, _code(session, "fear"), ana, actor=ana)
    remove_coding(session, coding.id, actor=boss)
    with pytest.raises(Exception, match="removed meanwhile"):
        undo_last(session, ana)


def test_in_vivo_makes_a_code_named_after_the_words_in_the_tree(coded):
    session, transcript, ana, _, _ = coded
    start, end = span_of(session, transcript, "nobody has time")
    code, coding = code_in_vivo(
        session,
        "tiny",
        transcript_id=transcript,
        start=start,
        end=end,
        coder_id=ana,
        parent="barriers",
        actor=ana,
    )
    assert (
        code.name == "nobody has time"
        and code.key == "in-vivo-nobody-has-time"
        and code.parent == "barriers"
    )
    assert coding.code_id == code.id and coding.text == "nobody has time"
    again, _ = code_in_vivo(
        session, "tiny", transcript_id=transcript, start=start, end=end, coder_id=ana, actor=ana
    )
    assert again.key == "in-vivo-nobody-has-time-2" and again.parent is None
    keys = [c.key for c in list_codes(session, "tiny", viewer=OPERATOR)]
    assert keys.index("in-vivo-nobody-has-time") > keys.index("barriers")
    # undo removes the coding; the code stays in the tree
    undo_last(session, ana)
    assert "in-vivo-nobody-has-time-2" in [
        c.key for c in list_codes(session, "tiny", viewer=OPERATOR)
    ]


def test_in_vivo_names_are_trimmed_and_empty_selections_refused():
    assert in_vivo_name('  "we just\n  do not have   time."  ') == "we just do not have time"
    long = in_vivo_name("word " * 40)
    assert len(long) <= 61 and long.endswith("…")
    with pytest.raises(InvalidInput):
        in_vivo_name(" \n ")


def test_blind_mode_hides_other_coders_from_a_coder_until_lifted(coded):
    session, transcript, ana, ben, boss = coded
    fear = _code(session, "fear")
    mine = code_span(session, transcript, 0, 5, fear, ana, actor=ana)
    theirs = code_span(session, transcript, 10, 15, fear, ben, actor=ben)
    add_memo(session, text="Ben's thought", actor=ben, coding_id=theirs.id)
    add_memo(session, text="Ana's thought", actor=ana, coding_id=mine.id)
    visible = list_codings(session, transcript_id=transcript, viewer=active_account(session, ana))
    assert set(visible["coder_id"]) == {ana, ben}  # not blind yet

    with pytest.raises(PermissionDenied, match="researcher"):
        set_blind(session, "tiny", True, actor=active_account(session, ana))
    assert set_blind(session, "tiny", True, actor=active_account(session, boss)).blind
    assert list(
        list_codings(session, transcript_id=transcript, viewer=active_account(session, ana))["id"]
    ) == [mine.id]
    assert [
        m.text
        for m in list_memos(
            session,
            transcript_id=transcript,
            include_codings=True,
            viewer=active_account(session, ana),
        )
    ] == ["Ana's thought"]
    assert list(
        coded_segments(session, code_id=fear, viewer=active_account(session, ana))["coder_id"]
    ) == [ana]
    # a researcher still sees everyone
    assert (
        len(list_codings(session, transcript_id=transcript, viewer=active_account(session, boss)))
        == 2
    )

    assert not set_blind(session, "tiny", False, actor=active_account(session, boss)).blind
    assert (
        len(list_codings(session, transcript_id=transcript, viewer=active_account(session, ana)))
        == 2
    )
    assert [
        e
        for e in list_events(session, action_prefix="scheme.", viewer=OPERATOR)["action"]
        if e != "scheme.load"
    ] == ["scheme.unblind", "scheme.blind"]


def test_blind_mode_switches_every_version_of_the_scheme(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    load_scheme_into_db(session, CODING / "tiny-1.9.yaml", actor=OPERATOR)
    state = set_blind(session, "tiny", True, actor=OPERATOR)
    assert state.blind and state.since is not None
    assert all(blind_state(session, s, viewer=OPERATOR).blind for s in (1, 2))


def test_cli_switches_blind_mode_changes_a_span_and_undoes(database, coded):
    session, transcript, ana, _, _ = coded
    coding = code_span(session, transcript, 0, 5, _code(session, "fear"), ana, actor=ana)
    session.commit()
    runner = CliRunner()
    result = runner.invoke(app, ["codes", "blind", "on", "--scheme", "tiny"])
    assert result.exit_code == 0, result.output
    assert "blind mode" in result.output
    result = runner.invoke(app, ["codings", "span", str(coding.id), "0", "9"])
    assert result.exit_code == 0 and "0-9" in result.output, result.output
    # the span change counts as the coder's own (no --as): her undo walks it back first
    result = runner.invoke(app, ["codings", "undo", "--as", "ana@example.org"])
    assert result.exit_code == 0 and "previous span" in result.output, result.output
    result = runner.invoke(app, ["codings", "undo", "--as", "ana@example.org"])
    assert result.exit_code == 0 and "just added" in result.output, result.output
    result = runner.invoke(app, ["codings", "undo", "--as", "ana@example.org"])
    assert result.exit_code == 0 and "Nothing to undo" in result.output, result.output
    result = runner.invoke(app, ["codes", "blind", "maybe", "--scheme", "tiny"])
    assert result.exit_code != 0
    with database.transaction() as check:
        assert blind_state(check, "tiny", viewer=OPERATOR).blind
        assert list_codings(check, viewer=OPERATOR).empty


def test_the_reliability_report_says_whether_the_codings_were_blind(coded):
    from study.reliability.report import reliability_report

    session, transcript, ana, ben, boss = coded
    fear = _code(session, "fear")
    code_span(session, transcript, 0, 5, fear, ana)
    code_span(session, transcript, 0, 5, fear, ben)
    report = reliability_report(session, scheme="tiny", unit="turn", n_boot=0, viewer=OPERATOR)
    assert report.blind.startswith("Blind coding: no;") and report.blind in report.method
    set_blind(session, "tiny", True, actor=active_account(session, boss))
    code_span(session, transcript, 10, 15, fear, ana)
    code_span(session, transcript, 10, 15, fear, ben)
    partly = reliability_report(session, scheme="tiny", unit="turn", n_boot=0, viewer=OPERATOR)
    assert partly.blind.startswith("Blind coding: partly; 2 of 4 codings")
    assert partly.as_dict()["blind"] == partly.blind
    set_blind(session, "tiny", False, actor=active_account(session, boss))
    session.query(CodingRow).filter(CodingRow.start == 0).delete()
    assert reliability_report(
        session, scheme="tiny", unit="turn", n_boot=0, viewer=OPERATOR
    ).blind.startswith("Blind coding: yes, all 2 codings")


def test_coding_many_passages_is_one_batch_that_undo_takes_back(coded):
    from study.interviews.coding import code_passages

    session, transcript, ana, _, _ = coded
    fear = _code(session, "fear")
    code_span(session, transcript, 0, 5, fear, ana, actor=ana)
    added, skipped = code_passages(
        session,
        [(transcript, 0, 5), (transcript, 10, 20), (transcript, 30, 40)],
        code_id=fear,
        coder_id=ana,
        actor=ana,
    )
    assert (len(added), skipped) == (2, 1)
    assert len(list_codings(session, transcript_id=transcript, viewer=OPERATOR)) == 3
    result = undo_last(session, ana)
    assert result.codings == 2
    assert list(list_codings(session, transcript_id=transcript, viewer=OPERATOR)["start"]) == [0]


def test_coded_segments_and_their_exports_list_memos_by_display_name(coded, tmp_path):
    import docx
    import openpyxl

    from study.interviews.coding import write_segments_docx, write_segments_xlsx

    session, transcript, ana, ben, _ = coded
    fear = _code(session, "fear")
    coding = code_span(session, transcript, 0, 5, fear, ana)
    add_memo(session, text="=SUM(A1) is what she said", actor=ana, coding_id=coding.id)
    segments = coded_segments(session, code_id=fear, viewer=OPERATOR)
    assert list(segments["memos"]) == ["Ana: =SUM(A1) is what she said"]
    write_segments_docx(segments, tmp_path / "s.docx")
    paragraphs = [p.text for p in docx.Document(tmp_path / "s.docx").paragraphs]
    assert "Memo · Ana: =SUM(A1) is what she said" in paragraphs
    write_segments_xlsx(segments, tmp_path / "s.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    header = [c.value for c in sheet[1]]
    memo = sheet.cell(row=2, column=header.index("memos") + 1)
    assert memo.value == "Ana: =SUM(A1) is what she said" and memo.data_type == "s"
    # in blind mode another coder sees neither the coding nor its memo
    set_blind(session, "tiny", True, actor=OPERATOR)
    assert coded_segments(session, code_id=fear, viewer=active_account(session, ben)).empty
