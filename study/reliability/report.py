"""Inter-coder reliability of the stored codings of one scheme, per code, with a verdict.

This module reads codings, transcripts and turns from the database and hands
them to :func:`study.reliability.units.agreement_table`, which does the arithmetic; it adds a
bootstrap confidence interval for alpha, the code names in scheme order, and a
verdict by Krippendorff's (2004) thresholds. The consensus workflow that
follows a report lives in :mod:`study.reliability.consensus`.

Coders are accounts. They are named by id, e-mail or display name; the
consensus accounts of :mod:`study.reliability.consensus` are left out unless named.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.db.models import AccountRow, CodingRow, EventRow, TranscriptRow, TurnRow
from study.errors import InsufficientData, InvalidInput, NotFound
from study.interviews.coding.blind import blind_share
from study.interviews.coding.codings import list_codings
from study.interviews.coding.schemes_store import list_codes, scheme_row
from study.reliability.agreement import bootstrap_alpha_ci
from study.reliability.units import OVERALL, UNITS, TranscriptUnits, agreement_table

__all__ = [
    "CoderInfo",
    "CoderRef",
    "REPORT_COLUMNS",
    "RELIABLE",
    "ReliabilityReport",
    "TENTATIVE",
    "coder_info",
    "codings_stamp",
    "find_coder",
    "parse_scheme_ref",
    "reliability_report",
    "scheme_coders",
    "transcript_units",
    "verdict",
]

CoderRef = int | str

#: Krippendorff (2004, p. 241): rely on variables with alpha >= .800; draw only
#: tentative conclusions from those between .667 and .800.
RELIABLE = 0.800
TENTATIVE = 0.667
REPORT_COLUMNS = (
    "code",
    "code_name",
    "alpha",
    "ci_low",
    "ci_high",
    "kappa",
    "percent_agreement",
    "units",
    "verdict",
)
DEFAULT_BOOTSTRAP = 1000


def verdict(alpha: float) -> str:
    """Krippendorff's (2004) reading of an alpha: reliable, tentative, unreliable or undefined.

    Examples
    --------
    >>> [verdict(a) for a in (0.8, 0.7999, 0.667, 0.5, float("nan"))]
    ['reliable', 'tentative', 'tentative', 'unreliable', 'undefined']
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE else "unreliable"


@dataclass(frozen=True)
class ReliabilityReport:
    """Agreement per code of one scheme between two or more coders, and how it was computed.

    ``table`` has :data:`REPORT_COLUMNS`: one row per code of the scheme in
    tree order, then the pooled row whose ``code`` is ``"(all codes)"``.
    ``percent_agreement`` is a proportion (0-1); ``ci_low``/``ci_high`` the
    bootstrap interval of alpha (NaN where not computed). ``coders`` are
    e-mails, ``coder_names`` display names in the same order.
    """

    scheme: str
    scheme_title: str
    unit: str
    coders: tuple[str, ...]
    coder_names: tuple[str, ...]
    transcripts: tuple[int, ...]
    table: pd.DataFrame
    method: str
    #: Whether the codings compared were made in blind mode (one sentence; also in ``method``).
    blind: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict (undefined numbers become None)."""
        rows = [
            {key: _plain(value) for key, value in row.items()}
            for row in self.table.to_dict(orient="records")
        ]
        return {
            "scheme": self.scheme,
            "scheme_title": self.scheme_title,
            "unit": self.unit,
            "coders": list(self.coders),
            "coder_names": list(self.coder_names),
            "transcripts": list(self.transcripts),
            "codes": rows,
            "method": self.method,
            "blind": self.blind,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class CoderInfo(PlainRecord):
    """A coder account as pages show it; ``codings`` counts their codings where that was asked."""

    id: int
    email: str
    display_name: str
    is_consensus: bool
    codings: int = 0

    @property
    def label(self) -> str:
        """The display name, or the e-mail when there is none."""
        return self.display_name or self.email


def coder_info(account: AccountRow, codings: int = 0) -> CoderInfo:
    """The :class:`CoderInfo` of an account row."""
    return CoderInfo(
        account.id, account.email, account.display_name, bool(account.is_consensus), codings
    )


def scheme_coders(session: Session, scheme: int | str, *, viewer: Actor) -> list[CoderInfo]:
    """Everyone with codings in a scheme (consensus accounts last), with how many they made."""
    require(viewer, "check_reliability")
    frame = list_codings(session, scheme=parse_scheme_ref(scheme), viewer=viewer)
    counts = frame.groupby("coder_id").size()
    accounts = session.scalars(
        select(AccountRow).where(AccountRow.id.in_([int(i) for i in counts.index]))
    )
    found = [coder_info(a, int(counts[a.id])) for a in accounts]
    return sorted(found, key=lambda c: (c.is_consensus, c.label.casefold(), c.email))


def codings_stamp(session: Session) -> tuple[int, int]:
    """Number of codings and the newest audit event: changes whenever a coding changes.

    Every coding change writes an event and events are never deleted, so a
    cached report keyed by this stamp is never stale.
    """
    count = session.scalar(select(func.count(CodingRow.id)))
    last = session.scalar(select(func.max(EventRow.id)))
    return int(count or 0), int(last or 0)


def parse_scheme_ref(text: str | int) -> int | str:
    """A scheme as the CLI or a page names it: digits are a database id, anything else a key."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    text = str(text).strip()
    if not text:
        raise InvalidInput("Name a coding scheme by its key or id.")
    return int(text) if text.isdigit() else text


