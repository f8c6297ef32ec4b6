"""Regenerate studentized_range_sf_scipy.csv: scipy's adaptive-quadrature values.

Run from the repository root: python tests/data/stats/make_studentized_range_reference.py
"""

from pathlib import Path

from scipy import __version__ as scipy_version
from scipy.stats import studentized_range

K = range(2, 21)
DF = [2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 1000.0, 10000.0]
Q = [0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0]

rows = [(q, k, df, studentized_range.sf(q, k, df)) for k in K for df in DF for q in Q]
out = Path(__file__).with_name("studentized_range_sf_scipy.csv")
with out.open("w") as handle:
    handle.write(f"# scipy {scipy_version} studentized_range.sf\nq,k,df,sf\n")
    for q, k, df, sf in rows:
        handle.write(f"{q!r},{k},{df!r},{float(sf)!r}\n")
