"""Input checks and per-organisation summaries shared by the statistics.

Small organisations are data, not errors: a function that cannot use a group
(fewer than 2 answers, or answers that never vary where a method divides by the
variance) leaves it out and lists it in an ``excluded`` table with columns
``group``, ``n`` and ``reason``. Only when fewer than two groups remain does it
raise :class:`study.errors.InsufficientData`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from study.errors import InsufficientData, InvalidInput

__all__ = [
    "EXCLUDED_COLUMNS",
    "REASON_TOO_FEW",
    "REASON_NO_VARIATION",
    "check_frame",
    "check_finite",
    "check_scale",
    "clean_group_values",
    "summarise_groups",
    "split_usable_groups",
    "require_groups",
    "empty_excluded",
]

EXCLUDED_COLUMNS = ["group", "n", "reason"]
REASON_TOO_FEW = "fewer than 2 answers"
REASON_NO_VARIATION = "every answer is the same (zero variance)"


def check_frame(data: object, columns: Sequence[str], *, numeric: Sequence[str] = ()) -> None:
    """Raise InvalidInput unless ``data`` is a DataFrame with these (numeric) columns."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidInput(f"Expected a pandas DataFrame, got {type(data).__name__}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InvalidInput(
            f"The data has no column {', '.join(repr(c) for c in missing)}; "
            f"its columns are {', '.join(repr(c) for c in data.columns)}."
        )
    for column in numeric:
        if data[column].dtype.kind not in "biuf":
            raise InvalidInput(f"Column {column!r} must hold numbers, not {data[column].dtype}.")


def check_finite(values: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise InvalidInput naming the first infinite value in ``columns`` (missing values pass)."""
    for column in columns:
        numbers = values[column].to_numpy(dtype=float, na_value=np.nan)
        infinite = np.isinf(numbers)
        if infinite.any():
            raise InvalidInput(
                f"Column {column!r} holds {numbers[infinite][0]:g}, which is not "
                "a finite number; remove or correct it."
            )


def check_scale(values: pd.DataFrame, columns: Sequence[str], low: float, high: float) -> None:
    """Raise InvalidInput naming the first answer outside ``low``..``high`` in ``columns``."""
    for column in columns:
        numbers = values[column].to_numpy(dtype=float, na_value=np.nan)
        outside = (numbers < low) | (numbers > high)
        if outside.any():
            found = numbers[outside][0]
            raise InvalidInput(
                f"Column {column!r} holds {found:g}, outside the answer scale {low:g} to {high:g}."
            )


def clean_group_values(data: pd.DataFrame, group: str, value: str) -> pd.DataFrame:
    """Check the columns, drop rows whose group or value is missing, refuse infinite values."""
    check_frame(data, [group, value], numeric=[value])
    values = data[[group, value]].dropna()
    check_finite(values, [value])
    return values


def summarise_groups(values: pd.DataFrame, group: str, value: str) -> pd.DataFrame:
    """Per-group n, mean and sample variance (ddof=1), groups sorted as groupby sorts."""
    grouped = values.groupby(group, observed=True, sort=True)[value]
    summary = grouped.agg(["count", "mean", "var"])
    summary.columns = ["n", "mean", "var"]
    return summary


def empty_excluded() -> pd.DataFrame:
    """An excluded-groups table with no rows."""
    return pd.DataFrame(
        {
            "group": pd.Series(dtype=object),
            "n": pd.Series(dtype="int64"),
            "reason": pd.Series(dtype=object),
        }
    )


def split_usable_groups(
    summary: pd.DataFrame, *, need_variance: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a group summary into usable groups and an excluded table with reasons.

    Groups with fewer than 2 answers are always excluded; groups whose answers
    never vary are excluded too when ``need_variance`` (methods that divide by
    the group variance).
    """
    too_few = summary["n"].to_numpy() < 2
    no_variation = (
        ~too_few & (summary["var"].to_numpy() == 0)
        if need_variance
        else np.zeros(len(summary), dtype=bool)
    )
    dropped = too_few | no_variation
    reasons = np.where(too_few, REASON_TOO_FEW, REASON_NO_VARIATION)[dropped]
    excluded = pd.DataFrame(
        {
            "group": summary.index[dropped].to_numpy(dtype=object),
            "n": summary["n"].to_numpy()[dropped].astype("int64"),
            "reason": reasons.astype(object),
        }
    )
    return summary[~dropped], excluded if len(excluded) else empty_excluded()


def require_groups(usable: pd.DataFrame | pd.Index, excluded: pd.DataFrame, *, method: str) -> None:
    """Raise InsufficientData when fewer than 2 groups are left for ``method``."""
    if len(usable) >= 2:
        return
    note = ""
    if len(excluded):
        first = excluded.iloc[0]
        note = f"; {len(excluded)} left out, for example {first['group']!r} ({first['reason']})"
    raise InsufficientData(
        f"{method} needs at least 2 organisations with 2 or more usable answers; "
        f"found {len(usable)}{note}."
    )
