"""The study exchanged as REFI-QDA files: export, import, round trip, peer exports, refusals."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from qdpx_files import exported_qdpx, write_qdpx_file
from sqlalchemy import func, select

from study.admin.permissions import OPERATOR
from study.db.models import (
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    EventRow,
    MemoRow,
    OrganisationRow,
    TranscriptRow,
)
from study.errors import InvalidFile
from study.exchange import refiqda
from study.exchange.qdpx import (
    IMPORTED_ORGANISATION,
    build_project,
    export_codebook,
    export_qdpx,
    import_codebook,
)
from study.exchange.qdpx_import import import_qdpx
from study.exchange.refiqda import (
    parse_code_description,
    read_qdpx,
    write_qdpx,
)
from study.interviews.coding.codings import list_codings
from study.interviews.coding.schemes_store import list_codes, load_scheme_into_db, scheme_rows

from conftest import REFIQDA, ROOT, refiqda_schema
from icr_study import DANISH, SCHEME, build_icr_study, build_memo_study


@pytest.fixture
def study(database):
    """The two-coder study plus a Danish interview with an emoji and memos of each kind."""
    with database.transaction() as session:
        return build_memo_study(session)


def _codings(path) -> set[tuple[str, str, str, str]]:
    """(source, text, code, coder) of every coding in a .qdpx file."""
    project = read_qdpx(path)
    codes = {}
    stack = list(project.codes)
    while stack:
        code = stack.pop()
        codes[code.guid] = code.name
        stack.extend(code.children)
    users = {u.guid: u.name for u in project.users}
    return {
        (s.name, c.text, codes[c.code_guid], users[c.creating_user_guid])
        for s in project.sources
        for c in s.codings
    }


def test_export_is_schema_valid_and_holds_users_cases_codes_codings_and_memos(
    database, study, tmp_path
):
    with database.transaction() as session:
        summary = export_qdpx(session, tmp_path / "study.qdpx", viewer=OPERATOR)
        stored = {t.id: t.text for t in session.scalars(select(TranscriptRow))}
    assert (summary.sources, summary.codings, summary.users, summary.cases, summary.notes) == (
        2,
        11,
        3,
        1,
        3,
    )
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        qde = archive.read("project.qde")
        refiqda_schema("Project").validate(io.BytesIO(qde))
        texts = {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("sources/")
        }
    assert sorted(texts.values()) == sorted(stored.values())
    project = read_qdpx(tmp_path / "study.qdpx")
    assert project.warnings == []
    assert sorted(u.name for u in project.users) == ["Ana", "Ben", "Rita"]
    (case,) = project.cases
    assert (case.name, case.variables) == (
        "Nordlys Bank",
        {"Sector": "Finance", "Size band": "1000+", "Country": "Denmark"},
    )
    assert all(s.case_guids == [case.guid] for s in project.sources)
    assert [c.name for c in project.codes][:2] == [
        "Not work-related",
        "Informal nature misunderstood; self-censorship",
    ]
    parts = parse_code_description(project.codes[0].description)
    assert parts.definition and parts.inclusion and parts.exclusion and parts.example
    assert project.codes[0].color == "#1F77B4"
    danish = next(s for s in project.sources if s.name == "lager")
    assert "Interviewee role: employee" in danish.notes and "Language: da" in danish.notes
    (coding,) = danish.codings
    # Code points, not UTF-16 units or bytes: the emoji counts as one.
    start = DANISH.index("det er rigtigt")
    assert (coding.start, coding.text) == (start, "det er rigtigt arbejde 😅 – især")
    assert f'startPosition="{start}"' in qde.decode()
    targets = {n.text: n.target_guid for n in project.notes}
    assert targets["Warehouse staff only."] == danish.guid
    assert targets["Ana: check the emoji."] == coding.guid
    assert targets["Close to Skupchenko's 'no time'."] == project.codes[0].guid


def test_round_trip_through_an_empty_database_keeps_every_coding(
    database, study, second_database, tmp_path
):
    exported_qdpx(database, tmp_path / "first.qdpx")
    with second_database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "first.qdpx", actor=OPERATOR)
    assert (summary.sources, summary.codings, summary.users, summary.cases, summary.notes) == (
        2,
        11,
        3,
        1,
        3,
    )
    assert summary.warnings == ()
    with second_database.transaction() as session:
        export_qdpx(session, tmp_path / "second.qdpx", viewer=OPERATOR)
        org = session.scalar(select(OrganisationRow))
        assert (org.name, org.sector, org.size_band, org.country) == (
            "Nordlys Bank",
            "Finance",
            "1000+",
            "Denmark",
        )
        roles = {
            t.name: (t.interviewee_role, t.language) for t in session.scalars(select(TranscriptRow))
        }
        assert roles == {"launch": ("coordinator", "en"), "lager": ("employee", "da")}
        assert session.scalar(select(func.count(MemoRow.id))) == 3
        frame = list_codings(session, viewer=OPERATOR)
        assert set(frame["origin"]) == {"import"}
        assert all(
            row.text == transcript_text
            for row, transcript_text in zip(
                frame.itertuples(),
                [
                    session.get(TranscriptRow, int(t)).text[s:e]
                    for t, s, e in zip(frame["transcript_id"], frame["start"], frame["end"])
                ],
            )
        )
    first, second = _codings(tmp_path / "first.qdpx"), _codings(tmp_path / "second.qdpx")
    assert len(first) == 11 and first == second


def test_importing_the_same_project_twice_adds_nothing_and_says_so(
    database, study, tmp_path, second_database
):
    exported_qdpx(database, tmp_path / "study.qdpx")
    with second_database.transaction() as session:
        import_qdpx(session, tmp_path / "study.qdpx", actor=OPERATOR)
    with second_database.transaction() as session:
        again = import_qdpx(session, tmp_path / "study.qdpx", actor=OPERATOR)
        assert session.scalar(select(func.count(TranscriptRow.id))) == 2
        assert session.scalar(select(func.count(CodingRow.id))) == 11
        assert session.scalar(select(func.count(CodingSchemeRow.id))) == 1
    assert again.codings == 0
    assert again.changes["codings"] == {"added": 0, "updated": 0, "unchanged": 11, "conflicts": 0}
    assert again.changes["sources"]["unchanged"] == 2


def _hand_project(text: str, start: int, end: int) -> refiqda.QdaProject:
    code = refiqda.QdaCode(
        "C0DE0000-0000-4000-8000-000000000001",
        "Not work-related",
        "#E06666",
        children=[refiqda.QdaCode("C0DE0000-0000-4000-8000-000000000002", "Breaks")],
    )
    source = refiqda.QdaTextSource(
        "50C00000-0000-4000-8000-000000000001",
        "Warehouse",
        text,
        ["CA5E0000-0000-4000-8000-000000000001"],
        [
            refiqda.QdaCoding(
                "C0D1C0D1-0000-4000-8000-000000000001",
                start,
                end,
                "C0DE0000-0000-4000-8000-000000000002",
                "0A1B2C3D-0000-4000-8000-000000000001",
                datetime(2024, 5, 3, 9, 30, tzinfo=UTC),
                text[start:end],
            )
        ],
    )
    loose = refiqda.QdaTextSource("50C00000-0000-4000-8000-000000000002", "No case", "Kort tekst.")
    return refiqda.QdaProject(
        "Peer study",
        [refiqda.QdaUser("0A1B2C3D-0000-4000-8000-000000000001", "Anna")],
        [code],
        [
            refiqda.QdaCase(
                "CA5E0000-0000-4000-8000-000000000001",
                "Lager A/S",
                {
                    "sector": "Retail",
                    "Size band": "50-249",
                    "Region": "Jutland",
                    "Headcount": "180",
                },
            )
        ],
        [source, loose],
        [
            refiqda.QdaNote("40000000-0000-4000-8000-000000000001", "About the whole project."),
            refiqda.QdaNote(
                "40000000-0000-4000-8000-000000000002",
                "About the warehouse.",
                "50C00000-0000-4000-8000-000000000001",
            ),
        ],
    )


def test_peer_project_becomes_organisations_coders_scheme_and_codings(database, tmp_path):
    original = "Q: Bruger du Yammer?\r\nA: Nej, det er ikke arbejde.\r\nA: Chefen er der ikke.\r\n"
    passage = "Chefen er der ikke."
    start = original.index(passage)  # counted with CRLF line breaks
    write_qdpx(_hand_project(original, start, start + len(passage)), tmp_path / "peer.qdpx")
    with database.transaction() as session:
        summary = import_qdpx(session, tmp_path / "peer.qdpx", actor=OPERATOR)
        (coding,) = list_codings(session, viewer=OPERATOR).itertuples()
        text = session.get(TranscriptRow, int(coding.transcript_id)).text
        orgs = {o.name: o for o in session.scalars(select(OrganisationRow))}
        scheme = scheme_rows(session, "peer-study")[-1]
        codes = list_codes(session, "peer-study", viewer=OPERATOR)
    assert "\r" not in text and coding.text == passage == text[coding.start : coding.end]
    assert coding.coder == "anna@qdpx.invalid" and coding.code_name == "Breaks"
    lager = orgs["Lager A/S"]
    assert (lager.sector, lager.size_band, lager.headcount, lager.attributes) == (
        "Retail",
        "50-249",
        180,
        {"Region": "Jutland"},
    )
    assert IMPORTED_ORGANISATION in orgs
    assert scheme.version == "1"
    assert [(c.name, c.parent) for c in codes] == [
        ("Not work-related", None),
        ("Breaks", "not-work-related"),
    ]
    assert summary.notes == 1
    assert any(
        "1 notes are about the whole project" in w and "About the whole project" in w
        for w in summary.warnings
    )


def test_pictures_are_named_in_a_warning_and_the_text_still_imports(database, tmp_path):
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
        'name="Media"><Sources><PictureSource guid="AAAAAAAA-0000-4000-8000-000000000001" '
        'name="Intranet screenshot"/><TextSource guid="50C00000-0000-4000-8000-000000000001" '
        'name="Interview"><PlainTextContent>Kort tekst.</PlainTextContent></TextSource>'
        "</Sources></Project>"
    )
    with database.transaction() as session:
        summary = import_qdpx(
            session, write_qdpx_file(tmp_path / "media.qdpx", qde), actor=OPERATOR
        )
    assert summary.sources == 1 and summary.scheme is None
    assert any("picture" in w and "'Intranet screenshot'" in w for w in summary.warnings)


@pytest.mark.parametrize("content", [b"not a zip at all", "zip-without-project"])
def test_an_invalid_archive_is_refused_and_nothing_is_stored(database, tmp_path, content):
    path = tmp_path / "broken.qdpx"
    if content == "zip-without-project":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("sources/a.txt", "text")
    else:
        path.write_bytes(content)
    with database.transaction() as session:
        before = session.scalar(select(func.count(EventRow.id)))
    with pytest.raises(InvalidFile, match="broken.qdpx"):
        with database.transaction() as session:
            import_qdpx(session, path, actor=OPERATOR)
    with database.transaction() as session:
        assert session.scalar(select(func.count(EventRow.id))) == before
        assert session.scalar(select(func.count(TranscriptRow.id))) == 0
        assert session.scalar(select(func.count(OrganisationRow.id))) == 0


def test_maxqda24_peer_export_imports_ten_sources_and_307_codes(database):
    with database.transaction() as session:
        summary = import_qdpx(session, REFIQDA / "maxqda24-export.qdpx", actor=OPERATOR)
        codes = session.scalar(select(func.count(CodeRow.id)))
        nested = session.scalar(
            select(func.count(CodeRow.id)).where(CodeRow.parent_id.is_not(None))
        )
        transcripts = {
            (t.name, t.organisation.name) for t in session.scalars(select(TranscriptRow))
        }
    assert (summary.sources, summary.codes, codes) == (10, 307, 307)
    assert nested > 0
    assert {org for _name, org in transcripts} == {IMPORTED_ORGANISATION}
    assert ("ICLS 2024 3-10", IMPORTED_ORGANISATION) in transcripts
    assert "2 sets were not imported: 'ICLS 2024', 'ICLS 2025'." in summary.warnings


def test_atlasti23_codebook_becomes_a_scheme_and_identical_reimport_reuses_it(database):
    with database.transaction() as session:
        first = import_codebook(session, REFIQDA / "atlasti23-codebook-only.qdpx", actor=OPERATOR)
        again = import_codebook(session, REFIQDA / "atlasti23-codebook-only.qdpx", actor=OPERATOR)
        codes = list_codes(session, first.scheme, viewer=OPERATOR)
    assert (first.scheme, first.version, first.codes, first.created) == (
        "atlasti23-codebook-only",
        "1",
        3,
        True,
    )
    assert (again.version, again.created) == ("1", False)
    assert [(c.name, c.depth) for c in codes] == [
        ("Commits", 0),
        ("2022-05-10T02:05:59Z 19e4dce", 1),
        ("2022-02-11T10:39:25Z cdbfd92", 1),
    ]


def test_codebook_export_is_schema_valid_and_imports_back_unchanged(database, tmp_path):
    with database.transaction() as session:
        build_icr_study(session)
        count = export_codebook(session, SCHEME, tmp_path / "scheme.qdc", viewer=OPERATOR)
        refiqda_schema("Codebook").validate(str(tmp_path / "scheme.qdc"))
        copy = import_codebook(session, tmp_path / "scheme.qdc", scheme_key="copy", actor=OPERATOR)
        original, copied = (
            list_codes(session, SCHEME, viewer=OPERATOR),
            list_codes(session, "copy", viewer=OPERATOR),
        )
    assert count == copy.codes == len(original) == 10
    fields = ("name", "colour", "definition", "inclusion", "exclusion", "depth")
    assert [tuple(getattr(c, f) for f in fields) for c in original] == [
        tuple(getattr(c, f) for f in fields) for c in copied
    ]
    # every example comes back on its own (issue 25, item 3), not joined into one
    assert [c.examples for c in copied] == [c.examples for c in original]


def test_a_changed_codebook_becomes_the_next_version(database, tmp_path):
    project = _hand_project("Kort tekst her.", 0, 4)
    write_qdpx(project, tmp_path / "one.qdpx")
    project.codes[0].children[0].name = "Coffee breaks"
    write_qdpx(project, tmp_path / "two.qdpx")
    with database.transaction() as session:
        first = import_codebook(session, tmp_path / "one.qdpx", scheme_key="peer", actor=OPERATOR)
        second = import_codebook(session, tmp_path / "two.qdpx", scheme_key="peer", actor=OPERATOR)
    assert (first.version, second.version, second.created) == ("1", "2", True)


def test_several_schemes_export_as_parent_codes_named_by_title(database, study):
    with database.transaction() as session:
        load_scheme_into_db(
            session, ROOT / "coding_schemes" / "imc-integration.yaml", actor=OPERATOR
        )
        project = build_project(session)
    assert [(c.name, c.is_codable) for c in project.codes] == [
        ("Internal social media and integrated marketing communication", False),
        ("Challenges in introducing internal social media", False),
    ]
    assert project.codes[1].children[0].name == "Not work-related"
    coded = {c.code_guid for s in project.sources for c in s.codings}
    assert coded <= {child.guid for child in project.codes[1].children}
