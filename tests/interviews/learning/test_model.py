"""The learned model without a database: units, training rows, fitting, calibration, storage."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from study.errors import InvalidInput
from study.interviews.learning.model import LearnedModel, _best_threshold, fit_model, unit_features
from study.interviews.learning.units import (
    Coded,
    Rejected,
    Source,
    Unit,
    covers,
    training_set,
    transcript_units,
)

TEXT = (
    "Interviewer: How do people use it?\n"
    "Anna: We chat a lot there. It is not real work, people say. Meetings are on Monday.\n"
    "Interviewer: And managers?\n"
    "Anna: Our director never posts.\n"
)


def source(transcript_id: int = 1, text: str = TEXT, language: str = "en") -> Source:
    turns = []
    position = 0
    for line in text.splitlines(keepends=True):
        speaker, _, rest = line.partition(": ")
        start = position + len(speaker) + 2
        turns.append((start, position + len(line.rstrip("\n")), speaker, False))
        position += len(line)
    return Source(transcript_id, text, language, tuple(turns))


def test_units_are_interviewee_sentences_never_interviewer_or_withdrawn_turns():
    units = transcript_units(source())
    assert [u.text for u in units] == [
        "We chat a lot there.",
        "It is not real work, people say.",
        "Meetings are on Monday.",
        "Our director never posts.",
    ]
    assert all(TEXT[u.start : u.end] == u.text for u in units)
    turns = transcript_units(source(), "turn")
    assert [u.text for u in turns][1] == "Our director never posts."
    withdrawn = source()
    withdrawn = Source(
        1, TEXT, "en", tuple((s, e, sp, sp == "Anna") for s, e, sp, _ in withdrawn.turns)
    )
    assert transcript_units(withdrawn) == []


def test_a_coding_covers_a_unit_when_they_overlap_by_half_the_shorter():
    unit = Unit(1, 100, 140, "en", "x" * 40)
    assert covers(90, 150, unit)  # the whole unit inside a longer coding (a turn)
    assert covers(110, 115, unit)  # a phrase inside the unit
    assert covers(80, 121, unit)  # 21 of 40 characters
    assert not covers(80, 119, unit)  # 19 of 40: only the edge
    assert not covers(140, 160, unit)  # touching is not overlapping


def _rows(units, codings: bool = True):
    """Coder 7 codes units 0-1 "social" in transcript 1 and rejects unit 2 in transcript 2;
    coder 8 codes unit 3 "leaders" in transcript 1."""
    return training_set(
        [source(), source(2, TEXT)],
        ["social", "leaders"],
        [
            Coded(1, "social", 7, units[0].start, units[1].end),
            Coded(1, "leaders", 8, units[3].start, units[3].end),
        ][: 2 if codings else 1],
        [Rejected(2, "social", 7, units[2].start, units[2].end)],
    )


def test_training_rows_are_per_coder_and_unknown_where_a_coder_never_looked():
    units = transcript_units(source())
    rows = _rows(units)
    # coder 7 saw transcript 1 (4 rows) and rejected one suggestion in transcript 2 (1 row);
    # coder 8 saw transcript 1 (4 rows)
    assert len(rows.units) == 9
    mine = rows.coders == 7
    social = rows.labels["social"]
    assert list(social[mine][:4]) == [1, 1, 0, 0]
    assert list(rows.labels["leaders"][mine][:4]) == [0, 0, 0, 0]
    # the rejection: a 0 for that code only, unknown (-1) for the others, not "seen"
    assert social[mine][4] == 0 and rows.labels["leaders"][mine][4] == -1
    assert list(rows.saw) == [True] * 8 + [False]  # rows: (t1, 7), (t1, 8), (t2, 7)
    assert list(rows.labels["leaders"][rows.coders == 8]) == [0, 0, 0, 1]
    assert _rows(units).digest == rows.digest
    assert _rows(units, codings=False).digest != rows.digest


PLANTED = {
    "en": ["chatting", "gossip", "private", "coffee break", "not real work", "slacking"],
    "da": ["sludder", "hyggesnak", "privat", "kaffepause", "ikke rigtigt arbejde", "pjække"],
}
NEUTRAL = {
    "en": ["the budget meeting", "our new printer", "the weather", "a project plan", "the canteen"],
    "da": ["budgetmødet", "den nye printer", "vejret", "en projektplan", "kantinen"],
}


def synthetic(n_transcripts: int = 12, seed: int = 1):
    """Sentences planted with one code's words, others neutral; the coder codes the planted."""
    rng = random.Random(seed)
    texts, languages, labels, groups = [], [], [], []
    for t in range(n_transcripts):
        language = "en" if t % 2 else "da"
        for _ in range(30):
            planted = rng.random() < 0.3
            words = rng.sample(PLANTED[language] if planted else NEUTRAL[language], 2)
            filler = rng.choice(NEUTRAL[language])
            texts.append(f"{words[0]} and {filler}, then {words[1]}.")
            languages.append(language)
            labels.append(int(planted))
            groups.append(t)
    return texts, languages, np.array(labels, dtype=np.int8), np.array(groups)


