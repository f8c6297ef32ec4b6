"""Krippendorff's alpha from per-unit sums: long reliability data as pairable values.

:class:`CodedValues` checks and encodes long data (one row per unit and coder) and
computes alpha, for a weight per unit, from sums over the units and the value
marginals, never a V x V matrix (V distinct values): nominal, ordinal (mid-ranks)
and interval in O(N) memory, ratio in blocks of bounded size. The weights make
bootstrap replicates cheap. :mod:`study.reliability.agreement` uses it beyond a
few distinct values, and for every bootstrap interval. Pure: no database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.errors import InsufficientData, InvalidInput

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Ratio alpha's expected disagreement sums over pairs of distinct values; it is
# summed in blocks of about this many value pairs, so memory stays bounded.
_RATIO_BLOCK_CELLS = 1 << 21
# Up to this many unit x value cells a dense count table is cheaper than sorting.
DENSE_CELLS = 1 << 22


class CodedValues:
    """The pairable values of long reliability data, with per-unit sums for alpha.

    ``unit`` numbers the pairable units 0..U-1 (in the order of their labels),
    ``value`` indexes ``domain``; :meth:`alpha` takes a weight per unit (1 for
    the point estimate, bootstrap frequencies for a replicate).
    """

    def __init__(
        self,
        unit: np.ndarray,
        value: np.ndarray,
        domain: np.ndarray,
        level: str,
        cluster: np.ndarray | None,
    ) -> None:
        self.level = level
        self.unit, self.value, self.domain, self.cluster = unit, value, domain, cluster
        self.n_units = int(unit.max()) + 1
        self.prepared = False

    def _prepare(self) -> None:
        """Per-unit sums for :meth:`alpha` (done once, on first use)."""
        unit, value, domain, level = self.unit, self.value, self.domain, self.level
        self.prepared = True
        self.size = np.bincount(unit, minlength=self.n_units).astype(float)
        self.pair_weight = 1.0 / (self.size - 1)
        if level == "nominal":
            # Sum over units of n_uc^2, from the (unit, value) cells: a dense count
            # table when it is small (few values), else only the cells that occur.
            key = unit * len(domain) + value
            if self.n_units * len(domain) <= DENSE_CELLS:
                counts = np.bincount(key, minlength=self.n_units * len(domain)).astype(float)
                squares = (counts.reshape(self.n_units, len(domain)) ** 2).sum(axis=1)
            else:
                cells, counts = np.unique(key, return_counts=True)
                squares = np.bincount(
                    cells // len(domain), weights=counts.astype(float) ** 2, minlength=self.n_units
                )
            self.observed = (self.size**2 - squares) * self.pair_weight
        elif level == "interval":
            x = domain[value] - domain[value].mean()
            self.sum1 = np.bincount(unit, weights=x, minlength=self.n_units)
            self.sum2 = np.bincount(unit, weights=x * x, minlength=self.n_units)
            deviation = x - (self.sum1 / self.size)[unit]
            within = np.bincount(unit, weights=deviation**2, minlength=self.n_units)
            self.observed = 2 * self.size * within * self.pair_weight
        else:
            first, second = _pairs_within_units(unit)
            self.first, self.second = value[first], value[second]
            self.pair_unit = unit[first]
            if level == "ratio":
                a, b = domain[self.first], domain[self.second]
                total = a + b
                delta = np.divide(a - b, total, out=np.zeros_like(total), where=total != 0) ** 2
                self.observed = (
                    np.bincount(self.pair_unit, weights=delta, minlength=self.n_units)
                    * self.pair_weight
                )

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame,
        *,
        unit: str,
        coder: str,
        value: str,
        level: str,
        cluster: str | None = None,
    ) -> CodedValues:
        if level not in LEVELS:
            raise InvalidInput(
                f"Level of measurement must be one of {', '.join(LEVELS)}, not {level!r}."
            )
        if not isinstance(data, pd.DataFrame):
            raise InvalidInput(f"Expected a pandas DataFrame, got {type(data).__name__}.")
        wanted = [unit, coder, value] + ([cluster] if cluster is not None else [])
        missing = [c for c in wanted if c not in data.columns]
        if missing:
            raise InvalidInput(f"The data have no column {missing[0]!r}.")
        # A missing value, whatever the column's dtype (NaN, None, pd.NA), is "not coded".
        given = data[value].notna().to_numpy()
        coded = data if given.all() else data[given]
        for column, what in ((unit, "unit"), (coder, "coder")) + (
            ((cluster, "cluster"),) if cluster is not None else ()
        ):
            absent = coded[column].isna().to_numpy()
            if absent.any():
                raise InvalidInput(
                    f"{int(absent.sum())} coded row(s) have no {what} id in "
                    f"column {column!r}; give every coded value its {what}."
                )
        unit_idx, n_units = _index_codes(coded[unit])
        coder_idx, n_coders = _index_codes(coded[coder])
        pair = unit_idx * n_coders + coder_idx
        if len(pair) and np.bincount(pair).max() > 1:
            raise InvalidInput("A coder has more than one value for the same unit.")
        value_idx, domain = _encode_values(coded[value], level)
        per_unit = np.bincount(unit_idx, minlength=n_units)
        pairable_unit = per_unit >= 2
        if not pairable_unit.any():
            raise InsufficientData(
                "No unit was coded by two or more coders, so nothing can be compared."
            )
        rows = pairable_unit[unit_idx]
        renumber = np.cumsum(pairable_unit) - 1
        units = renumber[unit_idx[rows]]
        clusters = None
        if cluster is not None:
            cluster_idx, _ = _index_codes(coded[cluster])
            cluster_idx = cluster_idx[rows]
            first = np.full(int(units.max()) + 1, -1)
            first[units] = cluster_idx
            if (first[units] != cluster_idx).any():
                raise InvalidInput(
                    f"Every unit must lie in one {cluster!r}; a unit has values in two."
                )
            _, clusters = np.unique(first, return_inverse=True)
        return cls(units, value_idx[rows], np.asarray(domain, dtype=np.float64), level, clusters)

    def alpha(self, weight: np.ndarray) -> float:
        """Alpha with each unit counted ``weight`` times; NaN where undefined."""
        if not self.prepared:
            self._prepare()
        if self.level == "nominal":
            observed = weight @ self.observed
            marginal = np.bincount(
                self.value, weights=weight[self.unit], minlength=len(self.domain)
            )
            n = marginal.sum()
            expected = n * n - marginal @ marginal
        elif self.level == "interval":
            observed = weight @ self.observed
            n = weight @ self.size
            sum1 = weight @ self.sum1
            expected = 2 * n * (weight @ self.sum2 - sum1 * sum1 / n)
        elif self.level == "ordinal":
            marginal = np.bincount(
                self.value, weights=weight[self.unit], minlength=len(self.domain)
            )
            n = marginal.sum()
            midrank = np.cumsum(marginal) - marginal / 2
            centre = marginal @ midrank / n
            expected = 2 * n * (marginal @ (midrank - centre) ** 2)
            difference = (midrank[self.first] - midrank[self.second]) ** 2
            observed = (weight * self.pair_weight)[self.pair_unit] @ difference
        else:
            observed = weight @ self.observed
            marginal = np.bincount(
                self.value, weights=weight[self.unit], minlength=len(self.domain)
            )
            n = marginal.sum()
            expected = _ratio_expected(marginal, self.domain)
        if not expected > 0:
            return float("nan")
        return float(1.0 - (n - 1.0) * observed / expected)


def _pairs_within_units(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (i, j), i != j, of every ordered pair of values within a unit."""
    order = np.argsort(unit, kind="stable")
    size = np.bincount(unit)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    row_size = size[unit[order]]
    first = np.repeat(np.arange(len(order)), row_size)
    within = np.arange(len(first)) - np.repeat(np.cumsum(row_size) - row_size, row_size)
    second = start[unit[order]][first] + within
    keep = first != second
    return order[first[keep]], order[second[keep]]


