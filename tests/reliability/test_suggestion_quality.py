"""Learned suggestions measured like a coder: cross-validated by transcript, beside the keywords."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import select
from suggestion_study import CODER_EMAILS, SCHEME_KEY, coded_study

from study.admin.accounts import get_account
from study.admin.permissions import OPERATOR
from study.db.models import SuggestionModelRow
from study.errors import InsufficientData
from study.interviews.coding import add_code, add_coding
from study.interviews.learning import ALPHA_FLOOR, learned_suggestions, model_info
from study.reliability.suggestions import evaluate_suggestions

from coding_study import import_text


def test_the_model_is_scored_on_held_out_transcripts_beside_the_keywords(coded):
    database, study = coded
    with database.transaction() as session:
        quality = evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR)
    assert (quality.transcripts, quality.folds, quality.scope) == (12, 5, "team")
    assert len(quality.codes) == 6
    for code in quality.codes:
        assert code.model is not None and code.positives > 20
        assert set(code.model.alpha_by_coder) == set(CODER_EMAILS)
        assert 0 <= code.model.precision <= 1 and 0 <= code.model.recall <= 1
        # the coders planted to agree at about 0.8
        assert 0.6 < code.human_alpha < 0.95
        assert code.enabled == (code.model.alpha >= ALPHA_FLOOR)
    # three keywords of 25 words per code: the learned model finds far more of the coding
    assert quality.macro_f1 > 1.3 * quality.keyword_macro_f1
    assert json.loads(json.dumps(quality.as_dict()))["macro_f1"] == pytest.approx(quality.macro_f1)
    frame = quality.frame()
    assert list(frame["code"]) == [c.name for c in quality.codes]
    # the measure is kept beside the model and turns each code on or off in the workbench
    with database.transaction() as session:
        info = model_info(session, SCHEME_KEY, viewer=OPERATOR)
        assert not info.stale and set(info.quality["codes"]) == {c.code for c in quality.codes}
        a = get_account(session, CODER_EMAILS[0])
        found = learned_suggestions(session, study.transcript_ids[0], SCHEME_KEY, viewer=a)
    state = {c.code: c.enabled for c in quality.codes}
    assert found and all(s.enabled == state[s.code_key] for s in found)
    assert all(("on: " if s.enabled else "off: ") in s.reason for s in found)


def test_a_code_coded_in_one_transcript_only_cannot_be_learned_for_the_others(coded):
    """Cross-validation by transcript: a fold never learns from the transcript it scores, so a
    code whose every coding is in one transcript scores recall 0 there, although the stored
    model (which learned from all) suggests it in that very transcript."""
    database, _ = coded
    lines = [
        "Interviewer: Tell me about the pilots.",
        "Anna: The zorblax quintessa pilot failed in week one.",
        "Interviewer: And then?",
        "Anna: Nobody understood the zorblax quintessa board.",
        "Interviewer: Why?",
        "Anna: We kept the zorblax quintessa chart on the wall anyway.",
        "Interviewer: Thank you.",
    ]
    with database.transaction() as session:
        transcript = import_text(session, "\n".join(lines) + "\n", "pilot.txt").id
        code = add_code(session, SCHEME_KEY, key="pilot", name="Pilot projects", actor=OPERATOR)
        text = "\n".join(lines) + "\n"
        for coder in CODER_EMAILS:
            account = get_account(session, coder)
            for needle in ("The zorblax", "Nobody understood", "We kept"):
                start = text.index(needle)
                add_coding(
                    session,
                    transcript_id=transcript,
                    start=start,
                    end=text.index("\n", start),
                    code_id=code.id,
                    coder_id=account.id,
                    actor=OPERATOR,
                )
    with database.transaction() as session:
        quality = evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR)
        pilot = next(c for c in quality.codes if c.code == "pilot")
        assert pilot.positives == 6  # three passages, two coders
        assert pilot.model is not None and pilot.model.recall == 0
        assert not pilot.enabled
        found = learned_suggestions(
            session, transcript, SCHEME_KEY, viewer=OPERATOR, thresholds={"pilot": 0.5}
        )
    assert {s.text[:11] for s in found if s.code_key == "pilot"} == {
        "The zorblax",
        "Nobody unde",
        "We kept the",
    }


def test_one_coded_transcript_is_too_few_to_measure(database, tmp_path):
    coded_study(database, tmp_path, interviews=1)
    with database.transaction() as session:
        with pytest.raises(InsufficientData, match="at least two transcripts"):
            evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR)
        assert session.scalar(select(SuggestionModelRow.id)) is None


def test_nan_is_none_in_json(database, tmp_path):
    coded_study(database, tmp_path, interviews=3)
    with database.transaction() as session:
        quality = evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR, folds=3, store=False)
    data = quality.as_dict()
    text = json.dumps(data, allow_nan=False)  # no NaN leaks into JSON
    assert "NaN" not in text
    assert all(
        c["model"] is None or c["model"]["f1"] is None or not math.isnan(c["model"]["f1"])
        for c in data["codes"]
    )
