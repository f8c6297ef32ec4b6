"""Transcript files (.txt, .docx, .vtt, .srt) become normalised text with exact speaker turns."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docx import Document

from study.errors import FileTooLarge, InvalidFile
from study.interviews.transcripts.parsing import (
    MAX_TRANSCRIPT_BYTES,
    ParsedTranscript,
    parse_transcript,
)

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "transcripts"


def parse_file(name: str) -> ParsedTranscript:
    return parse_transcript((DATA / name).read_bytes(), name)


def turns_of(parsed: ParsedTranscript) -> list[tuple[str | None, str]]:
    """(speaker, text[start:end]) per turn, after checking the layout invariants."""
    for turn in parsed.turns:
        assert 0 <= turn.start <= turn.end <= len(parsed.text)
        assert "\n\n" not in parsed.text[turn.start : turn.end]
        if turn.speaker is not None:
            label = f"{turn.speaker}: "
            assert parsed.text[turn.start - len(label) : turn.start] == label
    assert "\r" not in parsed.text
    assert unicodedata.is_normalized("NFC", parsed.text)
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def test_teams_voice_tags_become_turns_with_cue_times() -> None:
    parsed = parse_file("teams.vtt")
    assert parsed.name == "teams"
    assert turns_of(parsed) == [
        (
            "Sofie Lund",
            "Thanks for taking the time today 🙂 shall we start? "
            "How did the network start in your company?",
        ),
        (
            "Jonas Brandt",
            "It started in IT & HR. Our CEO said it was important 👍🏽 "
            "but he never posts. People think it is a waste of time.",
        ),
        ("Sofie Lund", "Why is that, Jonas?"),
    ]
    times = [(t.started_at, t.ended_at) for t in parsed.turns]
    assert times == [(2.1, 8.02), (9.3, 18.0), (18.5, 20.25)]
    assert parsed.detected_language == "en"


def test_emoji_does_not_shift_later_offsets() -> None:
    data = (DATA / "teams.vtt").read_bytes()
    with_emoji = parse_transcript(data, "teams.vtt")
    plain = parse_transcript(data.decode("utf-8").replace(" 👍🏽", "").encode("utf-8"), "teams.vtt")
    # "👍🏽" is two code points (thumb + skin tone): later offsets move by exactly 3 (with the space).
    assert len(" 👍🏽") == 3
    assert with_emoji.turns[2].start - plain.turns[2].start == 3
    assert (
        with_emoji.text[with_emoji.turns[2].start : with_emoji.turns[2].end]
        == "Why is that, Jonas?"
    )
    emoji_at = with_emoji.text.index("👍🏽")
    assert with_emoji.turns[1].start < emoji_at < with_emoji.turns[1].end


def test_zoom_name_prefixes_and_unprefixed_cues_continue_the_turn() -> None:
    parsed = parse_file("zoom.vtt")
    assert turns_of(parsed) == [
        ("Mette Holm", "Welcome, and thank you for joining. Could you describe your role?"),
        (
            "Peter Dahl",
            "I coordinate the network. Mostly I encourage people to post in the groups.",
        ),
        ("Mette Holm", "Thank you."),
    ]
    assert (parsed.turns[1].started_at, parsed.turns[1].ended_at) == (6.8, 12.9)


def test_srt_cues_with_upper_case_roles_and_markup() -> None:
    parsed = parse_file("interview.srt")
    assert turns_of(parsed) == [
        ("INTERVIEWER", "What do people use instead?"),
        ("RESPONDENT", "Mostly e-mail and the phone. Nobody can find anything in the feed."),
        ("INTERVIEWER", "I see."),
    ]
    assert (parsed.turns[1].started_at, parsed.turns[1].ended_at) == (3.4, 8.8)


def test_cp1252_danish_with_crlf_comes_out_right() -> None:
    raw = (DATA / "danish-cp1252.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is in a Windows code page
    parsed = parse_file("danish-cp1252.txt")
    assert turns_of(parsed) == [
        (None, "Interview med koordinator, marts 2014"),
        ("Interviewer", "Hvordan tog medarbejderne imod netværket?"),
        (
            "Søren",
            "Ledelsen sagde “det er vigtigt”, men de skriver aldrig selv.\n"
            "Mange er bange for at skrive noget dumt, når alle kan se det.",
        ),
        ("Interviewer", "Og økonomien?"),
        ("Søren", "Der var ingen penge – ikke en øre, ikke 1 €."),
    ]
    assert parsed.detected_language == "da"


def test_i_and_r_prefixes_with_continuation_lines() -> None:
    parsed = parse_file("interview-ir.txt")
    assert turns_of(parsed) == [
        ("I", "How often do you open the network? 🤔"),
        ("R", "Honestly, I forget it most days.\nIt is not part of my routine."),
        ("I", "And your manager?"),
        ("R", "She says it matters, but she never answers questions there."),
        ("I", "Thanks."),
    ]
    assert parsed.text.startswith("I: How often")
    assert "\n\nR: Honestly" in parsed.text


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]
)
def test_danish_text_reads_the_same_in_every_common_encoding(encoding: str) -> None:
    text = (
        "Interviewer: Hvad siger ledelsen om netværket?\n"
        "Åse Ærø: Ledelsen støtter det i ord, men de bruger det ikke selv. Sådan er det på øen.\n"
    )
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        assert not data.startswith(b"\xff\xfe")  # no byte-order mark: must be detected
    parsed = parse_transcript(data, "interview.txt")
    assert turns_of(parsed) == [
        ("Interviewer", "Hvad siger ledelsen om netværket?"),
        (
            "Åse Ærø",
            "Ledelsen støtter det i ord, men de bruger det ikke selv. Sådan er det på øen.",
        ),
    ]


def test_decomposed_letters_are_composed_before_offsets_are_computed() -> None:
    decomposed = "R: Vi ma\u030aske glemmer det.\nI: Hvorfor?\n"  # "å" as a + combining ring
    parsed = parse_transcript(decomposed.encode("utf-8"), "nfd.txt")
    assert turns_of(parsed) == [("R", "Vi måske glemmer det."), ("I", "Hvorfor?")]


def test_bracketed_speakers_role_in_parentheses_and_clock_prefixes() -> None:
    text = (
        "[00:00:05] Interviewer: Tell me about the launch.\n"
        "[00:00:09] Karen Nyborg (HR partner): We launched in May.\n"
        "[Karen Nyborg] Nobody posted for weeks.\n"
        "Interviewer: Why?\n"
    )
    parsed = parse_transcript(text.encode(), "mixed.txt")
    assert turns_of(parsed) == [
        ("Interviewer", "Tell me about the launch."),
        ("Karen Nyborg", "We launched in May.\nNobody posted for weeks."),
        ("Interviewer", "Why?"),
    ]
    assert [t.started_at for t in parsed.turns] == [5.0, 9.0, None]


def test_a_capitalised_word_before_a_colon_inside_a_dialogue_is_not_a_speaker() -> None:
    text = "I: What went wrong?\nR: Many things.\nProblem: nobody had time.\nI: I see.\n"
    parsed = parse_transcript(text.encode(), "note.txt")
    assert turns_of(parsed) == [
        ("I", "What went wrong?"),
        ("R", "Many things.\nProblem: nobody had time."),
        ("I", "I see."),
    ]


def test_unlabelled_text_keeps_paragraphs_as_separate_turns() -> None:
    text = "First paragraph,\nwrapped.\n\n\nSecond paragraph.\n"
    parsed = parse_transcript(text.encode(), "notes.txt")
    assert parsed.text == "First paragraph,\nwrapped.\n\nSecond paragraph."
    assert turns_of(parsed) == [(None, "First paragraph,\nwrapped."), (None, "Second paragraph.")]


def test_name_is_the_file_name_without_folders_or_extension() -> None:
    parsed = parse_transcript(b"I: Hello.\nR: Hi.\n", "C:\\Interviews\\Org 3\\interview.final.TXT")
    assert parsed.name == "interview.final"


def test_docx_paragraphs_line_breaks_and_tables_are_read(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Interview with the coordinator")
    document.add_paragraph("Interviewer: How did you start?")
    document.add_paragraph("Lars Bøgh: We started with three groups.")
    document.add_paragraph("")
    paragraph = document.add_paragraph("Then we invited the managers.")
    paragraph.add_run().add_break()
    paragraph.add_run("Few of them came 😅.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Interviewer"
    table.cell(0, 1).text = "And after that?"
    table.cell(1, 0).text = "Lars Bøgh"
    table.cell(1, 1).text = "It grew slowly."
    path = tmp_path / "Interview Lars.docx"
    document.save(path)

    parsed = parse_transcript(path.read_bytes(), path.name)
    assert parsed.name == "Interview Lars"
    assert turns_of(parsed) == [
        (None, "Interview with the coordinator"),
        ("Interviewer", "How did you start?"),
        (
            "Lars Bøgh",
            "We started with three groups.\nThen we invited the managers.\nFew of them came 😅.",
        ),
        ("Interviewer", "And after that?"),
        ("Lars Bøgh", "It grew slowly."),
    ]


def test_teams_docx_speaker_header_lines_carry_start_times(tmp_path: Path) -> None:
    document = Document()
    for line in [
        "Anne Holt   0:03",
        "Shall we begin?",
        "Mads Krog   0:07",
        "Yes. The network is mostly used by IT.",
        "Mads Krog   1:02:15",
        "More on that later.",
    ]:
        document.add_paragraph(line)
    path = tmp_path / "teams-export.docx"
    document.save(path)
    parsed = parse_transcript(path.read_bytes(), path.name)
    assert turns_of(parsed) == [
        ("Anne Holt", "Shall we begin?"),
        ("Mads Krog", "Yes. The network is mostly used by IT.\nMore on that later."),
    ]
    assert [t.started_at for t in parsed.turns] == [3.0, 7.0]


@pytest.mark.parametrize(
    ("data", "filename", "phrase"),
    [
        (b"", "empty.txt", "empty"),
        (b" \r\n\t\r\n  ", "blank.txt", "blank"),
        (b"I: hello", "interview.pdf", "not '.pdf' files"),
        (b"I: hello", "interview", "without an extension"),
        (b"I: hello", "interview.doc", "save Word 97-2003 .doc files as .docx"),
        (
            b"00:00:01.000 --> 00:00:02.000\nHello\n",
            "no-header.vtt",
            "must start with the line WEBVTT",
        ),
        (b"WEBVTT\n\nNOTE nothing said\n", "no-cues.vtt", "has no cues"),
        (b"Just text, no timings.\n", "no-cues.srt", "has no subtitles"),
    ],
)
def test_unusable_files_are_refused_with_one_clear_sentence(
    data: bytes, filename: str, phrase: str
) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_transcript(data, filename)
    message = str(caught.value)
    assert phrase in message
    assert message.startswith(filename)
    assert "\n" not in message


@pytest.mark.parametrize("name", ["empty.txt", "binary.txt", "corrupt.docx"])
def test_empty_binary_and_corrupt_files_are_refused(name: str) -> None:
    with pytest.raises(InvalidFile, match=name):
        parse_file(name)


def test_a_zip_that_is_not_a_word_document_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a document")
    with pytest.raises(InvalidFile, match="not a readable Word"):
        parse_transcript(buffer.getvalue(), "renamed.docx")


def test_a_text_file_that_is_really_binary_is_refused() -> None:
    with pytest.raises(InvalidFile, match="binary"):
        parse_transcript(b"I: hi\x00\x01\x02\x03\x04\x05" * 20, "sneaky.txt")


def test_files_over_the_size_limit_are_refused_before_reading() -> None:
    with pytest.raises(FileTooLarge, match="limit"):
        parse_transcript(b"a" * (MAX_TRANSCRIPT_BYTES + 1), "huge.txt")


def test_a_word_document_without_text_is_refused(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("   ")
    document.add_paragraph("")
    path = tmp_path / "blank.docx"
    document.save(path)
    with pytest.raises(InvalidFile, match="blank.docx: the file contains no text"):
        parse_transcript(path.read_bytes(), path.name)