def _ratio_expected(marginal: np.ndarray, domain: np.ndarray) -> float:
    """Sum over value pairs of n_c n_k ((c - k) / (c + k))^2, in blocks of bounded size."""
    used = marginal > 0
    counts, values = marginal[used], domain[used]
    rows = max(1, _RATIO_BLOCK_CELLS // max(1, len(values)))
    total = 0.0
    for start in range(0, len(values), rows):
        c = values[start : start + rows, None]
        both = c + values[None, :]
        both[both == 0] = 1.0  # only 0 and 0, whose difference is 0 as well
        ratio = c - values[None, :]
        ratio /= both
        ratio *= ratio
        total += float(counts[start : start + rows] @ ratio @ counts)
    return total


def _index_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Map labels to integer indices in ``range(n)``; indices need not all be used.

    Integer labels in a compact range are shifted rather than hashed: an unused
    index is an empty unit (or an absent coder), which adds nothing to any
    count, and shifting is several times faster than factorizing.
    """
    if pd.api.types.is_integer_dtype(column.dtype) and len(column):
        labels = column.to_numpy(np.int64)
        low, high = int(labels.min()), int(labels.max())
        if high - low < 4 * len(labels) + 1024:
            return labels - low, high - low + 1
    codes, uniques = pd.factorize(column)
    return codes.astype(np.int64), len(uniques)


def _encode_values(column: pd.Series, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Return each value's index into the sorted value domain, and that domain."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        if level != "nominal" and not column.cat.ordered:
            raise InvalidInput(f"{level.capitalize()} alpha needs ordered categories.")
        if level in ("interval", "ratio"):
            column = column.astype(column.cat.categories.dtype)
        else:
            # Ordinal alpha depends only on the order of the categories, so
            # their positions serve as values.
            return column.cat.codes.to_numpy(np.int64), np.arange(len(column.cat.categories))
    if level == "nominal":
        idx, size = _index_codes(column)
        used = np.bincount(idx, minlength=size) > 0
        if used.all():
            return idx, np.arange(size)
        # Drop unused codes so the value domain holds only observed values.
        return (np.cumsum(used) - 1)[idx], np.arange(int(used.sum()))
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.isna().any():
        raise InvalidInput(f"{level.capitalize()} alpha needs numeric values.")
    domain, idx = np.unique(numeric.to_numpy(np.float64), return_inverse=True)
    if level == "ratio" and (domain < 0).any():
        raise InvalidInput("Ratio alpha needs values that are zero or positive.")
    return idx.astype(np.int64), domain
