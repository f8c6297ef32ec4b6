"""REFI-QDA exchange: .qdpx projects and .qdc codebooks written, read back and checked
against the REFI-QDA 1.0 schemas and real exports from MAXQDA 24 and ATLAS.ti 23."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from study.errors import InvalidFile, InvalidInput
from study.exchange import refiqda
from study.exchange.refiqda import (
    format_code_description,
    parse_code_description,
    read_codebook,
    read_qdpx,
    validate_project_xml,
    write_codebook,
    write_qdpx,
)
from study.exchange.refiqda.model import iter_codes

from conftest import REFIQDA, refiqda_schema

ANNA = "0A1B2C3D-0000-4000-8000-000000000001"
BO = "0A1B2C3D-0000-4000-8000-000000000002"
PARENT = "C0DE0000-0000-4000-8000-000000000001"
NOT_WORK = "C0DE0000-0000-4000-8000-000000000002"
CENSOR = "C0DE0000-0000-4000-8000-000000000003"
BANK = "CA5E0000-0000-4000-8000-000000000001"
CITY = "CA5E0000-0000-4000-8000-000000000002"
INTERVIEW = "50C00000-0000-4000-8000-000000000001"
SECOND = "50C00000-0000-4000-8000-000000000002"

TRANSCRIPT = (
    "Interviewer: Hvordan bruger I Yammer?\n"
    "Koordinator: Folk synes ikke, det er rigtigt arbejde 😅 – især på lageret.\n"
    "Koordinator: Man er bange for at skrive noget forkert, når chefen læser med 👀.\n"
)


def _span(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def _coding(guid_tail: str, text: str, passage: str, code: str, user: str) -> refiqda.QdaCoding:
    start, end = _span(text, passage)
    return refiqda.QdaCoding(
        guid=f"C0D1C0D1-0000-4000-8000-{guid_tail:0>12}",
        start=start,
        end=end,
        code_guid=code,
        creating_user_guid=user,
        creation_datetime=datetime(2024, 5, 3, 9, 30, tzinfo=UTC),
        text=text[start:end],
    )


def _study_project() -> refiqda.QdaProject:
    codes = [
        refiqda.QdaCode(
            guid=PARENT,
            name="Coordinator challenges",
            color="#3366CC",
            description="Madsen (2017): four challenges.",
            is_codable=False,
            children=[
                refiqda.QdaCode(
                    guid=NOT_WORK,
                    name="Not work-related",
                    color="#E06666",
                    description=format_code_description(
                        "Time on ISM is felt not to be real work.",
                        "The speaker says posting is not work.",
                        "General complaints about workload.",
                        "'Det er ikke rigtigt arbejde.'",
                    ),
                ),
                refiqda.QdaCode(
                    guid=CENSOR,
                    name="Self-censorship",
                    color="#93C47D",
                    description="Fear of writing something wrong in a visible arena.",
                ),
            ],
        )
    ]
    second_text = "Ledelsen siger ja, men skriver aldrig selv. Æbler og øl på fredag.\n"
    sources = [
        refiqda.QdaTextSource(
            guid=INTERVIEW,
            name="Bank coordinator",
            text=TRANSCRIPT,
            case_guids=[BANK],
            notes="Interviewed by phone, spring 2014.",
            codings=[
                _coding("1", TRANSCRIPT, "det er rigtigt arbejde 😅", NOT_WORK, ANNA),
                _coding("2", TRANSCRIPT, "det er rigtigt arbejde 😅", NOT_WORK, BO),
                _coding(
                    "3",
                    TRANSCRIPT,
                    "bange for at skrive noget forkert, når chefen læser med 👀",
                    CENSOR,
                    BO,
                ),
            ],
        ),
        refiqda.QdaTextSource(
            guid=SECOND,
            name="Municipality coordinator",
            text=second_text,
            case_guids=[CITY],
            codings=[_coding("4", second_text, "Æbler og øl", CENSOR, ANNA)],
        ),
    ]
    return refiqda.QdaProject(
        name="ISM coordinators 2014",
        users=[refiqda.QdaUser(ANNA, "Anna Ærø"), refiqda.QdaUser(BO, "Bo Ståhl")],
        codes=codes,
        cases=[
            refiqda.QdaCase(BANK, "Danske Bank-like", {"sector": "finance", "employees": "1200"}),
            refiqda.QdaCase(CITY, "Municipality", {"sector": "public"}),
        ],
        sources=sources,
        notes=[
            refiqda.QdaNote(
                "0E0E0000-0000-4000-8000-000000000001",
                "Check the lageret remark.",
                target_guid=INTERVIEW,
                creating_user_guid=ANNA,
                created=datetime(2024, 5, 4, 8, 0, tzinfo=UTC),
            ),
            refiqda.QdaNote(
                "0E0E0000-0000-4000-8000-000000000002",
                "Borderline with workload.",
                target_guid="C0D1C0D1-0000-4000-8000-000000000002",
                creating_user_guid=BO,
            ),
            refiqda.QdaNote(
                "0E0E0000-0000-4000-8000-000000000003", "Merge with silence?", target_guid=CENSOR
            ),
            refiqda.QdaNote("0E0E0000-0000-4000-8000-000000000004", "Project memo\nsecond line."),
        ],
    )


def _qde(body: str, name: str = "Hand made") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="{name}">{body}</Project>'
    )


def _archive(path: Path, qde: str | bytes | None, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if qde is not None:
            archive.writestr("project.qde", qde.encode() if isinstance(qde, str) else qde)
        for member, data in (files or {}).items():
            archive.writestr(member, data)
    return path


_CODEBOOK = (
    '<Users><User guid="0A1B2C3D-0000-4000-8000-000000000001" name="Anna"/></Users>'
    '<CodeBook><Codes><Code guid="C0DE0000-0000-4000-8000-000000000002" '
    'name="Not work-related" isCodable="true"/></Codes></CodeBook>'
)


def _one_source_project(text_name: str, selections: str) -> str:
    return _qde(
        _CODEBOOK + '<Sources><TextSource guid="50C00000-0000-4000-8000-000000000001" '
        f'name="Interview" plainTextPath="internal://{text_name}">{selections}'
        "</TextSource></Sources>"
    )


def _selection(start: int, end: int, name: str | None, tail: str = "1") -> str:
    name_attribute = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="5E1E0000-0000-4000-8000-{tail:0>12}"{name_attribute} '
        f'startPosition="{start}" endPosition="{end}"><Coding '
        f'guid="C0D1C0D1-0000-4000-8000-{tail:0>12}" creatingUser="{ANNA}">'
        f'<CodeRef targetGUID="{NOT_WORK}"/></Coding></PlainTextSelection>'
    )


# --- writing and reading back -------------------------------------------------------------


def test_written_project_reads_back_identical(tmp_path: Path) -> None:
    project = _study_project()
    write_qdpx(project, tmp_path / "study.qdpx")
    again = read_qdpx(tmp_path / "study.qdpx")
    assert again.warnings == []
    assert again == project


def test_written_project_qde_is_valid_against_the_refi_qda_schema(tmp_path: Path) -> None:
    write_qdpx(_study_project(), tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        qde = archive.read("project.qde")
        assert sorted(archive.namelist()) == [
            "project.qde",
            f"sources/{INTERVIEW}.txt",
            f"sources/{SECOND}.txt",
        ]
        assert archive.read(f"sources/{INTERVIEW}.txt").decode("utf-8") == TRANSCRIPT
    refiqda_schema("Project").validate(io.BytesIO(qde))
    root = refiqda_schema("Project").to_etree(refiqda_schema("Project").decode(io.BytesIO(qde)))
    ns = "{urn:QDA-XML:project:1.0}"
    source = root.find(f"{ns}Sources/{ns}TextSource[@guid='{INTERVIEW}']")
    assert source.get("plainTextPath") == f"internal://{INTERVIEW}.txt"
    case = root.find(f"{ns}Cases/{ns}Case[@guid='{BANK}']")
    assert case.find(f"{ns}SourceRef").get("targetGUID") == INTERVIEW
    assert {v.get("name") for v in root.iterfind(f"{ns}Variables/{ns}Variable")} == {
        "sector",
        "employees",
    }


def test_positions_in_export_count_code_points_so_emoji_and_danish_letters_do_not_shift(
    tmp_path: Path,
) -> None:
    write_qdpx(_study_project(), tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        root = validate_project_xml(archive.read("project.qde"))
    ns = "{urn:QDA-XML:project:1.0}"
    selections = root.findall(f".//{ns}TextSource[@guid='{INTERVIEW}']/{ns}PlainTextSelection")
    passage = "bange for at skrive noget forkert, når chefen læser med 👀"
    wanted = next(s for s in selections if s.get("name") == passage)
    # Two emoji and several æ/ø/å come before the passage; code points ignore their width.
    assert int(wanted.get("startPosition")) == TRANSCRIPT.index(passage)
    assert int(wanted.get("endPosition")) == TRANSCRIPT.index(passage) + len(passage)
    coded = read_qdpx(tmp_path / "study.qdpx").sources[0].codings
    assert {c.text for c in coded} == {"det er rigtigt arbejde 😅", passage}


def test_project_written_to_a_file_object_reads_back_from_one() -> None:
    buffer = io.BytesIO()
    write_qdpx(_study_project(), buffer)
    buffer.seek(0)
    assert read_qdpx(buffer).sources[1].codings[0].text == "Æbler og øl"


def test_writer_refuses_a_coding_whose_text_disagrees_with_its_source(tmp_path: Path) -> None:
    project = _study_project()
    project.sources[0].codings[0].start += 1
    with pytest.raises(InvalidInput, match="differs from the source"):
        write_qdpx(project, tmp_path / "stale.qdpx")
    assert not (tmp_path / "stale.qdpx").exists()


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda p: setattr(p.sources[0].codings[0], "end", 10_000), "outside the source"),
        (
            lambda p: setattr(p.sources[0].codings[0], "code_guid", SECOND.replace("5", "6")),
            "not in the codebook",
        ),
        (lambda p: setattr(p.sources[1], "guid", INTERVIEW), "share a GUID"),
        (lambda p: setattr(p.users[0], "guid", "not-a-guid"), "is not a GUID"),
        (lambda p: setattr(p.sources[0], "case_guids", [ANNA]), "not in the project's cases"),
        (lambda p: setattr(p.notes[0], "target_guid", BANK), "no source, code or coding"),
    ],
)
def test_writer_refuses_inconsistent_projects(tmp_path: Path, break_it, message: str) -> None:
    project = _study_project()
    break_it(project)
    with pytest.raises(InvalidInput, match=message):
        write_qdpx(project, tmp_path / "broken.qdpx")


# --- codebooks and code descriptions ------------------------------------------------------


def test_codebook_is_schema_valid_and_round_trips(tmp_path: Path) -> None:
    codes = _study_project().codes
    write_codebook(codes, tmp_path / "scheme.qdc")
    refiqda_schema("Codebook").validate(str(tmp_path / "scheme.qdc"))
    assert read_codebook(tmp_path / "scheme.qdc") == codes


def test_code_description_splits_back_into_definition_criteria_and_example() -> None:
    text = format_code_description(
        "Time on ISM is felt not to be work.",
        "The speaker says posting is not work.",
        "Complaints about workload.",
        "'Not real work.'",
    )
    assert text.startswith("Definition: Time on ISM")
    assert "\n\nDo not use when: Complaints about workload." in text
    parts = parse_code_description(text)
    assert (parts.definition, parts.inclusion, parts.exclusion, parts.example) == (
        "Time on ISM is felt not to be work.",
        "The speaker says posting is not work.",
        "Complaints about workload.",
        "'Not real work.'",
    )


def test_free_text_description_stays_whole_as_the_definition() -> None:
    free = "Apply when the paper uses Gee's affinity spaces.\n\nExample: a forum."
    assert parse_code_description(free).definition == free
    out_of_order = "Use when: x\n\nDefinition: y"
    assert parse_code_description(out_of_order).definition == out_of_order
    assert format_code_description("Only a definition.") == "Only a definition."


# --- real exports from other programs -----------------------------------------------------


def test_maxqda24_export_imports_its_ten_sources_and_307_codes() -> None:
    project = read_qdpx(REFIQDA / "maxqda24-export.qdpx")
    assert project.name == "2025-06-16_ICLS_Conf_Themes_ALL_just10"
    assert len(project.sources) == 10
    assert len(list(iter_codes(project.codes))) == 307
    assert len(project.codes) == 18
    first = project.codes[0]
    assert (first.name, first.color, len(first.children)) == (
        "Additional Themes and Ideas",
        "#EF8256",
        12,
    )
    assert first.children[0].name == "THEME - Affinity Spaces (Gee)"
    assert first.children[0].description == (
        "Apply this code when a study uses Gee's concept of affinity spaces."
    )
    assert project.users == [refiqda.QdaUser("F3EA8DA1-BB99-411F-8ED4-011170237B6C", "johnb")]
    source = next(s for s in project.sources if s.name == "ICLS 2024 3-10")
    assert source.text.startswith("Mapping the Complexity of Learning: A Learning Experience")
    assert len(source.text) == 33881
    # MAXQDA's two document sets cannot be held by ISM Study and are named, not dropped.
    assert project.warnings == ["2 sets were not imported: 'ICLS 2024', 'ICLS 2025'."]


def test_maxqda24_import_exports_again_without_loss(tmp_path: Path) -> None:
    project = read_qdpx(REFIQDA / "maxqda24-export.qdpx")
    write_qdpx(project, tmp_path / "again.qdpx")
    again = read_qdpx(tmp_path / "again.qdpx")
    project.warnings = []
    assert again == project


def test_atlasti23_codebook_only_export_imports_its_code_tree() -> None:
    project = read_qdpx(REFIQDA / "atlasti23-codebook-only.qdpx")
    assert project.sources == [] and project.warnings == []
    assert [u.name for u in project.users] == ["Enric Llagostera", "ATLAS.ti"]
    (commits,) = project.codes
    assert commits.name == "Commits" and commits.color is None
    assert [c.name for c in commits.children] == [
        "2022-05-10T02:05:59Z 19e4dce",
        "2022-02-11T10:39:25Z cdbfd92",
    ]
    assert read_codebook(REFIQDA / "atlasti23-codebook-only.qdpx") == project.codes


# --- positions from other tools -----------------------------------------------------------


def test_crlf_source_is_normalised_and_selections_move_with_it(tmp_path: Path) -> None:
    original = "Q: Bruger du Yammer?\r\nA: Nej, det er ikke arbejde.\r\nQ: Hvorfor?\r\nA: Chefen er der ikke.\r\n"
    passage = "Chefen er der ikke."
    start = original.index(passage)  # counted with two characters per line break
    project = _read_one_selection(tmp_path, original, start, start + len(passage), passage)
    (source,) = project.sources
    assert "\r" not in source.text
    (coding,) = source.codings
    assert coding.text == passage
    assert source.text[coding.start : coding.end] == passage
    assert coding.start == start - 3  # three CRs removed before it
    assert project.warnings == []


def test_crlf_selection_without_name_moves_with_the_line_breaks(tmp_path: Path) -> None:
    original = "Linje et.\r\nLinje to er kodet.\r\n"
    start = original.index("Linje to")
    project = _read_one_selection(tmp_path, original, start, start + len("Linje to"), None)
    assert project.sources[0].codings[0].text == "Linje to"


def _read_one_selection(tmp_path: Path, original: str, start: int, end: int, name: str | None):
    """Read a project whose one text source ``original`` has one selection named ``name``."""
    qde = _one_source_project("a.txt", _selection(start, end, name))
    return read_qdpx(_archive(tmp_path / "one.qdpx", qde, {"sources/a.txt": original.encode()}))


@pytest.mark.parametrize(
    "original, passage, counted_start, warning",
    [
        pytest.param(
            "Et.\r\nTo.\r\nTre.\r\nFire er kodet.\r\n",
            "Fire er kodet.",
            lambda text, at: len(text[:at].replace("\r\n", "\n")),
            "counted a Windows line break as one character",
            id="counted-on-lf-text",
        ),
        pytest.param(
            "Godt 👍 og 🎉 fest. Ledelsen deltager aldrig.",
            "Ledelsen deltager aldrig.",
            lambda text, at: len(text[:at].encode("utf-16-le")) // 2,
            "UTF-16 units",
            id="utf16-positions",
        ),
        pytest.param(
            "Indledning. Vi bruger Workplace hver dag. Slut.",
            "Vi bruger Workplace hver dag.",
            lambda text, at: at + 4,
            "moved to the nearby passage",
            id="off-by-a-few-characters",
        ),
    ],
)
def test_a_selection_counted_another_way_moves_to_its_named_text(
    tmp_path: Path, original, passage, counted_start, warning
) -> None:
    """Another tool's start (from the passage's true offset) is recognised by the selection's name."""
    start = counted_start(original, original.index(passage))
    project = _read_one_selection(tmp_path, original, start, start + len(passage), passage)
    assert project.sources[0].codings[0].text == passage
    assert any(warning in w for w in project.warnings)