def test_a_fitted_model_ranks_planted_sentences_first_and_is_calibrated():
    texts, languages, labels, groups = synthetic()
    model = fit_model(unit_features(texts, languages), {"social": labels}, groups)
    (code,) = model.codes
    assert code.calibrated and code.positives == int(labels.sum())
    test_texts, test_languages, test_labels, _ = synthetic(4, seed=99)
    p = model.probabilities(unit_features(test_texts, test_languages))["social"]
    assert p[test_labels == 1].min() > p[test_labels == 0].max()
    # calibrated: the mean probability is near the share of planted sentences
    assert abs(p.mean() - test_labels.mean()) < 0.1
    assert 0.05 <= code.threshold <= 0.95


def test_codes_with_too_few_positive_units_get_no_classifier():
    texts, languages, labels, groups = synthetic(4)
    rare = np.zeros_like(labels)
    rare[:2] = 1
    unknown = np.full_like(labels, -1)
    model = fit_model(
        unit_features(texts, languages), {"social": labels, "rare": rare, "none": unknown}, groups
    )
    assert [c.key for c in model.codes] == ["social"]


def test_the_stored_model_is_arrays_only_and_reads_back_equal():
    texts, languages, labels, groups = synthetic()
    model = fit_model(unit_features(texts, languages), {"social": labels}, groups)
    data = model.to_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        assert all(stored[name].dtype != object for name in stored.files)
    again = LearnedModel.from_bytes(data)
    features = unit_features(texts[:20], languages[:20])
    np.testing.assert_allclose(
        again.probabilities(features)["social"], model.probabilities(features)["social"], rtol=1e-5
    )
    assert again.codes[0].threshold == pytest.approx(model.codes[0].threshold)


@pytest.mark.parametrize("data", [b"", b"not a model", b"PK\x03\x04broken zip"])
def test_damaged_model_bytes_give_one_clear_message(data):
    with pytest.raises(InvalidInput, match="damaged; train it again"):
        LearnedModel.from_bytes(data)


def test_a_pickle_is_never_loaded():
    import pickle

    buffer = io.BytesIO()
    np.savez(buffer, keys=np.array([object()], dtype=object))
    with pytest.raises(InvalidInput):
        LearnedModel.from_bytes(buffer.getvalue())
    with pytest.raises(InvalidInput):
        LearnedModel.from_bytes(pickle.dumps({"weights": [1, 2]}))


def test_the_best_threshold_maximises_f1():
    p = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.2])
    y = np.array([1, 1, 0, 1, 0, 0])
    # cut at 0.4: tp 3, fp 1 -> F1 0.857; at 0.8: tp 2 -> F1 0.8
    assert _best_threshold(p, y) == pytest.approx(0.4)
