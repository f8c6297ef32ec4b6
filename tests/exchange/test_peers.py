"""Exchange with the peers themselves: QualCoder, Taguette, MAXQDA and ATLAS.ti files both ways.

Peer files in tests/data/refiqda (see its README): Taguette's were written by
Taguette 1.5.2's own exporters; QualCoder cannot be installed from the
registries here, so its files and its import/export are reproduced from
QualCoder's source by :mod:`qualcoder_emulation`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree as ET

import pytest
from qdpx_files import write_qdpx_file
from sqlalchemy import select

from study.admin.permissions import OPERATOR
from study.db import Database, migrate
from study.db.models import AccountRow, CodeRow, CodingRow, MemoRow, OrganisationRow, TranscriptRow
from study.errors import InvalidFile
from study.exchange.qdpx import export_codebook, export_qdpx, import_codebook
from study.exchange.qdpx_import import import_qdpx
from study.exchange.refiqda import read_codebook, read_qdpx, validate_codebook_xml
from study.exchange.refiqda.codebook import one_line_description

import qualcoder_emulation as qualcoder
from conftest import REFIQDA, taguette_tags
from icr_study import SCHEME, build_icr_study, build_memo_study

NS = "{urn:QDA-XML:project:1.0}"
CODING_MEMO = "Ana: check the emoji & the dash."
SOURCE_MEMO = "Warehouse staff only."
CODE_MEMO = "Close to Skupchenko's 'no time'."


@pytest.fixture
def study(database):
    """The two-coder study plus a Danish interview with a memo of each kind."""
    with database.transaction() as session:
        return build_memo_study(
            session, coding_memo=CODING_MEMO, source_memo=SOURCE_MEMO, code_memo=CODE_MEMO
        )


def _memos(session) -> set[tuple[str, str]]:
    """(kind, text) of every memo: kind is what it is about."""
    return {
        ("coding" if m.coding_id else "code" if m.code_id else "transcript", m.text.strip())
        for m in session.scalars(select(MemoRow))
    }


def _content(session) -> dict[str, object]:
    """What must survive a round trip: texts, code tree, codings with coders, memos."""
    codes = {c.id: c for c in session.scalars(select(CodeRow))}
    coders = {a.id: a.display_name or a.email for a in session.scalars(select(AccountRow))}
    names = {t.id: t.name for t in session.scalars(select(TranscriptRow))}

    def path(code: CodeRow) -> str:
        parent = codes.get(code.parent_id)
        return f"{path(parent)}/{code.name}" if parent else code.name

    return {
        "texts": sorted((t.name, t.text) for t in session.scalars(select(TranscriptRow))),
        "codes": sorted(
            path(c)
            for c in codes.values()
            if c.merged_into_id is None
            and any(x.code_id == c.id for x in session.scalars(select(CodingRow)))
        ),
        "codings": sorted(
            (names[c.transcript_id], c.start, c.end, path(codes[c.code_id]), coders[c.coder_id])
            for c in session.scalars(select(CodingRow))
        ),
        "memos": sorted(_memos(session)),
        "organisations": sorted(
            (names[t.id], session.get(OrganisationRow, t.organisation_id).name)
            for t in session.scalars(select(TranscriptRow))
        ),
    }


# --- memos both ways ---------------------------------------------------------------------


def test_memos_are_written_where_peers_read_them_and_as_notes(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "study.qdpx", viewer=OPERATOR)
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        qde = archive.read("project.qde").decode()
    root = ET.fromstring(qde)
    selections = [s for s in root.iter(f"{NS}PlainTextSelection") if s.findtext(f"{NS}Description")]
    assert [s.findtext(f"{NS}Description") for s in selections] == [CODING_MEMO]
    coded = [
        c
        for c in root.iter(f"{NS}Code")
        if f"Memo: {CODE_MEMO}" in (c.findtext(f"{NS}Description") or "")
    ]
    assert len(coded) == 1
    source = next(s for s in root.iter(f"{NS}TextSource") if s.get("name", "").startswith("lager"))
    assert f"Memo: {SOURCE_MEMO}" in source.findtext(f"{NS}Description")
    assert "Organisation: Nordlys Bank" in source.findtext(f"{NS}Description")
    assert {n.findtext(f"{NS}PlainTextContent") for n in root.iter(f"{NS}Note")} >= {
        CODING_MEMO,
        SOURCE_MEMO,
        CODE_MEMO,
    }


def test_our_own_reimport_does_not_duplicate_memos(database, study, second_database, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "study.qdpx", viewer=OPERATOR)
        before = _memos(session)
        count = session.query(MemoRow).count()
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "study.qdpx", actor=OPERATOR)
        assert session.query(MemoRow).count() == count == summary.notes
        assert _memos(session) == before


# --- QualCoder -----------------------------------------------------------------------------


def test_qualcoder_project_imports_with_memos_languages_and_a_recovered_annotation(second_database):
    with second_database.transaction() as session:
        summary = import_qdpx(session, REFIQDA / "qualcoder-project.qdpx", actor=OPERATOR)
        assert (summary.sources, summary.codings) == (2, 5)
        transcripts = {t.name: t for t in session.scalars(select(TranscriptRow))}
        coordinator = transcripts["nordbank-coordinator.txt"]
        assert (coordinator.language, coordinator.interviewee_role) == ("da", "coordinator")
        employee = transcripts["nordbank-employee.txt"]
        assert (employee.language, employee.interviewee_role) == ("en", "employee")
        memos = _memos(session)
        assert ("coding", "Borderline with workload & time.") in memos
        assert ("coding", "Not quite ambassadors.") in memos
        assert ("transcript", "Phone interview, spring 2014.") in memos
        # The annotation's bare '&' and '<' are skipped, the rest of its text kept, and its
        # place in the source is said after it (issue 25, item 5).
        (annotation,) = [text for kind, text in memos if text.startswith("Check: lager")]
        text, place = annotation.split("\n\n")
        assert text == "Check: lager  kontor  5 posts a week"
        assert re.fullmatch(r"\(On “.+”, characters \d+–\d+\.\)", place)
        assert (
            session.scalar(select(OrganisationRow).where(OrganisationRow.name == "Nordbank")).sector
            == "Finance"
        )
    skipped = next(w for w in summary.warnings if "not well-formed" in w)
    assert "line 97" in skipped and "Check: lager & kontor < 5" in skipped
    assert "xmlParseEntityRef" in skipped and "StartTag" in skipped
    assert any("empty creatingUser" in w for w in summary.warnings)


def test_qualcoder_codebook_with_byte_order_mark_imports(second_database):
    with second_database.transaction() as session:
        book = import_codebook(session, REFIQDA / "qualcoder-codebook.qdc", actor=OPERATOR)
    assert (book.codes, book.warnings) == (4, ())


def test_compat_qualcoder_links_sources_to_cases_as_qualcoder_reads_them(database, study, tmp_path):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "qc.qdpx", compat="qualcoder", viewer=OPERATOR)
        organisations = {o.name for o in session.scalars(select(OrganisationRow))}
    imported = qualcoder.import_qdpx(tmp_path / "qc.qdpx", tmp_path / "unpacked")
    linked = {
        (imported.cases[t["caseid"] - 1]["name"], imported.sources[t["fid"] - 1]["name"])
        for t in imported.case_text
    }
    assert ("Nordlys Bank", "lager") in {(c, s.removesuffix(".txt")) for c, s in linked}
    assert {name for name, _ in linked} == organisations
    assert not {c["name"] for c in imported.codes} & organisations  # case codes removed
    # Without --compat QualCoder links nothing (it ignores SourceRef).
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "plain.qdpx", viewer=OPERATOR)
    assert qualcoder.import_qdpx(tmp_path / "plain.qdpx", tmp_path / "plain").case_text == []


def test_a_peers_case_coding_form_maps_back_to_organisations(
    database, study, second_database, tmp_path
):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "qc.qdpx", compat="qualcoder", viewer=OPERATOR)
        expected = _content(session)
    with zipfile.ZipFile(tmp_path / "qc.qdpx") as archive:  # only the case-coding form left
        qde = archive.read("project.qde").decode()
        files = {n: archive.read(n) for n in archive.namelist() if n != "project.qde"}
    qde = re.sub(r"\s*<SourceRef [^>]*/>", "", qde)
    qde = re.sub(r"Organisation: [^\n<]*\n?", "", qde)
    project = read_qdpx(write_qdpx_file(tmp_path / "cases.qdpx", qde, files))
    assert any("the way QualCoder does" in w for w in project.warnings)
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "cases.qdpx", actor=OPERATOR)
        got = _content(session)
    assert got["organisations"] == expected["organisations"]
    assert got["codings"] == expected["codings"]  # no coding of a "case code"
    assert summary.codings == len(expected["codings"])


def test_round_trip_through_qualcoder_keeps_sources_codes_codings_memos_and_coders(
    database, study, second_database, tmp_path
):
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "ism.qdpx", compat="qualcoder", viewer=OPERATOR)
        expected = _content(session)
    inside = qualcoder.import_qdpx(tmp_path / "ism.qdpx", tmp_path / "unpacked")
    qualcoder.export_qdpx(inside, tmp_path / "from-qualcoder.qdpx")
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "from-qualcoder.qdpx", actor=OPERATOR)
        got = _content(session)
    assert got["texts"] == expected["texts"]
    assert got["codes"] == expected["codes"]
    assert got["codings"] == expected["codings"]
    assert got["memos"] == expected["memos"]
    assert got["organisations"] == expected["organisations"]
    assert summary.sources == len(expected["texts"])


# --- Taguette ------------------------------------------------------------------------------


def test_taguette_codebook_with_empty_sets_is_read_with_one_warning(second_database):
    with pytest.raises(InvalidFile, match="Sets"):
        validate_codebook_xml((REFIQDA / "taguette-codebook.qdc").read_bytes())  # strict
    with second_database.transaction() as session:
        book = import_codebook(session, REFIQDA / "taguette-codebook.qdc", actor=OPERATOR)
    assert book.codes == 5
    assert book.warnings == (
        "The file has an empty <Sets/> element (Taguette writes one; the "
        "schema wants at least one entry); it was ignored.",
    )


def test_taguette_csv_codebook_imports_with_its_hierarchy():
    codes = read_codebook(REFIQDA / "taguette-codebook.csv")
    assert [(c.name, [k.name for k in c.children]) for c in codes] == [
        ("challenges", ["not-work-related", "self-censorship"]),
        ("ambassadors", []),
        ("ledelse på ISM", []),
    ]
    assert codes[0].children[1].description == "Fear of being seen & judged stops people posting."


def test_codebook_csv_export_and_back(database, study, tmp_path):
    with database.transaction() as session:
        count = export_codebook(
            session, SCHEME, tmp_path / "book.csv", format="csv", viewer=OPERATOR
        )
        qdc = export_codebook(session, SCHEME, tmp_path / "book.qdc", viewer=OPERATOR)
    rows = list(csv.reader(io.StringIO((tmp_path / "book.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["tag", "description"] and len(rows) == count + 1 == qdc + 1
    back = read_codebook(tmp_path / "book.csv")
    again = read_codebook(tmp_path / "book.qdc")

    def tree(codes):
        return [(c.name, c.description, tree(c.children)) for c in codes]

    assert tree(back) == tree(again)


@pytest.mark.peer
def test_taguettes_own_codebook_import_reads_our_csv(tmp_path):
    # SQLite only: the CSV does not depend on the backend, and a missing Taguette must not
    # skip a PostgreSQL test (.ci/run fails on those).
    database = Database(f"sqlite:///{tmp_path / 'study.db'}")
    migrate(database)
    with database.transaction() as session:
        build_icr_study(session)
        export_codebook(session, SCHEME, tmp_path / "book.csv", format="csv", viewer=OPERATOR)
    database.dispose()
    tags = taguette_tags(tmp_path / "book.csv")
    ours = read_codebook(tmp_path / "book.csv")

    def paths(codes, prefix=""):
        for code in codes:
            # one line in Taguette (its form drops line breaks; issue 25, item 8)
            yield f"{prefix}{code.name}", one_line_description(code.description)
            yield from paths(code.children, f"{prefix}{code.name}.")

    assert [(t["path"], t["description"]) for t in tags] == list(paths(ours))
    assert not any("\n" in t["description"] for t in tags)
    assert any(" — " in t["description"] for t in tags)  # the parts stay apart


# --- MAXQDA and ATLAS.ti -------------------------------------------------------------------


def test_maxqda_and_atlas_files_still_read_without_deviation_warnings():
    maxqda = read_qdpx(REFIQDA / "maxqda24-export.qdpx")
    atlas = read_qdpx(REFIQDA / "atlasti23-codebook-only.qdpx")
    for project in (maxqda, atlas):
        assert not any("not well-formed" in w or "empty <" in w for w in project.warnings)
    assert len(maxqda.sources) == 10 and atlas.codes[0].name == "Commits"
    assert not any(n.text.startswith("Memo:") for n in maxqda.notes)


def test_unknown_compat_is_refused(database, study, tmp_path):
    from study.errors import InvalidInput

    with database.transaction() as session, pytest.raises(InvalidInput, match="qualcoder"):
        export_qdpx(session, io.BytesIO(), compat="nvivo", viewer=OPERATOR)


def test_missing_iscodable_and_empty_containers_are_read_with_one_warning_each(tmp_path):
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        'name="peer"><Users/><CodeBook><Codes><Code guid="C0DE0000-0000-4000-8000-'
        '000000000001" name="No flag"/></Codes></CodeBook><Notes/></Project>'
    )
    project = read_qdpx(write_qdpx_file(tmp_path / "peer.qdpx", qde))
    assert project.codes[0].is_codable and project.codes[0].name == "No flag"
    assert sorted(project.warnings) == [
        "1 codes have no isCodable attribute, which the schema requires; they were read as "
        "codable.",
        "The file has an empty <Notes/> element (Taguette writes one; the schema wants at "
        "least one entry); it was ignored.",
        "The file has an empty <Users/> element (Taguette writes one; the schema wants at "
        "least one entry); it was ignored.",
    ]


def test_xml_that_recovers_into_no_project_is_still_refused(tmp_path):
    junk = write_qdpx_file(tmp_path / "junk.qdpx", "<Project name='x'><Users><User & </Project")
    with pytest.raises(InvalidFile, match="not well-formed XML"):
        read_qdpx(junk)