def test_label_names_keep_positions_and_say_so(tmp_path: Path) -> None:
    original = "Indledning. Vi bruger Workplace hver dag. Slut."
    project = _read_one_selection(tmp_path, original, 0, 10, "1:3 quotation")
    assert project.sources[0].codings[0].text == original[:10]
    assert any("positions were kept as given" in w for w in project.warnings)


def test_decomposed_letters_are_composed_and_later_positions_follow(tmp_path: Path) -> None:
    original = "Cafe\u0301en og Ka\u030are: ingen bruger intranettet."
    passage = "ingen bruger intranettet."
    start = original.index(passage)
    project = _read_one_selection(tmp_path, original, start, start + len(passage), passage)
    (source,) = project.sources
    assert source.text.startswith("Caféen og Kåre")
    assert source.codings[0].text == passage and source.codings[0].start == start - 2
    assert project.warnings == []


def test_braced_lowercase_guids_and_bom_are_accepted(tmp_path: Path) -> None:
    original = "\ufeffHej med dig."
    qde = (
        _one_source_project("a.txt", _selection(0, 3, "Hej"))
        .replace(f'creatingUser="{ANNA}"', 'creatingUser="{' + ANNA.lower() + '}"')
        .replace(f'targetGUID="{NOT_WORK}"', 'targetGUID="' + NOT_WORK.lower() + '"')
    )
    project = read_qdpx(_archive(tmp_path / "g.qdpx", qde, {"sources/a.txt": original.encode()}))
    coding = project.sources[0].codings[0]
    assert (coding.text, coding.creating_user_guid, coding.code_guid) == ("Hej", ANNA, NOT_WORK)


