"""Storing transcripts: import, refusal of bad files, offsets in code points, listing, the page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import EventRow, TranscriptRow, TurnRow
from study.errors import AlreadyExists, FileTooLarge, InvalidFile, InvalidInput, NotFound
from study.interviews.search import search_transcripts
from study.interviews.transcripts.parsing import parse_transcript
from study.interviews.transcripts.store import (
    import_transcript,
    list_transcripts,
    store_parsed_transcript,
    transcript_json,
)
from study.interviews.transcripts.transcript import ParsedTranscript, Turn

from conftest import DATA, add_user, open_app_page

FILES = DATA / "transcripts"
# "🤔" is one code point, "👍🏽" two (thumb + skin tone); UTF-16 would count 1 and 2 more.
DANISH_EMOJI = "I: Hvad med 🤔 ledelsen?\nR: Øh, vi bruger det næsten aldrig 👍🏽 på kontoret.\n"
ORG = "Nordlys Bank"


@pytest.fixture
def org(database):
    with database.transaction() as session:
        add_organisation(session, ORG, actor=OPERATOR)
        add_organisation(session, "Riverbend Logistics", actor=OPERATOR)
    return ORG


def store(session, data: bytes, filename: str, /, *, role: str, organisation=ORG, **options):
    """:func:`import_transcript` by the operator (``options``: language, name, names, ...)."""
    return import_transcript(
        session, data, filename, organisation=organisation, role=role, actor=OPERATOR, **options
    )


def store_file(session, filename: str, /, **options):
    """Import ``filename`` from tests/data/transcripts (``options``: role, ``name=``, ...)."""
    return store(session, (FILES / filename).read_bytes(), filename, **options)


def stored_counts(database) -> tuple[int, int, int, int]:
    """(transcripts, turns, search rows, import events)."""
    with database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(TranscriptRow)),
            session.scalar(select(func.count()).select_from(TurnRow)),
            session.scalar(text("SELECT count(*) FROM turn_search")),
            session.scalar(
                select(func.count())
                .select_from(EventRow)
                .where(EventRow.action == "transcript.import")
            ),
        )


def test_import_stores_the_parsed_text_turns_and_an_audit_event(database, org):
    data = (FILES / "interview-ir.txt").read_bytes()
    with database.transaction() as session:
        info = store(session, data, "interview-ir.txt", role="coordinator")
    parsed = parse_transcript(data, "interview-ir.txt")
    assert info.as_dict() == {
        "id": info.id,
        "name": "interview-ir",
        "organisation": org,
        "role": "coordinator",
        "language": "en",
        "turns": 5,
        "characters": len(parsed.text),
    }
    with database.transaction() as session:
        stored = transcript_json(session, info.id, viewer=OPERATOR)
        event = session.scalar(select(EventRow).where(EventRow.action == "transcript.import"))
        assert (event.target_type, event.target_id) == ("transcript", info.id)
        assert (event.details["turns"], event.details["source_filename"]) == (5, "interview-ir.txt")
    assert stored["text"] == parsed.text
    assert [(t["speaker"], t["start"], t["end"]) for t in stored["turns"]] == [
        (t.speaker, t.start, t.end) for t in parsed.turns
    ]
    assert stored_counts(database) == (1, 5, 5, 1)


def test_danish_letters_and_emoji_offsets_are_code_points_through_the_store(
    database, org, tmp_path
):
    path = tmp_path / "interview-da.txt"
    path.write_text(DANISH_EMOJI, encoding="utf-8")
    with database.transaction() as session:
        info = store(session, path.read_bytes(), path.name, role="employee")
        stored = transcript_json(session, info.id, viewer=OPERATOR)
        hits = search_transcripts(session, "kontoret", viewer=OPERATOR)
    text_ = stored["text"]
    assert text_ == (
        "I: Hvad med 🤔 ledelsen?\n\nR: Øh, vi bruger det næsten aldrig 👍🏽 på kontoret."
    )
    assert [(t["speaker"], t["start"], t["end"]) for t in stored["turns"]] == [
        ("I", 3, 23),
        ("R", 28, 75),
    ]
    assert text_[28:75] == "Øh, vi bruger det næsten aldrig 👍🏽 på kontoret."
    assert [(h.start, h.end, h.match, h.left[-6:]) for h in hits] == [
        (66, 74, "kontoret", "👍🏽 på ")
    ]
    assert info.language == "da" and info.characters == 75


def test_language_comes_from_the_argument_then_the_text_then_english(database, org, tmp_path):
    with database.transaction() as session:
        danish = store(session, DANISH_EMOJI.encode(), "a.txt", role="employee", language="en")
        short = store(session, b"I: Hi.\nR: Ok.\n", "b.txt", role="employee")
    assert (danish.language, short.language) == ("en", "en")


@pytest.mark.parametrize("name", ["empty.txt", "binary.txt", "corrupt.docx"])
def test_bad_files_are_refused_and_nothing_is_stored(database, org, name):
    with pytest.raises(InvalidFile, match=name.replace(".", r"\.")):
        with database.transaction() as session:
            store_file(session, name, role="coordinator")
    assert stored_counts(database) == (0, 0, 0, 0)


def test_a_bad_file_after_good_ones_rolls_back_the_whole_import(database, org):
    with pytest.raises(InvalidFile, match="notes.pdf"):
        with database.transaction() as session:
            for name in ("interview-ir.txt", "teams.vtt"):
                store_file(session, name, role="coordinator")
            store(session, b"%PDF-1.7", "notes.pdf", role="coordinator")
    assert stored_counts(database) == (0, 0, 0, 0)


def test_file_over_the_upload_limit_is_refused(database, org, monkeypatch):
    monkeypatch.setenv("STUDY_MAX_UPLOAD_MB", "1")
    data = b"I: " + b"word " * 210_000  # just over 1 MB
    with pytest.raises(FileTooLarge, match="big.txt: the file is 1.0 MB, more than the 1 MB"):
        with database.transaction() as session:
            store(session, data, "big.txt", role="other")
    assert stored_counts(database) == (0, 0, 0, 0)


def test_the_same_text_twice_in_one_organisation_is_refused(database, org):
    data = (FILES / "zoom.vtt").read_bytes()
    with database.transaction() as session:
        first = store(session, data, "zoom.vtt", role="executive")
        store(session, data, "zoom.vtt", role="executive", organisation="Riverbend Logistics")
    with pytest.raises(
        AlreadyExists, match=rf"already has this transcript, as 'zoom' \(id {first.id}\)"
    ):
        with database.transaction() as session:
            store(session, data, "copy.vtt", role="executive")


def test_pseudonymised_import_stores_no_names(database, org, tmp_path):
    data = (
        "Interviewer: Hej Anna, poster Bo Hansen på netværket?\n"
        "Anna Berg: Nej, Bo Hansen poster aldrig. Annas chef heller ikke.\n"
    ).encode()
    with database.transaction() as session:
        info = store(
            session, data, "anna.txt", role="coordinator", pseudonymise=True, names=["Bo Hansen"]
        )
        stored = transcript_json(session, info.id, viewer=OPERATOR)
        assert search_transcripts(session, "anna", viewer=OPERATOR) == []
        assert [h.match for h in search_transcripts(session, '"person 1"', viewer=OPERATOR)] == [
            "Person 1"
        ] * 2
    for name in ("Anna", "Bo", "Hansen", "Berg"):
        assert name not in stored["text"]
    assert [t["speaker"] for t in stored["turns"]] == ["Interviewer", "Coordinator"]
    assert info.name == "anna"  # the file name is kept; choose another with name=


def test_names_without_pseudonymising_and_unknown_roles_are_refused(database, org):
    data = (FILES / "interview-ir.txt").read_bytes()
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="only used when pseudonymising"):
            store(session, data, "a.txt", role="coordinator", names=["Anna"])
        with pytest.raises(InvalidInput, match="coordinator, executive, employee, other"):
            store(session, data, "a.txt", role="ceo")
        with pytest.raises(InvalidInput, match="en, da"):
            store(session, data, "a.txt", role="other", language="de")
        with pytest.raises(NotFound, match="no organisation called 'Nowhere'"):
            store(session, data, "a.txt", role="other", organisation="Nowhere")
    assert stored_counts(database) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "parsed, message",
    [
        (ParsedTranscript("x", "Hej hej", [Turn("A", 0, 3), Turn("B", 2, 7)]), "overlapping"),
        (ParsedTranscript("x", "Hej", [Turn("A", 0, 4)]), "inside the text"),
        (ParsedTranscript("x", "Cafe\u0301", [Turn("A", 0, 5)]), "NFC"),
        (ParsedTranscript("x", "a\r\nb", [Turn("A", 0, 4)]), "line endings"),
        (ParsedTranscript("x", "a\x00b", [Turn("A", 0, 3)]), "NUL"),
        (ParsedTranscript("x", "", []), "at least one turn"),
    ],
)
def test_other_importers_cannot_store_text_and_turns_that_break_offsets(
    database, org, parsed, message
):
    with pytest.raises(InvalidInput, match=message):
        with database.transaction() as session:
            store_parsed_transcript(session, parsed, organisation=org, role="other")
    assert stored_counts(database) == (0, 0, 0, 0)


def test_list_filters_by_organisation_and_counts_turns_and_characters(database, org):
    with database.transaction() as session:
        for name, where in (
            ("zoom.vtt", org),
            ("teams.vtt", "Riverbend Logistics"),
            ("interview.srt", org),
        ):
            store_file(session, name, role="employee", organisation=where, name=f"{name} interview")
        everything = list_transcripts(session, viewer=OPERATOR)
        nordlys = list_transcripts(session, organisation="nordlys bank", viewer=OPERATOR)
        texts = {t.name: t.text for t in session.scalars(select(TranscriptRow))}
    assert [(t.organisation, t.name) for t in everything] == [
        (org, "interview.srt interview"),
        (org, "zoom.vtt interview"),
        ("Riverbend Logistics", "teams.vtt interview"),
    ]
    assert [t.name for t in nordlys] == ["interview.srt interview", "zoom.vtt interview"]
    zoom = nordlys[1]
    assert (zoom.turns, zoom.characters) == (3, len(texts["zoom.vtt interview"]))
    assert set(zoom.as_dict()) == {
        "id",
        "name",
        "organisation",
        "role",
        "language",
        "turns",
        "characters",
    }


def test_transcript_json_keeps_cue_times_and_refuses_unknown_ids(database, org):
    with database.transaction() as session:
        info = store_file(session, "zoom.vtt", role="coordinator")
        stored = transcript_json(session, info.id, viewer=OPERATOR)
        with pytest.raises(NotFound, match="no transcript with id 999"):
            transcript_json(session, 999, viewer=OPERATOR)
    peter = stored["turns"][1]
    assert (peter["speaker"], peter["started_at"], peter["ended_at"]) == ("Peter Dahl", 6.8, 12.9)
    assert (
        stored["text"][peter["start"] : peter["end"]]
        == "I coordinate the network. Mostly I encourage people to post in the groups."
    )


# --- the page -------------------------------------------------------------------------------


def page_as(database, role: str):
    with database.transaction() as session:
        account = add_user(session, f"{role}@example.org", role)
    return open_app_page(account, "transcripts.py", timeout=30)


def test_researcher_uploads_a_transcript_and_reads_its_turns(database, org, fresh_streamlit_caches):
    at = page_as(database, "researcher")
    assert not at.exception
    assert at.title[0].value == "Transcripts"
    at.file_uploader[0].set_value(
        [
            ("zoom.vtt", (FILES / "zoom.vtt").read_bytes(), "text/vtt"),
            ("interview-ir.txt", (FILES / "interview-ir.txt").read_bytes(), "text/plain"),
        ]
    )
    at.selectbox[1].select("executive")
    at.checkbox[0].check()
    at.text_input[0].input("Mette Holm")
    at.button[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported zoom (3 turns), interview-ir (5 turns)."]
    listed = at.dataframe[0].value
    assert sorted(listed["name"]) == ["interview-ir", "zoom"]
    assert set(listed["role"]) == {"executive"}
    at.selectbox(key="transcripts_show").select(
        next(int(i) for i, n in zip(listed["id"], listed["name"]) if n == "zoom")
    ).run()
    # read as text, not a grid: each turn's speaker and times, then what was said
    assert len(at.dataframe) == 1
    captions = [c.value.replace("\\", "") for c in at.caption]  # Markdown-escaped
    speakers = [c.split(" · ")[0] for c in captions if " – 0:" in c]
    # pseudonymised: the named speakers became role labels
    assert speakers == ["Interviewer", "Executive", "Interviewer"]
    assert any(" – 0:00:" in c for c in captions)  # the times from the .vtt
    assert "I coordinate the network. Mostly I encourage people to post in the groups." in [
        t.value for t in at.text
    ]
    assert stored_counts(database)[0] == 2


def test_a_bad_upload_shows_one_error_and_stores_nothing(database, org, fresh_streamlit_caches):
    at = page_as(database, "researcher")
    at.file_uploader[0].set_value(("empty.txt", b"", "text/plain"))
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["empty.txt: the file is empty"]
    assert stored_counts(database) == (0, 0, 0, 0)


def test_coders_read_transcripts_but_do_not_see_the_upload(database, org, fresh_streamlit_caches):
    with database.transaction() as session:
        store_file(session, "teams.vtt", role="coordinator")
    at = page_as(database, "coder")
    assert not at.exception
    assert not at.file_uploader
    assert list(at.dataframe[0].value["name"]) == ["teams"]
    assert any(c.value.startswith("Sofie Lund · ") for c in at.caption)