def find_coder(session: Session, ref: CoderRef) -> AccountRow:
    """The account a coder reference names: an id, an e-mail, or a display name (case-insensitive).

    Raises
    ------
    NotFound
        If no account matches.
    InvalidInput
        If a display name is shared by several accounts (use the e-mail).
    """
    if isinstance(ref, int) and not isinstance(ref, bool):
        account = session.get(AccountRow, ref)
        if account is None:
            raise NotFound(f"There is no coder with id {ref}.")
        return account
    text = str(ref or "").strip()
    if not text:
        raise InvalidInput("Name each coder by e-mail or display name.")
    if text.isdigit():
        return find_coder(session, int(text))
    account = session.scalar(select(AccountRow).where(AccountRow.email == text.lower()))
    if account is not None:
        return account
    named = list(
        session.scalars(
            select(AccountRow).where(func.lower(AccountRow.display_name) == text.casefold())
        )
    )
    if len(named) > 1:
        raise InvalidInput(f"{len(named)} accounts are called {text!r}; name the coder by e-mail.")
    if not named:
        raise NotFound(f"There is no coder {text!r}; `study user list` shows the accounts.")
    return named[0]


def transcript_units(session: Session, transcript_ids: Sequence[int]) -> dict[int, TranscriptUnits]:
    """Length, speaker turns and sentences of each transcript, as agreement needs them."""
    ids = sorted({int(t) for t in transcript_ids})
    texts = dict(
        session.execute(
            select(TranscriptRow.id, TranscriptRow.text).where(TranscriptRow.id.in_(ids))
        ).all()
    )
    missing = [t for t in ids if t not in texts]
    if missing:
        raise NotFound(f"There is no transcript with id {missing[0]}.")
    turns: dict[int, list[tuple[int, int]]] = {t: [] for t in ids}
    for transcript_id, start, end in session.execute(
        select(TurnRow.transcript_id, TurnRow.start, TurnRow.end)
        .where(TurnRow.transcript_id.in_(ids), TurnRow.end > TurnRow.start)
        .order_by(TurnRow.transcript_id, TurnRow.start)
    ):
        spans = turns[transcript_id]
        if not spans or start >= spans[-1][1]:  # overlapping turns cannot be units
            spans.append((start, end))
    return {t: TranscriptUnits.from_text(t, texts[t], turns[t]) for t in ids}


