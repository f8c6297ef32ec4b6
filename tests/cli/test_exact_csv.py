"""Exact CSV for analysis tools: ``--exact`` / ``exact=True`` write "- no time" as it is.

By default a CSV field starting with ``= + - @`` gets a leading apostrophe, so a
spreadsheet never runs it; R, pandas and SPSS read that apostrophe as part of the
answer. The default stays protected; ``--exact`` (and ``exact=True``) give the exact
text, and ``--help`` names the risk.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cells import csv_bytes
from study.cli import app
from study.interviews.coding import export_codings
from study.interviews.coding.schemes_store import load_scheme_into_db
from study.surveys.exporting import RESPONSE_COLUMNS, write_responses
from study.surveys.instruments import load_instrument

from coding_study import CODING, code_passage, seed_coders, seed_transcript
from comparison_study import BETA, add_organisation_with_answers
from conftest import DATA

ANSWER = "- no time, too many tools"
RISK = (
    "cells starting with = + - @ are written as they are: do not open this file in a "
    "spreadsheet program"
)
runner = CliRunner()


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def invoke(database, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": database.url})


def test_csv_bytes_is_protected_by_default_and_exact_on_request(tmp_path):
    frame = pd.DataFrame({"answer": [ANSWER, "=1+1", "@me", "+45", "fine"]})
    (tmp_path / "safe.csv").write_bytes(csv_bytes(frame))
    (tmp_path / "exact.csv").write_bytes(csv_bytes(frame, exact=True))
    assert _read(tmp_path / "safe.csv")["answer"].tolist() == [
        "'" + ANSWER,
        "'=1+1",
        "'@me",
        "'+45",
        "fine",
    ]
    assert _read(tmp_path / "exact.csv")["answer"].tolist() == [
        ANSWER,
        "=1+1",
        "@me",
        "+45",
        "fine",
    ]


def test_responses_csv_exact_keeps_the_answer_as_typed(tmp_path):
    team = load_instrument(DATA / "surveys" / "team-survey.yaml")
    frame = pd.DataFrame(
        [
            ("r1", "Beta A/S", "spring", 2, "comment", ANSWER),
            ("r1", "Beta A/S", "spring", 2, "com1", 4),
        ],
        columns=list(RESPONSE_COLUMNS),
    )
    write_responses(frame, team, tmp_path / "safe.csv", format="csv")
    write_responses(frame, team, tmp_path / "exact.csv", format="csv", exact=True)
    assert _read(tmp_path / "safe.csv")["comment"].tolist() == ["'" + ANSWER]
    exact = _read(tmp_path / "exact.csv")
    assert exact["comment"].tolist() == [ANSWER] and exact["com1"].tolist() == ["4"]


@pytest.fixture
def coded(database):
    with database.transaction() as session:
        load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
        transcript = seed_transcript(
            session, filename="exact.txt", text=f"Interviewer: Why not?\n\nAnna: {ANSWER}\n"
        )
        ana, _ = seed_coders(session)
        code_passage(session, transcript, ANSWER, ("tiny", "no-time"), ana)
    return database


def test_codings_export_exact_in_the_library_and_the_cli(coded, tmp_path):
    with coded.transaction() as session:
        export_codings(session, tmp_path / "lib.csv", format="csv", viewer=OPERATOR, exact=True)
    assert _read(tmp_path / "lib.csv")["text"].tolist() == [ANSWER]
    for args, expected in (([], "'" + ANSWER), (["--exact"], ANSWER)):
        out = tmp_path / f"cli{len(args)}.csv"
        result = invoke(coded, "export", "codings", "--format", "csv", "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        assert _read(out)["text"].tolist() == [expected]


def test_scores_export_exact_keeps_an_organisation_name_as_it_is(database, tmp_path):
    with database.transaction() as session:
        add_organisation_with_answers(session, "+45 Telecom", BETA, sector="- other -")
    for args in ([], ["--exact"]):
        out = tmp_path / f"scores{len(args)}.csv"
        result = invoke(database, "export", "scores", "--format", "csv", "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        frame = _read(out)
        quote = "" if args else "'"
        assert set(frame["organisation"]) == {quote + "+45 Telecom"}
        assert set(frame["sector"]) == {quote + "- other -"}


def test_codebook_csv_exact_from_the_cli_keeps_a_formula_like_name(database, tmp_path):
    from study.interviews.coding import add_code

    with database.transaction() as session:
        load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
        add_code(session, "tiny", key="sum", name="=SUM(A1)", actor=OPERATOR)
    for args in ([], ["--exact"]):
        out = tmp_path / f"codebook{len(args)}.csv"
        result = invoke(
            database, *f"export codebook --scheme tiny --format csv --out {out}".split(), *args
        )
        assert result.exit_code == 0, result.output
        quote = "" if args else "'"
        assert quote + "=SUM(A1)" in _read(out)["tag"].tolist()


@pytest.mark.parametrize(
    "command",
    [
        ["export", "codings"],
        ["export", "scores"],
        ["platform", "measures"],
        ["export", "responses"],
        ["export", "codebook"],
    ],
)
def test_help_names_the_risk_of_exact(command):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "--exact" in text
    assert RISK in text
