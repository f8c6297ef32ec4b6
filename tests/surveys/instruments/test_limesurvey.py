"""Reading LimeSurvey survey structure files (.lss): real public files and hostile ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from study.errors import FileTooLarge, InvalidFile
from study.surveys.instruments.limesurvey import read_lss

DATA = Path(__file__).resolve().parents[2] / "data" / "instruments" / "limesurvey"


def _read(name: str, **kwargs):
    return read_lss((DATA / name).read_bytes(), filename=name, **kwargs)


def _items(imported):
    return {item.id: item for item in imported.instrument.all_items()}


def _table(name: str, rows: list[dict[str, str]]) -> str:
    body = "".join(
        "<row>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in row.items()) + "</row>"
        for row in rows
    )
    return f"<{name}><rows>{body}</rows></{name}>"


def _lss(
    *,
    groups: list[dict[str, str]],
    questions: list[dict[str, str]],
    answers: list[dict[str, str]] = (),
    languages: tuple[str, ...] = ("en", "da"),
    question_texts: dict[str, dict[str, str]] | None = None,
    group_names: dict[str, dict[str, str]] | None = None,
    answer_texts: dict[str, dict[str, str]] | None = None,
    title: dict[str, str] | None = None,
    prolog: str = "",
) -> bytes:
    """A LimeSurvey 6 style document (texts in the *_l10ns tables)."""
    title = title or {lang: f"Survey {lang}" for lang in languages}
    q_l10n = [
        {"qid": qid, "question": text, "help": "", "language": lang}
        for qid, texts in (question_texts or {}).items()
        for lang, text in texts.items()
    ]
    g_l10n = [
        {"gid": gid, "group_name": text, "language": lang}
        for gid, texts in (group_names or {}).items()
        for lang, text in texts.items()
    ]
    a_l10n = [
        {"aid": aid, "answer": text, "language": lang}
        for aid, texts in (answer_texts or {}).items()
        for lang, text in texts.items()
    ]
    top = [q for q in questions if q.get("parent_qid", "0") == "0"]
    subs = [q for q in questions if q.get("parent_qid", "0") != "0"]
    settings = [
        {"surveyls_language": lang, "surveyls_title": title[lang], "surveyls_welcometext": "Hi"}
        for lang in languages
    ]
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<document>'
        "<LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>641</DBVersion>"
        + _table("answers", list(answers))
        + _table("answer_l10ns", a_l10n)
        + _table("groups", groups)
        + _table("group_l10ns", g_l10n)
        + _table("questions", top)
        + _table("subquestions", subs)
        + _table("question_l10ns", q_l10n)
        + _table(
            "surveys",
            [
                {
                    "sid": "1",
                    "language": languages[0],
                    "additional_languages": " ".join(languages[1:]),
                }
            ],
        )
        + _table("surveys_languagesettings", settings)
        + "</document>"
    )
    return text.encode()


def _q(qid, gid, kind, title, order, **extra):
    return {
        "qid": qid,
        "parent_qid": "0",
        "gid": gid,
        "type": kind,
        "title": title,
        "question_order": order,
        "mandatory": "N",
        "relevance": "1",
        **extra,
    }


# -- real files --------------------------------------------------------------------------


def test_citric_survey_lss_item_by_item() -> None:
    imported = _read("citric_survey.lss")
    instrument = imported.instrument
    assert instrument.languages == ["en"]
    assert instrument.title == {"en": "Test Survey"}
    assert [p.title["en"] for p in instrument.pages] == ["First Group", "Second Group"]
    assert instrument.pages[0].intro == {"en": "This is the first question group of this survey"}
    items = _items(imported)
    assert list(items) == ["G01Q01", "G01Q02", "G02Q04"]
    # T: long text, HTML stripped.
    assert items["G01Q01"].type == "text"
    assert items["G01Q01"].text == {"en": "Text for first question"}
    assert items["G01Q01"].required is False
    # 5: 5 point choice, mandatory Y.
    assert (items["G01Q02"].type, items["G01Q02"].points) == ("likert", 5)
    assert items["G01Q02"].text == {"en": "Text for second question"}
    assert items["G01Q02"].required is True
    # Y: yes/no, mandatory Y.
    assert items["G02Q04"].type == "single_choice"
    assert [(o.id, o.label["en"]) for o in items["G02Q04"].options] == [("Y", "Yes"), ("N", "No")]
    assert items["G02Q04"].required is True
    # | (file upload) has no counterpart: a note, not silence.
    assert any("G02Q03" in n and "'|'" in n for n in imported.notes)
    # Help texts of G01Q01 and G02Q03 are named in one note.
    helps = [n for n in imported.notes if n.startswith("Help texts")]
    assert len(helps) == 1 and "G01Q01" in helps[0] and "G02Q03" in helps[0]
    assert imported.source == "limesurvey"


def test_citric_answers_lss_multiple_choice_and_array() -> None:
    imported = _read("citric_answers.lss")
    items = _items(imported)
    q01 = items["Q01"]
    assert q01.type == "multiple_choice"
    assert [(o.id, o.label["en"]) for o in q01.options] == [
        ("SQ001", "First option"),
        ("SQ002", "Second option"),
        ("SQ003", "Third option"),
    ]
    array = [items[f"Q02_SQ00{n}"] for n in range(1, 6)]
    assert [i.text["en"].split("\n")[1] for i in array] == [
        "Color",
        "Milkiness",
        "Creaminess",
        "Mouthfeel",
        "Aftertaste",
    ]
    for item in array:
        assert item.text["en"].startswith("This is the second question")
        assert (item.type, item.points) == ("likert", 5)
        assert item.labels == {
            "en": ["Too much", "More than I like", "Just Right", "Less than I like", "Too little"]
        }


def test_two_language_file_keeps_both_languages() -> None:
    imported = _read("imex_one_question_two_languages.lss")
    instrument = imported.instrument
    assert instrument.languages == ["en", "et"]
    item = instrument.all_items()[0]
    assert (item.id, item.type) == ("Q1", "text")
    # The question has no text in either language: its code stands in, and a note says so.
    assert item.text == {"en": "Q1", "et": "Q1"}
    assert any("code is shown" in n and "Q1" in n for n in imported.notes)
    assert any("'et'" in n and "survey title" in n for n in imported.notes)


def test_limesurvey_2_layout_file() -> None:
    imported = _read("collab_ls_survey_981966.lss")
    instrument = imported.instrument
    # Groups in group_order: Flag (0), q1 (1), q2 (2); "end" (3) holds only an equation.
    assert [p.title["en"] for p in instrument.pages] == ["Flag", "q1", "q2"]
    assert any("'end'" in n for n in imported.notes)
    assert any("notanswered" in n and "'*'" in n for n in imported.notes)
    items = _items(imported)
    # Questions in question_order within group q1.
    assert [i.id for i in instrument.page_items(instrument.pages[1])][:3] == [
        "q1statusreviewer",
        "q1statussupervisor",
        "q1researcher",
    ]
    status = items["q1statusreviewer"]
    assert status.type == "single_choice"
    assert [(o.value, o.label["en"]) for o in status.options] == [
        (1, "not reviewed"),
        (2, "rejected by reviewer"),
        (3, "rejected by supervisor"),
        (4, "accepted by reviewer"),
        (5, "accepted by supervisor"),
    ]
    # JavaScript in the question text is not kept as words.
    assert status.text == {"en": "Current status of question '{q1researcher.question}':"}
    assert items["q1history"].type == "text"  # U
    assert items["user"].type == "text"  # S
    # L with other="Y": the two answers and an "other" option.
    assert [o.id for o in items["q2researcher"].options] == ["a1", "a2", "other"]
    assert any("'other' option of q2researcher" in n for n in imported.notes)
    # A relevance on a text question cannot be a show_if.
    assert 'relevance of q1statusreviewer kept out: (user.NAOK == "2")' in imported.notes
    assert status.show_if is None


# -- mapping, built documents ------------------------------------------------------------


def _mapped():
    groups = [
        {"gid": "1", "group_order": "1", "grelevance": "1"},
        {"gid": "2", "group_order": "2", "grelevance": ""},
        {"gid": "3", "group_order": "3", "grelevance": 'Q1 == "A2"'},
    ]
    questions = [
        _q("1", "1", "L", "Q1", "1", mandatory="Y"),
        _q("2", "1", "Y", "Q2", "2"),
        _q("3", "1", "N", "Q3", "3"),
        _q("4", "1", "M", "Q4", "4"),
        {"qid": "41", "parent_qid": "4", "gid": "1", "type": "T", "title": "SQ1"},
        {"qid": "42", "parent_qid": "4", "gid": "1", "type": "T", "title": "SQ2"},
        _q("5", "2", "X", "D1", "0"),
        _q("6", "2", "S", "Q6", "1", relevance='Q1.NAOK == "A2"'),
        _q("7", "2", "T", "Q7", "2", relevance="!is_empty(Q3)"),
        _q("8", "2", "A", "Q8", "3", relevance='Q2 == "Y"'),
        {"qid": "81", "parent_qid": "8", "gid": "2", "type": "T", "title": "a"},
        {"qid": "82", "parent_qid": "8", "gid": "2", "type": "T", "title": "b"},
        _q("9", "2", "K", "Q9", "4", relevance='Q6 == "x" and Q1 == "A1"'),
        {"qid": "91", "parent_qid": "9", "gid": "2", "type": "T", "title": "n1"},
        _q("10", "3", "R", "Q10", "1"),
        _q("11", "3", "Q", "Q11", "2", relevance="Q4_SQ1 == \"Y\" || Q1 != 'A1'"),
        {"qid": "111", "parent_qid": "11", "gid": "3", "type": "T", "title": "t1"},
        _q("12", "3", "F", "Q12", "3", relevance="count(Q1) > 2"),
        {"qid": "121", "parent_qid": "12", "gid": "3", "type": "T", "title": "r1"},
    ]
    answers = [
        {"aid": "1", "qid": "1", "code": "A1", "sortorder": "2", "scale_id": "0"},
        {"aid": "2", "qid": "1", "code": "A2", "sortorder": "1", "scale_id": "0"},
        {"aid": "3", "qid": "12", "code": "x", "sortorder": "0", "scale_id": "0"},
        {"aid": "4", "qid": "12", "code": "y", "sortorder": "1", "scale_id": "0"},
    ]
    texts = {
        qid: {"en": f"<p>Question {qid}</p>", "da": f"Spørgsmål {qid}"}
        for qid in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
    }
    texts.update({sq: {"en": f"Sub {sq}", "da": f"Del {sq}"} for sq in ("41", "42", "81", "82")})
    texts.update({sq: {"en": f"Sub {sq}", "da": f"Del {sq}"} for sq in ("91", "111", "121")})
    return read_lss(
        _lss(
            groups=groups,
            questions=questions,
            answers=answers,
            question_texts=texts,
            group_names={g: {"en": f"Group {g}", "da": f"Gruppe {g}"} for g in "123"},
            answer_texts={
                "1": {"en": "One", "da": "En"},
                "2": {"en": "Two", "da": "To"},
                "3": {"en": "X", "da": "X"},
                "4": {"en": "Y", "da": "Y"},
            },
        ),
        filename="mapped.lss",
    )


def test_types_texts_and_languages_map() -> None:
    imported = _mapped()
    instrument = imported.instrument
    assert instrument.languages == ["en", "da"]
    assert instrument.title == {"en": "Survey en", "da": "Survey da"}
    assert [p.title for p in instrument.pages][0] == {"en": "Group 1", "da": "Gruppe 1"}
    items = _items(imported)
    q1 = items["Q1"]
    assert q1.type == "single_choice" and q1.required is True
    # Options in sortorder, codes kept as ids.
    assert [(o.id, o.label["da"]) for o in q1.options] == [("A2", "To"), ("A1", "En")]
    assert q1.text == {"en": "Question 1", "da": "Spørgsmål 1"}
    assert [o.id for o in items["Q2"].options] == ["Y", "N"]
    assert items["Q2"].options[0].label == {"en": "Yes", "da": "Ja"}
    assert items["Q3"].type == "number"
    assert [o.id for o in items["Q4"].options] == ["SQ1", "SQ2"]
    assert items["Q4"].options[1].label == {"en": "Sub 42", "da": "Del 42"}
    # X becomes the page intro.
    assert instrument.pages[1].intro["da"] == "Spørgsmål 5"
    assert (items["Q8_a"].type, items["Q8_a"].points) == ("likert", 5)
    assert items["Q8_b"].text == {"en": "Question 8\nSub 82", "da": "Spørgsmål 8\nDel 82"}
    assert items["Q9_n1"].type == "number"
    assert items["Q11_t1"].type == "text"
    # F with two answers: single choice with the answer codes.
    assert [o.id for o in items["Q12_r1"].options] == ["x", "y"]
    assert any("Q10" in n and "'R'" in n for n in imported.notes)


def test_relevance_becomes_show_if_or_a_note() -> None:
    imported = _mapped()
    items = _items(imported)
    dump = {
        k: (v.show_if.model_dump(by_alias=True) if v.show_if else None) for k, v in items.items()
    }
    assert dump["Q6"] == {"item": "Q1", "in": ["A2"]}
    assert dump["Q7"] == {"item": "Q3", "answered": True}
    assert dump["Q8_a"] == {"item": "Q2", "in": ["Y"]} == dump["Q8_b"]
    assert dump["Q11_t1"] == {
        "any": [
            {"item": "Q4", "in": ["SQ1"]},
            {"any": [{"item": "Q1", "not_in": ["A1"]}, {"item": "Q1", "answered": False}]},
        ]
    }
    # Q6 is on the same page as Q9: not expressible.
    assert 'relevance of Q9 kept out: Q6 == "x" and Q1 == "A1"' in imported.notes
    assert "relevance of Q12 kept out: count(Q1) > 2" in imported.notes
    page3 = imported.instrument.pages[2]
    assert page3.show_if.model_dump(by_alias=True) == {"item": "Q1", "in": ["A2"]}


def test_old_layout_with_two_languages() -> None:
    rows = "".join(
        f"<row><qid>1</qid><parent_qid>0</parent_qid><gid>1</gid><type>L</type>"
        f"<title>Q1</title><question>{text}</question><help>{help_}</help>"
        f"<mandatory>Y</mandatory><question_order>1</question_order><language>{lang}</language>"
        f"<relevance/></row>"
        for lang, text, help_ in (("de", "Frage", "Hilfe"), ("en", "Question", "Help"))
    )
    answers = "".join(
        f"<row><qid>1</qid><code>{code}</code><answer>{text}</answer><sortorder>{order}</sortorder>"
        f"<language>{lang}</language><scale_id>0</scale_id></row>"
        for code, order, lang, text in (
            ("1", "1", "de", "Eins"),
            ("2", "2", "de", "Zwei"),
            ("1", "1", "en", "One"),
            ("2", "2", "en", "Two"),
        )
    )
    groups = "".join(
        f"<row><gid>1</gid><group_name>{name}</group_name><group_order>0</group_order>"
        f"<language>{lang}</language></row>"
        for lang, name in (("de", "Gruppe"), ("en", "Group"))
    )
    data = (
        "<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>177</DBVersion>"
        f"<answers><rows>{answers}</rows></answers><groups><rows>{groups}</rows></groups>"
        f"<questions><rows>{rows}</rows></questions>"
        "<surveys><rows><row><sid>5</sid><language>de</language>"
        "<additional_languages>en</additional_languages></row></rows></surveys>"
        "<surveys_languagesettings><rows>"
        "<row><surveyls_language>de</surveyls_language><surveyls_title>Umfrage</surveyls_title></row>"
        "<row><surveyls_language>en</surveyls_language><surveyls_title>Survey</surveyls_title></row>"
        "</rows></surveys_languagesettings></document>"
    ).encode()
    imported = read_lss(data, filename="old.lss")
    instrument = imported.instrument
    assert instrument.languages == ["de", "en"]
    assert instrument.pages[0].title == {"de": "Gruppe", "en": "Group"}
    item = instrument.all_items()[0]
    assert item.text == {"de": "Frage", "en": "Question"}
    assert item.required is True
    assert [(o.id, o.value, o.label["de"], o.label["en"]) for o in item.options] == [
        ("a1", 1, "Eins", "One"),
        ("a2", 2, "Zwei", "Two"),
    ]
    assert any(n.startswith("Help texts") and "Q1" in n for n in imported.notes)


# -- hostile input -----------------------------------------------------------------------


def _one_question(text: str, kind: str = "T", prolog: str = "") -> bytes:
    return _lss(
        groups=[{"gid": "1", "group_order": "1"}],
        questions=[_q("1", "1", kind, "Q1", "1"), _q("2", "1", "T", "Q2", "2")],
        question_texts={"1": {"en": text}, "2": {"en": "Fine"}},
        languages=("en",),
        prolog=prolog,
    )


def test_html_and_script_become_plain_text() -> None:
    imported = read_lss(
        _one_question('<p onclick="x()">How <b>often</b>?</p><script>alert("x")</script>')
    )
    text = imported.instrument.all_items()[0].text["en"]
    assert text == "How often?"
    assert "<" not in text and "alert" not in text


def test_unknown_type_becomes_a_note() -> None:
    imported = read_lss(_one_question("When?", kind="@"))
    assert [i.id for i in imported.instrument.all_items()] == ["Q2"]
    assert any("Q1" in n and "'@'" in n for n in imported.notes)


def test_xxe_does_not_read_a_server_file() -> None:
    prolog = '<!DOCTYPE document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    data = _one_question("Q", prolog=prolog).replace(b"<![CDATA[Q]]>", b"&x;")
    try:
        result = repr(read_lss(data, filename="/srv/uploads/evil.lss"))
    except InvalidFile as error:
        result = str(error)
        assert "/srv" not in result
    assert "root:" not in result and "/bin/" not in result


def test_billion_laughs_is_harmless() -> None:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    ]
    prolog = f"<!DOCTYPE document [{''.join(levels)}]>"
    data = _one_question("Q", prolog=prolog).replace(b"<![CDATA[Q]]>", b"&l9;")
    try:
        result = read_lss(data)
    except InvalidFile:
        return
    assert len(result.instrument.all_items()[0].text["en"]) < 1000


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType>", "well-formed"),
        (b"\x00\xff not xml", "well-formed"),
        (b"<html><body>Hi</body></html>", "not a LimeSurvey survey"),
        (b"<document><LimeSurveyDocType>Group</LimeSurveyDocType></document>", "group export"),
        (b"   ", "empty"),
    ],
)
def test_bad_files_are_one_sentence(data: bytes, words: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        read_lss(data, filename="C:\\Users\\x\\upload.lss")
    message = str(caught.value)
    assert words in message
    assert message.startswith("upload.lss") and "Users" not in message
    assert "\n" not in message


def test_a_survey_without_importable_questions_is_refused() -> None:
    data = _lss(
        groups=[{"gid": "1", "group_order": "1"}],
        questions=[_q("1", "1", "*", "E1", "1")],
        question_texts={"1": {"en": "x"}},
        languages=("en",),
    )
    with pytest.raises(InvalidFile, match="no question"):
        read_lss(data)


def test_too_large_file_is_refused_before_parsing() -> None:
    data = b"<document>" + b" " * (21 * 1024 * 1024) + b"</document>"
    with pytest.raises(FileTooLarge, match="MB"):
        read_lss(data, filename="big.lss")


def test_instrument_id_is_given_or_made_from_the_title() -> None:
    assert _read("citric_survey.lss").instrument.id == "test-survey"
    assert _read("citric_survey.lss", instrument_id="my-survey").instrument.id == "my-survey"
    with pytest.raises(InvalidFile):
        _read("citric_survey.lss", instrument_id="Not a slug!")
