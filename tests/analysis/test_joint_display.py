"""The joint display: survey challenge means beside coded interviews, and its workbook."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from study.admin.accounts import add_account
from study.admin.organisations import get_organisation
from study.admin.permissions import OPERATOR
from study.analysis.joint_display import (
    CHALLENGES,
    JOINT_COLUMNS,
    convergence,
    joint_display,
    write_joint_display_xlsx,
)
from study.db.models import AccountRow, PlatformDocumentRow, TranscriptRow
from study.interviews.coding import load_scheme_into_db
from study.interviews.schemes import load_schemes
from study.platforms.store import import_platform_export

from coding_study import code_passage, code_span
from comparison_study import build_small_study, reference_scores
from conftest import DATA as TEST_DATA

SCHEME = "ism-adoption-challenges"
PLATFORM_EXPORT = TEST_DATA / "platforms" / "slack-nordlys"
AGREED = "Posting feels like slacking off to most people in the branches, honestly."
SHORTER = "It is not work."
FORMULA = '=HYPERLINK("http://example.org","click")'
SELF = "I hold back because the directors read everything."
ROUTINE = "Nobody opens it before lunch."


def _transcript(session, organisation: str, name: str, text: str) -> int:
    row = TranscriptRow(
        organisation_id=get_organisation(session, organisation, viewer=OPERATOR).id,
        name=name,
        interviewee_role="coordinator",
        language="en",
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(row)
    session.flush()
    return row.id


def _code(session, transcript_id: int, passage: str, code: str, coder: int) -> None:
    code_passage(session, transcript_id, passage, (SCHEME, code), coder)


@pytest.fixture
def coded_study(session):
    """Alfa: two coded interviews; Beta: one interview not yet coded; Gamma: none."""
    build_small_study(session)
    load_scheme_into_db(session, load_schemes()[SCHEME], actor=OPERATOR)
    ana = add_account(session, "ana@example.org", role="coder", password=None, actor=OPERATOR).id
    ben = add_account(session, "ben@example.org", role="coder", password=None, actor=OPERATOR).id
    first = f"Q: Is it work?\nA: {AGREED} {SHORTER} {FORMULA}\nA: {SELF}\n"
    second = f"Q: When do you use it?\nA: {ROUTINE}\n"
    t1 = _transcript(session, "Alfa Bank", "coordinator-alfa", first)
    t2 = _transcript(session, "Alfa Bank", "manager-alfa", second)
    _transcript(session, "Beta Kommune", "coordinator-beta", "Q: Hello?\nA: Hello.\n")
    _code(session, t1, AGREED, "not-work-related", ana)
    _code(session, t1, AGREED, "not-work-related", ben)
    _code(session, t1, SHORTER, "not-work-related", ana)
    _code(session, t1, SELF, "fear-of-judgement", ben)  # a sub-code
    _code(session, t1, FORMULA, "management-words-not-action", ana)
    _code(session, t2, ROUTINE, "not-daily-routine", ana)
    session.flush()
    return session


def _cell(frame, organisation: str, scale: str):
    rows = frame[(frame["organisation"] == organisation) & (frame["scale"] == scale)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_survey_means_sit_beside_the_share_of_coded_interviews(coded_study):
    frame = joint_display(coded_study, viewer=OPERATOR)
    assert list(frame.columns) == JOINT_COLUMNS
    assert len(frame) == 3 * len(CHALLENGES)
    reference = reference_scores().groupby("organisation")["score"].mean()
    alfa = _cell(frame, "Alfa Bank", "challenge_not_work")
    assert alfa["survey_mean"] == pytest.approx(reference["Alfa Bank"])
    assert (alfa["survey_n"], alfa["interviews"], alfa["coded_interviews"]) == (6, 2, 2)
    assert alfa["interviews_with_code"] == 1 and alfa["coded_share"] == 0.5
    # 3 codings by 2 coders in 2 coded interviews
    assert alfa["passages_per_interview"] == pytest.approx(3 / 2 / 2)
    # a coding with the sub-code fear-of-judgement counts for its parent challenge
    assert _cell(frame, "Alfa Bank", "challenge_self_censorship")["coded_share"] == 0.5
    assert _cell(frame, "Alfa Bank", "challenge_not_routine")["quote_source"] == "manager-alfa"


def test_uncoded_interviews_are_not_counted_as_absent_challenges(coded_study):
    frame = joint_display(coded_study, viewer=OPERATOR)
    beta = _cell(frame, "Beta Kommune", "challenge_not_work")
    assert (beta["interviews"], beta["coded_interviews"]) == (1, 0)
    assert math.isnan(beta["coded_share"]) and beta["quote"] == ""
    gamma = _cell(frame, "Gamma Design", "challenge_not_work")
    assert gamma["interviews"] == 0 and gamma["survey_n"] == 3


def test_example_quote_is_the_passage_most_coders_agree_on(coded_study):
    frame = joint_display(coded_study, viewer=OPERATOR)
    assert _cell(frame, "Alfa Bank", "challenge_not_work")["quote"] == AGREED


def test_long_quotes_are_cut_at_a_word(coded_study):
    frame = joint_display(coded_study, quote_length=30, viewer=OPERATOR)
    quote = _cell(frame, "Alfa Bank", "challenge_not_work")["quote"]
    assert quote == "Posting feels like slacking …"


def test_workbook_has_organisations_as_rows_and_formulas_stay_text(coded_study, tmp_path):
    frame = joint_display(coded_study, viewer=OPERATOR)
    path = write_joint_display_xlsx(frame, tmp_path / "joint.xlsx")
    wb = load_workbook(path)
    ws = wb["Joint display"]
    assert ws["A1"].value == "Organisation"
    assert [ws.cell(1, 2 + 4 * i).value for i in range(4)] == [c.label for c in CHALLENGES]
    assert [ws.cell(r, 1).value for r in range(3, 6)] == [
        "Alfa Bank",
        "Beta Kommune",
        "Gamma Design",
    ]
    mean = ws.cell(3, 2)
    assert isinstance(mean.value, float) and mean.number_format == "0.00"
    share = ws.cell(3, 3)
    assert share.value == 0.5 and share.number_format == "0%"
    assert ws.cell(4, 3).value is None  # Beta: no coded interview, no share
    management_quote = ws.cell(3, 2 + 4 * 3 + 3)
    assert management_quote.data_type == "s" and management_quote.value == FORMULA
    long = wb["Long"]
    header = [c.value for c in long[1]]
    assert header == JOINT_COLUMNS
    quotes = [row[header.index("quote")] for row in long.iter_rows(min_row=2, values_only=True)]
    assert FORMULA in quotes  # the exact text, in a string cell
    assert not any(c.data_type == "f" for row in long.iter_rows() for c in row)


def test_convergence_is_spearmans_rho_of_means_and_passages():
    # Four organisations whose passages rise with the survey mean: rho = 1.
    frame = _synthetic([2.0, 2.5, 3.0, 3.5], [0.5, 1.0, 2.0, 4.0])
    table = convergence(frame).set_index("challenge")
    first = table.loc[CHALLENGES[0].label]
    assert first["rho_passages"] == pytest.approx(1.0)
    assert first["organisations"] == 4
    assert math.isnan(first["rho_share"])  # every share is 1: no ranks to correlate


def _synthetic(means: list[float], passages: list[float]):
    import pandas as pd

    rows = []
    for challenge in CHALLENGES:
        for i, (mean, passage) in enumerate(zip(means, passages)):
            rows.append(
                {
                    "organisation": f"Org {i}",
                    "challenge": challenge.label,
                    "scale": challenge.scale,
                    "code": challenge.code,
                    "survey_n": 10,
                    "survey_mean": mean,
                    "survey_sd": 1.0,
                    "interviews": 1,
                    "coded_interviews": 1,
                    "interviews_with_code": 1,
                    "coded_share": 1.0,
                    "passages_per_interview": passage,
                    "quote": "",
                    "quote_source": "",
                }
            )
    return pd.DataFrame(rows)


def test_no_interviews_gives_the_survey_side_only(session):
    build_small_study(session)
    frame = joint_display(session, viewer=OPERATOR)
    assert set(frame["organisation"]) == {"Alfa Bank", "Beta Kommune", "Gamma Design"}
    assert (frame["interviews"] == 0).all()
    assert np.isnan(frame["coded_share"]).all()


def test_coded_platform_conversations_are_not_counted_as_interviews(coded_study, tmp_path):
    """Kept conversations (--keep-text) are behaviour, shown in the platform columns."""
    before = joint_display(coded_study, viewer=OPERATOR)
    import_platform_export(
        coded_study,
        PLATFORM_EXPORT,
        organisation="Alfa Bank",
        platform="slack",
        keep_text=True,
        salt_file=tmp_path / "salt.key",
        actor=OPERATOR,
    )
    documents = coded_study.scalars(select(PlatformDocumentRow.transcript_id)).all()
    assert documents
    ana = coded_study.scalar(select(AccountRow.id).where(AccountRow.email == "ana@example.org"))
    for transcript_id in documents:  # a coder codes every conversation with the challenges
        for challenge in CHALLENGES:
            code_span(coded_study, transcript_id, 0, 5, (SCHEME, challenge.code), ana)
    coded_study.flush()
    after = joint_display(coded_study, viewer=OPERATOR)
    # what the interviews said: every column from the interview count up to the platform's
    said = JOINT_COLUMNS[
        JOINT_COLUMNS.index("interviews") : JOINT_COLUMNS.index("platform_measure")
    ]
    assert after[said].equals(before[said])
    alfa = _cell(after, "Alfa Bank", "challenge_self_censorship")
    assert math.isnan(_cell(before, "Alfa Bank", "challenge_self_censorship")["platform_value"])
    assert 0 <= alfa["platform_value"] <= 1  # the conversations count as behaviour instead
