"""Working back and forth with the peers: nothing merged, nothing refused, nothing dropped unsaid.

Issue 25, items 2-5 and 7: two memos on one coding stay two (with their authors), a
code's several examples stay several (.qdpx and .qdc), markup-like text in a peer's
annotation is read as text with a warning, QualCoder's project memo and an annotation's
place are kept, and users who coded nothing get no account (and no imported account
can log in). Files are written and read back for real; QualCoder's own import and
export are :mod:`qualcoder_emulation` (see tests/data/refiqda/README.md).
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from qdpx_files import exported_qdpx, write_qdpx_file
from sqlalchemy import func, select

from study.admin.login import log_in
from study.admin.permissions import OPERATOR
from study.db.models import (
    AccountRow,
    CodeRow,
    CodingRow,
    MemoRow,
    StudyRow,
    TranscriptRow,
)
from study.errors import AuthenticationFailed
from study.exchange import refiqda
from study.exchange.qdpx import export_codebook, export_qdpx, import_codebook
from study.exchange.qdpx_import import import_qdpx
from study.interviews.coding.memos import add_memo
from study.interviews.coding.schemes_store import list_codes, scheme_rows

import qualcoder_emulation as qualcoder
from conftest import REFIQDA
from icr_study import SCHEME, build_icr_study, build_memo_study

NS = "{urn:QDA-XML:project:1.0}"
ANA_MEMO = "Ana: check the emoji & the dash."
BEN_MEMO = "Ben: agree, but 'arbejde' is the key word."


def _coding_memos(session) -> set[tuple[str, str | None]]:
    """(text, author's display name) of every memo on a coding."""
    return {
        (m.text.strip(), session.get(AccountRow, m.author_id).display_name if m.author_id else None)
        for m in session.scalars(select(MemoRow).where(MemoRow.coding_id.is_not(None)))
    }


# --- 2. two memos on one coding ---------------------------------------------------------


@pytest.fixture
def two_memo_study(database):
    """The memo study, whose one Danish coding (Ana's) has a second memo, by Ben."""
    with database.transaction() as session:
        ids = build_memo_study(
            session, coding_memo=ANA_MEMO, source_memo="Warehouse staff only.", code_memo="Near."
        )
        danish = session.scalar(select(TranscriptRow).where(TranscriptRow.name == "lager"))
        coding = session.scalar(select(CodingRow).where(CodingRow.transcript_id == danish.id))
        add_memo(session, text=BEN_MEMO, actor=ids.ben, coding_id=coding.id)
        assert _coding_memos(session) == {(ANA_MEMO, "Ana"), (BEN_MEMO, "Ben")}
    return ids


def test_two_memos_on_one_coding_are_written_apart_with_their_authors(
    database, two_memo_study, tmp_path
):
    exported_qdpx(database, tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        root = ET.fromstring(archive.read("project.qde"))
    (described,) = [
        s.findtext(f"{NS}Description")
        for s in root.iter(f"{NS}PlainTextSelection")
        if s.findtext(f"{NS}Description")
    ]
    assert described == f"Memo (Ana): {ANA_MEMO}\n\nMemo (Ben): {BEN_MEMO}"
    # Read back by ISM Study: two notes, not four (the Description repeats the Notes).
    project = refiqda.read_qdpx(tmp_path / "study.qdpx")
    users = {u.guid: u.name for u in project.users}
    coded = {c.guid for s in project.sources for c in s.codings}
    assert sorted(
        (n.text, users[n.creating_user_guid]) for n in project.notes if n.target_guid in coded
    ) == [(ANA_MEMO, "Ana"), (BEN_MEMO, "Ben")]


def test_two_memos_on_one_coding_come_back_from_qualcoder_as_two_with_authors(
    database, two_memo_study, second_database, tmp_path
):
    exported_qdpx(database, tmp_path / "ism.qdpx", compat="qualcoder")
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    # QualCoder keeps one memo per coding: both arrive in it, labelled.
    (row,) = [r for r in inside.code_text if r["memo"]]
    assert ANA_MEMO in row["memo"] and BEN_MEMO in row["memo"]
    qualcoder.export_qdpx(inside, tmp_path / "from-qualcoder.qdpx")
    with second_database.transaction() as session:
        import_qdpx(session, tmp_path / "from-qualcoder.qdpx", actor=OPERATOR)
        assert _coding_memos(session) == {(ANA_MEMO, "Ana"), (BEN_MEMO, "Ben")}


def test_two_memos_on_one_coding_survive_ism_to_ism(
    database, two_memo_study, second_database, tmp_path
):
    exported_qdpx(database, tmp_path / "ism.qdpx")
    with second_database.transaction() as session:
        import_qdpx(session, tmp_path / "ism.qdpx", actor=OPERATOR)
        assert _coding_memos(session) == {(ANA_MEMO, "Ana"), (BEN_MEMO, "Ben")}


# --- 3. several examples of a code --------------------------------------------------------


def _examples(session, scheme) -> list[tuple[str, list[str]]]:
    return [(c.name, list(c.examples)) for c in list_codes(session, scheme, viewer=OPERATOR)]


@pytest.fixture
def example_study(database):
    """The ICR study, one of whose codes has an example that itself reads like a list."""
    with database.transaction() as session:
        build_icr_study(session)
        code = session.scalar(select(CodeRow).where(CodeRow.key == "not-work-related"))
        code.examples = [*code.examples, "- no time\n- too many tools", "Two lines:\nsecond one"]
        expected = _examples(session, SCHEME)
    assert sum(len(e) > 1 for _name, e in expected) >= 5  # codes with several examples
    return expected


def test_several_examples_stay_separate_through_a_qdc_codebook(
    database, example_study, second_database, tmp_path
):
    with database.transaction() as session:
        export_codebook(session, SCHEME, tmp_path / "scheme.qdc", viewer=OPERATOR)
    with second_database.transaction() as session:
        book = import_codebook(session, tmp_path / "scheme.qdc", scheme_key="copy", actor=OPERATOR)
        assert _examples(session, "copy") == example_study
        export_codebook(session, "copy", tmp_path / "again.qdc", viewer=OPERATOR)
        again = import_codebook(session, tmp_path / "again.qdc", scheme_key="copy", actor=OPERATOR)
    assert (again.version, again.created) == (book.version, False)  # ISM -> ISM -> ISM: the same


def test_several_examples_stay_separate_through_a_qdpx_project_and_back(
    database, example_study, second_database, tmp_path
):
    exported_qdpx(database, tmp_path / "first.qdpx")
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "first.qdpx", scheme_key="copy", actor=OPERATOR)
        assert _examples(session, "copy") == example_study
        export_qdpx(session, tmp_path / "second.qdpx", viewer=OPERATOR)
    with database.transaction() as session:
        versions = [row.version for row in scheme_rows(session, SCHEME)]
        back = import_qdpx(session, tmp_path / "second.qdpx", scheme_key=SCHEME, actor=OPERATOR)
        assert _examples(session, SCHEME) == example_study
        # ISM -> ISM -> ISM: the codebook is recognised as the stored version, not a new one.
        assert [row.version for row in scheme_rows(session, SCHEME)] == versions
    assert summary.scheme_version == "1" and back.scheme_version == versions[-1]


# --- 4. markup-like text in an annotation ---------------------------------------------------


def test_markup_in_a_qualcoder_annotation_is_read_as_text_and_reported(database, tmp_path):
    project = qualcoder.pilot_project()
    project.annotations[0]["memo"] = "Check <b>lager</b> and kontor<br/> first"
    qualcoder.export_qdpx(project, tmp_path / "markup.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "markup.qdpx", actor=OPERATOR)
        texts = [m.text for m in session.scalars(select(MemoRow).where(MemoRow.transcript_id > 0))]
    assert (summary.sources, summary.codings) == (2, 5)
    assert any(t.startswith("Check <b>lager</b> and kontor<br/> first") for t in texts), texts
    (changed,) = [w for w in summary.warnings if "<b>lager</b>" in w]
    assert "as text" in changed and "PlainTextContent" in changed


def test_markup_in_a_codebook_description_is_read_as_text(tmp_path):
    qdc = (
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="C0DE0000-0000-4000-8000-000000000001" name="Bold" isCodable="true">'
        "<Description>Use <i>only</i> for posts</Description></Code></Codes></CodeBook>"
    )
    (tmp_path / "peer.qdc").write_text(qdc, encoding="utf-8")
    warnings: list[str] = []
    (code,) = refiqda.read_codebook(tmp_path / "peer.qdc", warnings=warnings)
    assert code.description == "Use <i>only</i> for posts"
    assert len(warnings) == 1 and "<i>only</i>" in warnings[0]


# --- 5. QualCoder's project memo and an annotation's place --------------------------------


def test_qualcoders_project_memo_becomes_the_study_description_and_goes_back_out(
    database, tmp_path
):
    with database.transaction() as session:
        summary = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        assert session.scalar(select(StudyRow.description)) == "Pilot of the ISM study, 2014."
        export_qdpx(session, tmp_path / "back.qdpx", viewer=OPERATOR)
    assert refiqda.read_qdpx(tmp_path / "back.qdpx").description == "Pilot of the ISM study, 2014."
    assert not any("Pilot of the ISM study" in w for w in summary.warnings)


def test_a_project_memo_is_added_to_a_study_that_has_a_description_and_said(database):
    with database.transaction() as session:
        import_qdpx(session, REFIQDA / "maxqda24-export.qdpx", actor=OPERATOR)  # makes the study
        session.scalar(select(StudyRow)).description = "Our own study."
    with database.transaction() as session:
        first = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        again = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        description = session.scalar(select(StudyRow.description))
    assert description == "Our own study.\n\nPilot of the ISM study, 2014."
    assert any("project's memo" in w and "description" in w for w in first.warnings)
    assert not any("project's memo" in w for w in again.warnings)  # already there


def test_an_annotation_keeps_its_place_in_its_transcript_memo(database):
    with database.transaction() as session:
        import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        transcript = session.scalar(
            select(TranscriptRow).where(TranscriptRow.name == "nordbank-coordinator.txt")
        )
        (memo,) = [
            m.text
            for m in session.scalars(select(MemoRow).where(MemoRow.transcript_id == transcript.id))
            if m.text.startswith("Check:")
        ]
        text = transcript.text
    place = re.search(r"characters (\d+)[–-](\d+)", memo)
    assert place is not None, memo
    start, end = int(place.group(1)), int(place.group(2))
    assert text[start:end] == "især på lageret"
    assert "især på lageret" in memo


def test_the_reader_gives_an_annotation_its_place_in_the_source(tmp_path):
    project = qualcoder.pilot_project()
    qualcoder.export_qdpx(project, tmp_path / "qc.qdpx")
    read = refiqda.read_qdpx(tmp_path / "qc.qdpx")
    sources = {s.guid: s for s in read.sources}
    (note,) = [n for n in read.notes if n.text.startswith("Check")]
    assert note.target_guid in sources
    assert sources[note.target_guid].text[note.start : note.end] == "især på lageret"
    # Written back (ISM Study's own writer), the place is kept in the Note.
    refiqda.write_qdpx(read, tmp_path / "again.qdpx")
    (again,) = [
        n for n in refiqda.read_qdpx(tmp_path / "again.qdpx").notes if n.text.startswith("Check")
    ]
    assert (again.start, again.end) == (note.start, note.end)


def test_an_annotation_goes_back_to_qualcoder_as_an_annotation_and_returns_unchanged(
    database, second_database, tmp_path
):
    with database.transaction() as session:
        import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        first = {m.text for m in session.scalars(select(MemoRow)) if m.text.startswith("Check")}
        export_qdpx(session, tmp_path / "ism.qdpx", viewer=OPERATOR)
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    (annotation,) = inside.annotations
    fulltext = inside.sources[annotation["fid"] - 1]["fulltext"]
    assert fulltext[annotation["pos0"] : annotation["pos1"]] == "især på lageret"
    assert annotation["memo"] == "Check: lager  kontor  5 posts a week"  # the place is not text
    qualcoder.export_qdpx(inside, tmp_path / "again.qdpx")
    with second_database.transaction() as session:
        import_qdpx(session, tmp_path / "again.qdpx", actor=OPERATOR)
        again = {m.text for m in session.scalars(select(MemoRow)) if m.text.startswith("Check")}
    assert again == first and len(first) == 1


def test_a_memo_on_an_uncoded_passage_keeps_the_passages_place(database, tmp_path):
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        'name="Peer"><Sources><TextSource guid="50C00000-0000-4000-8000-000000000001" '
        'name="Interview"><PlainTextContent>Only when the boss is away.</PlainTextContent>'
        '<PlainTextSelection guid="5E1E0000-0000-4000-8000-000000000001" startPosition="10" '
        'endPosition="18"><Description>Which boss?</Description></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    with database.transaction() as session:
        summary = import_qdpx(session, write_qdpx_file(tmp_path / "peer.qdpx", qde), actor=OPERATOR)
        (memo,) = session.scalars(select(MemoRow))
    assert memo.text == "Which boss?\n\n(On “the boss”, characters 10–18.)"
    assert any("uncoded passage" in w and "place" in w for w in summary.warnings)


# --- 7. accounts only for users who own codings or memos ----------------------------------


def _accounts(session) -> dict[str, AccountRow]:
    return {a.display_name: a for a in session.scalars(select(AccountRow))}


@pytest.mark.parametrize("peer_file", ["maxqda24-export.qdpx", "atlasti23-codebook-only.qdpx"])
def test_users_of_a_peer_file_who_coded_nothing_get_no_account(database, peer_file):
    with database.transaction() as session:
        users = [u.name for u in refiqda.read_qdpx(REFIQDA / peer_file).users]
        summary = import_qdpx(session, REFIQDA / peer_file, actor=OPERATOR)
        accounts = _accounts(session)
    assert users and not set(users) & set(accounts), accounts
    assert summary.users == 0
    assert any("coded nothing" in w and repr(users[0]) in w for w in summary.warnings)


def test_only_users_who_own_codings_or_memos_become_accounts_that_cannot_log_in(database, tmp_path):
    text = "Interviewer: Do you post?\nCoordinator: Only when the boss is away.\n"
    start = text.index("Only")
    users = {
        "coder": refiqda.QdaUser("0A1B2C3D-0000-4000-8000-000000000001", "Coder Carla"),
        "author": refiqda.QdaUser("0A1B2C3D-0000-4000-8000-000000000002", "Author Aksel"),
        "idle": refiqda.QdaUser("0A1B2C3D-0000-4000-8000-000000000003", "Idle Ida"),
    }
    project = refiqda.QdaProject(
        name="Peer",
        users=list(users.values()),
        codes=[refiqda.QdaCode("C0DE0000-0000-4000-8000-000000000001", "Not work-related")],
        sources=[
            refiqda.QdaTextSource(
                "50C00000-0000-4000-8000-000000000001",
                "Interview",
                text,
                codings=[
                    refiqda.QdaCoding(
                        "C0D1C0D1-0000-4000-8000-000000000001",
                        start,
                        start + 4,
                        "C0DE0000-0000-4000-8000-000000000001",
                        users["coder"].guid,
                        datetime(2024, 5, 3, tzinfo=UTC),
                        "Only",
                    )
                ],
            )
        ],
        notes=[
            refiqda.QdaNote(
                "40000000-0000-4000-8000-000000000001",
                "The boss matters.",
                "50C00000-0000-4000-8000-000000000001",
                users["author"].guid,
            )
        ],
    )
    refiqda.write_qdpx(project, tmp_path / "peer.qdpx")
    with database.transaction() as session:
        before = session.scalar(select(func.count(AccountRow.id)))
        summary = import_qdpx(session, tmp_path / "peer.qdpx", actor=OPERATOR)
        accounts = _accounts(session)
        assert session.scalar(select(func.count(AccountRow.id))) == before + 2
    assert summary.users == 2
    assert {"Coder Carla", "Author Aksel"} <= set(accounts) and "Idle Ida" not in accounts
    assert any("coded nothing" in w and "'Idle Ida'" in w for w in summary.warnings)
    for name in ("Coder Carla", "Author Aksel"):
        account = accounts[name]
        assert account.password_hash is None and account.email.endswith("@qdpx.invalid")
        for password in ("", "a long secret password", account.email):
            with pytest.raises(AuthenticationFailed):
                log_in(database, account.email, password)


# -- item 6: a source whose language the peer does not name -------------------------------


def test_a_danish_source_without_a_language_is_stored_as_danish(database, tmp_path):
    project = qualcoder.pilot_project()
    project.attributes = [a for a in project.attributes if a["name"] != "Language"]
    qualcoder.export_qdpx(project, tmp_path / "no-language.qdpx")
    with database.transaction() as session:
        import_qdpx(session, tmp_path / "no-language.qdpx", actor=OPERATOR)
        languages = {t.name: t.language for t in session.scalars(select(TranscriptRow))}
    danish, english = (s["name"] for s in project.sources)
    # detected from the text, as a transcript import does (it used to be English)
    assert (languages[danish], languages[english]) == ("da", "en")
