"""The Codebook page's heatmaps when every count is 0 (issue 27, item 3).

A blind coder with one coding sees a co-occurrence matrix of zeros. Vega-Lite draws no
rect for a null value, so a diagonal left out as null used to show white (the caption
says grey) with the text "null" on it, and a legend of zeros read "0.000000".
"""

from __future__ import annotations

import json

from study.admin.permissions import OPERATOR
from study.interviews.coding import set_blind

from coding_study import coder_with_one_coding
from conftest import open_app_page

PASSWORD = "a long secret password"


def _layers(spec: dict) -> list[dict]:
    return spec["layer"]


def _marks(layer: dict) -> dict:
    mark = layer["mark"]
    return mark if isinstance(mark, dict) else {"type": mark}


def _filters(layer: dict) -> list[str]:
    return [step["filter"] for step in layer.get("transform", []) if "filter" in step]


def test_an_all_zero_cooccurrence_chart_has_a_grey_diagonal_no_null_and_whole_number_legend(
    demo_database,
):
    with demo_database.transaction() as session:
        carl = coder_with_one_coding(session, password=PASSWORD)
        set_blind(session, "ism-adoption-challenges", True, actor=OPERATOR)
    at = open_app_page(carl, "codebook.py")
    assert not at.exception
    assert any("Grey diagonal" in c.value for c in at.caption)
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    layers = _layers(spec)
    rects = [layer for layer in layers if _marks(layer)["type"] == "rect"]
    texts = [layer for layer in layers if _marks(layer)["type"] == "text"]
    # The left-out cells have a layer of their own, drawn grey whatever the scale.
    grey = [layer for layer in rects if any(f.startswith("!isValid") for f in _filters(layer))]
    assert len(grey) == 1 and _marks(grey[0])["color"] == "#d9d9d9"
    # The coloured cells and the numbers are only the valid ones: no "null" is written.
    coloured = [layer for layer in rects if layer is not grey[0]]
    assert all(any(f.startswith("isValid") for f in _filters(layer)) for layer in coloured)
    assert texts and all(any(f.startswith("isValid") for f in _filters(t)) for t in texts)
    assert texts[0]["encoding"]["text"]["format"] == "d"
    legend = coloured[0]["encoding"]["color"]["legend"]
    assert legend["format"] == "d" and legend["tickMinStep"] == 1
    # and the counts really are all zero off the diagonal
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    element = at.get("vega_lite_chart")[-1]
    rows = convert_arrow_bytes_to_pandas_df(element.proto.datasets[0].data.data)
    counts = rows["co-occurrences"]
    assert counts.isna().sum() == len(rows) ** 0.5
    assert counts.fillna(0).sum() == 0
