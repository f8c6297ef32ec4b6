"""Inter-coder reliability of transcript codings, at the unit the researcher chooses.

Coders code passages: character spans ``[start, end)`` in code points. To
compare them, each transcript is cut into units (every character, every
sentence, every turn, or the transcript as a whole) and, for each code, every
unit gets a present/absent value from every coder. Agreement on those binary
values is then reported with Krippendorff's alpha, Cohen's or Fleiss' kappa and
percent agreement (:mod:`study.reliability.agreement`, :mod:`study.reliability.kappa`).

Rules, stated once (the ``method`` text of :class:`AgreementTable` repeats them):

- A unit counts as coded with code *c* by coder *k* if any coding of *c* by *k*
  overlaps it (shares at least one code point). Text a coder left uncoded is a
  0: uncoded text counts as agreement on absence.
- A coder who has **no codings at all** (of any code) on a transcript is taken
  not to have coded that transcript: their values there are missing, not 0, so
  a transcript one coder skipped cannot inflate agreement on absence.
  Krippendorff's alpha uses every unit with values from at least two coders;
  kappa and percent agreement need a complete design and use the units coded
  by every chosen coder.
- Nothing here loops over characters: character agreement is computed on the
  segments between coding boundaries, weighted by their length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from nltk.tokenize.punkt import PunktSentenceTokenizer

from study.errors import InsufficientData, InvalidInput
from study.reliability.agreement import alpha_from_coincidences, coincidence_matrix
from study.reliability.kappa import (
    cohen_kappa_from_table,
    fleiss_kappa_from_counts,
    percent_agreement_from_counts,
)

UNITS = ("character", "sentence", "turn", "transcript")
OVERALL = "(all codes)"
CODING_COLUMNS = ("transcript_id", "code", "coder", "start", "end")
TABLE_COLUMNS = ("scheme", "code", "alpha", "kappa", "percent_agreement", "units", "coders")
# Cells (codes x coders x units) of presence computed at once at span level;
# bounds memory to a few tens of megabytes whatever the number of sentences.
_BLOCK_CELLS = 1 << 22

Span = tuple[int, int]


def sentence_spans(text: str) -> list[Span]:
    """Sentence boundaries of a text as code-point spans, with NLTK's untrained Punkt tokenizer.

    Punkt without training data still splits on sentence-final punctuation
    followed by white space and a new sentence; it needs no downloaded model.
    Python string offsets are code points, as transcript offsets are.

    Examples
    --------
    >>> sentence_spans("We use Yammer. Nobody posts!  Why?")
    [(0, 14), (15, 28), (30, 34)]
    """
    return [(int(s), int(e)) for s, e in PunktSentenceTokenizer().span_tokenize(text)]


@dataclass(frozen=True)
class TranscriptUnits:
    """What agreement needs to know about one transcript: its length, turns and sentences.

    Spans are ``(start, end)`` code-point offsets, end exclusive, sorted and
    not overlapping.
    """

    transcript_id: Any
    length: int
    turns: tuple[Span, ...] = ()
    sentences: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if int(self.length) != self.length or self.length < 0:
            raise InvalidInput(
                f"Transcript {self.transcript_id!r} has an invalid length {self.length!r}."
            )
        object.__setattr__(self, "length", int(self.length))
        for name in ("turns", "sentences"):
            spans = tuple((int(s), int(e)) for s, e in getattr(self, name))
            previous_end = 0
            for start, end in spans:
                if not 0 <= start < end <= self.length or start < previous_end:
                    raise InvalidInput(
                        f"Transcript {self.transcript_id!r} has a {name[:-1]} ({start}, {end}) that is "
                        f"empty, outside the text or overlaps the one before."
                    )
                previous_end = end
            object.__setattr__(self, name, spans)

    @classmethod
    def from_text(
        cls, transcript_id: Any, text: str, turns: Iterable[Span] = ()
    ) -> TranscriptUnits:
        """Build the units of a transcript from its text (sentences by Punkt) and its turns."""
        return cls(transcript_id, len(text), tuple(turns), tuple(sentence_spans(text)))


@dataclass(frozen=True)
class AgreementTable:
    """Agreement per code and pooled per scheme, with how every number was computed.

    ``table`` has the columns of ``TABLE_COLUMNS``: one row per (scheme, code)
    and one row per scheme whose code is ``OVERALL``. ``alpha`` and ``kappa``
    are NaN where undefined (no variation: nobody, or everybody, used the code
    on every unit). ``percent_agreement`` is a proportion between 0 and 1.
    """

    unit: str
    coders: tuple[Any, ...]
    table: pd.DataFrame
    method: str


@dataclass(frozen=True)
class Disagreement:
    """A span where one coder applied a code and the other did not."""

    start: int
    end: int
    code: str
    coder: Any
    scheme: str = ""


@dataclass
class _Tally:
    """Sufficient statistics for one code: units by (absent, present) counts, and the 2x2 table."""

    by_counts: np.ndarray  # [n_absent, n_present] -> number of units (characters)
    pair_table: np.ndarray  # coder 1 x coder 2 present/absent, units coded by both; 2 coders only

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(self.by_counts + other.by_counts, self.pair_table + other.pair_table)


def agreement_table(
    codings: pd.DataFrame,
    units_by_transcript: Mapping[Any, TranscriptUnits] | Iterable[TranscriptUnits],
    *,
    unit: str,
    coders: Sequence[Any] | None = None,
    codes: Sequence[str] | None = None,
) -> AgreementTable:
    """Agreement between coders for each code, at character, sentence, turn or transcript level.

    Parameters
    ----------
    codings : pandas.DataFrame
        Columns ``transcript_id, code, coder, start, end`` (code-point offsets,
        end exclusive) and optionally ``scheme``; codes are told apart by
        (scheme, code).
    units_by_transcript : mapping or iterable of TranscriptUnits
        Every transcript the codings refer to.
    unit : {"character", "sentence", "turn", "transcript"}
    coders : sequence, optional
        The coders to compare (default: all in ``codings``), at least two.
    codes : sequence of str, optional
        The codes to report (default: all in ``codings``). A listed code that
        nobody used gets a row with undefined alpha and kappa.

    Returns
    -------
    AgreementTable

    Notes
    -----
    See the module docstring for the coding rules. Kappa is Cohen's (1960)
    for two coders and Fleiss' (1971) for more. The pooled row of a scheme
    treats every (unit, code) pair as one unit of a single present/absent
    variable: coincidence matrices, agreement tables and unit counts are
    summed over the scheme's codes before alpha, kappa and percent agreement
    are computed.
    """
    if unit not in UNITS:
        raise InvalidInput(f"Unit must be one of {', '.join(UNITS)}, not {unit!r}.")
    transcripts = _transcript_list(units_by_transcript)
    frame = _validated_codings(codings, transcripts)
    chosen = _chosen_coders(frame, coders)
    coder_idx = _positions(frame["coder"], chosen)
    frame, coder_idx = frame[coder_idx >= 0], coder_idx[coder_idx >= 0]
    m = len(chosen)
    base = np.concatenate([[0], np.cumsum([t.length for t in transcripts])]).astype(np.int64)
    observed = np.zeros((m, len(transcripts)), dtype=bool)
    observed[coder_idx, frame["_t"].to_numpy()] = True
    gs = base[frame["_t"].to_numpy()] + frame["start"].to_numpy()
    ge = base[frame["_t"].to_numpy()] + frame["end"].to_numpy()
    keys, key_idx = _code_index(frame, codes)
    if unit == "character":
        order = np.argsort(key_idx, kind="stable")
        bounds = np.searchsorted(key_idx[order], np.arange(len(keys) + 1))
        tallies = [
            _character_tally(gs[rows], ge[rows], coder_idx[rows], observed, base)
            for rows in (order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True))
        ]
    else:
        starts, ends, owner = _unit_spans(transcripts, base, unit)
        tallies = _span_tallies(
            gs, ge, coder_idx, key_idx, len(keys), observed, starts, ends, owner
        )
    rows: list[dict[str, Any]] = []
    for scheme, members in _by_scheme(keys):
        pooled = _Tally(np.zeros((m + 1, m + 1)), np.zeros((2, 2)))
        for i in members:
            pooled = pooled + tallies[i]
            rows.append({"scheme": scheme, "code": keys[i][1], **_statistics(tallies[i], m)})
        rows.append({"scheme": scheme, "code": OVERALL, **_statistics(pooled, m)})
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    if (table["units"] == 0).all():
        raise InsufficientData("No transcript was coded by two or more of the chosen coders.")
    return AgreementTable(unit, tuple(chosen), table, _method_text(unit, chosen, table, len(keys)))


def disagreements(
    codings: pd.DataFrame, transcript_id: Any, coder_a: Any, coder_b: Any, code: str | None = None
) -> list[Disagreement]:
    """Spans of one transcript where two coders differ, in text order, for a side-by-side view.

    Each span is a maximal run of code points where exactly one of the two
    coders applied the code (overlapping codings of one coder count once);
    ``coder`` names the one who did.

    Examples
    --------
    >>> codings = pd.DataFrame({"transcript_id": 1, "code": "silo", "coder": ["ann", "bo"],
    ...                         "start": [0, 5], "end": [10, 15]})
    >>> [(d.start, d.end, d.coder) for d in disagreements(codings, 1, "ann", "bo")]
    [(0, 5, 'ann'), (10, 15, 'bo')]
    """
    if coder_a == coder_b:
        raise InvalidInput("Pick two different coders to compare.")
    frame = _with_scheme(_require_columns(codings))
    frame = frame[
        (frame["transcript_id"] == transcript_id) & frame["coder"].isin([coder_a, coder_b])
    ]
    if code is not None:
        frame = frame[frame["code"] == code]
    found: list[Disagreement] = []
    for (scheme, name), part in frame.groupby(["scheme", "code"], sort=False):
        starts, ends = _offsets(part)
        who = (part["coder"] == coder_b).to_numpy().astype(np.int64)
        points = np.unique(np.concatenate([starts, ends]))
        cover = np.zeros((len(points), 2), dtype=np.int64)
        np.add.at(cover, (np.searchsorted(points, starts), who), 1)
        np.add.at(cover, (np.searchsorted(points, ends), who), -1)
        has = np.cumsum(cover, axis=0)[:-1] > 0
        # 0: both or neither, 1: only coder a, 2: only coder b.
        owner = np.where(has[:, 0] & ~has[:, 1], 1, np.where(has[:, 1] & ~has[:, 0], 2, 0))
        change = np.flatnonzero(np.diff(owner, prepend=-1, append=-1))
        for first, stop in zip(change[:-1], change[1:], strict=True):
            if owner[first]:
                found.append(
                    Disagreement(
                        int(points[first]),
                        int(points[stop]),
                        str(name),
                        coder_a if owner[first] == 1 else coder_b,
                        str(scheme),
                    )
                )
    return sorted(found, key=lambda d: (d.start, d.end, d.scheme, d.code))


def _character_tally(
    gs: np.ndarray, ge: np.ndarray, coder: np.ndarray, observed: np.ndarray, base: np.ndarray
) -> _Tally:
    """Tally characters by counting segments between coding boundaries, weighted by length."""
    m = observed.shape[0]
    points = np.unique(np.concatenate([gs, ge, base]))
    cover = np.zeros((len(points), m), dtype=np.int64)
    np.add.at(cover, (np.searchsorted(points, gs), coder), 1)
    np.add.at(cover, (np.searchsorted(points, ge), coder), -1)
    present = np.cumsum(cover, axis=0)[:-1] > 0
    transcript = np.searchsorted(base, points[:-1], side="right") - 1
    return _tally_states(
        present.T[None], observed[:, transcript], np.diff(points).astype(np.float64)
    )[0]


def _span_tallies(
    gs: np.ndarray,
    ge: np.ndarray,
    coder: np.ndarray,
    key: np.ndarray,
    n_keys: int,
    observed: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    owner: np.ndarray,
) -> list[_Tally]:
    """Tally span units (sentences, turns, transcripts) for every code: coded if any coding overlaps.

    Each coding marks the run of units it overlaps with +1 at the first and -1
    after the last; a cumulative sum over units then says which units each
    coder coded. Codes are processed in blocks to bound memory.
    """
    m, n_units = observed.shape[0], len(starts)
    first = np.searchsorted(ends, gs, side="right")  # first unit ending after the coding starts
    stop = np.searchsorted(starts, ge, side="left")  # units starting before the coding ends
    keep = (first < stop) & (key >= 0)
    first, stop, coder, key = first[keep], stop[keep], coder[keep], key[keep]
    observed_units = observed[:, owner]
    width = n_units + 1
    block = max(1, _BLOCK_CELLS // (m * width))
    tallies: list[_Tally] = []
    for k0 in range(0, n_keys, block):
        k1 = min(n_keys, k0 + block)
        mine = (key >= k0) & (key < k1) if block < n_keys else slice(None)
        row = ((key[mine] - k0) * m + coder[mine]) * width
        size = (k1 - k0) * m * width
        cover = np.bincount(row + first[mine], minlength=size) - np.bincount(
            row + stop[mine], minlength=size
        )
        present = np.cumsum(cover.reshape(k1 - k0, m, width), axis=2)[:, :, :n_units] > 0
        tallies.extend(_tally_states(present, observed_units, np.ones(n_units)))
    return tallies


def _tally_states(present: np.ndarray, observed: np.ndarray, weight: np.ndarray) -> list[_Tally]:
    """Count units by how many coders marked a code present / absent, for a block of codes.

    ``present`` is codes x coders x units, ``observed`` coders x units (False
    where the coder did not code the transcript), ``weight`` the size of each unit.
    """
    n_keys, m, n_units = present.shape
    cells = (m + 1) ** 2
    n_present = (present & observed).sum(axis=1)
    n_absent = observed.sum(axis=0) - n_present
    index = np.arange(n_keys)[:, None] * cells + n_absent * (m + 1) + n_present
    by_counts = np.bincount(
        index.ravel(),
        weights=np.broadcast_to(weight, index.shape).ravel(),
        minlength=n_keys * cells,
    ).reshape(n_keys, m + 1, m + 1)
    pair_tables = np.zeros((n_keys, 2, 2))
    if m == 2:
        both = observed.all(axis=0)
        pair = present[:, 0, both].astype(np.int64) * 2 + present[:, 1, both]
        pair = np.arange(n_keys)[:, None] * 4 + pair
        pair_tables = np.bincount(
            pair.ravel(),
            weights=np.broadcast_to(weight[both], pair.shape).ravel(),
            minlength=n_keys * 4,
        ).reshape(n_keys, 2, 2)
    return [_Tally(by_counts[i], pair_tables[i]) for i in range(n_keys)]


def _statistics(tally: _Tally, m: int) -> dict[str, Any]:
    """Alpha, kappa, percent agreement and unit count from a tally."""
    n_absent, n_present = np.nonzero(tally.by_counts)
    weight = tally.by_counts[n_absent, n_present]
    counts = np.stack([n_absent, n_present], axis=1)
    pairable = counts.sum(axis=1) >= 2
    units = float(weight[pairable].sum())
    out: dict[str, Any] = {
        "alpha": np.nan,
        "kappa": np.nan,
        "percent_agreement": np.nan,
        "units": int(round(units)),
        "coders": m,
    }
    if units == 0:
        return out
    o = coincidence_matrix(counts[pairable], weights=weight[pairable])
    out["alpha"] = alpha_from_coincidences(o, [0, 1], level="nominal")
    complete = counts.sum(axis=1) == m
    if complete.any():
        out["percent_agreement"] = percent_agreement_from_counts(counts[complete], weight[complete])
        out["kappa"] = (
            cohen_kappa_from_table(tally.pair_table)
            if m == 2
            else fleiss_kappa_from_counts(counts[complete], weight[complete])
        )
    return out


def _transcript_list(
    units_by_transcript: Mapping[Any, TranscriptUnits] | Iterable[TranscriptUnits],
) -> list[TranscriptUnits]:
    items = list(
        units_by_transcript.values()
        if isinstance(units_by_transcript, Mapping)
        else units_by_transcript
    )
    if not all(isinstance(t, TranscriptUnits) for t in items):
        raise InvalidInput("Describe each transcript with a TranscriptUnits.")
    ids = [t.transcript_id for t in items]
    if len(set(ids)) != len(ids):
        raise InvalidInput("Each transcript may be described only once.")
    return items


def _require_columns(codings: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise InvalidInput(f"The codings have no column {missing[0]!r}.")
    return codings


def _with_scheme(codings: pd.DataFrame) -> pd.DataFrame:
    frame = codings.copy()
    frame["scheme"] = frame["scheme"].fillna("").astype(str) if "scheme" in frame.columns else ""
    return frame


def _offsets(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    offsets = frame[["start", "end"]]
    if offsets.isna().any().any():
        raise InvalidInput("Every coding needs a start and an end offset.")
    starts, ends = offsets["start"].to_numpy(np.int64), offsets["end"].to_numpy(np.int64)
    bad = np.flatnonzero((starts < 0) | (ends <= starts))
    if bad.size:
        raise InvalidInput(
            f"A coding has an empty or negative span ({starts[bad[0]]}, {ends[bad[0]]})."
        )
    return starts, ends


def _validated_codings(codings: pd.DataFrame, transcripts: list[TranscriptUnits]) -> pd.DataFrame:
    frame = _with_scheme(_require_columns(codings))
    frame = frame.assign(code=frame["code"].astype(str))
    index = pd.Index([t.transcript_id for t in transcripts])
    frame["_t"] = _positions(frame["transcript_id"], index)
    unknown = frame.loc[frame["_t"] < 0, "transcript_id"]
    if len(unknown):
        raise InvalidInput(
            f"Codings refer to transcript {unknown.iloc[0]!r}, which was not described."
        )
    starts, ends = _offsets(frame)
    lengths = np.array([t.length for t in transcripts], dtype=np.int64)[frame["_t"].to_numpy()]
    beyond = np.flatnonzero(ends > lengths)
    if beyond.size:
        row = frame.iloc[beyond[0]]
        raise InvalidInput(
            f"A coding on transcript {row['transcript_id']!r} ends at {ends[beyond[0]]}, "
            f"after the end of the text ({lengths[beyond[0]]})."
        )
    return frame.assign(start=starts, end=ends)


def _positions(column: pd.Series, labels: Sequence[Any]) -> np.ndarray:
    """Position of each entry of ``column`` in ``labels`` (-1 if absent), hashing each distinct entry once."""
    codes, uniques = pd.factorize(column)
    found = np.append(pd.Index(labels).get_indexer(uniques), -1)
    return found[codes]


def _chosen_coders(frame: pd.DataFrame, coders: Sequence[Any] | None) -> list[Any]:
    present = list(pd.unique(frame["coder"]))
    if coders is None:
        chosen = sorted(present, key=str)
    else:
        chosen = list(dict.fromkeys(coders))
        absent = [c for c in chosen if c not in set(present)]
        if absent:
            raise InvalidInput(f"Coder {absent[0]!r} has no codings to compare.")
    if len(chosen) < 2:
        raise InsufficientData("Agreement needs codings from at least two coders.")
    return chosen


def _code_index(
    frame: pd.DataFrame, codes: Sequence[str] | None
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The (scheme, code) pairs to report, and each coding's position among them (-1: not reported)."""
    scheme_idx, schemes = pd.factorize(frame["scheme"])
    code_idx, code_names = pd.factorize(frame["code"])
    n_pairs = len(schemes) * len(code_names)
    pair_idx = scheme_idx.astype(np.int64) * len(code_names) + code_idx
    used = np.flatnonzero(np.bincount(pair_idx, minlength=n_pairs))
    pairs = [
        (str(schemes[i // len(code_names)]), str(code_names[i % len(code_names)])) for i in used
    ]
    keys = _code_keys(pairs, codes)
    position = {k: i for i, k in enumerate(keys)}
    key_by_pair = np.full(n_pairs, -1, dtype=np.int64)
    key_by_pair[used] = [position.get(p, -1) for p in pairs]
    return keys, key_by_pair[pair_idx]


def _code_keys(used: list[tuple[str, str]], codes: Sequence[str] | None) -> list[tuple[str, str]]:
    """The (scheme, code) pairs to report: those used, or those named (unused ones included)."""
    if codes is None:
        return sorted(used)
    wanted = [str(c) for c in dict.fromkeys(codes)]
    keys = [k for k in used if k[1] in set(wanted)]
    unused = [("", c) for c in wanted if c not in {k[1] for k in keys}]
    return sorted(keys + unused)


def _by_scheme(keys: list[tuple[str, str]]) -> list[tuple[str, list[int]]]:
    """Positions of the keys of each scheme, schemes in order of first appearance."""
    schemes: dict[str, list[int]] = {}
    for i, (scheme, _code) in enumerate(keys):
        schemes.setdefault(scheme, []).append(i)
    return list(schemes.items())


def _unit_spans(
    transcripts: list[TranscriptUnits], base: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Global (start, end, transcript index) of every unit, sorted and disjoint."""
    if unit == "transcript":
        nonempty = np.flatnonzero(np.diff(base) > 0)
        return base[nonempty], base[nonempty + 1], nonempty
    per_transcript = [
        np.asarray(getattr(t, unit + "s"), dtype=np.int64).reshape(-1, 2) for t in transcripts
    ]
    counts = np.array([len(spans) for spans in per_transcript])
    if counts.sum() == 0:
        raise InsufficientData(f"No transcript has any {unit}s to compare.")
    owner = np.repeat(np.arange(len(transcripts)), counts)
    spans = np.concatenate(per_transcript) + base[owner][:, None]
    return spans[:, 0], spans[:, 1], owner


def _method_text(unit: str, coders: list[Any], table: pd.DataFrame, n_codes: int) -> str:
    m = len(coders)
    per_code = table.loc[table["code"] != OVERALL, "units"]
    n_units = int(per_code.max()) if len(per_code) else 0
    unit_words = {
        "character": "every character (code point) of the transcripts is a unit",
        "sentence": "every sentence is a unit (sentence boundaries from NLTK's Punkt tokenizer, untrained)",
        "turn": "every speaker turn is a unit",
        "transcript": "every transcript is a unit",
    }[unit]
    kappa = (
        "Cohen's (1960) kappa: observed agreement corrected by the agreement expected from each "
        "coder's own rate of using the code"
        if m == 2
        else f"Fleiss' (1971) kappa for {m} coders: mean pairwise agreement corrected by the agreement "
        "expected from the pooled rate of using the code"
    )
    return " ".join(
        [
            f"Unit: {unit_words}; {n_units:,} units compared, coders: {', '.join(map(str, coders))}.",
            "For each code, a coder's value for a unit is 1 if any of the coder's codings with that code "
            "overlaps the unit and 0 otherwise, so text nobody coded counts as agreement on absence.",
            "A coder with no codings at all on a transcript is taken not to have coded it; "
            "that coder's values there are missing rather than 0.",
            "Alpha: Krippendorff's alpha for nominal (present/absent) data, from the coincidence matrix of "
            "every unit with values from at least two coders (Krippendorff, 2011).",
            f"Kappa: {kappa}; it and percent agreement use the units coded by all {m} coders.",
            "Percent agreement: the share of coder pairs that agree on a unit, averaged over units, as a "
            "proportion (0-1).",
            f"Overall row ({n_codes} code{'s' if n_codes != 1 else ''}): every (unit, code) pair counts as "
            "one unit of a single present/absent variable, i.e. the coincidence matrices, agreement tables "
            "and unit counts are summed over the codes of the scheme before computing; because most text "
            "is uncoded, pooled figures lean on agreement about absence.",
            "Alpha or kappa is blank where undefined: nobody (or everybody) applied the code to every unit.",
        ]
    )