# --- what cannot be imported --------------------------------------------------------------


def test_media_sources_sets_and_graphs_are_listed_in_warnings(tmp_path: Path) -> None:
    g = "AAAAAAAA-0000-4000-8000-{:012d}"
    body = (
        _CODEBOOK + "<Sources>"
        f'<PictureSource guid="{g.format(1)}" name="Intranet screenshot"/>'
        f'<PictureSource guid="{g.format(2)}" name="Feed photo"/>'
        f'<TextSource guid="{INTERVIEW}" name="Interview"><PlainTextContent>Kort tekst.'
        "</PlainTextContent></TextSource>"
        f'<AudioSource guid="{g.format(3)}" name="Interview audio"/>'
        f'<PDFSource guid="{g.format(4)}" name="Policy.pdf"/>'
        "</Sources>"
        f'<Sets><Set guid="{g.format(5)}" name="Banks"/></Sets>'
        f'<Graphs><Graph guid="{g.format(6)}" name="Challenges map"/></Graphs>'
    )
    project = read_qdpx(_archive(tmp_path / "media.qdpx", _qde(body)))
    assert [s.text for s in project.sources] == ["Kort tekst."]
    assert (
        "2 picture sources were not imported (ISM Study codes text only): "
        "'Intranet screenshot', 'Feed photo'."
    ) in project.warnings
    assert any(
        w.startswith("1 audio sources") and "'Interview audio'" in w for w in project.warnings
    )
    assert any(w.startswith("1 PDF sources") for w in project.warnings)
    assert "1 sets were not imported: 'Banks'." in project.warnings
    assert "1 graphs were not imported: 'Challenges map'." in project.warnings


