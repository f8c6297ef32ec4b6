"""The record of processing (issue 26, GDPR Art. 30) is the study's real configuration."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict

import docx
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from study.admin.accounts import deactivate_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.admin.processing_record import (
    processing_record,
    processing_record_markdown,
    write_processing_record,
)
from study.admin.retention import set_retention
from study.cli import app
from study.db.models import StudyRow
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding import load_scheme_into_db
from study.interviews.coding.blind import set_blind
from study.interviews.transcripts.store import import_transcript
from study.surveys import create_campaign, start_response, submit_response

from coding_study import CODING
from conftest import DATA, ROOT, add_user, download_bytes

runner = CliRunner()
SURVEY = "ism-adoption-survey"


@pytest.fixture
def study(database, monkeypatch):
    """Two organisations with practitioners, responses, transcripts, a blind scheme, dates."""
    monkeypatch.setenv("STUDY_MIN_GROUP_SIZE", "7")
    monkeypatch.setenv("STUDY_MIN_BENCHMARK_ORGS", "4")
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        add_organisation(session, "Fjordbank", actor=OPERATOR)
        session.scalar(select(StudyRow)).pseudonymous = True
        link = create_campaign(session, organisation="Fjordbank", instrument=SURVEY, actor=OPERATOR)
        token = link.link.split("t=")[1]
        for complete in (True, True, False):
            response_id, _ = start_response(session, token, language="en")
            if complete:
                submit_response(session, response_id, {"uf1": 2})
        for name, pseudonymise in (("teams.vtt", True), ("zoom.vtt", False)):
            import_transcript(
                session,
                (DATA / "transcripts" / name).read_bytes(),
                name,
                organisation="Nordlys Bank",
                role="employee",
                pseudonymise=pseudonymise,
                actor=OPERATOR,
            )
        load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
        set_blind(session, "tiny", True, actor=OPERATOR)
        add_user(session, "rita@example.org", "researcher")
        add_user(session, "ana@example.org", "coder")
        add_user(session, "carl@qdpx.invalid", "coder", password=None)  # imported: no login
        for email, organisation in (
            ("p1@nordlys.example", "Nordlys Bank"),
            ("p2@nordlys.example", "Nordlys Bank"),
            ("p3@fjordbank.example", "Fjordbank"),
            ("gone@fjordbank.example", "Fjordbank"),
        ):
            add_user(session, email, "practitioner", organisation=organisation)
        deactivate_account(session, "gone@fjordbank.example", actor=OPERATOR)
        set_retention(
            session,
            retention_on=dt.date(2027, 1, 31),
            freeze_on=dt.date(2026, 12, 31),
            delete=["invitation_emails", "speaker_names"],
            actor=OPERATOR,
        )
    return database


def record_of(database):
    with database.transaction() as session:
        return processing_record(session, viewer=OPERATOR, today=dt.date(2026, 6, 1))


def test_the_record_holds_the_study_as_it_is_now(study):
    record = record_of(study)
    assert record.prepared_on == "2026-06-01"
    assert record.counts["Organisations"] == 2
    assert record.counts["Responses, complete"] == 2
    assert record.counts["Responses in progress"] == 1
    assert record.counts["Transcripts"] == 2
    assert record.counts["Accounts (active)"] == 6  # the deactivated one is not counted
    recipients = {(r.recipients, r.organisation): r.accounts for r in record.recipients}
    assert recipients == {
        ("Admins", "all"): 0,
        ("Researchers", "all"): 1,
        ("Coders", "all"): 1,  # the imported coder cannot log in
        ("Practitioners", "Fjordbank"): 1,
        ("Practitioners", "Nordlys Bank"): 2,
    }
    retention = " ".join(record.retention)
    assert "Retention date: 2027-01-31" in retention
    assert "Analysis freeze date: 2026-12-31" in retention
    assert "Invitation e-mail addresses (invitation_emails)" in retention
    assert "speaker_names" in retention and "mail_log" not in retention
    safeguards = " ".join(record.safeguards)
    assert "Pseudonymous study" in safeguards
    assert "Minimum group size 7 (STUDY_MIN_GROUP_SIZE)" in safeguards
    assert "at least 4 other organisations" in safeguards
    assert "Blind coding in force on the coding schemes tiny." in safeguards
    assert "1 of 2 imported were pseudonymised" in safeguards
    assert "argon2id" in safeguards
    assert "Platform exports" not in safeguards  # none imported


def test_an_anonymous_study_without_dates_or_blind_schemes_says_so(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    record = record_of(database)
    assert "Anonymous study" in " ".join(record.safeguards)
    assert "no coding scheme is in blind mode" in " ".join(record.safeguards)
    assert "Retention date: not set yet" in record.retention[0]
    assert "Analysis freeze date: not set" in record.retention[1]


def test_markdown_and_word_documents_carry_the_same_record(study, tmp_path):
    with study.transaction() as session:
        write_processing_record(session, tmp_path / "record.md", viewer=OPERATOR)
        write_processing_record(session, tmp_path / "record.docx", viewer=OPERATOR)
    markdown = (tmp_path / "record.md").read_text(encoding="utf-8")
    word = docx.Document(tmp_path / "record.docx")
    texts = [p.text for p in word.paragraphs] + [
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    ]
    word_text = "\n".join(texts)
    for document in (markdown, word_text):
        assert "Record of processing activities: ISM study" in document
        assert "Nordlys Bank" in document and "Fjordbank" in document
        assert "Retention date: 2027-01-31" in document
        assert "Minimum group size 7" in document
        assert "Blind coding in force on the coding schemes tiny." in document
        assert "Controller (name and address): (to fill in)" in document
    assert "| Practitioners | Nordlys Bank | 2 |" in markdown
    assert "| Responses, complete | 2 |" in markdown
    rows = {tuple(c.text for c in row.cells) for table in word.tables for row in table.rows}
    assert ("Responses, complete", "2") in rows
    assert any(row[:3] == ("Practitioners", "Nordlys Bank", "2") for row in rows)


def test_names_people_typed_stay_text_in_the_markdown(database):
    with database.transaction() as session:
        add_organisation(session, "Acme | *Bold* _x_ <b>", actor=OPERATOR)
        add_user(session, "p@acme.example", "practitioner", organisation="Acme | *Bold* _x_ <b>")
    markdown = processing_record_markdown(record_of(database))
    assert r"| Practitioners | Acme \| \*Bold\* \_x\_ \<b\> | 1 |" in markdown


def test_the_record_needs_the_permission_and_a_known_format(study, tmp_path):
    with study.transaction() as session:
        coder = add_user(session, "carl@example.org", "coder")
        with pytest.raises(PermissionDenied):
            processing_record(session, viewer=coder)
        with pytest.raises(InvalidInput, match=r"Markdown \(\.md\) or Word \(\.docx\), not \.pdf"):
            write_processing_record(session, tmp_path / "record.pdf", viewer=OPERATOR)
    assert not (tmp_path / "record.pdf").exists()


@pytest.mark.parametrize("suffix", [".md", ".docx"])
def test_cli_writes_the_record(study, tmp_path, suffix):
    out = tmp_path / f"record{suffix}"
    result = runner.invoke(app, ["records", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote the record of processing to {out}.\n"
    if suffix == ".md":
        text = out.read_text(encoding="utf-8")
    else:
        text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "Retention date: 2027-01-31" in text


def test_cli_refuses_another_format_in_one_sentence(study, tmp_path):
    result = runner.invoke(app, ["records", "--out", str(tmp_path / "record.pdf")])
    assert result.exit_code == 1
    assert result.output == (
        "Error: The record of processing is written as Markdown (.md) or Word (.docx), not .pdf.\n"
    )
    assert not (tmp_path / "record.pdf").exists()


def test_the_overview_offers_the_record_as_a_word_download(study, recorded_downloads):
    with study.transaction() as session:
        researcher = add_user(session, "res@example.org", "researcher")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["account"] = asdict(researcher)
    at.run()
    at.switch_page("study/ui/pages/overview.py").run()
    assert not at.exception
    assert "Retention date: 2027-01-31. Analysis freeze date: 2026-12-31." in [
        m.value for m in at.markdown
    ]
    assert any("Nothing is deleted before 2027-01-31" in i.value for i in at.info)
    offered = [(n, d) for n, d in recorded_downloads if n.endswith(".docx")]
    assert offered and {name for name, _ in offered} == {"record-of-processing.docx"}
    data = offered[-1][1]
    word = docx.Document(io.BytesIO(download_bytes(data)))
    assert word.paragraphs[0].text == "Record of processing activities: ISM study"
