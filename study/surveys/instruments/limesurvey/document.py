"""The tables of a LimeSurvey .lss document read into plain rows: groups, questions, answers.

An .lss file is XML: ``<document><LimeSurveyDocType>Survey</LimeSurveyDocType>`` and one
section per database table (``groups``, ``questions``, ``subquestions``, ``answers``,
``surveys``, ``surveys_languagesettings``, ...), each a list of ``<row>`` elements. LimeSurvey
4 and later keep the texts in separate ``*_l10ns`` tables (``question_l10ns``,
``group_l10ns``, ``answer_l10ns``); LimeSurvey 2.x and 3.x keep them in the rows themselves,
one row per language. Both layouts are read into the same :class:`Survey`, its texts keyed
by LimeSurvey's language codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from study.errors import InvalidFile
from study.xmlfile import parse_xml

__all__ = [
    "Answer",
    "Group",
    "Question",
    "Survey",
    "as_int",
    "as_number",
    "read_document",
    "sort_key",
]


def read_document(data: bytes, filename: str) -> etree._Element:
    """The root of a LimeSurvey survey structure document; any other file is refused."""
    try:
        root = parse_xml(data)
    except (etree.XMLSyntaxError, ValueError):
        raise InvalidFile(
            "The file is not well-formed XML, so it is no LimeSurvey survey file (.lss).",
            path=filename,
        ) from None
    kind = (root.findtext("LimeSurveyDocType") or "").strip() if root.tag == "document" else ""
    if kind == "Survey":
        return root
    if kind in ("Group", "Question"):
        raise InvalidFile(
            f"The file is a LimeSurvey {kind.lower()} export; export the whole survey "
            f"structure (.lss) instead.",
            path=filename,
        )
    raise InvalidFile("The file is not a LimeSurvey survey structure file (.lss).", path=filename)


# -- reading the XML tables ----------------------------------------------------------------


def _text(element: etree._Element) -> str:
    """The text of ``element`` with entity references left out (they are never resolved)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _rows(root: etree._Element, section: str) -> list[dict[str, str]]:
    """The rows of one table of the document, each a mapping of field name to text."""
    table = root.find(section)
    if table is None:
        return []
    rows = []
    for row in table.iterfind("rows/row"):
        rows.append({child.tag: _text(child) for child in row if isinstance(child.tag, str)})
    return rows


def as_int(value: str | None, default: int = 0) -> int:
    """A field's whole number, ``default`` when it holds none."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def as_number(value: str | None) -> float | None:
    """A field's finite number, ``None`` when it holds none."""
    try:
        found = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return found if found == found and abs(found) != float("inf") else None


# -- the survey as read, before it becomes an instrument -----------------------------------


@dataclass
class Answer:
    code: str
    order: int
    scale: str
    text: dict[str, str] = field(default_factory=dict)


@dataclass
class Question:
    qid: str
    parent: str
    gid: str
    type: str
    title: str
    order: int
    mandatory: str
    relevance: str
    scale: str
    other: bool
    text: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)
    children: list[Question] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    gid: str
    order: int
    relevance: str
    name: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)


def sort_key(order: int, ident: str) -> tuple[int, int, str]:
    """Rows in their LimeSurvey order, ties broken by their id."""
    return (order, as_int(ident), ident)


