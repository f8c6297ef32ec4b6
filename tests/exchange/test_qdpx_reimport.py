"""A project that comes back into the study it left: recognised, never doubled (issue 25, item 1).

Round trips on the real peer files in tests/data/refiqda (QualCoder's through
:mod:`qualcoder_emulation`, MAXQDA 24, ATLAS.ti 23) and on the demo study, with the counts
of sources, schemes, codes, codings, memos and examples compared exactly; then one change
at a time, made in the other copy, here, or both.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import (
    AccountRow,
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    ExchangeIdentityRow,
    MemoRow,
    TranscriptRow,
)
from study.exchange.qdpx import export_qdpx, import_codebook
from study.exchange.qdpx_import import import_qdpx
from study.exchange.refiqda import QdaCode, QdaCoding, QdaProject, read_qdpx, write_qdpx
from study.interviews.coding.codings import change_coding_span
from study.interviews.coding.memos import add_memo, update_memo
from study.interviews.transcripts.erasure import erase_speaker

import qualcoder_emulation as qualcoder
from conftest import REFIQDA, at_once
from icr_study import SCHEME, build_memo_study


def _counts(session) -> dict[str, int]:
    """What must not double: every kind of row an import writes."""
    codes = list(session.scalars(select(CodeRow)))
    return {
        "sources": session.scalar(select(func.count(TranscriptRow.id))),
        "schemes": session.scalar(select(func.count(CodingSchemeRow.id))),
        "codes": len(codes),
        "examples": sum(len(c.examples or []) for c in codes),
        "codings": session.scalar(select(func.count(CodingRow.id))),
        "memos": session.scalar(select(func.count(MemoRow.id))),
        "accounts": session.scalar(select(func.count(AccountRow.id))),
    }


def _nothing_new(summary) -> None:
    for kind, outcome in summary.changes.items():
        assert (outcome["added"], outcome["updated"], outcome["conflicts"]) == (0, 0, 0), kind
    assert summary.conflicts == ()


@pytest.fixture
def study(database):
    with database.transaction() as session:
        return build_memo_study(session)


# --- the same project again -------------------------------------------------------------


def _add_memos(session) -> None:
    """Memos of every kind, two of them on one coding (the demo study has none)."""
    coding = session.scalars(select(CodingRow).order_by(CodingRow.id)).first()
    for text in ("First reading: irony.", "Second reader: not irony."):
        add_memo(session, text=text, actor=coding.coder_id, coding_id=coding.id)
    add_memo(
        session,
        text="Hospital ward, night shift.",
        actor=OPERATOR,
        transcript_id=coding.transcript_id,
    )
    add_memo(session, text="Close to 'no time'.", actor=OPERATOR, code_id=coding.code_id)


def test_the_demo_study_goes_out_and_comes_back_twice_without_doubling(demo_database, tmp_path):
    with demo_database.transaction() as session:
        _add_memos(session)
    with demo_database.transaction() as session:
        before = _counts(session)
        export_qdpx(session, tmp_path / "demo.qdpx", viewer=OPERATOR)
    assert before["codings"] > 400 and before["memos"] == 4 and before["schemes"] > 1
    for round_trip in range(2):
        with demo_database.transaction() as session:
            summary = import_qdpx(session, tmp_path / "demo.qdpx", actor=OPERATOR)
            assert _counts(session) == before, round_trip
        _nothing_new(summary)
        assert summary.changes["codings"]["unchanged"] == before["codings"]
        with demo_database.transaction() as session:
            export_qdpx(session, tmp_path / "demo.qdpx", viewer=OPERATOR)


def test_ism_to_ism_to_ism_keeps_every_count(database, study, second_database, tmp_path):
    """Into a new study, out again, and back into that study."""
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "one.qdpx", viewer=OPERATOR)
    with second_database.transaction() as session:
        import_qdpx(session, tmp_path / "one.qdpx", actor=OPERATOR)
        after_first = _counts(session)
        export_qdpx(session, tmp_path / "two.qdpx", viewer=OPERATOR)
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "two.qdpx", actor=OPERATOR)
        assert _counts(session) == after_first
    _nothing_new(summary)


def test_a_qualcoder_project_imported_again_after_a_round_trip_keeps_every_count(
    second_database, tmp_path
):
    with second_database.transaction() as session:
        import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        before = _counts(session)
        export_qdpx(session, tmp_path / "ism.qdpx", compat="qualcoder", viewer=OPERATOR)
    with second_database.transaction() as session:
        again = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        assert _counts(session) == before
    _nothing_new(again)
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    qualcoder.export_qdpx(inside, tmp_path / "back.qdpx")  # new GUIDs for everything
    with second_database.transaction() as session:
        back = import_qdpx(session, tmp_path / "back.qdpx", actor=OPERATOR)
        assert _counts(session) == before
    _nothing_new(back)
    assert back.changes["codings"]["unchanged"] == before["codings"]


@pytest.mark.parametrize("peer_file", ["maxqda24-export.qdpx", "atlasti23-codebook-only.qdpx"])
def test_maxqda_and_atlas_projects_imported_twice_add_nothing(second_database, peer_file):
    with second_database.transaction() as session:
        import_qdpx(session, REFIQDA / peer_file, actor=OPERATOR)
        before = _counts(session)
    with second_database.transaction() as session:
        again = import_qdpx(session, REFIQDA / peer_file, actor=OPERATOR)
        assert _counts(session) == before
    _nothing_new(again)


def test_a_coder_who_worked_in_qualcoder_comes_back_as_their_own_account(database, study, tmp_path):
    """QualCoder writes new user GUIDs; the name a user was sent out under finds them."""
    with database.transaction() as session:
        before = _counts(session)
        export_qdpx(session, tmp_path / "ism.qdpx", compat="qualcoder", viewer=OPERATOR)
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    first = inside.code_text[0]
    inside.code_text.append({**first, "pos0": first["pos1"] + 1, "pos1": first["pos1"] + 9})
    qualcoder.export_qdpx(inside, tmp_path / "back.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "back.qdpx", actor=OPERATOR)
        after = _counts(session)
        added = session.scalars(select(CodingRow).order_by(CodingRow.id.desc())).first()
        coder = session.get(AccountRow, added.coder_id)
    assert after == {**before, "codings": before["codings"] + 1}
    assert summary.changes["codings"]["added"] == 1
    assert not coder.email.endswith("@qdpx.invalid")
    assert coder.display_name == first["owner"]


# --- one change at a time ------------------------------------------------------------------


def _first_coding(project) -> QdaCoding:
    return next(c for s in project.sources for c in s.codings if c.end + 5 < len(s.text))


def _stored(session, coding_id: int) -> tuple[int, int]:
    row = session.get(CodingRow, coding_id)
    return row.start, row.end


def _coding_id_of(session, coding: QdaCoding) -> int:
    """The study's coding a coding of its own export is (the export recorded its GUID)."""
    return session.scalar(
        select(ExchangeIdentityRow.row_id).where(
            ExchangeIdentityRow.kind == "coding", ExchangeIdentityRow.guid == coding.guid
        )
    )


