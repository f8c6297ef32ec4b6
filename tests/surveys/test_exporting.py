"""Writing responses as csv, xlsx and sav, and reading the files back."""

from __future__ import annotations

import io
import tempfile

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from study.errors import InvalidInput
from study.surveys.demo_responses import generate_demo_responses
from study.surveys.exporting import RESPONSE_COLUMNS, write_responses
from study.surveys.importing import read_responses
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instrument

from conftest import DATA as TEST_DATA

TEAM = TEST_DATA / "surveys" / "team-survey.yaml"
FORMULA = '=HYPERLINK("http://example.com","click")'
#: The columns before the items in every export.
LEAD = ["response_id", "organisation", "campaign", "instrument_version"]


@pytest.fixture(scope="module")
def team():
    return load_instrument(TEAM)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    answers = {
        "r1": {
            "com1": 4,
            "com2": 5,
            "com3": 1,
            "use1": 5,
            "dept": "ops",
            "uses": ["news", "projects"],
            "minutes": 90.0,
            "comment": FORMULA,
        },
        "r2": {
            "com1": 2,
            "com3": 5,
            "dept": "support",
            "uses": [],
            "comment": "Bedre søgning, tak",
        },
        "r3": {"use1": 1, "minutes": 12.5},
    }
    organisation = {"r1": "Beta A/S", "r2": "Alpha Bank", "r3": "Beta A/S"}
    rows = [
        (r, organisation[r], "spring-2025", 2, item, value)
        for r, items in answers.items()
        for item, value in items.items()
    ]
    return pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS))


def test_csv_has_one_row_per_response_and_reads_back_as_the_same_answers(team, frame, tmp_path):
    path = tmp_path / "responses.csv"
    write_responses(frame, team, path, format="csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, so Excel shows æ, ø, å
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == [*LEAD, *"com1 com2 com3 use1 dept uses minutes comment".split()]
    assert table["response_id"].tolist() == ["r2", "r1", "r3"]  # first, to merge with scores
    assert table["organisation"].tolist() == ["Alpha Bank", "Beta A/S", "Beta A/S"]
    assert table.loc[1, "uses"] == "news;projects"
    assert table.loc[1, "comment"] == "'" + FORMULA  # text, never a live formula
    back = read_responses(path, team, format="csv")
    second = back.answers[back.answers["row_index"] == 2]
    assert dict(zip(second["item_id"], second["value"])) == {"use1": 1, "minutes": 12.5}
    first = back.answers[back.answers["row_index"] == 0]
    assert dict(zip(first["item_id"], first["value"]))["comment"] == "Bedre søgning, tak"


def test_xlsx_keeps_formulas_as_text_and_has_a_codebook(team, frame, tmp_path):
    path = tmp_path / "responses.xlsx"
    write_responses(frame, team, path, format="xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["responses", "codebook"]
    sheet = workbook["responses"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == [*LEAD, "com1"]
    comment = sheet.cell(row=3, column=header.index("comment") + 1)
    assert comment.data_type == "s"
    assert comment.value == FORMULA  # exact text in a string cell: never run, no apostrophe
    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []
    assert sheet.cell(row=3, column=header.index("com1") + 1).value == 4
    assert sheet.cell(row=2, column=header.index("comment") + 1).value == "Bedre søgning, tak"
    codebook = {row[0]: row for row in workbook["codebook"].iter_rows(values_only=True)}
    assert codebook["com3"][4] == "yes"
    assert "5 = Strongly agree" in codebook["com1"][5]


def test_sav_has_variable_labels_and_value_labels(team, frame, tmp_path):
    path = tmp_path / "responses.sav"
    write_responses(frame, team, path, format="sav")
    data, meta = pyreadstat.read_sav(str(path))
    # a multiple choice becomes one 0/1 variable per option
    uses = ["uses_news", "uses_questions", "uses_projects"]
    items = ["com1", "com2", "com3", "use1", "dept", *uses, "minutes", "comment"]
    assert list(data.columns) == [*LEAD, *items]
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["com3"] == "I could just as well work elsewhere."
    assert labels["uses_news"] == "What do you use it for? - News"
    value_labels = meta.variable_value_labels
    assert value_labels["com1"] == {
        1.0: "Strongly disagree",
        2.0: "Disagree",
        3.0: "Neither agree nor disagree",
        4.0: "Agree",
        5.0: "Strongly agree",
    }
    assert value_labels["dept"] == {1.0: "Operations", 2.0: "Support functions", 3.0: "Other"}
    assert meta.variable_measure["com1"] == "ordinal"
    beta_first = data.iloc[1]
    assert beta_first["organisation"] == "Beta A/S" and beta_first["com3"] == 1
    assert (beta_first["uses_news"], beta_first["uses_questions"]) == (1, 0)
    assert data.iloc[0]["dept"] == 2 and data.iloc[0]["uses_news"] == 0  # answered, none chosen
    assert pd.isna(data.iloc[2]["uses_news"]) and pd.isna(data.iloc[2]["com1"])
    assert beta_first["comment"] == FORMULA  # SPSS runs no formulas: kept as written


def test_sav_labels_can_be_danish_and_go_to_a_stream(team, frame):
    stream = io.BytesIO()
    write_responses(frame, team, stream, format="sav", language="da")
    _, meta = _read_sav_bytes(stream.getvalue())
    assert meta.variable_value_labels["com1"][1.0] == "Helt uenig"
    assert dict(zip(meta.column_names, meta.column_labels))["com1"] == "Jeg føler mig hjemme her."


def _read_sav_bytes(content: bytes):
    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(content)
        handle.flush()
        return pyreadstat.read_sav(handle.name)


def test_the_shipped_survey_exports_demo_data_to_every_format(tmp_path):
    survey = load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "ism-adoption-survey.yaml")
    demo = generate_demo_responses(survey, ["Alpha", "Beta"], respondents=20, seed=1)
    frame = demo.answers.rename(columns={"respondent": "response_id"}).assign(
        campaign="demo", instrument_version=survey.version
    )
    for format in ("csv", "xlsx", "sav"):
        write_responses(frame, survey, tmp_path / f"demo.{format}", format=format)
    data, _ = pyreadstat.read_sav(str(tmp_path / "demo.sav"))
    assert len(data) == 40 and "uses_recognition" in data.columns
    back = read_responses(tmp_path / "demo.csv", survey, format="csv")
    assert len(back.responses) == 40
    assert len(back.answers) == len(demo.answers)


def test_bad_arguments_are_refused(team, frame, tmp_path):
    with pytest.raises(InvalidInput, match="pdf"):
        write_responses(frame, team, tmp_path / "x.pdf", format="pdf")
    with pytest.raises(InvalidInput, match="'de'"):
        write_responses(frame, team, tmp_path / "x.sav", format="sav", language="de")
    with pytest.raises(InvalidInput, match="ghost"):
        write_responses(frame.assign(item_id="ghost"), team, tmp_path / "x.csv", format="csv")
    with pytest.raises(InvalidInput, match="campaign"):
        write_responses(frame.drop(columns="campaign"), team, tmp_path / "x.csv", format="csv")
