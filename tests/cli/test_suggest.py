"""`study suggest train|evaluate|list|accept|reject`, in-process on real databases."""

from __future__ import annotations

import json

from suggestion_study import CODER_EMAILS, SCHEME_KEY, coded_study
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cli import app
from study.interviews.coding import list_codings

runner = CliRunner()
LIST = ("suggest", "list", "--transcript")


def invoke(database, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": database.url})


def test_train_evaluate_list_accept_and_reject_from_the_command_line(coded):
    database, study = coded
    trained = invoke(database, "suggest", "train", "--scheme", SCHEME_KEY)
    assert trained.exit_code == 0, trained.output
    assert trained.output.startswith(f"Trained {SCHEME_KEY} 1.0 (team) on ")
    assert "6 codes learned" in trained.output

    evaluated = invoke(database, "suggest", "evaluate", "--scheme", SCHEME_KEY, "--format", "json")
    assert evaluated.exit_code == 0, evaluated.output
    quality = json.loads(evaluated.output)
    assert {"scheme", "scope", "folds", "codes", "macro_f1", "keyword_macro_f1"} <= set(quality)
    assert quality["transcripts"] == 12 and len(quality["codes"]) == 6
    assert {"precision", "recall", "f1", "alpha", "alpha_by_coder"} <= set(
        quality["codes"][0]["model"]
    )
    table = invoke(database, "suggest", "evaluate", "--scheme", SCHEME_KEY)
    assert table.exit_code == 0 and "Macro F1: model" in table.output

    transcript = str(study.transcript_ids[0])
    listed = invoke(database, *LIST, transcript, "--format", "json", "--as", CODER_EMAILS[0])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert rows and {"scheme", "code", "start", "end", "probability", "on", "text"} <= set(rows[0])
    first, second = rows[0], rows[1]

    def answer(verb: str, row: dict):
        return invoke(
            database,
            "suggest",
            verb,
            "--transcript",
            transcript,
            "--scheme",
            SCHEME_KEY,
            "--code",
            row["code"],
            "--start",
            str(row["start"]),
            "--end",
            str(row["end"]),
            "--as",
            CODER_EMAILS[0],
        )

    accepted = answer("accept", first)
    assert accepted.exit_code == 0 and accepted.output.startswith("Coded "), accepted.output
    rejected = answer("reject", second)
    assert rejected.exit_code == 0 and "will not be suggested again" in rejected.output
    again = answer("reject", second)
    assert again.exit_code == 1 and "No open suggestion" in again.output
    left = json.loads(
        invoke(database, *LIST, transcript, "--format", "json", "--as", CODER_EMAILS[0]).output
    )
    assert {(r["code"], r["start"]) for r in left}.isdisjoint(
        {(first["code"], first["start"]), (second["code"], second["start"])}
    )
    with database.transaction() as session:
        codings = list_codings(session, transcript_id=int(transcript), viewer=OPERATOR)
    assert list(codings["origin"]).count("suggested") == 1


def test_errors_are_one_sentence(database, tmp_path):
    coded_study(database, tmp_path, interviews=1)
    unknown = invoke(database, "suggest", "train", "--scheme", "no-such-scheme")
    assert unknown.exit_code == 1 and unknown.output.startswith("Error:")
    assert "Traceback" not in unknown.output
    too_few = invoke(database, "suggest", "evaluate", "--scheme", SCHEME_KEY)
    assert too_few.exit_code == 1 and "at least two transcripts" in too_few.output
    as_operator = invoke(
        database,
        "suggest",
        "accept",
        "--transcript",
        "1",
        "--scheme",
        SCHEME_KEY,
        "--code",
        "x",
        "--start",
        "0",
        "--end",
        "5",
    )
    assert as_operator.exit_code == 2  # --as is required: a suggestion is a coder's to answer