def _exported_coding(database, path) -> tuple[dict[str, int], QdaProject, QdaCoding, int]:
    """Export the study to ``path``: its counts, the project read back, a coding and its id here."""
    with database.transaction() as session:
        export_qdpx(session, path, viewer=OPERATOR)
        before = _counts(session)
    project = read_qdpx(path)
    coding = _first_coding(project)
    with database.transaction() as session:
        return before, project, coding, _coding_id_of(session, coding)


def test_a_coding_changed_in_the_other_copy_is_updated_not_duplicated(database, study, tmp_path):
    before, project, coding, coding_id = _exported_coding(database, tmp_path / "out.qdpx")
    coding.end, coding.text = coding.end + 5, ""
    write_qdpx(project, tmp_path / "changed.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "changed.qdpx", actor=OPERATOR)
        assert _counts(session) == before
        assert _stored(session, coding_id) == (coding.start, coding.end)
    assert summary.changes["codings"]["updated"] == 1
    assert summary.changes["codings"]["added"] == 0


def test_a_coding_moved_in_qualcoder_is_updated_not_duplicated(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "ism.qdpx", compat="qualcoder", viewer=OPERATOR)
        before = _counts(session)
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    moved = next(r for r in inside.code_text if r["pos0"] > 3)
    source = next(s for s in inside.sources if s["id"] == moved["fid"])
    with database.transaction() as session:
        transcript = session.scalar(
            select(TranscriptRow).where(TranscriptRow.text == source["fulltext"].lstrip("\ufeff"))
        )
        coding_id = session.scalar(
            select(CodingRow.id).where(
                CodingRow.transcript_id == transcript.id,
                CodingRow.start == moved["pos0"],
                CodingRow.end == moved["pos1"],
                CodingRow.coder_id
                == select(AccountRow.id)
                .where(AccountRow.display_name == moved["owner"])
                .scalar_subquery(),
            )
        )
    moved["pos0"] -= 3  # the QualCoder coder widened it to the left
    qualcoder.export_qdpx(inside, tmp_path / "back.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "back.qdpx", actor=OPERATOR)
        assert _counts(session) == before
        assert _stored(session, coding_id) == (moved["pos0"], moved["pos1"])
    assert summary.changes["codings"]["updated"] == 1


def test_a_coding_changed_on_both_sides_is_a_conflict_kept_until_resolved(
    database, study, tmp_path
):
    before, project, coding, coding_id = _exported_coding(database, tmp_path / "out.qdpx")
    here = (coding.start, coding.end + 2)
    with database.transaction() as session:
        change_coding_span(session, coding_id, *here, actor=OPERATOR)
    coding.end, coding.text = coding.end + 5, ""
    write_qdpx(project, tmp_path / "theirs.qdpx")
    for _ in range(2):  # the conflict is found again until it is resolved
        with database.transaction() as session:
            kept = import_qdpx(session, tmp_path / "theirs.qdpx", actor=OPERATOR)
            assert _stored(session, coding_id) == here
            assert _counts(session) == before
        assert kept.changes["codings"]["conflicts"] == 1
        [conflict] = kept.conflicts
        assert f"characters {here[0]}–{here[1]} here" in conflict
        assert f"and {coding.start}–{coding.end} in the file" in conflict
        assert conflict.endswith("The study's version was kept.")
    with database.transaction() as session:
        taken = import_qdpx(session, tmp_path / "theirs.qdpx", actor=OPERATOR, conflicts="theirs")
        assert _stored(session, coding_id) == (coding.start, coding.end)
        assert _counts(session) == before
    assert taken.changes["codings"]["conflicts"] == 1
    assert taken.conflicts[0].endswith("The file's version was taken.")


def test_a_coding_changed_only_here_keeps_the_studys_version(database, study, tmp_path):
    _, _, coding, coding_id = _exported_coding(database, tmp_path / "out.qdpx")
    with database.transaction() as session:
        change_coding_span(session, coding_id, coding.start, coding.end + 2, actor=OPERATOR)
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "out.qdpx", actor=OPERATOR)
        assert _stored(session, coding_id) == (coding.start, coding.end + 2)
    _nothing_new(summary)


def test_a_memo_and_a_code_edited_in_the_other_copy_are_updated(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "out.qdpx", viewer=OPERATOR)
        before = _counts(session)
    project = read_qdpx(tmp_path / "out.qdpx")
    note = next(n for n in project.notes if n.text.startswith("Ana: check"))
    note.text = "Ana: checked, the emoji is ironic."
    code = next(c for c in _all(project.codes) if c.description)
    code.description = code.description.replace("\n", "\n\n", 1) + " (sharpened)"
    write_qdpx(project, tmp_path / "edited.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "edited.qdpx", actor=OPERATOR)
        assert _counts(session) == before
        texts = set(session.scalars(select(MemoRow.text)))
    assert "Ana: checked, the emoji is ironic." in texts
    assert "Ana: check the emoji." not in texts
    assert summary.changes["memos"]["updated"] == 1
    assert summary.changes["codes"]["updated"] == 1


def test_a_memo_edited_on_both_sides_is_a_conflict(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "out.qdpx", viewer=OPERATOR)
        memo = session.scalar(select(MemoRow).where(MemoRow.text == "Ana: check the emoji."))
        update_memo(session, memo.id, "Ana: the emoji matters.")
        memo_id = memo.id
    project = read_qdpx(tmp_path / "out.qdpx")
    next(n for n in project.notes if n.text.startswith("Ana: check")).text = "Ana: irony."
    write_qdpx(project, tmp_path / "edited.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "edited.qdpx", actor=OPERATOR)
        assert session.get(MemoRow, memo_id).text == "Ana: the emoji matters."
    assert summary.changes["memos"]["conflicts"] == 1
    assert "Ana: the emoji matters." in summary.conflicts[0]


def test_a_code_added_in_the_other_copy_joins_the_scheme_it_came_from(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "out.qdpx", viewer=OPERATOR)
        before = _counts(session)
    project = read_qdpx(tmp_path / "out.qdpx")
    parent = project.codes[0]
    parent.children.append(QdaCode("ABC00000-0000-4000-8000-000000000001", "Lunch talk"))
    source = next(s for s in project.sources if s.text)
    source.codings.append(
        QdaCoding(
            "ABC00000-0000-4000-8000-000000000002",
            0,
            4,
            parent.children[-1].guid,
            project.users[0].guid,
        )
    )
    write_qdpx(project, tmp_path / "more.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "more.qdpx", actor=OPERATOR)
        after = _counts(session)
        new = session.scalar(select(CodeRow).where(CodeRow.name == "Lunch talk"))
        scheme = session.get(CodingSchemeRow, new.scheme_id)
    assert after == {**before, "codes": before["codes"] + 1, "codings": before["codings"] + 1}
    assert scheme.key == SCHEME
    assert summary.changes["codes"]["added"] == 1


def _all(codes: list[QdaCode]):
    for code in codes:
        yield code
        yield from _all(code.children)


# --- the command line ----------------------------------------------------------------------


def _exported_by_cli(runner: CliRunner, path) -> QdaProject:
    """The study exported with ``study export qdpx`` and read back."""
    assert runner.invoke(app, ["export", "qdpx", "--out", str(path)]).exit_code == 0
    return read_qdpx(path)


def test_cli_reports_each_kind_and_resolves_conflicts_with_theirs(database, study, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.qdpx"
    project = _exported_by_cli(runner, out)
    coding = _first_coding(project)
    with database.transaction() as session:
        coding_id = _coding_id_of(session, coding)
        change_coding_span(session, coding_id, coding.start, coding.end + 2, actor=OPERATOR)
    coding.end, coding.text = coding.end + 5, ""
    write_qdpx(project, out)
    plain = runner.invoke(app, ["import", "qdpx", str(out), "--into-study"])
    assert plain.exit_code == 0, plain.output
    assert "codings: 0 added, 0 updated, " in plain.output
    assert "1 conflicts" in plain.output
    assert "--conflicts theirs" in plain.output
    result = runner.invoke(
        app, ["import", "qdpx", str(out), "--conflicts", "theirs", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["changes"]["codings"]["conflicts"] == 1
    assert report["conflicts"][0].endswith("The file's version was taken.")
    with database.transaction() as session:
        assert _stored(session, coding_id) == (coding.start, coding.end)


def test_cli_dry_run_reports_and_stores_nothing(database, study, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.qdpx"
    project = _exported_by_cli(runner, out)
    coding = _first_coding(project)
    coding.end, coding.text = coding.end + 5, ""
    write_qdpx(project, out)
    with database.transaction() as session:
        before = _counts(session)
        spans = sorted(session.execute(select(CodingRow.start, CodingRow.end)).all())
    result = runner.invoke(app, ["import", "qdpx", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "codings: 0 added, 1 updated" in result.output
    assert "Nothing was stored (--dry-run)." in result.output
    with database.transaction() as session:
        assert _counts(session) == before
        assert sorted(session.execute(select(CodingRow.start, CodingRow.end)).all()) == spans


# --- two at once ---------------------------------------------------------------------------


def test_two_imports_of_one_file_at_once_add_its_new_coding_once(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "out.qdpx", viewer=OPERATOR)
        before = _counts(session)
    project = read_qdpx(tmp_path / "out.qdpx")
    source = next(s for s in project.sources if s.codings)
    first = source.codings[0]
    source.codings.append(
        QdaCoding(
            "ABC00000-0000-4000-8000-000000000003",
            first.end,
            min(first.end + 8, len(source.text)),
            first.code_guid,
            first.creating_user_guid,
        )
    )
    write_qdpx(project, tmp_path / "more.qdpx")

    def run() -> None:
        with database.transaction() as session:
            import_qdpx(session, tmp_path / "more.qdpx", actor=OPERATOR)

    errors = at_once(run, run)
    assert errors == []
    with database.transaction() as session:
        assert _counts(session) == {**before, "codings": before["codings"] + 1}


def test_two_exports_at_once_both_succeed(database, study, tmp_path):
    def run(n: int) -> None:
        with database.transaction() as session:
            export_qdpx(session, tmp_path / f"out{n}.qdpx", viewer=OPERATOR)

    errors = at_once(lambda: run(0), lambda: run(1))
    assert errors == []
    assert (tmp_path / "out0.qdpx").read_bytes() == (tmp_path / "out1.qdpx").read_bytes()


@pytest.mark.parametrize("peer_file", ["taguette-codebook.qdc", "taguette-codebook.csv"])
def test_taguettes_codebook_imported_twice_is_the_same_scheme_version(second_database, peer_file):
    """Taguette exchanges codebooks only (its exporters write .qdc and CSV, no project)."""
    with second_database.transaction() as session:
        first = import_codebook(session, REFIQDA / peer_file, actor=OPERATOR)
        before = _counts(session)
    with second_database.transaction() as session:
        again = import_codebook(session, REFIQDA / peer_file, actor=OPERATOR)
        assert _counts(session) == before
    assert (again.scheme, again.version, again.created) == (first.scheme, first.version, False)


# --- an interviewee erased meanwhile -------------------------------------------------------


def test_a_project_from_before_an_erasure_does_not_bring_the_interviewee_back(
    database, study, tmp_path
):
    """Exported, then the coordinator withdrew and was erased: neither the old project nor
    QualCoder's copy of it (new GUIDs) restores their words or the codings on them."""
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "before.qdpx", compat="qualcoder", viewer=OPERATOR)
        launch = session.scalar(select(TranscriptRow.id).where(TranscriptRow.name == "launch"))
    inside = qualcoder.import_qdpx(tmp_path / "before.qdpx", tmp_path / "unpacked")
    qualcoder.export_qdpx(inside, tmp_path / "via-qualcoder.qdpx")
    with database.transaction() as session:
        erase_speaker(session, launch, "Coordinator", actor=OPERATOR)
    with database.transaction() as session:
        after = _counts(session)
        redacted = session.get(TranscriptRow, launch).text
    for old in ("before.qdpx", "via-qualcoder.qdpx"):
        with database.transaction() as session:
            summary = import_qdpx(session, tmp_path / old, actor=OPERATOR)
            assert _counts(session) == after, old
            assert session.get(TranscriptRow, launch).text == redacted
            assert "not real work" not in " ".join(session.scalars(select(TranscriptRow.text)))
        assert any("before an interviewee who withdrew was erased" in w for w in summary.warnings)
    with database.transaction() as session:  # the project as it is now comes back as it is
        export_qdpx(session, tmp_path / "after.qdpx", viewer=OPERATOR)
    with database.transaction() as session:
        _nothing_new(import_qdpx(session, tmp_path / "after.qdpx", actor=OPERATOR))
        assert _counts(session) == after
