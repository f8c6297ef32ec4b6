"""No export carries a live spreadsheet formula, and text comes back exactly.

A demo study is given names and answers that start with ``= + - @``, a tab or
a CR (organisations, codes, a transcript, free-text answers), the way an
attacker or an unlucky import would store them. Then every ``study export``
command and every download button of every page (found by reading the page
sources, so a new one cannot be forgotten) produces its file, and each file
is scanned: no CSV field a spreadsheet would run, no formula cell in xlsx
(text is a string cell holding the exact text, with no apostrophe), no field
code in docx. Exported responses (CSV and XLSX) imported again give back the
exact original text: the escaping apostrophe does not survive.
"""

from __future__ import annotations

import ast
import csv
import io
import zipfile
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.cells import FORMULA_TRIGGERS, escape_formula, unescape_formula
from study.cli import app, export_app
from study.db.models import (
    AnswerRow,
    CampaignRow,
    CodeRow,
    OrganisationRow,
    ResponseRow,
    TranscriptRow,
)
from study.surveys.campaigns import create_campaign

from conftest import ROOT, download_bytes

runner = CliRunner()
PAGES = ROOT / "study" / "ui" / "pages"
# A name with a tab or line break is refused where it enters (issue 20.7); the tab and CR
# triggers are exercised by the answers below and by the round trip of escape_formula.
ORGANISATIONS = [
    '=HYPERLINK("http://evil.example","Nordlys")',
    "+SUM(1;2) A/S",
    "-2+3 Bank",
    "@SUM(A1) ApS",
]
CODES = ["=cmd|' /C calc'!A0", "+code", "-code", "@code"]
ANSWERS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "\t=tab",
    "'=already quoted",
    "''=two",
    "'tis fine",
    "plain text",
]
#: Formats that are not spreadsheets: nothing in them is ever evaluated as a formula.
NOT_SPREADSHEETS = {".qdpx", ".qdc", ".sav", ".yaml", ".qsf"}


