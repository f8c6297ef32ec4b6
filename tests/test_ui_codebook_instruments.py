"""The Codebook and Instruments pages in AppTest."""

from __future__ import annotations

import pytest
from conftest import open_app_page

from study.admin.accounts import add_account
from study.interviews.coding import list_codes
from study.surveys.instruments import load_instruments

PASSWORD = "a long secret password"





def test_codebook_shows_the_scheme_and_its_matrices(demo_database):
    with demo_database.transaction() as session:
        researcher = add_account(session, "r@example.org", role="researcher", password=PASSWORD)
    at = open_app_page(researcher, "codebook.py")
    assert not at.exception
    assert at.title[0].value == "Codebook"
    codes = at.dataframe[0].value
    assert "Management support in words, not action" in " ".join(codes["code"])
    assert [s.value for s in at.subheader] == ["How often each code was used", "Co-occurrence"]
    assert len(at.get("vega_lite_chart")) == 3  # two frequency heatmaps, co-occurrence


def test_researcher_renames_a_code_on_the_codebook_page(demo_database):
    with demo_database.transaction() as session:
        researcher = add_account(session, "r@example.org", role="researcher", password=PASSWORD)
    at = open_app_page(researcher, "codebook.py")
    rename_form = [t for t in at.text_input if t.label == "New name"][0]
    choice = [s for s in at.selectbox if s.key == "rename-which"][0]
    target = next(o for o in choice.options if "(not-daily-routine)" in o)
    choice.set_value(target)
    rename_form.input("Not part of everyday routines")
    at.button(key="FormSubmitter:rename-code-Rename").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Renamed to Not part of everyday routines."]
    with demo_database.transaction() as session:
        names = {c.key: c.name for c in list_codes(session, "ism-adoption-challenges")}
    assert names["not-daily-routine"] == "Not part of everyday routines"


def test_empty_study_offers_to_load_the_shipped_schemes(database):
    with database.transaction() as session:
        researcher = add_account(session, "r@example.org", role="researcher", password=PASSWORD)
    at = open_app_page(researcher, "codebook.py")
    assert not at.exception
    at.button(key="FormSubmitter:load-schemes-Load").click().run()
    assert not at.exception
    assert at.selectbox[0].label == "Coding scheme"


@pytest.mark.parametrize("instrument", list(load_instruments()))
def test_instruments_page_shows_every_instrument(database, instrument):
    with database.transaction() as session:
        researcher = add_account(session, "r@example.org", role="researcher", password=PASSWORD)
    at = open_app_page(researcher, "instruments.py")
    choice = next(o for o in at.selectbox[0].options if f"({instrument} v" in o)
    at.selectbox[0].set_value(choice).run()
    assert not at.exception
    model = load_instruments()[instrument]
    if model.kind == "interview_guide":
        assert len(at.get("download_button")) == len(model.languages)
    else:
        assert len(at.dataframe) == len(model.pages)