def reliability_report(
    session: Session,
    *,
    scheme: int | str,
    unit: str,
    coders: Sequence[CoderRef] | None = None,
    transcripts: Sequence[int] | None = None,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    viewer: Actor,
) -> ReliabilityReport:
    """Agreement between coders on every code of a scheme, at the unit the researcher chose.

    Parameters
    ----------
    scheme : int or str
        A scheme version's id, or a scheme key (codings of all its versions,
        codes matched by key).
    unit : {"character", "sentence", "turn", "transcript"}
    coders : sequence of id, e-mail or display name, optional
        At least two; default every coder (not consensus accounts) with
        codings in the scheme.
    transcripts : sequence of int, optional
        Transcript ids; default every transcript the coders coded.
    n_boot, seed : int
        Bootstrap replicates for the 95% interval of alpha (0: none), and
        the random seed, so a report can be reproduced.
    viewer : AccountInfo or OPERATOR
        Who asks: researchers and admins (the ``check_reliability`` permission).

    Returns
    -------
    ReliabilityReport

    Raises
    ------
    InsufficientData
        If fewer than two coders have codings, or no transcript was coded by two.
    """
    require(viewer, "check_reliability")
    if unit not in UNITS:
        raise InvalidInput(f"Unit must be one of {', '.join(UNITS)}, not {unit!r}.")
    scheme = parse_scheme_ref(scheme)
    version = scheme_row(session, scheme)
    frame = list_codings(session, scheme=scheme, viewer=viewer)
    if transcripts is not None:
        transcripts = sorted({int(t) for t in transcripts})
        if not transcripts:
            raise InvalidInput("Pick at least one transcript.")
        frame = frame[frame["transcript_id"].isin(transcripts)]
    accounts = _chosen_accounts(session, frame, coders)
    emails = [a.email for a in accounts]
    frame = frame[frame["coder_id"].isin([a.id for a in accounts])]
    coded_by = frame.groupby("transcript_id")["coder_id"].nunique()
    if not (coded_by >= 2).any():
        raise InsufficientData(
            f"No transcript was coded with {version.key!r} by two or more of {', '.join(emails)}."
        )
    ids = transcripts if transcripts is not None else sorted(int(t) for t in coded_by.index)
    units = transcript_units(session, ids)
    code_rows = list_codes(session, scheme, viewer=viewer)
    keys = list(dict.fromkeys([c.key for c in code_rows] + sorted(frame["code"].unique())))
    names = {**dict(zip(frame["code"], frame["code_name"])), **{c.key: c.name for c in code_rows}}
    codings = frame[["transcript_id", "code", "coder", "start", "end"]]
    result = agreement_table(codings, units, unit=unit, coders=emails, codes=keys)
    table = result.table.set_index("code")
    intervals = (
        _bootstrap_intervals(codings, units, unit, emails, table, n_boot, seed)
        if n_boot > 0 and unit != "character"
        else {}
    )
    rows = []
    for key in [*keys, OVERALL]:
        row = table.loc[key]
        low, high = intervals.get(key, (math.nan, math.nan))
        rows.append(
            {
                "code": key,
                "code_name": names.get(key, key),
                "alpha": float(row["alpha"]),
                "ci_low": low,
                "ci_high": high,
                "kappa": float(row["kappa"]),
                "percent_agreement": float(row["percent_agreement"]),
                "units": int(row["units"]),
                "verdict": verdict(float(row["alpha"])),
            }
        )
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    blind = blind_share(session, version.key, frame["created_at"]).sentence
    method = _method(result.method, unit, n_boot, seed, int(codings["transcript_id"].nunique()))
    return ReliabilityReport(
        version.key,
        version.title,
        unit,
        tuple(emails),
        tuple(a.display_name or a.email for a in accounts),
        tuple(ids),
        report,
        f"{method}\n\n{blind}",
        blind,
    )


def _chosen_accounts(
    session: Session, frame: pd.DataFrame, coders: Sequence[CoderRef] | None
) -> list[AccountRow]:
    if coders is not None:
        accounts = list({a.id: a for a in (find_coder(session, c) for c in coders)}.values())
        if len(accounts) < 2:
            raise InvalidInput("Pick at least two different coders to compare.")
        return accounts
    ids = [int(i) for i in frame["coder_id"].unique()]
    accounts = sorted(
        (
            a
            for a in session.scalars(select(AccountRow).where(AccountRow.id.in_(ids)))
            if not a.is_consensus
        ),
        key=lambda a: a.email,
    )
    if len(accounts) < 2:
        raise InsufficientData("Agreement needs codings of this scheme from at least two coders.")
    return accounts


