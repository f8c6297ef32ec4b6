"""Printing interview guides as .docx and reading the documents back."""

from __future__ import annotations

import io

import docx
import pytest

from study.errors import InvalidInput
from study.interviews.guides import NOTE_LINES, write_guide_docx
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instrument


@pytest.fixture(scope="module")
def coordinator_guide():
    return load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "coordinator-interview-guide.yaml")


def _paragraphs(path_or_stream) -> list:
    return docx.Document(path_or_stream).paragraphs


def test_guide_docx_has_title_intro_numbered_questions_and_indented_probes(
    coordinator_guide, tmp_path
):
    path = tmp_path / "guide.docx"
    write_guide_docx(coordinator_guide, path)
    paragraphs = _paragraphs(path)
    texts = [p.text for p in paragraphs]
    assert paragraphs[0].style.name == "Title"
    assert texts[0] == "Interview guide for ISM coordinators"
    assert coordinator_guide.intro["en"] in texts
    questions = coordinator_guide.questions()
    numbered = [t for t in texts if t[:1].isdigit() and ".\t" in t]
    assert numbered == [f"{n}.\t{q.text['en']}" for n, q in enumerate(questions, start=1)]
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert [s.title["en"] for s in coordinator_guide.sections] == headings[1:-1]
    first_probe = next(p for p in paragraphs if p.text == f"– {questions[0].probes[0]['en']}")
    question = next(p for p in paragraphs if p.text.startswith("1.\t"))
    assert first_probe.paragraph_format.left_indent > question.paragraph_format.left_indent
    assert texts.count("Notes:") == len(questions)


def test_guide_docx_leaves_ruled_space_for_notes_after_each_question(coordinator_guide):
    stream = io.BytesIO()
    write_guide_docx(coordinator_guide, stream)
    stream.seek(0)
    paragraphs = _paragraphs(stream)
    ruled = [
        p
        for p in paragraphs
        if p._p.pPr is not None
        and p._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr")
        is not None
    ]
    assert len(ruled) == NOTE_LINES * len(coordinator_guide.questions())
    assert all(p.text == "" for p in ruled)


def test_guide_docx_in_danish(tmp_path):
    guide = load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "executive-interview-guide.yaml")
    path = tmp_path / "guide-da.docx"
    write_guide_docx(guide, path, language="da")
    texts = [p.text for p in _paragraphs(path)]
    assert texts[0] == "Interviewguide til kommunikationschefer"
    assert f"1.\t{guide.questions()[0].text['da']}" in texts
    assert "Noter:" in texts and "Notes:" not in texts
    assert docx.Document(path).core_properties.title == guide.title["da"]


def test_a_language_the_guide_lacks_is_refused(coordinator_guide, tmp_path):
    with pytest.raises(InvalidInput, match="'de'"):
        write_guide_docx(coordinator_guide, tmp_path / "x.docx", language="de")