# --- refused archives ---------------------------------------------------------------------


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.qdpx"
    path.write_text("just text")
    with pytest.raises(InvalidFile, match="not a zip file"):
        read_qdpx(path)


def test_an_archive_without_project_qde_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "empty.qdpx", None, {"sources/a.txt": b"x"})
    with pytest.raises(InvalidFile, match="no project.qde"):
        read_qdpx(path)


def test_malformed_xml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="not well-formed XML"):
        read_qdpx(_archive(tmp_path / "bad.qdpx", "<Project name='x'"))


def test_schema_invalid_project_is_refused_naming_the_error(tmp_path: Path) -> None:
    qde = _qde('<Users><User name="no guid"/></Users>')
    with pytest.raises(
        InvalidFile,
        match=r"Project.xsd: /Project/Users/User: missing "
        r"required attribute 'guid'",
    ):
        read_qdpx(_archive(tmp_path / "invalid.qdpx", qde))


def test_xml_in_another_namespace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="not a REFI-QDA file"):
        read_qdpx(_archive(tmp_path / "ns.qdpx", '<Project name="x"/>'))


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    qde = (
        '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY lol "lol">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&lol;"/>'
    )
    with pytest.raises(InvalidFile, match="forbidden"):
        read_qdpx(_archive(tmp_path / "dtd.qdpx", qde))