def _bootstrap_intervals(
    codings: pd.DataFrame,
    units: dict[int, TranscriptUnits],
    unit: str,
    coders: list[str],
    table: pd.DataFrame,
    n_boot: int,
    seed: int,
) -> dict[str, tuple[float, float]]:
    """95% cluster-bootstrap interval of alpha per code: transcripts drawn, their units together."""
    observed, present = _presence(codings, units, unit, coders)
    if observed.empty:
        return {}
    m = len(coders)
    cell = observed["unit"].to_numpy() * m + observed["coder_index"].to_numpy()
    # Units of one interview are not independent: resample transcripts when there are several.
    cluster = "transcript_id" if observed["transcript_id"].nunique() >= 2 else None
    intervals: dict[str, tuple[float, float]] = {}
    for code, cells in present.items():
        alpha = table.loc[code, "alpha"] if code in table.index else math.nan
        if math.isnan(alpha):
            continue
        values = observed.assign(value=np.isin(cell, cells).astype(np.int64))
        ci = bootstrap_alpha_ci(
            values,
            unit="unit",
            coder="coder_index",
            value="value",
            n_boot=n_boot,
            seed=seed,
            cluster=cluster,
        )
        intervals[code] = (ci.low, ci.high)
    return intervals


def _presence(
    codings: pd.DataFrame, units: dict[int, TranscriptUnits], unit: str, coders: list[str]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Units each coder coded (``observed``), and per code the cells (unit * m + coder) marked present.

    Follows :mod:`study.reliability.units`: a unit is present for a coder if any of their
    codings of the code overlaps it; a coder with no codings on a transcript
    has no values there.
    """
    m = len(coders)
    coder_index = {c: i for i, c in enumerate(coders)}
    spans: dict[int, np.ndarray] = {}
    offset: dict[int, int] = {}
    total = 0
    for transcript_id, described in units.items():
        if unit == "transcript":
            found = [(0, described.length)] if described.length else []
        else:
            found = list(getattr(described, unit + "s"))
        spans[transcript_id] = np.asarray(found, dtype=np.int64).reshape(-1, 2)
        offset[transcript_id] = total
        total += len(found)
    parts = []
    for transcript_id, part in codings.groupby("transcript_id"):
        n_units = len(spans[transcript_id])
        for coder in part["coder"].unique():
            parts.append(
                pd.DataFrame(
                    {
                        "unit": np.arange(n_units) + offset[transcript_id],
                        "coder_index": coder_index[coder],
                        "transcript_id": transcript_id,
                    }
                )
            )
    observed = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["unit", "coder_index", "transcript_id"])
    )
    cells: dict[str, list[int]] = {}
    for (transcript_id, code, coder), part in codings.groupby(["transcript_id", "code", "coder"]):
        starts, ends = spans[transcript_id][:, 0], spans[transcript_id][:, 1]
        first = np.searchsorted(ends, part["start"].to_numpy(), side="right")
        stop = np.searchsorted(starts, part["end"].to_numpy(), side="left")
        hit = sorted({u for a, b in zip(first, stop) for u in range(a, b)})
        cells.setdefault(code, []).extend(
            (offset[transcript_id] + u) * m + coder_index[coder] for u in hit
        )
    return observed, {code: np.asarray(found, dtype=np.int64) for code, found in cells.items()}


def _method(icr_method: str, unit: str, n_boot: int, seed: int, n_transcripts: int) -> str:
    if unit == "character":
        ci = (
            "No confidence interval is given at character level: characters of one passage "
            "are not independent, so a bootstrap over characters would be far too narrow."
        )
    elif n_boot > 0 and n_transcripts >= 2:
        ci = (
            f"95% CI: percentile cluster bootstrap of alpha, {n_boot} replicates, random seed "
            f"{seed}: each replicate draws the {n_transcripts} transcripts with replacement "
            f"and keeps all their {unit}s together, because the {unit}s of one interview are "
            "not independent (the same coders, speakers and topic); with few transcripts the "
            "interval is rough. None for the pooled row."
        )
    elif n_boot > 0:
        ci = (
            f"95% CI: percentile bootstrap of alpha over the {unit}s of the one transcript, "
            f"{n_boot} replicates, random seed {seed}. With a single transcript there are no "
            f"transcripts to resample, so its {unit}s are treated as independent: the "
            "interval describes this interview only and is likely too narrow. None for the "
            "pooled row."
        )
    else:
        ci = "No confidence interval was requested."
    return " ".join(
        [
            icr_method,
            ci,
            f"Verdict (Krippendorff, 2004, p. 241): alpha >= {RELIABLE:.3f} reliable; "
            f"{TENTATIVE:.3f} <= alpha < {RELIABLE:.3f} tentative, for tentative conclusions only; "
            f"below {TENTATIVE:.3f} unreliable; undefined where alpha is.",
        ]
    )
