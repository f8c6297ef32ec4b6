"""Reliability reports from stored codings, and the consensus version, on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from study.admin.accounts import active_account, add_account
from study.admin.audit import list_events
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow
from study.errors import InsufficientData, InvalidInput, NotFound, PermissionDenied
from study.interviews.coding.codings import list_codings
from study.interviews.transcripts.store import transcript_json
from study.reliability.consensus import (
    consensus_coder,
    preferred_codings,
)
from study.reliability.report import find_coder, reliability_report, scheme_coders, verdict

from coding_study import code_span, import_text
from icr_study import (
    ANA_TURNS,
    BEN_TURNS,
    CODE,
    INTERVIEW,
    OTHER_CODE,
    SCHEME,
    build_icr_study,
    code_whole_turns,
    disagreements,
    resolve,
)


@pytest.fixture
def icr(session):
    return build_icr_study(session)


def _row(report, code):
    return report.table.set_index("code").loc[code]


def _presence(turns, coded, unit_count):
    return [1 if position in coded else 0 for position in range(unit_count)]


def test_turn_level_alpha_and_kappa_match_the_hand_computation(session, icr):
    report = reliability_report(session, scheme=SCHEME, unit="turn", viewer=OPERATOR)
    row = _row(report, CODE)
    # Ana and Ben agree on 8 of 10 turns, each coded 4: Cohen's (1960) kappa is
    # (0.8 - 0.52) / (1 - 0.52); Krippendorff's (2011) nominal alpha with
    # n = 20 values (8 ones), o_01 = o_10 = 2 is 1 - 19 * 4 / (2 * 12 * 8).
    assert row["kappa"] == pytest.approx((0.8 - 0.52) / 0.48, abs=1e-12)
    assert row["alpha"] == pytest.approx(1 - 19 * 4 / (2 * 12 * 8), abs=1e-12)
    assert row["percent_agreement"] == pytest.approx(0.8)
    assert row["units"] == 10
    assert row["verdict"] == "unreliable"
    # The same data through the PyPI package `krippendorff` (Castro, 2017).
    data = [_presence(None, ANA_TURNS, 10), _presence(None, BEN_TURNS, 10)]
    assert row["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12
    )
    assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
    agreed = _row(report, OTHER_CODE)
    assert agreed["alpha"] == 1 and agreed["verdict"] == "reliable"
    unused = _row(report, "facilitator")
    assert math.isnan(unused["alpha"]) and unused["verdict"] == "undefined"
    assert list(report.table["code"])[-1] == "(all codes)"
    assert report.coders == ("ana@demo.example", "ben@demo.example")


def test_character_level_counts_every_code_point_and_gives_no_interval(session, icr):
    report = reliability_report(session, scheme=SCHEME, unit="character", viewer=OPERATOR)
    turns = transcript_json(session, icr.transcript_id, viewer=OPERATOR)["turns"]
    text_length = len(transcript_json(session, icr.transcript_id, viewer=OPERATOR)["text"])
    width = {p: turns[p]["end"] - turns[p]["start"] for p in range(10)}
    ana = sum(width[p] for p in ANA_TURNS)
    ben = sum(width[p] for p in BEN_TURNS)
    differ = width[7] + width[9]
    n, ones = 2 * text_length, ana + ben
    # Krippendorff (2011), nominal alpha for two coders and binary values.
    expected = 1 - (n - 1) * (2 * differ) / (2 * (n - ones) * ones)
    row = _row(report, CODE)
    assert row["units"] == text_length
    assert row["alpha"] == pytest.approx(expected, abs=1e-12)
    vectors = np.zeros((2, text_length))
    for k, coded in enumerate((ANA_TURNS, BEN_TURNS)):
        for p in coded:
            vectors[k, turns[p]["start"] : turns[p]["end"]] = 1
    assert row["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=vectors, level_of_measurement="nominal"), abs=1e-12
    )
    assert (
        math.isnan(row["ci_low"])
        and "No confidence interval is given at character level" in report.method
    )


def test_identical_coders_agree_perfectly_and_swapping_coders_changes_nothing(session):
    build_icr_study(session, ben_turns=ANA_TURNS)
    same = reliability_report(session, scheme=SCHEME, unit="sentence", viewer=OPERATOR)
    assert _row(same, CODE)["alpha"] == 1 and _row(same, CODE)["kappa"] == 1
    assert _row(same, CODE)["verdict"] == "reliable"
    first = reliability_report(
        session, scheme=SCHEME, unit="turn", coders=["Ana", "Ben"], viewer=OPERATOR
    )
    second = reliability_report(
        session, scheme=SCHEME, unit="turn", coders=["Ben", "Ana"], viewer=OPERATOR
    )
    columns = ["alpha", "kappa", "percent_agreement", "units", "ci_low", "ci_high"]
    assert first.table[columns].equals(second.table[columns])


def test_a_transcript_one_coder_skipped_is_missing_not_agreement_on_absence(session, icr):
    other = import_text(
        session, "Interviewer: Hi.\n\nCoordinator: We never used it.\n", "second.txt"
    )
    code_span(session, other.id, 0, 5, (SCHEME, CODE), icr.ana)
    both = reliability_report(session, scheme=SCHEME, unit="turn", viewer=OPERATOR)
    only_first = reliability_report(
        session, scheme=SCHEME, unit="turn", transcripts=[icr.transcript_id], viewer=OPERATOR
    )
    assert _row(both, CODE)["alpha"] == _row(only_first, CODE)["alpha"]
    assert _row(both, CODE)["units"] == 10
    assert set(both.transcripts) == {icr.transcript_id, other.id}


def test_coders_are_named_by_email_display_name_or_id(session, icr):
    assert find_coder(session, "ANA@demo.example").id == icr.ana
    assert find_coder(session, "ben").id == icr.ben
    assert find_coder(session, str(icr.ana)).id == icr.ana
    with pytest.raises(NotFound, match="no coder 'zoe'"):
        find_coder(session, "zoe")
    add_account(
        session, "ana2@example.org", role="coder", password=None, display_name="Ana", actor=OPERATOR
    )
    with pytest.raises(InvalidInput, match="2 accounts are called 'Ana'"):
        find_coder(session, "Ana")
    with pytest.raises(InvalidInput, match="two different coders"):
        reliability_report(
            session, scheme=SCHEME, unit="turn", coders=["ben", "ben@demo.example"], viewer=OPERATOR
        )


def test_a_single_coder_is_not_enough(session, icr):
    with pytest.raises(InsufficientData, match="two or more"):
        reliability_report(
            session, scheme=SCHEME, unit="turn", coders=["Ana", "Carl"], viewer=OPERATOR
        )
    with pytest.raises(InvalidInput, match="Unit must be one of"):
        reliability_report(session, scheme=SCHEME, unit="paragraph", viewer=OPERATOR)


@pytest.mark.parametrize(
    "alpha, expected",
    [
        (0.800, "reliable"),
        (0.79999, "tentative"),
        (0.667, "tentative"),
        (0.66699, "unreliable"),
        (float("nan"), "undefined"),
    ],
)
def test_verdict_follows_krippendorffs_2004_thresholds(alpha, expected):
    assert verdict(alpha) == expected


def _first_disagreement(session, icr):
    items = disagreements(session, icr.transcript_id)
    assert [(i.code, i.coder) for i in items] == [
        (CODE, "ana@demo.example"),
        (CODE, "ben@demo.example"),
    ]
    return items


def _consensus_spans(session, consensus_id, code=CODE):
    frame = list_codings(session, coder_ids=[consensus_id], viewer=OPERATOR)
    return sorted((int(r.start), int(r.end)) for r in frame.itertuples() if r.code == code)


def test_consensus_account_is_one_per_pair_flagged_and_cannot_log_in(session, icr):
    first = consensus_coder(session, "Ana", "Ben", actor=OPERATOR)
    assert consensus_coder(session, "ben@demo.example", "ana@demo.example", actor=OPERATOR) == first
    account = session.get(AccountRow, first.id)
    assert account.is_consensus and account.password_hash is None
    assert first.display_name == "Consensus of Ana and Ben"
    with pytest.raises(InvalidInput, match="two different coders"):
        consensus_coder(session, "Ana", "ana@demo.example", actor=OPERATOR)


@pytest.mark.parametrize(
    "decision, turns",
    [
        ("accept_a", [1, 3, 5, 7]),
        ("accept_b", [1, 3, 5]),
        ("both", [1, 3, 5, 7]),
        ("neither", [1, 3, 5]),
    ],
)
def test_each_decision_writes_the_expected_consensus_version(session, icr, decision, turns):
    item = _first_disagreement(session, icr)[0]  # turn 7: Ana coded it, Ben did not
    result = resolve(session, item, decision, actor=active_account(session, icr.researcher))
    spans = transcript_json(session, icr.transcript_id, viewer=OPERATOR)["turns"]
    # Seeded with what both agreed on, then the decision on turn 7.
    assert _consensus_spans(session, result.consensus_id) == [
        (spans[p]["start"], spans[p]["end"]) for p in turns
    ]
    assert _consensus_spans(session, result.consensus_id, OTHER_CODE) == [
        (spans[3]["start"], spans[3]["end"])
    ]
    origins = set(list_codings(session, coder_ids=[result.consensus_id], viewer=OPERATOR)["origin"])
    assert origins == {"consensus"}


def test_edit_replaces_the_span_and_every_step_is_audited(session, icr):
    items = _first_disagreement(session, icr)
    item = items[1]  # turn 9: only Ben
    researcher = active_account(session, icr.researcher)
    result = resolve(session, item, "edit", actor=researcher, span=(item.start + 3, item.end - 1))
    assert (item.start + 3, item.end - 1) in _consensus_spans(session, result.consensus_id)
    events = list_events(session, action_prefix="consensus.", viewer=OPERATOR)
    assert list(events["action"])[:2] == ["consensus.resolve", "consensus.seed"]
    event = events.iloc[0]
    assert event["actor"] == "rita@example.org"
    assert event["details"]["decision"] == "edit"
    assert event["details"]["span"] == [item.start + 3, item.end - 1]
    decided = disagreements(session, icr.transcript_id, coders=("Ben", "Ana"))
    assert [i.decision for i in decided] == [None, "edit"]
    with pytest.raises(InvalidInput, match="must overlap"):
        resolve(session, item, "edit", actor=researcher, span=(0, 5))
    with pytest.raises(InvalidInput, match="Unknown decision"):
        resolve(session, item, "maybe", actor=OPERATOR)


def test_a_coder_cannot_build_the_consensus(session, icr):
    item = _first_disagreement(session, icr)[0]
    with pytest.raises(PermissionDenied):
        resolve(session, item, "both", actor=active_account(session, icr.coder))


def test_reports_prefer_the_consensus_version_and_coders_list_it_last(session, icr):
    before = preferred_codings(session, scheme=SCHEME, viewer=OPERATOR)
    assert set(before["coder"]) == {"ana@demo.example", "ben@demo.example"}
    item = _first_disagreement(session, icr)[0]
    resolve(session, item, "accept_a", actor=active_account(session, icr.researcher))
    after = preferred_codings(session, scheme=SCHEME, viewer=OPERATOR)
    assert set(after["coder"]) == {f"consensus-{icr.ana}-{icr.ben}@consensus.invalid"}
    assert len(after) == 5  # turns 1, 3, 5, 7 and the agreed other code
    coders = scheme_coders(session, SCHEME, viewer=OPERATOR)
    assert [c.label for c in coders] == ["Ana", "Ben", "Consensus of Ana and Ben"]
    # The consensus account is not compared by default.
    report = reliability_report(session, scheme=SCHEME, unit="turn", viewer=OPERATOR)
    assert report.coders == ("ana@demo.example", "ben@demo.example")
    assert session.scalar(select(AccountRow.is_consensus).where(AccountRow.id == coders[2].id))


def test_interval_resamples_transcripts_not_the_turns_inside_them(session, icr):
    # Issue 14, point 8: turns of one interview are not independent, so the bootstrap
    # draws whole transcripts. With two transcripts coded alike, every replicate holds
    # t1 twice, t2 twice or both, so the bounds lie between the alphas of those three
    # data sets (computed by the PyPI package); a bootstrap over the 20 turns would give
    # about .21 to .90 around alpha .59.
    text = INTERVIEW.replace("Slowly", "Very slowly")  # ten turns, another text
    second = import_text(session, text, "again.txt")
    code_whole_turns(session, second.id, {icr.ana: ANA_TURNS, icr.ben: BEN_TURNS})
    report = reliability_report(session, scheme=SCHEME, unit="turn", n_boot=400, viewer=OPERATOR)
    row = _row(report, CODE)
    once = [_presence(None, ANA_TURNS, 10), _presence(None, BEN_TURNS, 10)]
    twice = [coder + coder for coder in once]
    possible = [
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        for data in (once, twice)
    ]
    assert row["alpha"] == pytest.approx(possible[1], abs=1e-12)
    assert min(possible) - 1e-12 <= row["ci_low"] <= row["ci_high"] <= max(possible) + 1e-12
    assert "cluster bootstrap" in report.method and "2 transcripts" in report.method
    single = reliability_report(
        session,
        scheme=SCHEME,
        unit="turn",
        n_boot=50,
        transcripts=[icr.transcript_id],
        viewer=OPERATOR,
    )
    assert "With a single transcript" in single.method
