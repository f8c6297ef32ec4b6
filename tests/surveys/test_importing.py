"""Importing responses from Qualtrics, LimeSurvey and plain CSV exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from study.errors import InvalidFile, InvalidInput
from study.surveys.importing import ImportedResponses, read_responses
from study.surveys.instruments import load_instrument

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "surveys"
MATRIX = {"QID1_1": "com1", "QID1_2": "com2", "QID1_3": "com3"}


@pytest.fixture(scope="module")
def team():
    return load_instrument(DATA / "team-survey.yaml")


def _answers_of(result: ImportedResponses, row: int) -> dict[str, object]:
    chosen = result.answers[result.answers["row_index"] == row]
    return dict(zip(chosen["item_id"], chosen["value"]))


@pytest.fixture(scope="module")
def qualtrics(team) -> ImportedResponses:
    return read_responses(
        DATA / "qualtrics_numeric.csv", team, format="qualtrics", column_map=MATRIX
    )


def test_qualtrics_export_keeps_useful_metadata_and_skips_previews(qualtrics):
    responses = qualtrics.responses
    assert list(responses.columns) == [
        "row_index",
        "external_id",
        "submitted",
        "finished",
        "language",
    ]
    assert responses["external_id"].tolist() == [
        "R_1a2B3c4D5e6F7g8",
        "R_2b3C4d5E6f7G8h9",
        "R_3c4D5e6F7g8H9i0",
        "R_4d5E6f7G8h9I0j1",
    ]
    assert qualtrics.skipped_rows == 1  # the "Survey Preview" row
    assert responses["finished"].tolist() == [True, True, False, True]
    assert responses["submitted"].tolist()[2] == dt.date(2024, 3, 13)  # RecordedDate, date only
    assert responses["language"].tolist() == ["en", "da", "da", "en"]  # EN-GB -> en


def test_qualtrics_export_never_carries_ip_location_or_names(qualtrics):
    stored = qualtrics.answers.astype(str).to_string() + qualtrics.responses.astype(str).to_string()
    for private in ("192.0.2.10", "55.6761", "12.5683", "anonymous"):
        assert private not in stored
    assert set(qualtrics.columns) == {
        "Q1_1",
        "Q1_2",
        "Q1_3",
        "use1",
        "dept",
        "uses",
        "minutes",
        "comment",
    }


def test_qualtrics_values_become_stored_answers(qualtrics):
    assert _answers_of(qualtrics, 0) == {
        "com1": 4,
        "com2": 5,
        "com3": 2,
        "use1": 5,
        "dept": "ops",
        "uses": ["news", "projects"],
        "minutes": 90.0,
        "comment": "More time to read it.",
    }
    unfinished = _answers_of(qualtrics, 2)
    assert unfinished == {"com1": 3, "com3": 4, "use1": 2}
    assert _answers_of(qualtrics, 3)["comment"] == '=HYPERLINK("http://example.com","click")'


def test_qualtrics_columns_without_a_map_are_listed_in_one_error(team):
    with pytest.raises(InvalidFile) as caught:
        read_responses(DATA / "qualtrics_numeric.csv", team, format="qualtrics")
    message = str(caught.value)
    assert "unknown columns: Q1_1, Q1_2, Q1_3" in message
    assert "items with no column: com1, com2, com3" in message
    assert "qualtrics_numeric.csv" in message
    for metadata in ("StartDate", "IPAddress", "Duration", "Q_RecaptchaScore", "Q1_DO"):
        assert metadata not in message


def test_a_file_without_the_qualtrics_import_id_row_is_refused(team):
    legacy = (DATA / "plain.csv").read_bytes()
    with pytest.raises(InvalidFile, match="not a Qualtrics CSV export") as caught:
        read_responses(io.BytesIO(legacy), team, format="qualtrics", name="legacy.csv")
    assert caught.value.line == 3 and caught.value.path == "legacy.csv"


def test_limesurvey_export_maps_arrays_and_multiple_choice(team):
    result = read_responses(DATA / "limesurvey_codes.csv", team, format="limesurvey")
    assert result.responses["external_id"].tolist() == ["1", "2", "3", "4"]
    assert result.responses["finished"].tolist() == [True, True, False, True]
    assert result.responses["submitted"].tolist() == [
        dt.date(2024, 4, 2),
        dt.date(2024, 4, 2),
        None,
        dt.date(2024, 4, 4),
    ]
    assert result.responses["language"].tolist() == ["da", "en", "da", "en"]
    assert _answers_of(result, 0) == {
        "com1": 4,
        "com2": 4,
        "com3": 2,
        "use1": 5,
        "dept": "ops",
        "uses": ["news", "projects"],
        "minutes": 60.0,
        "comment": "Fint nok",
    }
    assert _answers_of(result, 2) == {"com1": 3, "com2": 2}
    assert "uses" not in _answers_of(result, 3)  # no box ticked: not answered
    assert result.columns["COM[com1]"] == "com1" and result.columns["uses[news]"] == "uses[news]"


def test_plain_csv_with_item_id_columns(team):
    result = read_responses(DATA / "plain.csv", team, format="csv")
    assert result.responses["external_id"].tolist() == ["a1", "a2", "a3"]
    assert result.responses["finished"].isna().all()
    assert _answers_of(result, 1) == {
        "com1": 5,
        "com3": 1,
        "use1": 3,
        "dept": "support",
        "minutes": 15.5,
        "comment": "Godt initiativ",
    }
    assert _answers_of(result, 2)["comment"] == "Slow, hard to find things"


def test_a_danish_excel_csv_with_semicolons_and_windows_encoding_is_read(team):
    text = (
        "respondent_id;com1;com2;com3;use1;dept;uses;minutes;comment\r\n"
        "d1;Helt enig;4;2;Dagligt;Stabsfunktioner;Nyheder;12,5;Det går fint på platformen\r\n"
    )
    result = read_responses(io.BytesIO(text.encode("cp1252")), team, format="csv", name="dk.csv")
    assert _answers_of(result, 0) == {
        "com1": 5,
        "com2": 4,
        "com3": 2,
        "use1": 5,
        "dept": "support",
        "uses": ["news"],
        "minutes": 12.5,
        "comment": "Det går fint på platformen",
    }


def test_values_out_of_range_are_all_reported_by_row_and_column(team):
    with pytest.raises(InvalidFile) as caught:
        read_responses(DATA / "out_of_range.csv", team, format="csv")
    message = str(caught.value)
    assert message.count("row ") == 7
    for expected in (
        "row 2, column com1: 7 is not a whole number from 1 to 5",
        "row 3, column com2",
        "row 3, column dept: 'finance'",
        "row 4, column uses: 'gossip'",
        "row 4, column minutes: -5 is below",
        "row 5, column use1: 3.5",
        "row 5, column minutes: 9999 is above",
    ):
        assert expected in message


def test_at_most_twenty_problems_are_listed(team, tmp_path):
    rows = "\n".join(f"x{i},9,9,9,9,ops,,," for i in range(10))
    path = tmp_path / "bad.csv"
    path.write_text(
        "respondent_id,com1,com2,com3,use1,dept,uses,minutes,comment\n" + rows, encoding="utf-8"
    )
    with pytest.raises(InvalidFile, match=r"40 value\(s\) cannot be imported") as caught:
        read_responses(path, team, format="csv")
    assert str(caught.value).count("row ") == 20 and "(and 20 more)" in str(caught.value)


def test_unknown_and_missing_columns_come_in_one_error(team):
    with pytest.raises(InvalidFile) as caught:
        read_responses(DATA / "unknown_columns.csv", team, format="csv")
    message = str(caught.value)
    assert "unknown columns: salary, Email" in message and "items with no column: com3" in message


def test_a_column_map_can_ignore_columns_and_rename_others(team):
    text = (
        b"respondent_id,C1,C2,C3,use1,dept,uses,minutes,comment,salary\n"
        b"e1,4,3,2,5,ops,news,10,,50000\n"
    )
    result = read_responses(
        io.BytesIO(text),
        team,
        format="csv",
        name="mapped.csv",
        column_map={"C1": "com1", "C2": "com2", "C3": "com3", "salary": None},
    )
    assert _answers_of(result, 0) == {
        "com1": 4,
        "com2": 3,
        "com3": 2,
        "use1": 5,
        "dept": "ops",
        "uses": ["news"],
        "minutes": 10.0,
    }
    assert result.columns["C3"] == "com3" and "salary" not in result.columns
    with pytest.raises(InvalidFile) as caught:
        read_responses(
            io.BytesIO(text),
            team,
            format="csv",
            name="mapped.csv",
            column_map={"C1": "com1", "C2": "com2", "C3": "nope"},
        )
    assert "unknown columns: C3, salary; items with no column: com3" in str(caught.value)


def test_an_unknown_format_is_refused(team):
    with pytest.raises(InvalidInput, match="spss"):
        read_responses(DATA / "plain.csv", team, format="spss")


def test_an_empty_file_is_refused(team):
    with pytest.raises(InvalidFile, match="empty"):
        read_responses(io.BytesIO(b"\n\n"), team, format="csv", name="empty.csv")


def test_a_qualtrics_import_id_nested_thousands_deep_is_no_traceback(team):
    """Issue 20, 9: every JSON we read refuses deep nesting with a sentence, not a RecursionError."""
    lines = (DATA / "qualtrics_numeric.csv").read_text(encoding="utf-8").splitlines()
    deep = '"{""ImportId"": ' + "[" * 50_000 + '"startDate"' + "]" * 50_000 + '}"'
    lines[2] = deep + lines[2][lines[2].index('}",') + 2 :]
    source = io.BytesIO("\n".join(lines).encode("utf-8"))
    try:
        result = read_responses(
            source, team, format="qualtrics", column_map=MATRIX, name="deep.csv"
        )
    except InvalidFile as refused:
        assert "deep.csv" in str(refused)
    else:
        assert len(result.answers) > 0