def test_a_selection_outside_its_source_is_refused(tmp_path: Path) -> None:
    qde = _one_source_project("a.txt", _selection(5, 500, None))
    with pytest.raises(InvalidFile, match="spans 5-500, outside the source's 12 characters"):
        read_qdpx(_archive(tmp_path / "out.qdpx", qde, {"sources/a.txt": b"Kort interview"[:12]}))


def test_a_selection_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    qde = _one_source_project("a.txt", _selection(8, 3, None))
    with pytest.raises(InvalidFile, match="starts at 8, after its end at 3"):
        read_qdpx(_archive(tmp_path / "back.qdpx", qde, {"sources/a.txt": b"Hej med dig"}))


def test_a_missing_source_file_is_refused(tmp_path: Path) -> None:
    qde = _one_source_project("gone.txt", "")
    with pytest.raises(InvalidFile, match="missing from the archive"):
        read_qdpx(_archive(tmp_path / "gone.qdpx", qde))


def test_a_coding_of_an_unknown_code_is_refused(tmp_path: Path) -> None:
    qde = _one_source_project("a.txt", _selection(0, 3, None)).replace(
        f'targetGUID="{NOT_WORK}"', f'targetGUID="{CENSOR}"'
    )
    with pytest.raises(InvalidFile, match="not in the codebook"):
        read_qdpx(_archive(tmp_path / "code.qdpx", qde, {"sources/a.txt": b"Hej med dig"}))


