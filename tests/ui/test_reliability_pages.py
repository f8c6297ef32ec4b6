"""The Reliability and REFI-QDA exchange pages, run with Streamlit's AppTest."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from study.admin.accounts import AccountInfo
from study.admin.permissions import OPERATOR
from study.db.models import CodingRow, ExchangeIdentityRow
from study.exchange.qdpx import export_qdpx
from study.exchange.refiqda import read_qdpx, write_qdpx
from study.interviews.coding.codings import change_coding_span, list_codings

from conftest import open_app_page
from icr_study import CODE, build_icr_study


@pytest.fixture
def study(database):
    with database.transaction() as session:
        return build_icr_study(session)


def open_page(study, script: str) -> AppTest:
    at = open_app_page(
        AccountInfo(study.researcher, "rita@example.org", "researcher", "Rita", None, None), script
    )
    assert not at.exception, at.exception
    return at


def shown_table(at: AppTest) -> pd.DataFrame:
    """The page's table by code name as the reader sees it (its cells are Markdown-escaped)."""
    table = at.table[0].value
    return table.set_index(table["Code"].str.replace(r"\\(.)", r"\1", regex=True))


def test_reliability_page_shows_alpha_per_code_with_thresholds(study):
    at = open_page(study, "reliability.py")
    assert at.title[0].value == "Reliability"
    assert [m.value for m in at.multiselect][0] == ["ana@demo.example", "ben@demo.example"]
    table = shown_table(at)
    # Sentence level by default; alpha 0.650 for "Not work-related" (see test_reliability_db).
    assert table.loc["Not work-related", "Alpha"] == "0.650"
    assert table.loc["Not work-related", "Verdict"] == "❌ unreliable"
    assert table.loc["Management support in words, not action", "Verdict"] == "✅ reliable"
    assert any("Krippendorff, 2004" in c.value for c in at.caption)
    unit = next(s for s in at.selectbox if s.label == "Unit")
    unit.set_value("turn").run()
    assert not at.exception
    assert shown_table(at).loc["Not work-related", "Alpha"] == "0.604"


def test_disagreements_are_stepped_through_and_resolved_into_the_consensus(study, database):
    at = open_page(study, "reliability.py")
    assert any("Disagreement 1 of 2" in m.value for m in at.markdown)
    assert {"**Ana**", "**Ben**"} <= {m.value for m in at.markdown}
    next_button = next(b for b in at.button if b.label == "Next disagreement")
    next_button.click().run()
    assert any("Disagreement 2 of 2" in m.value for m in at.markdown)
    previous = next(b for b in at.button if b.label == "Previous disagreement")
    previous.click().run()
    assert any("Disagreement 1 of 2" in m.value for m in at.markdown)
    accept = next(b for b in at.button if b.label == "Accept Ana")
    accept.click().run()
    assert not at.exception, at.exception
    # (the code name is Markdown-escaped: "Not work\\-related")
    assert any(
        s.value.startswith("Accept Ana: saved. The consensus version now codes Not work")
        and s.value.endswith("on 4 passages of this transcript.")
        for s in at.success
    )
    # after a decision the page moves on to the next disagreement
    assert any("Disagreement 2 of 2" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Previous disagreement").click().run()
    assert any("consensus: accepted Ana" in c.value for c in at.caption)
    with database.transaction() as session:
        frame = list_codings(session, viewer=OPERATOR)
    consensus = frame[frame["origin"] == "consensus"]
    assert len(consensus[consensus["code"] == CODE]) == 4


def test_exchange_page_offers_both_downloads_and_the_upload(study):
    at = open_page(study, "exchange.py")
    assert at.title[0].value == "REFI-QDA exchange"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download project (.qdpx)", "Download codebook (.qdc)"]
    assert [s.label for s in at.selectbox] == ["Coding scheme"]
    assert [b.label for b in at.button if b.label == "Import"] == ["Import"]


def test_exchange_page_offers_the_taguette_csv_and_the_qualcoder_form(study):
    at = open_page(study, "exchange.py")
    assert [c.label for c in at.checkbox] == ["For QualCoder"]
    at.radio[0].set_value("csv").run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download project (.qdpx)", "Download codebook (.csv)"]


def test_exchange_page_reimport_reports_each_kind_and_takes_the_files_conflicts(
    database, study, tmp_path
):
    """The study's own project comes back with one coding changed here and in the file."""
    with database.transaction() as session:
        export_qdpx(session, tmp_path / "out.qdpx", viewer=OPERATOR)
        codings = session.scalar(select(func.count(CodingRow.id)))
    project = read_qdpx(tmp_path / "out.qdpx")
    coding = next(c for s in project.sources for c in s.codings if c.end + 5 < len(s.text))
    with database.transaction() as session:
        coding_id = session.scalar(
            select(ExchangeIdentityRow.row_id).where(ExchangeIdentityRow.guid == coding.guid)
        )
        change_coding_span(session, coding_id, coding.start, coding.end + 2, actor=OPERATOR)
    coding.end, coding.text = coding.end + 5, ""
    write_qdpx(project, tmp_path / "back.qdpx")

    at = open_page(study, "exchange.py")
    at.get("file_uploader")[0].upload("back.qdpx", (tmp_path / "back.qdpx").read_bytes())
    [button] = [b for b in at.button if b.label == "Import"]
    button.click().run()
    assert not at.exception, at.exception
    report = at.dataframe[0].value.set_index("")
    assert report.loc["Codings"].to_dict() == {
        "Added": 0,
        "Updated": 0,
        "Unchanged": codings - 1,
        "Conflicts": 1,
    }
    assert any("here and" in w.value and "was kept" in w.value for w in at.warning)
    [take] = [b for b in at.button if b.label == "Take the file's version of the conflicts"]
    take.click().run()
    assert not at.exception, at.exception
    with database.transaction() as session:
        assert session.get(CodingRow, coding_id).end == coding.end
        assert session.scalar(select(func.count(CodingRow.id))) == codings
