"""Hostile inputs end in one clear sentence, the same on SQLite and PostgreSQL (issue 13, 7).

Each case here ended in a traceback (huge ids, a CSV cell over 128 KB, a date
that does not exist, YAML nested thousands deep), in "Cannot use the database"
on PostgreSQL while SQLite stored the value (a NUL character, a name longer
than its column), or in garbled or refused text (one NUL byte in a transcript,
a UTF-16 CSV).
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import AccountRow, OrganisationRow
from study.errors import InvalidFile, InvalidInput
from study.interviews.transcripts.parsing import parse_transcript
from study.surveys.importing import read_responses
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instrument

runner = CliRunner()
HUGE = "9" * 25
SURVEY = load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "ism-adoption-survey.yaml")


def _responses_csv(cells: dict[str, str], *, submitted: str = "2024-05-01") -> str:
    """A plain CSV export with one response: every item column, ``cells`` filled in."""
    ids = [item.id for item in SURVEY.all_items()]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["respondent_id", "submitted", *ids])
    writer.writerow(["r1", submitted, *(cells.get(i, "") for i in ids)])
    return buffer.getvalue()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "deep.yaml").write_text("id: x\nitems: " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "big-cell.csv").write_text(_responses_csv({"open_barriers": "x" * 140_000}))
    (tmp_path / "no-such-day.csv").write_text(_responses_csv({}, submitted="2024-02-30"))
    return tmp_path


#: `study import responses` of a CSV file into Acme, but for the file.
IMPORT_CSV = "import responses --instrument ism-adoption-survey --org Acme --format csv".split()
CASES = {
    "huge transcript id": ["transcripts", "show", HUGE],
    "huge transcript filter": ["codings", "list", "--transcript", HUGE],
    "huge campaign id": ["campaign", "close", HUGE],
    "huge campaign for links": ["campaign", "invitations", HUGE, "--out", "{tmp}/links.csv"],
    "huge scheme id": ["icr", "--scheme", HUGE, "--unit", "turn"],
    "huge headcount": ["org", "add", "Beta", "--headcount", HUGE],
    "deep yaml instrument": ["instruments", "validate", "{tmp}/deep.yaml"],
    "deep yaml codebook": ["codes", "load", "{tmp}/deep.yaml"],
    "csv cell over 128 KB": [*IMPORT_CSV, "{tmp}/big-cell.csv"],
    "impossible date": [*IMPORT_CSV, "{tmp}/no-such-day.csv"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_cli_input_is_one_error_line(database, files, case):
    env = {"STUDY_DATABASE_URL": database.url}
    assert runner.invoke(app, ["org", "add", "Acme"], env=env).exit_code == 0
    args = [a.replace("{tmp}", str(files)) for a in CASES[case]]
    result = runner.invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Cannot use the database" not in result.output


def test_the_messages_say_what_is_wrong(database, files):
    env = {"STUDY_DATABASE_URL": database.url}
    runner.invoke(app, ["org", "add", "Acme"], env=env)

    def error(case: str) -> str:
        args = [a.replace("{tmp}", str(files)) for a in CASES[case]]
        return runner.invoke(app, args, env=env).output

    assert "too large" in error("huge transcript id")
    assert "nested too deeply" in error("deep yaml instrument")
    assert "longer than 128 KB" in error("csv cell over 128 KB")
    assert "'2024-02-30' is not a date that exists" in error("impossible date")


@pytest.mark.parametrize(
    "value, field",
    [
        ("Nul\x00 Bank", "organisation name must not contain a NUL character"),
        ("L" * 300, "organisation name may be at most 200 characters long, not 300"),
    ],
)
def test_a_value_the_database_cannot_hold_is_invalid_input_naming_the_field(database, value, field):
    with pytest.raises(InvalidInput, match=field):
        with database.transaction() as session:
            add_organisation(session, value, actor=OPERATOR)
    with pytest.raises(InvalidInput, match="account email must not contain a NUL"):
        with database.transaction() as session:
            add_account(session, "a\x00@example.org", role="coder", password=None, actor=OPERATOR)
    with database.transaction() as session:
        assert session.scalar(select(func.count(OrganisationRow.id))) == 0
        assert session.scalar(select(func.count(AccountRow.id))) == 0


def test_a_nul_cell_in_a_response_import_names_row_and_column():
    data = _responses_csv({"open_barriers": "fine\x00text"}).encode()
    with pytest.raises(InvalidFile, match=r"row 2, column open_barriers: contains a NUL"):
        read_responses(io.BytesIO(data), SURVEY, format="csv", name="nul.csv")


def test_a_text_transcript_with_one_nul_byte_is_read_as_its_text():
    text = (
        "Interviewer: Hvordan bruger I platformen?\n"
        "Anna Jensen: Vi bruger den hver dag,\x00 især på lageret.{pad}\n"
    )
    for pad in ("", "x"):  # odd and even lengths: neither may be read as UTF-16
        parsed = parse_transcript(text.format(pad=pad).encode("utf-8"), "nul.txt")
        assert parsed.text == (
            "Interviewer: Hvordan bruger I platformen?\n\n"
            f"Anna Jensen: Vi bruger den hver dag, især på lageret.{pad}"
        )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_read(encoding):
    data = _responses_csv({"uf1": "4", "open_barriers": "Ærlig talt: tid"}).encode(encoding)
    imported = read_responses(io.BytesIO(data), SURVEY, format="csv", name="excel.csv")
    answers = dict(zip(imported.answers["item_id"], imported.answers["value"]))
    assert answers["uf1"] == 4 and answers["open_barriers"] == "Ærlig talt: tid"


def test_a_binary_file_is_refused_as_not_csv():
    with pytest.raises(InvalidFile, match="not a text \\(CSV\\) file"):
        read_responses(io.BytesIO(bytes(range(256)) * 4), SURVEY, format="csv", name="x.csv")