# --- scanning ---------------------------------------------------------------------------------


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def live_formulas(data: bytes, name: str) -> list[str]:
    """Every field or cell of an exported file that a spreadsheet would run."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        text = data.decode("utf-8-sig")
        return [
            field
            for row in csv.reader(io.StringIO(text, newline=""))
            for field in row
            if field.startswith(FORMULA_TRIGGERS) and not _is_number(field)
        ]
    if suffix == ".xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        return [
            f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
            for sheet in workbook
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "f"
        ]
    if suffix == ".docx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
        return ["field code"] if b"instrText" in xml or b"fldSimple" in xml else []
    assert suffix in NOT_SPREADSHEETS, f"{name}: no scanner for this format"
    return []


def xlsx_texts(data: bytes) -> set[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        cell.value
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


# --- the hostile study ------------------------------------------------------------------------


@pytest.fixture
def hostile(demo_database):
    """The demo study with formula-like names and answers, stored as they are."""
    with demo_database.transaction() as session:
        organisations = session.scalars(select(OrganisationRow).order_by(OrganisationRow.id)).all()
        for organisation, name in zip(organisations, ORGANISATIONS):
            organisation.name = name
        codes = session.scalars(select(CodeRow).order_by(CodeRow.id)).all()
        for code, name in zip(codes, CODES):
            code.name = name
        transcript = session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)).first()
        transcript.name = "=transcript()"
        answers = session.scalars(
            select(AnswerRow).where(AnswerRow.item_id == "open_barriers").order_by(AnswerRow.id)
        ).all()
        assert len(answers) >= len(ANSWERS)
        for answer, text in zip(answers, ANSWERS):
            answer.value_text = text
        code_key = codes[0].key
        add_account(
            session,
            "researcher@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
    with demo_database.transaction() as session:
        campaign = create_campaign(
            session,
            organisation=ORGANISATIONS[1],
            instrument="ism-adoption-survey",
            invitations=3,
            actor=OPERATOR,
        )
    return {"database": demo_database, "code_key": code_key, "campaign": campaign.id}


def _cli(database, *args: str):
    result = runner.invoke(app, [str(a) for a in args], env={"STUDY_DATABASE_URL": database.url})
    assert result.exit_code == 0, (args, result.output)
    return result


def _cli_exports(hostile, folder: Path) -> dict[str, list[Path]]:
    """Run every export command in every format; their files by command."""
    database, key = hostile["database"], hostile["code_key"]
    runs = {
        "responses": [
            ["export", "responses", "--format", f, "--out", folder / f"responses.{f}"]
            for f in ("csv", "xlsx", "sav")
        ],
        "codings": [
            ["export", "codings", "--format", f, "--out", folder / f"codings.{f}"]
            for f in ("csv", "xlsx")
        ],
        "segments": [
            ["export", "segments", "--code", key, "--format", f, "--out", folder / f"segments.{f}"]
            for f in ("docx", "xlsx")
        ],
        "qdpx": [["export", "qdpx", "--out", folder / "project.qdpx"]],
        "codebook": [
            ["export", "codebook", "--format", f, "--out", folder / f"codebook.{f}"]
            for f in ("qdc", "csv")
        ],
        "benchmark": [["export", "benchmark", "--out", folder / "benchmark.xlsx"]],
        "scores": [
            ["export", "scores", "--format", f, "--out", folder / f"scores.{f}"]
            for f in ("csv", "xlsx", "sav")
        ],
    }
    runs["campaign invitations"] = [
        ["campaign", "invitations", str(hostile["campaign"]), "--out", folder / "links.csv"]
    ]
    written: dict[str, list[Path]] = {}
    for command, variants in runs.items():
        for args in variants:
            if command == "codebook":
                scheme = _scheme_key(database)
                args = [*args[:2], "--scheme", scheme, *args[2:]]
            _cli(database, *args)
            written.setdefault(command, []).append(Path(args[-1]))
    return written


def _scheme_key(database) -> str:
    with database.transaction() as session:
        from study.db.models import CodingSchemeRow

        return session.scalars(select(CodingSchemeRow.key).order_by(CodingSchemeRow.id)).first()


def test_every_cli_export_is_free_of_live_formulas(hostile, tmp_path):
    written = _cli_exports(hostile, tmp_path)
    commands = {
        command.name or command.callback.__name__ for command in export_app.registered_commands
    }
    assert commands <= set(written), (
        f"export commands this test does not run: {commands - set(written)}"
    )
    found = {
        path.name: live_formulas(path.read_bytes(), path.name)
        for paths in written.values()
        for path in paths
    }
    assert found == {name: [] for name in found}
    # xlsx keeps the text exactly: no apostrophe in front of it
    texts = xlsx_texts((tmp_path / "responses.xlsx").read_bytes())
    assert set(ANSWERS) - {"\t=tab"} <= texts
    assert not any(t.startswith("'=HYPERLINK") for t in texts)
    codings = xlsx_texts((tmp_path / "codings.xlsx").read_bytes())
    assert "=transcript()" in codings or ORGANISATIONS[0] in codings


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_responses_import_back_with_the_exact_text(hostile, tmp_path, fmt):
    database = hostile["database"]
    path = tmp_path / f"responses.{fmt}"
    _cli(database, "export", "responses", "--format", fmt, "--out", path)
    _cli(database, "org", "add", "Round Trip")
    _cli(
        database,
        "import",
        "responses",
        path,
        "--instrument",
        "ism-adoption-survey",
        "--org",
        "Round Trip",
        "--format",
        "csv",
    )
    with database.transaction() as session:
        back = session.scalars(
            select(AnswerRow.value_text)
            .join(ResponseRow)
            .join(CampaignRow)
            .join(OrganisationRow)
            .where(OrganisationRow.name == "Round Trip", AnswerRow.item_id == "open_barriers")
        ).all()
    # Text answers are stored stripped (answers.py), however they arrive: "\t=tab" is "=tab".
    assert {text.strip() for text in ANSWERS} <= set(back)
    assert not any(text.startswith("'=HYPERLINK") for text in back)


def test_an_exported_csv_codebook_reads_back_with_the_exact_names(hostile, tmp_path):
    from study.exchange.refiqda.codebook import read_codebook

    path = tmp_path / "codebook.csv"
    _cli(
        hostile["database"],
        "export",
        "codebook",
        "--scheme",
        _scheme_key(hostile["database"]),
        "--format",
        "csv",
        "--out",
        path,
    )
    assert live_formulas(path.read_bytes(), path.name) == []

    def names(codes):
        return [n for code in codes for n in (code.name, *names(code.children))]

    assert set(CODES) <= set(names(read_codebook(path)))


def test_csv_escaping_round_trips_every_text():
    for text in [
        *ANSWERS,
        *ORGANISATIONS,
        "\t=1+1 Kommune",
        "\r=2+2 Forsyning",
        "'",
        "''",
        "'a",
        "",
        "=",
        "'\t",
        3,
        None,
    ]:
        assert unescape_formula(escape_formula(text)) == text
        assert not (
            isinstance(escape_formula(text), str)
            and escape_formula(text).startswith(FORMULA_TRIGGERS)
        )


# --- every download button of every page ------------------------------------------------------


def download_buttons_in_sources() -> dict[str, int]:
    """How many download buttons each page script makes, read from its source: calls of
    ``st.download_button`` or of the shared ``study.ui.widgets.csv_download``."""
    counts: dict[str, int] = {}
    for path in sorted(PAGES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = getattr(node, "func", None)
            name = getattr(called, "attr", None) or getattr(called, "id", None)
            if isinstance(node, ast.Call) and name in ("download_button", "csv_download"):
                counts[path.name] = counts.get(path.name, 0) + 1
    return counts


#: Each page with download buttons, and how to make the page show them all.
DOWNLOAD_PAGES = {
    "benchmark.py": 1,
    "compare.py": 1,
    "codebook.py": 3,
    "instruments.py": 2,
    "campaigns.py": 1,
    "joint_display.py": 2,
    "exchange.py": 2,
    "segments.py": 2,
}


def test_the_test_knows_every_download_button():
    assert download_buttons_in_sources() == DOWNLOAD_PAGES


def test_every_download_button_is_free_of_live_formulas(hostile, recorded_downloads):
    from streamlit.testing.v1 import AppTest

    from study.admin.accounts import get_account

    with hostile["database"].transaction() as session:
        account = asdict(get_account(session, "researcher@example.org"))
    shown: dict[str, set[str]] = {}
    for script in DOWNLOAD_PAGES:
        recorded_downloads.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["account"] = account
        at.run()
        at = at.switch_page(f"study/ui/pages/{script}").run()
        at = _show_every_download(at, script)
        assert not at.exception, (script, at.exception)
        shown[script] = set()
        for name, data in recorded_downloads:
            shown[script].add(name)
            assert live_formulas(download_bytes(data), name) == [], (script, name)
    missing = {
        script: count for script, count in DOWNLOAD_PAGES.items() if len(shown[script]) < count
    }
    assert missing == {}, f"download buttons the test did not reach: {missing} ({shown})"


def _show_every_download(at, script: str):
    """Make a page render all its download buttons (some need a choice first)."""
    if script == "instruments.py":  # a survey's YAML and .qsf, then a guide's .docx
        for kind in ("ism-adoption-survey", "interview-guide"):
            chosen = next(o for o in at.selectbox[0].options if kind in o)
            at = at.selectbox[0].select(chosen).run()
    return at