def test_path_traversal_names_are_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "evil.qdpx", _qde(""), {"../../etc/cron.d/x": b"boom"})
    with pytest.raises(InvalidFile, match="unsafe file name '../../etc/cron.d/x'"):
        read_qdpx(path)
    qde = _one_source_project("../../secret.txt", "")
    with pytest.raises(InvalidFile, match="unsafe file name"):
        read_qdpx(_archive(tmp_path / "evil2.qdpx", qde))


def test_archives_inflating_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    qde = _one_source_project("a.txt", "")
    path = _archive(tmp_path / "bomb.qdpx", qde, {"sources/a.txt": b"a" * 5_000_000})
    assert path.stat().st_size < 20_000  # highly compressible, like a zip bomb
    with pytest.raises(InvalidFile, match="zip bomb"):
        read_qdpx(path, max_uncompressed_bytes=1_000_000)
    with pytest.raises(InvalidFile, match="packed .* to 1.*zip bomb"):
        read_qdpx(path)  # 1000 to 1: no transcript compresses like that
    text = " ".join(f"word{i}" for i in range(500_000)).encode()
    real = _archive(tmp_path / "big.qdpx", qde, {"sources/a.txt": text})
    with pytest.raises(InvalidFile, match="zip bomb"):
        read_qdpx(real, max_uncompressed_bytes=1_000_000)
    assert len(read_qdpx(real).sources[0].text) == len(text)


def test_validate_project_xml_lists_the_first_errors() -> None:
    bad = _qde("<Users><User/><User/><User/><User/><User/></Users>").encode()
    with pytest.raises(InvalidFile) as caught:
        validate_project_xml(bad)
    assert str(caught.value).count("missing required attribute 'guid'") == 3
    assert "(and more)" in str(caught.value)
