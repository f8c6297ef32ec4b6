"""Benchmark: interval alpha with many distinct values, ours against the PyPI krippendorff package.

Issue 14: dense V x V matrices made 8,000 distinct values take 1.4 GB. Interval
and ordinal alpha now use per-unit sums and value marginals (O(N) memory), and
ratio alpha sums its expected disagreement in blocks.

Two seeded coders measure units on a continuous scale, so nearly every value
is distinct. Part 1 times both implementations on the same small data set
(the package builds units x V x V arrays, so it cannot go much larger) and
checks that the alphas agree within 1e-9. Part 2 measures our peak memory
(tracemalloc) and time at 100,000 distinct values for interval, ordinal and
ratio (ratio at 20,000: it takes O(V^2) time). The last line is
``speedup=<package time / our time>`` from part 1.

Run: ``.venv/bin/python bench/bench_alpha_values.py``
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import krippendorff
import numpy as np
import pandas as pd

from study.reliability.agreement import bootstrap_alpha_ci, krippendorff_alpha


def two_coders(n_units: int, seed: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.permutation(4 * n_units).astype(float)[:n_units]
    first, second = truth + rng.random(n_units), truth + rng.random(n_units) * 40
    return pd.DataFrame(
        {
            "unit": np.tile(np.arange(n_units), 2),
            "coder": np.repeat(["a", "b"], n_units),
            "value": np.concatenate([first, second]),
        }
    )


def measured(work):
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = work()
        return result, time.perf_counter() - began, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    small = two_coders(150)
    wide = small.pivot(index="coder", columns="unit", values="value").to_numpy(dtype=float)
    theirs, t_theirs, m_theirs = measured(
        lambda: krippendorff.alpha(reliability_data=wide, level_of_measurement="interval")
    )
    ours, t_ours, m_ours = measured(
        lambda: krippendorff_alpha(
            small, unit="unit", coder="coder", value="value", level="interval"
        )
    )
    values = small["value"].nunique()
    print(
        f"{values} distinct values: package {t_theirs * 1000:.1f} ms, "
        f"{m_theirs / 2**20:.1f} MiB; ours {t_ours * 1000:.2f} ms, {m_ours / 2**20:.2f} MiB; "
        f"|difference| {abs(ours - theirs):.1e}"
    )
    if abs(ours - theirs) > 1e-9:
        print("alphas differ", file=sys.stderr)
        return 1
    big = two_coders(50_000)
    print(f"{big['value'].nunique():,} distinct values:")
    for level in ("interval", "ordinal"):
        alpha, seconds, peak = measured(
            lambda: krippendorff_alpha(big, unit="unit", coder="coder", value="value", level=level)  # noqa: B023
        )
        print(
            f"  {level:9s} alpha {alpha:.6f}: {seconds * 1000:7.1f} ms, peak "
            f"{peak / 2**20:6.1f} MiB"
        )
    ci, seconds, peak = measured(
        lambda: bootstrap_alpha_ci(
            big, unit="unit", coder="coder", value="value", level="interval", n_boot=100
        )
    )
    print(f"  interval bootstrap, 100 replicates: {seconds:.2f} s, peak {peak / 2**20:.1f} MiB")
    ratio_data = two_coders(10_000)
    alpha, seconds, peak = measured(
        lambda: krippendorff_alpha(
            ratio_data, unit="unit", coder="coder", value="value", level="ratio"
        )
    )
    print(
        f"{ratio_data['value'].nunique():,} distinct values, ratio alpha {alpha:.6f}: "
        f"{seconds:.2f} s, peak {peak / 2**20:.1f} MiB"
    )
    print(f"speedup={t_theirs / t_ours:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
