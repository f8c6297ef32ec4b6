"""Score survey scales from answers: mean of a scale's items after reverse-keying.

Answers come in long format, one row per answered item: ``response_id``,
``item_id``, ``value`` (the stored answer, see :mod:`study.surveys.instruments.answers`).
Scores come out tidy: one row per response and scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.errors import InvalidInput
from study.surveys.instruments.survey import Instrument

ANSWER_COLUMNS = ("response_id", "item_id", "value")


def _likert_long(answers: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The answered likert items of ``answers`` as numbers, checked against each item's points."""
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise InvalidInput(
            f"The answers need the columns {', '.join(ANSWER_COLUMNS)}; "
            f"{', '.join(missing)} missing."
        )
    points = {item.id: item.points for item in instrument.all_items() if item.type == "likert"}
    frame = answers.loc[answers["item_id"].isin(list(points)), list(ANSWER_COLUMNS)]
    if frame.duplicated(["response_id", "item_id"]).any():
        first = frame[frame.duplicated(["response_id", "item_id"])].iloc[0]
        raise InvalidInput(
            f"Response {first['response_id']} answers item {first['item_id']} twice."
        )
    numbers = pd.to_numeric(frame["value"], errors="coerce")
    given = frame["value"].notna()
    limit = frame["item_id"].map(points).astype(float)
    bad = given & (numbers.isna() | (numbers < 1) | (numbers > limit) | (numbers % 1 != 0))
    if bad.any():
        first = frame[bad].iloc[0]
        raise InvalidInput(
            f"Response {first['response_id']}, item {first['item_id']}: "
            f"{first['value']!r} is not a point of the {points[first['item_id']]}"
            f"-point scale."
        )
    return frame.assign(value=numbers)[given]


def item_values(
    answers: pd.DataFrame,
    instrument: Instrument,
    *,
    scale: str | None = None,
    recode_reverse: bool = True,
) -> pd.DataFrame:
    """Likert answers wide: one row per response, one column per item (for reliability, plots).

    Parameters
    ----------
    answers : DataFrame
        Long answers with ``response_id``, ``item_id``, ``value``.
    instrument : Instrument
        The instrument the answers belong to.
    scale : str, optional
        Only the items of this scale.
    recode_reverse : bool, default True
        Recode reverse-keyed items as ``points + 1 - value``, so every item of a
        scale points the same way (what Cronbach's alpha needs). False gives the
        values as answered.

    Returns
    -------
    DataFrame
        Index ``response_id``, columns the likert item ids in survey order,
        float values with NaN where unanswered.
    """
    items = [i for i in instrument.all_items() if i.type == "likert"]
    if scale is not None:
        if scale not in {s.id for s in instrument.scales}:
            raise InvalidInput(f"The instrument '{instrument.id}' has no scale '{scale}'.")
        items = [i for i in items if i.scale == scale]
    long = _likert_long(answers, instrument)
    wide = long.pivot(index="response_id", columns="item_id", values="value")
    responses = pd.Index(answers["response_id"].drop_duplicates(), name="response_id")
    wide = wide.reindex(index=responses, columns=[i.id for i in items]).astype(float)
    wide.columns.name = None
    if recode_reverse:
        for item in items:
            if item.reverse:
                wide[item.id] = (item.points or 0) + 1 - wide[item.id]
    return wide


def score_answers(answers: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score every scale of ``instrument`` for every response in ``answers``.

    Parameters
    ----------
    answers : DataFrame
        Long answers with ``response_id``, ``item_id``, ``value``; items that are
        not likert items of a scale are ignored.
    instrument : Instrument
        The instrument declaring the scales.

    Returns
    -------
    DataFrame
        One row per response and scale (scales in declaration order):
        ``response_id``, ``scale``, ``score`` (float, NaN when too few items were
        answered) and ``n_items_answered`` (int).

    Notes
    -----
    Reverse-keyed items are recoded first, :math:`x' = k + 1 - x` for a
    :math:`k`-point item. The score is the mean of the answered items,
    :math:`\\bar{x} = \\frac{1}{m}\\sum_{j=1}^{m} x'_j`, given only when
    :math:`m / n \\ge` ``min_answered`` for a scale of :math:`n` items (default
    0.5: at least half of the items), as in prorated scale scoring.

    Examples
    --------
    >>> from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instrument
    >>> survey = load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "ism-adoption-survey.yaml")
    >>> answers = pd.DataFrame({"response_id": [1, 1, 1, 1],
    ...                         "item_id": ["nw1", "nw2", "nw3", "nw4"],
    ...                         "value": [4, 5, 3, 2]})
    >>> scores = score_answers(answers, survey)
    >>> scores[scores["scale"] == "challenge_not_work"].to_dict("records")
    [{'response_id': 1, 'scale': 'challenge_not_work', 'score': 4.0, 'n_items_answered': 4}]
    """
    wide = item_values(answers, instrument)
    parts = []
    for scale in instrument.scales:
        columns = [i.id for i in instrument.scale_items(scale.id)]
        block = wide[columns]
        answered = block.notna().sum(axis=1)
        enough = answered / len(columns) >= scale.min_answered - 1e-12
        score = block.mean(axis=1).where(enough, np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "response_id": wide.index,
                    "scale": scale.id,
                    "score": score.to_numpy(dtype=float),
                    "n_items_answered": answered.to_numpy(dtype=int),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "response_id": pd.Series(dtype=object),
                "scale": pd.Series(dtype=str),
                "score": pd.Series(dtype=float),
                "n_items_answered": pd.Series(dtype=int),
            }
        )
    scores = pd.concat(parts, ignore_index=True)
    order = {scale.id: i for i, scale in enumerate(instrument.scales)}
    position = {rid: i for i, rid in enumerate(wide.index)}
    scores = scores.iloc[
        np.lexsort((scores["scale"].map(order), scores["response_id"].map(position)))
    ]
    return scores.reset_index(drop=True)