class Survey:
    """The tables of one .lss document, joined: groups, questions with their answers."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.groups = self._read_groups()
        self.questions = self._read_questions()
        self._read_answers()
        self._read_attributes()
        self.conditioned = {row.get("qid", "") for row in _rows(root, "conditions")}

    def _read_groups(self) -> dict[str, Group]:
        groups: dict[str, Group] = {}
        for row in _rows(self.root, "groups") + _rows(self.root, "group_l10ns"):
            gid = row.get("gid", "")
            if not gid:
                continue
            group = groups.get(gid)
            if group is None:
                group = groups[gid] = Group(
                    gid, as_int(row.get("group_order")), row.get("grelevance", "")
                )
            language = row.get("language")
            if language:
                group.name.setdefault(language, row.get("group_name", ""))
                group.description.setdefault(language, row.get("description", ""))
        return groups

    def _read_questions(self) -> dict[str, Question]:
        questions: dict[str, Question] = {}
        for row in _rows(self.root, "questions") + _rows(self.root, "subquestions"):
            qid = row.get("qid", "")
            if not qid:
                continue
            question = questions.get(qid)
            if question is None:
                question = questions[qid] = Question(
                    qid=qid,
                    parent=row.get("parent_qid", "0") or "0",
                    gid=row.get("gid", ""),
                    type=row.get("type", "").strip(),
                    title=row.get("title", "").strip(),
                    order=as_int(row.get("question_order")),
                    mandatory=row.get("mandatory", "N").strip().upper(),
                    relevance=row.get("relevance", ""),
                    scale=row.get("scale_id", "0") or "0",
                    other=row.get("other", "N").strip().upper() == "Y",
                )
            language = row.get("language")
            if language and "question" in row:  # LimeSurvey 2.x / 3.x: texts in the row
                question.text.setdefault(language, row.get("question", ""))
                question.help.setdefault(language, row.get("help", ""))
        for row in _rows(self.root, "question_l10ns"):
            question = questions.get(row.get("qid", ""))
            language = row.get("language")
            if question is not None and language:
                question.text[language] = row.get("question", "")
                question.help[language] = row.get("help", "")
        for question in questions.values():
            parent = questions.get(question.parent) if question.parent != "0" else None
            if parent is not None:
                parent.children.append(question)
        for question in questions.values():
            question.children.sort(key=lambda q: (as_int(q.scale), *sort_key(q.order, q.qid)))
        return questions

    def _read_answers(self) -> None:
        by_key: dict[tuple[str, str, str], Answer] = {}
        by_aid: dict[str, Answer] = {}
        for row in _rows(self.root, "answers"):
            qid, code = row.get("qid", ""), row.get("code", "").strip()
            question = self.questions.get(qid)
            if question is None or not code:
                continue
            key = (qid, row.get("scale_id", "0") or "0", code)
            answer = by_key.get(key)
            if answer is None:
                answer = by_key[key] = Answer(code, as_int(row.get("sortorder")), key[1])
                question.answers.append(answer)
            if row.get("aid"):
                by_aid[row["aid"]] = answer
            language = row.get("language")
            if language and "answer" in row:  # LimeSurvey 2.x / 3.x: texts in the row
                answer.text.setdefault(language, row.get("answer", ""))
        for row in _rows(self.root, "answer_l10ns"):
            answer = by_aid.get(row.get("aid", ""))
            language = row.get("language")
            if answer is not None and language:
                answer.text[language] = row.get("answer", "")
        for question in self.questions.values():
            question.answers.sort(key=lambda a: (as_int(a.scale), a.order, a.code))

    def _read_attributes(self) -> None:
        for row in _rows(self.root, "question_attributes"):
            question = self.questions.get(row.get("qid", ""))
            if question is not None and row.get("attribute"):
                question.attributes.setdefault(row["attribute"], row.get("value", ""))

    def settings(self) -> tuple[dict[str, str], list[dict[str, str]]]:
        """The ``surveys`` row and the ``surveys_languagesettings`` rows."""
        surveys = _rows(self.root, "surveys")
        return (surveys[0] if surveys else {}), _rows(self.root, "surveys_languagesettings")

    def language_codes(self) -> list[str]:
        """The survey's LimeSurvey language codes, base language first, each once."""
        settings, _ = self.settings()
        listed = [settings.get("language", "").strip()]
        listed += settings.get("additional_languages", "").split()
        listed += [_text(e).strip() for e in self.root.iterfind("languages/language")]
        return list(dict.fromkeys(c for c in listed if c))

    def top_questions(self, gid: str) -> list[Question]:
        """The questions of one group (no subquestions), in their order."""
        found = [q for q in self.questions.values() if q.parent == "0" and q.gid == gid]
        return sorted(found, key=lambda q: sort_key(q.order, q.qid))
