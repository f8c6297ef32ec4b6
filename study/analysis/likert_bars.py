"""Likert answers per item and organisation, placed for diverging stacked bars.

The Compare page draws the bars of :func:`likert_distribution`, which
:func:`study.analysis.comparison.compare_organisations` returns as its ``likert`` table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from study.surveys.instruments.survey import Instrument


def likert_distribution(
    answers: pd.DataFrame, model: Instrument, item_ids: Sequence[str], language: str = "en"
) -> pd.DataFrame:
    """Share of each answer point per item and organisation, placed for diverging bars.

    Points below the middle go left of zero, points above go right, and a
    middle (neutral) point is split in half across zero, so bars line up on
    the neutral point (Robbins & Heiberger, 2011). ``start`` and ``end`` are
    the segment's edges in shares (-1 to 1); the answers are as given (not
    reverse-keyed), so the item text reads the way respondents read it.
    """
    rows = answers[answers["item_id"].isin(list(item_ids))]
    columns = ["item", "label", "organisation", "point", "answer", "n", "share", "start", "end"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    counts = rows.groupby(["item_id", "organisation", "value"]).size().rename("n").reset_index()
    parts = []
    for item_id in dict.fromkeys(item_ids):
        item = model.item(item_id)
        k = int(item.points or 0)
        block = counts[counts["item_id"] == item_id]
        if block.empty:
            continue
        table = block.pivot_table(
            index="organisation", columns="value", values="n", aggfunc="sum", fill_value=0
        )
        table = table.reindex(columns=[float(p) for p in range(1, k + 1)], fill_value=0)
        share = table.to_numpy(dtype=float) / table.to_numpy().sum(axis=1, keepdims=True)
        middle = (k + 1) / 2
        weights = np.array(
            [1.0 if p < middle else 0.5 if p == middle else 0.0 for p in range(1, k + 1)]
        )
        left = share @ weights
        ends = np.cumsum(share, axis=1) - left[:, None]
        starts = ends - share
        for position in range(k):
            parts.append(
                pd.DataFrame(
                    {
                        "item": item_id,
                        "label": item.text.get(language, item_id),
                        "organisation": table.index.to_numpy(),
                        "point": position + 1,
                        "answer": item.label(position + 1, language),
                        "n": table.iloc[:, position].to_numpy(dtype=int),
                        "share": share[:, position],
                        "start": starts[:, position],
                        "end": ends[:, position],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
