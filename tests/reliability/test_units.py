"""Tests for study.reliability.units: codings -> units -> agreement tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from study.errors import InsufficientData, InvalidInput
from study.reliability.agreement import krippendorff_alpha
from study.reliability.kappa import cohen_kappa, fleiss_kappa, percent_agreement
from study.reliability.units import (
    OVERALL,
    UNITS,
    Disagreement,
    TranscriptUnits,
    agreement_table,
    disagreements,
    sentence_spans,
)

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "icr"

# The hand example: T1 has 20 code points, sentences [0,4) [5,10) [11,20) and
# turns [0,10) [10,20); T2 has 8 code points, one sentence and one turn.
# Coder a codes x at T1 [0,4) and y at T2 [0,2); coder b codes x at T1 [2,6)
# and y at T2 [1,3).
HAND_UNITS = [
    TranscriptUnits("T1", 20, turns=[(0, 10), (10, 20)], sentences=[(0, 4), (5, 10), (11, 20)]),
    TranscriptUnits("T2", 8, turns=[(0, 8)], sentences=[(0, 8)]),
]


@pytest.fixture
def hand_codings() -> pd.DataFrame:
    return pd.read_csv(DATA / "hand_example_codings.csv")


def _row(result, code: str) -> pd.Series:
    return result.table.set_index("code").loc[code]


def test_character_level_matches_hand_computation(hand_codings):
    result = agreement_table(hand_codings, HAND_UNITS, unit="character")
    x, y = _row(result, "x"), _row(result, "y")
    # x over 28 characters: a0b0 = 22, a0b1 = 2, a1b0 = 2, a1b1 = 2.
    # p_o = 24/28, p_e = (1/7)^2 + (6/7)^2 = 37/49, kappa = 5/12.
    # Coincidences o00 = 44, o01 = o10 = 4, o11 = 4; n = 56, n0 = 48, n1 = 8:
    # alpha = 1 - 55 * 8 / (2 * 48 * 8) = 1 - 440/768.
    assert x["units"] == 28
    assert x["kappa"] == pytest.approx(5 / 12, abs=1e-12)
    assert x["alpha"] == pytest.approx(1 - 440 / 768, abs=1e-12)
    assert x["percent_agreement"] == pytest.approx(24 / 28, abs=1e-12)
    # y: a0b0 = 25, a1b0 = a0b1 = a1b1 = 1; kappa = 12/26; alpha = 1 - 220/416.
    assert y["kappa"] == pytest.approx(12 / 26, abs=1e-12)
    assert y["alpha"] == pytest.approx(1 - 220 / 416, abs=1e-12)


def test_sentence_level_matches_hand_computation(hand_codings):
    result = agreement_table(hand_codings, HAND_UNITS, unit="sentence")
    x = _row(result, "x")
    # x per sentence (a, b): T1 (1,1) (0,1) (0,0), T2 (0,0). p_o = 3/4,
    # p_e = 1/4 * 1/2 + 3/4 * 1/2 = 1/2, kappa = 0.5. o00 = 4, o01 = o10 = 1,
    # o11 = 2: alpha = 1 - 7 * 2 / (2 * 5 * 3) = 1 - 14/30.
    assert x["units"] == 4
    assert x["kappa"] == pytest.approx(0.5, abs=1e-12)
    assert x["alpha"] == pytest.approx(1 - 14 / 30, abs=1e-12)
    assert x["percent_agreement"] == pytest.approx(0.75, abs=1e-12)
    assert _row(result, "y")["alpha"] == 1.0
    # Pooled over x and y: coincidences sum to o00 = 10, o01 = o10 = 1,
    # o11 = 4, so alpha = 1 - 15 * 2 / (2 * 11 * 5); the 2x2 tables sum to
    # [[5, 1], [0, 2]], so kappa = (56/64 - 36/64) / (28/64) = 20/28.
    pooled = _row(result, OVERALL)
    assert pooled["units"] == 8
    assert pooled["alpha"] == pytest.approx(1 - 30 / 110, abs=1e-12)
    assert pooled["kappa"] == pytest.approx(20 / 28, abs=1e-12)
    assert pooled["percent_agreement"] == pytest.approx(7 / 8, abs=1e-12)


@pytest.mark.parametrize("unit", ["turn", "transcript"])
def test_turn_and_transcript_levels_match_hand_computation(hand_codings, unit):
    # Any overlap counts: both coders have x in T1's first turn and in T1, y in T2.
    result = agreement_table(hand_codings, HAND_UNITS, unit=unit)
    x = _row(result, "x")
    assert x["units"] == (3 if unit == "turn" else 2)
    assert x["alpha"] == 1.0 and x["kappa"] == 1.0 and x["percent_agreement"] == 1.0


def test_code_nobody_used_has_undefined_alpha(hand_codings):
    result = agreement_table(hand_codings, HAND_UNITS, unit="sentence", codes=["x", "never used"])
    unused = _row(result, "never used")
    assert np.isnan(unused["alpha"]) and np.isnan(unused["kappa"])
    assert unused["percent_agreement"] == 1.0
    assert list(result.table["code"]) == ["never used", "x", OVERALL]


def _random_codings(
    rng: np.random.Generator,
    transcripts: list[TranscriptUnits],
    coders: list[str],
    codes: list[str],
    n: int,
) -> pd.DataFrame:
    rows = []
    for _ in range(n):
        t = transcripts[rng.integers(len(transcripts))]
        start = int(rng.integers(0, t.length - 1))
        end = int(rng.integers(start + 1, min(t.length, start + 40) + 1))
        rows.append((t.transcript_id, str(rng.choice(codes)), str(rng.choice(coders)), start, end))
    return pd.DataFrame(rows, columns=["transcript_id", "code", "coder", "start", "end"])


def _brute_force_values(
    codings: pd.DataFrame,
    transcripts: list[TranscriptUnits],
    unit: str,
    coders: list[str],
    code: str,
) -> pd.DataFrame:
    """One row per unit and coder, built with plain loops: the reference for the fast path."""
    rows = []
    for t in transcripts:
        mine = codings[codings["transcript_id"] == t.transcript_id]
        spans = {
            "character": [(i, i + 1) for i in range(t.length)],
            "sentence": list(t.sentences),
            "turn": list(t.turns),
            "transcript": [(0, t.length)],
        }[unit]
        for k in coders:
            if not (mine["coder"] == k).any():
                continue  # this coder did not code this transcript: missing
            own = mine[(mine["coder"] == k) & (mine["code"] == code)]
            for j, (s, e) in enumerate(spans):
                hit = bool(((own["start"] < e) & (own["end"] > s)).any())
                rows.append((f"{t.transcript_id}:{j}", k, int(hit)))
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("n_coders", [2, 3])
def test_fast_path_equals_brute_force_per_unit_values(unit, n_coders):
    rng = np.random.default_rng(100 + n_coders)
    transcripts = [
        TranscriptUnits(
            f"T{i}",
            int(rng.integers(60, 120)),
            turns=[(0, 30), (30, 50)],
            sentences=[(0, 10), (12, 25), (40, 59)],
        )
        for i in range(8)
    ]
    coders = ["a", "b", "c"][:n_coders]
    codings = _random_codings(rng, transcripts, coders, ["p", "q"], 70)
    # One transcript coded by coder "a" only: its units must be left out of kappa.
    codings = pd.concat(
        [
            codings[codings["transcript_id"] != "T7"],
            pd.DataFrame([("T7", "p", "a", 3, 9)], columns=codings.columns),
        ]
    )
    result = agreement_table(codings, transcripts, unit=unit)
    for code in ["p", "q"]:
        long = _brute_force_values(codings, transcripts, unit, coders, code)
        wide = long.pivot(index="unit", columns="coder", values="value").dropna()
        row = _row(result, code)
        assert row["alpha"] == pytest.approx(
            krippendorff_alpha(long, unit="unit", coder="coder", value="value"),
            abs=1e-12,
            nan_ok=True,
        )
        assert row["percent_agreement"] == pytest.approx(percent_agreement(wide), abs=1e-12)
        kappa = cohen_kappa(wide["a"], wide["b"]) if n_coders == 2 else fleiss_kappa(wide)
        assert row["kappa"] == pytest.approx(kappa, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("unit", UNITS)
def test_identical_coders_agree_perfectly_at_every_unit(unit):
    rng = np.random.default_rng(5)
    transcripts = [
        TranscriptUnits.from_text(
            f"T{i}", "We post. Nobody reads it! Why? " * 4, turns=[(0, 62), (62, 124)]
        )
        for i in range(3)
    ]
    one = _random_codings(rng, transcripts, ["a"], ["p", "q", "r"], 30)
    both = pd.concat([one, one.assign(coder="b")])
    table = agreement_table(both, transcripts, unit=unit).table
    defined = table.dropna(subset=["alpha"])
    assert len(defined) > 0
    assert (defined["alpha"] == 1.0).all()
    assert (defined["kappa"] == 1.0).all()
    assert (table["percent_agreement"] == 1.0).all()


@pytest.mark.parametrize("unit", UNITS)
def test_swapping_coders_changes_nothing(hand_codings, unit):
    swapped = hand_codings.assign(coder=hand_codings["coder"].map({"a": "b", "b": "a"}))
    first = agreement_table(hand_codings, HAND_UNITS, unit=unit).table
    second = agreement_table(swapped, HAND_UNITS, unit=unit, coders=["b", "a"]).table
    pd.testing.assert_frame_equal(first, second, check_exact=False, atol=1e-14, rtol=0)


@pytest.mark.parametrize("unit", UNITS)
def test_overlapping_codings_of_one_coder_count_once(hand_codings, unit):
    # Coder a's x at [0, 4) split into overlapping [0, 3) and [1, 4) changes nothing.
    split = pd.concat(
        [
            hand_codings[~((hand_codings["coder"] == "a") & (hand_codings["code"] == "x"))],
            pd.DataFrame(
                [("T1", "x", "a", 0, 3), ("T1", "x", "a", 1, 4)], columns=hand_codings.columns
            ),
        ]
    )
    pd.testing.assert_frame_equal(
        agreement_table(split, HAND_UNITS, unit=unit).table,
        agreement_table(hand_codings, HAND_UNITS, unit=unit).table,
    )


def test_transcript_one_coder_skipped_is_missing_not_agreement(hand_codings):
    units = HAND_UNITS + [TranscriptUnits("T3", 50, turns=[(0, 50)], sentences=[(0, 50)])]
    only_a = pd.concat(
        [hand_codings, pd.DataFrame([("T3", "y", "a", 10, 12)], columns=hand_codings.columns)]
    )
    for unit in UNITS:
        pd.testing.assert_frame_equal(
            agreement_table(only_a, units, unit=unit).table,
            agreement_table(hand_codings, HAND_UNITS, unit=unit).table,
        )


def test_codes_are_told_apart_by_scheme_with_an_overall_row_each(hand_codings):
    codings = pd.concat(
        [
            hand_codings.assign(scheme="Madsen 2017"),
            hand_codings[hand_codings["code"] == "x"].assign(scheme="Jiang & Neill 2017"),
        ]
    )
    table = agreement_table(codings, HAND_UNITS, unit="sentence").table
    assert list(zip(table["scheme"], table["code"], strict=True)) == [
        ("Jiang & Neill 2017", "x"),
        ("Jiang & Neill 2017", OVERALL),
        ("Madsen 2017", "x"),
        ("Madsen 2017", "y"),
        ("Madsen 2017", OVERALL),
    ]
    assert table.iloc[1]["alpha"] == pytest.approx(1 - 14 / 30, abs=1e-12)


def test_three_coders_use_fleiss_kappa_and_say_so(hand_codings):
    codings = pd.concat(
        [hand_codings, hand_codings[hand_codings["coder"] == "a"].assign(coder="c")]
    )
    result = agreement_table(codings, HAND_UNITS, unit="sentence")
    assert "Fleiss" in result.method and result.coders == ("a", "b", "c")
    assert (result.table["coders"] == 3).all()


def test_method_text_describes_unit_and_pooling(hand_codings):
    method = agreement_table(hand_codings, HAND_UNITS, unit="sentence").method
    assert "Punkt" in method and "Cohen" in method and "summed over the codes" in method
    assert "4 units compared" in method


def test_rejects_bad_requests(hand_codings):
    with pytest.raises(InvalidInput, match="Unit must be one of"):
        agreement_table(hand_codings, HAND_UNITS, unit="paragraph")
    with pytest.raises(InvalidInput, match="not described"):
        agreement_table(hand_codings, HAND_UNITS[:1], unit="turn")
    too_long = hand_codings.assign(end=hand_codings["end"] + 100)
    with pytest.raises(InvalidInput, match="after the end"):
        agreement_table(too_long, HAND_UNITS, unit="turn")
    with pytest.raises(InvalidInput, match="no codings"):
        agreement_table(hand_codings, HAND_UNITS, unit="turn", coders=["a", "zoe"])
    with pytest.raises(InsufficientData):
        agreement_table(hand_codings, HAND_UNITS, unit="turn", coders=["a"])
    with pytest.raises(InvalidInput, match="no column"):
        agreement_table(hand_codings.drop(columns="end"), HAND_UNITS, unit="turn")
    with pytest.raises(InvalidInput, match="overlaps"):
        TranscriptUnits("T9", 10, turns=[(0, 6), (5, 10)])


def test_no_shared_transcript_is_insufficient_data():
    units = [TranscriptUnits("T1", 10, turns=[(0, 10)]), TranscriptUnits("T2", 10, turns=[(0, 10)])]
    codings = pd.DataFrame(
        {"transcript_id": ["T1", "T2"], "code": "x", "coder": ["a", "b"], "start": 0, "end": 5}
    )
    with pytest.raises(InsufficientData, match="two or more"):
        agreement_table(codings, units, unit="turn")


def test_sentence_spans_are_code_point_offsets():
    text = "Hi 😀 there. Next one… ok. We use Yammer!"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Hi 😀 there.", "Next one… ok.", "We use Yammer!"]
    assert spans[1] == (12, 25)  # one offset per code point, the emoji included
    units = TranscriptUnits.from_text("T", text, turns=[(0, len(text))])
    assert units.length == len(text) and units.sentences == tuple(spans)


def test_disagreements_list_spans_in_text_order_with_owner():
    codings = pd.DataFrame(
        [
            ("T1", "silo", "ann", 0, 10),
            ("T1", "silo", "ann", 8, 14),  # overlapping: one run 0-14
            ("T1", "silo", "bo", 5, 14),
            ("T1", "voice", "bo", 2, 4),
            ("T1", "voice", "ann", 20, 25),
            ("T2", "silo", "ann", 0, 5),
        ],
        columns=["transcript_id", "code", "coder", "start", "end"],
    )
    assert disagreements(codings, "T1", "ann", "bo") == [
        Disagreement(0, 5, "silo", "ann"),
        Disagreement(2, 4, "voice", "bo"),
        Disagreement(20, 25, "voice", "ann"),
    ]
    assert disagreements(codings, "T1", "ann", "bo", code="voice") == [
        Disagreement(2, 4, "voice", "bo"),
        Disagreement(20, 25, "voice", "ann"),
    ]
    assert disagreements(codings, "T1", "bo", "ann", code="silo") == [
        Disagreement(0, 5, "silo", "ann")
    ]


def test_identical_codings_have_no_disagreements(hand_codings):
    same = pd.concat(
        [
            hand_codings[hand_codings["coder"] == "a"],
            hand_codings[hand_codings["coder"] == "a"].assign(coder="b"),
        ]
    )
    assert disagreements(same, "T1", "a", "b") == []
    with pytest.raises(InvalidInput, match="two different"):
        disagreements(same, "T1", "a", "a")


def test_character_level_handles_long_transcripts_without_per_character_work():
    # 20 transcripts of ~90,000 code points (a 15,000-word interview each).
    rng = np.random.default_rng(9)
    transcripts = [
        TranscriptUnits(f"T{i}", 90_000, turns=[(0, 45_000), (45_000, 90_000)]) for i in range(20)
    ]
    starts = rng.integers(0, 89_000, 4_000)
    codings = pd.DataFrame(
        {
            "transcript_id": [f"T{i % 20}" for i in range(4_000)],
            "code": [f"c{i % 40}" for i in range(4_000)],
            "coder": [("a", "b")[(i // 20) % 2] for i in range(4_000)],
            "start": starts,
            "end": starts + rng.integers(1, 1_000, 4_000),
        }
    )
    table = agreement_table(codings, transcripts, unit="character").table
    assert (table["units"] == 1_800_000).iloc[:-1].all()
    assert table["units"].iloc[-1] == 40 * 1_800_000


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_codes_processed_in_small_blocks_give_the_same_table(hand_codings, unit, monkeypatch):
    import study.reliability.units

    whole = agreement_table(hand_codings, HAND_UNITS, unit=unit).table
    monkeypatch.setattr(study.reliability.units, "_BLOCK_CELLS", 1)  # one code per block
    pd.testing.assert_frame_equal(agreement_table(hand_codings, HAND_UNITS, unit=unit).table, whole)
