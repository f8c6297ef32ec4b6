"""The Codebook and Instruments pages in AppTest."""

from __future__ import annotations

import pytest

from study.admin.permissions import OPERATOR
from study.interviews.coding import list_codes
from study.surveys.instruments import load_instruments

from coding_study import code_span, coder_with_one_coding
from conftest import PASSWORD, add_user, open_app_page


def test_codebook_shows_the_scheme_and_its_matrices(demo_database):
    with demo_database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
    at = open_app_page(researcher, "codebook.py")
    assert not at.exception
    assert at.title[0].value == "Codebook"
    codes = at.dataframe[0].value
    assert "Management support in words, not action" in " ".join(codes["code"])
    assert [s.value for s in at.subheader] == ["How often each code was used", "Co-occurrence"]
    assert len(at.get("vega_lite_chart")) == 3  # two frequency heatmaps, co-occurrence


def test_researcher_renames_a_code_on_the_codebook_page(demo_database):
    with demo_database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
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
        names = {
            c.key: c.name for c in list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)
        }
    assert names["not-daily-routine"] == "Not part of everyday routines"


def test_empty_study_offers_to_load_the_shipped_schemes(database):
    with database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
    at = open_app_page(researcher, "codebook.py")
    assert not at.exception
    at.button(key="FormSubmitter:load-schemes-Load").click().run()
    assert not at.exception
    assert at.selectbox[0].label == "Coding scheme"


@pytest.mark.parametrize("instrument", list(load_instruments()))
def test_instruments_page_shows_every_instrument(database, instrument):
    with database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
    at = open_app_page(researcher, "instruments.py")
    choice = next(o for o in at.selectbox[0].options if f"({instrument} v" in o)
    at.selectbox[0].set_value(choice).run()
    assert not at.exception
    model = load_instruments()[instrument]
    if model.kind == "interview_guide":
        assert len(at.get("download_button")) == len(model.languages)
    else:
        assert len(at.dataframe) == len(model.pages)


def test_heatmap_labels_stay_whole_at_forty_codes_and_the_diagonal_is_left_out(demo_database):
    import json

    from study.interviews.coding import add_code, list_codings

    with demo_database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
        # one coding of a second code over a demo coding's span: an off-diagonal cell
        first = list_codings(session, scheme="ism-adoption-challenges", viewer=OPERATOR).iloc[0]
        other = next(
            c
            for c in list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)
            if c.id != first["code_id"]
        )
        span = int(first["start"]), int(first["end"])
        code_span(session, int(first["transcript_id"]), *span, other.id, int(first["coder_id"]))
        have = len(list_codes(session, "ism-adoption-challenges", viewer=OPERATOR))
        for n in range(40 - have):
            add_code(
                session,
                "ism-adoption-challenges",
                key=f"extra-{n}",
                name=f"A rather long code name number {n} about the platform",
                actor=OPERATOR,
            )
        names = [c.name for c in list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)]
    assert len(names) == 40
    at = open_app_page(researcher, "codebook.py")
    assert not at.exception
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    element = at.get("vega_lite_chart")[-1]
    cooccurrence = json.loads(element.proto.spec)
    for layer in cooccurrence["layer"][:1]:
        for axis in ("x", "y"):
            spec = layer["encoding"][axis]["axis"]
            # no label is cut (labelLimit 0 = none) or dropped for overlapping
            assert spec["labelLimit"] == 0 and spec["labelOverlap"] is False
    assert cooccurrence["width"] == {"step": 20} and cooccurrence["height"] == {"step": 20}
    rows = convert_arrow_bytes_to_pandas_df(element.proto.datasets[0].data.data)
    assert set(rows["row"]) == set(names)  # every code has its own whole label
    diagonal = rows[rows["row"] == rows["column"]]
    assert len(diagonal) == 40 and diagonal["co-occurrences"].isna().all()
    assert (rows[rows["row"] != rows["column"]]["co-occurrences"] > 0).any()


def test_researcher_starts_and_lifts_blind_coding_on_the_codebook_page(demo_database):
    from study.interviews.coding import blind_state

    with demo_database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
    at = open_app_page(researcher, "codebook.py")
    at.button(key="cb_blind").click().run()
    assert not at.exception
    with demo_database.transaction() as session:
        assert blind_state(session, "ism-adoption-challenges", viewer=OPERATOR).blind
    assert any("Blind coding since" in c.value for c in at.caption)
    at.button(key="cb_blind").click().run()
    with demo_database.transaction() as session:
        assert not blind_state(session, "ism-adoption-challenges", viewer=OPERATOR).blind


def test_a_coder_on_a_blind_scheme_sees_only_their_own_counts_and_downloads(
    demo_database, recorded_downloads
):
    """Issue 20, finding 1: the heatmaps and every CSV of the Codebook page hold Carl's one coding."""
    import io

    import pandas as pd

    from study.interviews.coding import set_blind

    from conftest import download_bytes

    with demo_database.transaction() as session:
        carl = coder_with_one_coding(session, password=PASSWORD)
        set_blind(session, "ism-adoption-challenges", True, actor=OPERATOR)
    at = open_app_page(carl, "codebook.py")
    assert not at.exception
    csvs = {
        name: pd.read_csv(io.BytesIO(download_bytes(data)), index_col=0)
        for name, data in recorded_downloads
        if name.endswith(".csv")
    }
    assert len(csvs) == 3, csvs.keys()  # transcripts, codings and co-occurrence per code
    for name, frame in csvs.items():
        assert frame.select_dtypes("number").to_numpy().sum() == 1, name
