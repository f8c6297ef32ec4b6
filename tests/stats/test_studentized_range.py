"""The vectorised studentized range survival function against scipy's adaptive quadrature."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import studentized_range

from study.errors import InvalidInput
from study.stats import studentized_range_sf

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "stats"


def test_matches_scipy_on_a_grid_of_q_k_and_df():
    # Reference: scipy.stats.studentized_range.sf (adaptive nquad, scipy 1.17),
    # k = 2..20, df = 2..1e4, q = 0.1..15; regenerate with
    # tests/data/stats/make_studentized_range_reference.py.
    grid = pd.read_csv(DATA / "studentized_range_sf_scipy.csv", comment="#")
    assert len(grid) == 19 * 8 * 11
    ours = studentized_range_sf(grid["q"], grid["k"], grid["df"])
    assert np.max(np.abs(ours - grid["sf"].to_numpy())) < 1e-6


def test_matches_scipy_live_for_welch_style_fractional_df():
    rng = np.random.default_rng(7)
    q = rng.uniform(0.2, 9.0, 8)
    k = rng.integers(2, 21, 8)
    df = rng.uniform(1.0, 400.0, 8)
    expected = [studentized_range.sf(*args) for args in zip(q, k, df)]
    assert np.max(np.abs(studentized_range_sf(q, k, df) - expected)) < 1e-6


def test_many_groups_and_df_near_one_stay_accurate():
    # Games-Howell pairs of tiny organisations have Welch df close to 1.
    q = np.array([2.0, 4.0, 6.0, 10.0])
    expected = [studentized_range.sf(x, 200, 1.0) for x in q]
    assert np.max(np.abs(studentized_range_sf(q, 200, 1.0) - expected)) < 1e-6


def test_twenty_thousand_pairs_take_well_under_a_second_each_batch():
    rng = np.random.default_rng(1)
    q = np.abs(rng.normal(0, 3, 19_900))
    df = rng.uniform(200, 400, 19_900)
    start = time.perf_counter()
    result = studentized_range_sf(q, 200, df)
    elapsed = time.perf_counter() - start
    # scipy needs about 14 ms per value here, i.e. about 280 s for this batch.
    assert elapsed < 5.0
    assert np.all((result >= 0) & (result <= 1))


def test_edge_values_nonpositive_q_and_infinite_df():
    assert studentized_range_sf(0.0, 3, 10.0) == 1.0
    assert studentized_range_sf(-1.0, 3, 10.0) == 1.0
    assert abs(studentized_range_sf(3.0, 4, np.inf) - studentized_range.sf(3.0, 4, 1e6)) < 1e-6


@pytest.mark.parametrize("k, df", [(1, 10.0), (3, 0.0)])
def test_invalid_shape_parameters_are_refused(k, df):
    with pytest.raises(InvalidInput):
        studentized_range_sf(2.0, k, df)
