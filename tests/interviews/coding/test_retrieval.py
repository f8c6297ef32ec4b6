"""Coded passages, code frequencies per organisation and code co-occurrence (study.interviews.coding.retrieval).

The expected matrices are counted by hand from the codings drawn in
``_hand_built`` (see the comments there), following the definitions in the
docstring of :func:`study.interviews.coding.retrieval.cooccurrence_matrix`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.errors import InvalidInput, NotFound
from study.interviews.coding import (
    code_frequency_matrix,
    coded_segments,
    cooccurrence_matrix,
    get_code,
    load_scheme_into_db,
)

from coding_study import (
    CODING,
    code_passage,
    coder_with_one_coding,
    seed_coders,
    seed_transcript,
)

OTHER_TEXT = (
    "Interviewer: And you?\n\nBo: I am afraid my boss reads it. We are too busy anyway."
    "\n\nInterviewer: Thanks.\n\nBo: You are welcome.\n"
)


def _hand_built(session):
    """Two transcripts in two organisations, coded by Ana and Ben (tiny scheme 1.0)."""
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    first = seed_transcript(session)  # Nordlys Bank, coordinator; turns 1 and 3 are Anna's
    second = seed_transcript(
        session,
        filename="other.txt",
        text=OTHER_TEXT,
        organisation="Riverbend Logistics",
        role="employee",
    )
    add_organisation(session, "Quiet Org", actor=OPERATOR)  # no transcripts: a column of zeros
    ana, ben = seed_coders(session)

    def code(transcript, passage, key, coder):
        return code_passage(session, transcript, passage, ("tiny", key), coder)

    code(first, "we are busy all day", "no-time", ana)  # A1, turn 1
    code(first, "busy all day 😀 and nobody", "fear", ana)  # A2, turn 1, overlaps A1
    code(first, "People are afraid", "benefits", ana)  # A3, turn 1, overlaps none
    code(first, "we find experts faster", "benefits", ana)  # A4, turn 3
    code(first, "is what someone posted", "fear", ana)  # A5, turn 3, overlaps none
    code(first, "busy all day", "benefits", ben)  # B1, overlaps A1, A2 (Ana's)
    code(first, "Honestly, we are busy", "no-time", ben)  # B2, overlaps B1
    code(second, "I am afraid my boss reads it.", "fear", ana)  # C1
    code(second, "I am afraid my boss reads it.", "fear", ben)  # C2
    return first, second, ana, ben


KEYS = ["barriers", "no-time", "fear", "benefits"]


def test_overlap_cooccurrence_counts_pairs_of_one_coders_overlapping_codings(session):
    _hand_built(session)
    matrix = cooccurrence_matrix(session, scheme="tiny", mode="overlap", viewer=OPERATOR)
    # Diagonal: codings per code. Off-diagonal: A1-A2 (no-time, fear) and B1-B2
    # (benefits, no-time); Ana's A1/A2 overlap Ben's B1 but different coders never pair.
    expected = pd.DataFrame(
        [[0, 0, 0, 0], [0, 2, 1, 1], [0, 1, 4, 0], [0, 1, 0, 3]], index=KEYS, columns=KEYS
    )
    assert matrix.values.tolist() == expected.values.tolist()
    assert list(matrix.index) == KEYS and list(matrix.columns) == KEYS


def test_turn_cooccurrence_counts_coder_turns_holding_both_codes(session):
    _hand_built(session)
    matrix = cooccurrence_matrix(session, scheme="tiny", mode="turn", viewer=OPERATOR)
    # Units (coder, turn): Ana/first turn 1 {no-time, fear, benefits}, Ana/first turn 3
    # {fear, benefits}, Ben/first turn 1 {no-time, benefits}, Ana/second {fear}, Ben/second {fear}.
    expected = [[0, 0, 0, 0], [0, 2, 1, 2], [0, 1, 4, 2], [0, 2, 2, 3]]
    assert matrix.values.tolist() == expected
    only_ana = cooccurrence_matrix(
        session,
        scheme="tiny",
        mode="turn",
        coder_ids=[get_account_id(session, "ana@example.org")],
        viewer=OPERATOR,
    )
    assert only_ana.loc["no-time", "benefits"] == 1 and only_ana.loc["fear", "fear"] == 3
    with pytest.raises(InvalidInput, match="overlap or turn"):
        cooccurrence_matrix(session, scheme="tiny", mode="sentence", viewer=OPERATOR)


def get_account_id(session, email):
    from study.interviews.coding import coder_id_for

    return coder_id_for(session, email)


def test_frequency_matrix_counts_codings_and_transcripts_per_organisation(session):
    _hand_built(session)
    matrix = code_frequency_matrix(session, scheme="tiny", viewer=OPERATOR)
    organisations = ["Nordlys Bank", "Quiet Org", "Riverbend Logistics"]
    assert list(matrix.index) == KEYS
    assert list(matrix["codings"].columns) == organisations
    assert matrix["codings"].loc["fear"].tolist() == [2, 0, 2]
    assert matrix["transcripts"].loc["fear"].tolist() == [1, 0, 1]
    assert matrix["codings"].loc["benefits"].tolist() == [3, 0, 0]
    assert matrix["codings"].loc["barriers"].tolist() == [0, 0, 0]
    rolled = code_frequency_matrix(session, scheme="tiny", include_subcodes=True, viewer=OPERATOR)
    # barriers = its subcodes no-time (A1, B2) and fear (A2, A5 | C1, C2).
    assert rolled["codings"].loc["barriers"].tolist() == [4, 0, 2]
    assert rolled["transcripts"].loc["barriers"].tolist() == [1, 0, 1]
    assert str(rolled.dtypes.iloc[0]) == "int64"


def test_a_scheme_key_pools_its_versions_and_an_id_counts_one_version(session):
    first, _, ana, _ = _hand_built(session)
    old = get_code(session, ("tiny", "fear"))
    load_scheme_into_db(session, CODING / "tiny-1.10.yaml", actor=OPERATOR)
    new = get_code(session, ("tiny", "fear"))
    assert new.id != old.id and new.version == "1.10"
    code_passage(session, first, "on Yammer", new.id, ana)
    pooled = code_frequency_matrix(session, scheme="tiny", viewer=OPERATOR)
    assert list(pooled.index) == ["ideas", *KEYS]
    assert pooled["codings"].loc["fear", "Nordlys Bank"] == 3
    one_version = code_frequency_matrix(session, scheme=old.scheme_id, viewer=OPERATOR)
    assert one_version["codings"].loc["fear", "Nordlys Bank"] == 2
    assert len(coded_segments(session, scheme="tiny", code_key="fear", viewer=OPERATOR)) == 5
    assert len(coded_segments(session, code_id=old.id, viewer=OPERATOR)) == 4


def test_coded_segments_bring_the_turn_and_filter_by_organisation_role_and_coder(session):
    first, second, ana, ben = _hand_built(session)
    segments = coded_segments(session, code_id=("tiny", "barriers"), viewer=OPERATOR)
    # Subcodes come in tree order: no-time first, then fear.
    assert list(segments["code"]) == ["no-time", "no-time", "fear", "fear", "fear", "fear"]
    row = segments.iloc[0]
    assert row["organisation"] == "Nordlys Bank" and row["role"] == "coordinator"
    assert row["speaker"] == "Anna" and row["turn_text"].startswith("Honestly, we are busy")
    assert row["turn_text"].endswith("på Østerbro især.")
    assert row["text"] in row["turn_text"]
    assert coded_segments(
        session, code_id=("tiny", "barriers"), include_subcodes=False, viewer=OPERATOR
    ).empty
    by_org = coded_segments(
        session, scheme="tiny", code_key="fear", organisation="Riverbend Logistics", viewer=OPERATOR
    )
    assert list(by_org["speaker"]) == ["Bo", "Bo"] and set(by_org["role"]) == {"employee"}
    assert len(coded_segments(session, code_key="fear", role="coordinator", viewer=OPERATOR)) == 2
    assert list(
        coded_segments(session, code_key="fear", coder_ids=[ben], viewer=OPERATOR)["coder_name"]
    ) == ["Ben"]
    with pytest.raises(NotFound):
        coded_segments(session, code_key="nothing-like-it", viewer=OPERATOR)
    with pytest.raises(InvalidInput, match="not both"):
        coded_segments(session, code_id=1, code_key="fear", viewer=OPERATOR)


def _carl_codes_once_on_the_blind_demo_scheme(session):
    """Issue 20, finding 1: a new coder's one coding in the demo, with the scheme in blind mode."""
    from study.interviews.coding import set_blind

    carl = coder_with_one_coding(session)
    set_blind(session, "ism-adoption-challenges", True, actor=OPERATOR)
    return carl


