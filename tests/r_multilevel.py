"""A transcription of R package multilevel's rwg, rwg.j and awg, the reference the aggregation tests use."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _r_var(x):
    return np.float64(np.var(x, ddof=1)) if len(x) > 1 else np.float64(np.nan)


def _defined(reference: dict) -> dict:
    return {k: v for k, v in reference.items() if not np.isnan(v)}


def r_rwg(x, grpid, ranvar=2.0):
    newdat = pd.DataFrame({"x": np.asarray(x, dtype=float), "grpid": np.asarray(grpid)})
    newdat = newdat.dropna()  # na.exclude(NEWDAT)
    out = {}
    for name, q in sorted(newdat.groupby("grpid")["x"]):  # split(NEWDAT$x, grpid)
        q = q.to_numpy()
        if len(q) > 1:
            v = _r_var(q)
            if v > ranvar:
                v = ranvar
            out[name] = 1 - (v / ranvar)
        else:
            out[name] = np.nan
    return out


def r_rwg_j(x, grpid, ranvar=2.0, na_exclude=True):
    newdat = pd.DataFrame(x).astype(float).assign(grpid=np.asarray(grpid))
    if na_exclude:
        newdat = newdat.dropna()  # na.exclude(NEWDAT)
    out = {}
    for name, q in sorted(newdat.groupby("grpid")):
        q = q.drop(columns="grpid")
        j = q.shape[1]
        if len(q) > 1:
            # S <- mean(apply(Q, 2, var, na.rm = T))
            s = float(np.mean([_r_var(q[c].dropna().to_numpy()) for c in q]))
            if s > ranvar:
                s = ranvar
            out[name] = (j * (1 - (s / ranvar))) / ((j * (1 - (s / ranvar))) + (s / ranvar))
        else:
            out[name] = np.nan
    return out


def _r_item_awg(aw, low, high):
    aw = aw[~np.isnan(aw)]
    h, lo = high, low
    # numpy floats divide by zero as R does (Inf or NaN) instead of raising.
    m = np.float64(np.mean(aw)) if len(aw) else np.float64(np.nan)
    k = np.float64(len(aw))
    with np.errstate(divide="ignore", invalid="ignore"):
        a_wg = 1 - ((2 * _r_var(aw)) / (((h + lo) * m - (m**2) - (h * lo)) * (k / (k - 1))))
    if m < ((lo * (k - 1) + h) / k):
        a_wg = np.nan
    if m > ((h * (k - 1) + lo) / k):
        a_wg = np.nan
    if m == h or m == lo:
        a_wg = 1.0
    return a_wg


def r_awg(x, grpid, range_=(1, 5), na_exclude=True):
    newdat = pd.DataFrame(x).astype(float).assign(grpid=np.asarray(grpid))
    if na_exclude:
        newdat = newdat.dropna()  # na.exclude(NEWDAT)
    low, high = range_
    out = {}
    for name, q in sorted(newdat.groupby("grpid")):
        q = q.drop(columns="grpid")
        if q.shape[1] > 1:  # several items
            if len(q) > 1:
                # (Pairwise only: an item answered once has no agreement, R's single-rater rule.)
                values = [
                    _r_item_awg(q[c].to_numpy(), low, high) if q[c].count() > 1 else np.nan
                    for c in q
                ]
                defined = [v for v in values if not np.isnan(v)]
                out[name] = float(np.mean(defined)) if defined else np.nan  # na.rm = T
            else:
                out[name] = np.nan
        else:
            answers = q.iloc[:, 0].to_numpy()
            answered = answers[~np.isnan(answers)]
            # ans1[ans2 == 1] <- NA: a single rater has no agreement.
            out[name] = _r_item_awg(answers, low, high) if len(answered) > 1 else np.nan
    return out
