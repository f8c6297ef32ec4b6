"""Print an interview guide as a .docx an interviewer can take into the room.

The document has a title, a line for organisation, interviewee, date and
interviewer, the introduction to read aloud, then each section with numbered
questions (numbered across the whole guide, so notes can refer to "Q7"),
indented probes, and ruled space for notes after every question.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from study.errors import InvalidInput
from study.surveys.instruments.guide import InterviewGuide

#: Fixed words of the printed guide, per language.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "organisation": "Organisation",
        "interviewee": "Interviewee",
        "date": "Date",
        "interviewer": "Interviewer",
        "probes": "Probes",
        "notes": "Notes",
        "introduction": "Introduction (read aloud)",
        "closing": "Closing",
        "version": "version",
        "audience": "Interviewee",
    },
    "da": {
        "organisation": "Organisation",
        "interviewee": "Interviewperson",
        "date": "Dato",
        "interviewer": "Interviewer",
        "probes": "Uddybende spørgsmål",
        "notes": "Noter",
        "introduction": "Indledning (læses højt)",
        "closing": "Afslutning",
        "version": "version",
        "audience": "Interviewperson",
    },
}
NOTE_LINES = 4


def _rule_below(paragraph: Paragraph) -> None:
    """Draw a thin line under ``paragraph`` (a writing line for notes)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "999999")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def write_guide_docx(
    guide: InterviewGuide, out: str | Path | BinaryIO, *, language: str = "en"
) -> None:
    """Write ``guide`` in ``language`` as a printable Word document to a path or binary stream.

    Raises
    ------
    InvalidInput
        If the guide has no text in ``language``.
    """
    if language not in guide.languages:
        raise InvalidInput(
            f"The guide '{guide.id}' is not written in '{language}' "
            f"(it has {', '.join(guide.languages)})."
        )
    words = _WORDS.get(language, _WORDS["en"])
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = guide.title[language]
    document.core_properties.subject = f"{guide.id} {words['version']} {guide.version}"

    document.add_heading(guide.title[language], level=0)
    document.add_paragraph(f"{guide.id}, {words['version']} {guide.version}").runs[0].italic = True
    if guide.audience:
        document.add_paragraph(f"{words['audience']}: {guide.audience[language]}")
    for field in ("organisation", "interviewee", "date", "interviewer"):
        document.add_paragraph(f"{words[field]}: " + "_" * 40)

    document.add_heading(words["introduction"], level=1)
    document.add_paragraph(guide.intro[language])

    number = 0
    for section in guide.sections:
        document.add_heading(section.title[language], level=1)
        if section.intro:
            document.add_paragraph(section.intro[language])
        for question in section.questions:
            number += 1
            asked = document.add_paragraph()
            asked.paragraph_format.left_indent = Cm(0.8)
            asked.paragraph_format.first_line_indent = Cm(-0.8)
            asked.paragraph_format.keep_with_next = True
            asked.add_run(f"{number}.\t").bold = True
            asked.add_run(question.text[language]).bold = True
            if question.probes:
                label = document.add_paragraph(f"{words['probes']}:")
                label.paragraph_format.left_indent = Cm(1.5)
                label.runs[0].italic = True
            for probe in question.probes:
                line = document.add_paragraph(f"– {probe[language]}")
                line.paragraph_format.left_indent = Cm(2.0)
                line.paragraph_format.first_line_indent = Cm(-0.5)
            notes = document.add_paragraph(f"{words['notes']}:")
            notes.paragraph_format.left_indent = Cm(0.8)
            notes.runs[0].font.size = Pt(9)
            for _ in range(NOTE_LINES):
                space = document.add_paragraph()
                space.paragraph_format.left_indent = Cm(0.8)
                space.paragraph_format.space_before = Pt(12)
                _rule_below(space)

    if guide.closing:
        document.add_heading(words["closing"], level=1)
        document.add_paragraph(guide.closing[language])
    if guide.sources:
        document.add_paragraph().add_run().add_break(WD_BREAK.LINE)
        for source in guide.sources:
            document.add_paragraph(source).runs[0].font.size = Pt(8)
    document.save(out)