def test_a_coder_on_a_blind_scheme_counts_only_their_own_codings(demo_database):
    with demo_database.transaction() as session:
        carl = _carl_codes_once_on_the_blind_demo_scheme(session)
        everyone = code_frequency_matrix(session, scheme="ism-adoption-challenges", viewer=OPERATOR)
        own = code_frequency_matrix(session, scheme="ism-adoption-challenges", viewer=carl)
        assert everyone["codings"].to_numpy().sum() > 300  # the demo's two coders, and Carl
        assert own["codings"].to_numpy().sum() == 1
        assert own["transcripts"].to_numpy().sum() == 1
        for mode in ("overlap", "turn"):
            matrix = cooccurrence_matrix(
                session, scheme="ism-adoption-challenges", mode=mode, viewer=carl
            )
            assert matrix.to_numpy().sum() == 1, mode  # only Carl's one coding, on the diagonal
        # coder_ids cannot widen what a coder sees
        demo_coders = {1, 2, 3, 4, carl.id}
        widened = code_frequency_matrix(
            session, scheme="ism-adoption-challenges", viewer=carl, coder_ids=demo_coders
        )
        assert widened["codings"].to_numpy().sum() == 1


def test_every_reading_function_requires_a_viewer(session):
    """No reading of codings can forget who looks: the viewer has no default."""
    import inspect

    from study.interviews.coding import export_codings, export_segments, list_codings, list_memos

    for function in (
        code_frequency_matrix,
        cooccurrence_matrix,
        coded_segments,
        list_codings,
        list_memos,
        export_codings,
        export_segments,
    ):
        parameter = inspect.signature(function).parameters["viewer"]
        assert parameter.default is inspect.Parameter.empty, function.__name__
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, function.__name__
