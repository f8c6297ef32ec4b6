"""Learned suggestions in a real study (SQLite and PostgreSQL): train, offer, accept, reject, blind."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import delete, func, select
from suggestion_study import CODER_EMAILS, SCHEME_KEY

from study.admin.accounts import get_account
from study.admin.permissions import OPERATOR
from study.db.models import (
    CodeRow,
    CodingRow,
    SuggestionModelRow,
    SuggestionRejectionRow,
)
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding import list_codings, set_blind
from study.interviews.learning import (
    accept_suggestion,
    learned_suggestions,
    model_info,
    reject_suggestion,
    train_every_scope,
    train_suggestions,
)
from study.interviews.learning.store import sources_of
from study.interviews.learning.units import covers, transcript_units

from conftest import at_once


@pytest.fixture
def database(coded):
    return coded[0]


@pytest.fixture
def study(coded):
    return coded[1]


def coder(session, n: int):
    return get_account(session, CODER_EMAILS[n])


def test_a_trained_model_suggests_what_the_coders_would_code_and_goes_stale_on_change(
    database, study
):
    new = study.transcript_ids[0]
    with database.transaction() as session:
        # the first transcript is new: nobody coded it, so the model never saw it
        session.execute(delete(CodingRow).where(CodingRow.transcript_id == new))
        info = train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
    assert info.scope == "team" and info.version == "1.0" and not info.stale
    assert len(info.codes) == 6 and info.too_few == {}
    assert info.codings > 100 and info.transcripts == 11
    planted = {
        (s.start, s.end, code)
        for s in study.sentences
        if s.transcript_id == new
        for code in s.codes
    }
    with database.transaction() as session:
        a = coder(session, 0)
        found = learned_suggestions(session, new, SCHEME_KEY, viewer=a)
    # in a transcript it never saw, its most confident suggestions are what was planted there
    found.sort(key=lambda s: -s.probability)
    top = found[: len(planted) // 2]
    assert len(top) >= 8
    assert sum((s.start, s.end, s.code_key) in planted for s in top) >= 0.8 * len(top)
    # never what the coder already coded with that code
    with database.transaction() as session:
        a = coder(session, 0)
        coded = learned_suggestions(session, study.transcript_ids[1], SCHEME_KEY, viewer=a)
        mine = list_codings(
            session, transcript_id=study.transcript_ids[1], viewer=a, coder_ids=[a.id]
        )
    for s in coded:
        for row in mine[mine["code"] == s.code_key].itertuples():
            overlap = min(row.end, s.end) - max(row.start, s.start)
            assert 2 * overlap < min(row.end - row.start, s.end - s.start)
    # not measured yet: off by default, with the reason
    assert all(not s.enabled and "not been measured" in s.reason for s in found)
    with database.transaction() as session:
        assert not model_info(session, SCHEME_KEY, viewer=OPERATOR).stale
        session.execute(
            delete(CodingRow).where(CodingRow.id == session.scalar(select(func.min(CodingRow.id))))
        )
    with database.transaction() as session:
        assert model_info(session, SCHEME_KEY, viewer=OPERATOR).stale
        again = train_suggestions(session, SCHEME_KEY, actor=OPERATOR, only_if_stale=True)
        assert again.codings == info.codings - 1
        same = train_suggestions(session, SCHEME_KEY, actor=OPERATOR, only_if_stale=True)
        assert same.trained_at == again.trained_at
        assert session.scalar(select(func.count()).select_from(SuggestionModelRow)) == 1


def test_accepting_codes_as_suggested_and_rejecting_is_remembered_and_learned_from(database, study):
    transcript = study.transcript_ids[1]
    with database.transaction() as session:
        train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
    with database.transaction() as session:
        a = coder(session, 0)
        first, second = learned_suggestions(session, transcript, SCHEME_KEY, viewer=a)[:2]
        coding = accept_suggestion(session, first, transcript_id=transcript, actor=a)
        assert coding.origin == "suggested" and (coding.start, coding.end) == (
            first.start,
            first.end,
        )
        for _ in range(2):  # twice: still one rejection
            reject_suggestion(
                session,
                transcript_id=transcript,
                code_id=second.code_id,
                start=second.start,
                end=second.end,
                actor=a,
            )
    with database.transaction() as session:
        a = coder(session, 0)
        left = {
            (s.code_key, s.start)
            for s in learned_suggestions(session, transcript, SCHEME_KEY, viewer=a)
        }
        assert (first.code_key, first.start) not in left
        assert (second.code_key, second.start) not in left
        assert session.scalar(select(func.count()).select_from(SuggestionRejectionRow)) == 1
        # another coder is still offered the passage a rejected
        b = coder(session, 1)
        theirs = learned_suggestions(session, transcript, SCHEME_KEY, viewer=b)
        codings_b = list_codings(session, transcript_id=transcript, viewer=b, coder_ids=[b.id])
        b_coded = any(
            r.code == second.code_key and r.start < second.end and second.start < r.end
            for r in codings_b.itertuples()
        )
        assert b_coded or (second.code_key, second.start) in {(s.code_key, s.start) for s in theirs}
        info = model_info(session, SCHEME_KEY, viewer=OPERATOR)
        assert info.stale  # a new coding and a rejection to learn from
        retrained = train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
        assert retrained.rejections == 1


def test_hostile_answers_get_a_sentence(database, study):
    with database.transaction() as session:
        a = coder(session, 0)
        code_id = session.scalar(select(CodeRow.id))
        answer = functools.partial(
            reject_suggestion, session, transcript_id=study.transcript_ids[0], code_id=code_id
        )
        with pytest.raises(InvalidInput, match="not inside transcript"):
            answer(start=5, end=10**7, actor=a)
        with pytest.raises(InvalidInput, match="act as a coder"):
            answer(start=0, end=5, actor=OPERATOR)
    with database.transaction() as session:
        train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
        session.execute(
            SuggestionModelRow.__table__.update().values(weights=b"PK\x03\x04 not a model")
        )
    with (
        database.transaction() as session,
        pytest.raises(InvalidInput, match="damaged; train it again"),
    ):
        learned_suggestions(session, study.transcript_ids[0], SCHEME_KEY, viewer=coder(session, 0))


def test_blind_mode_learns_each_coders_model_from_their_codings_only(database, study):
    with database.transaction() as session:
        set_blind(session, SCHEME_KEY, True, actor=OPERATOR)
        a, b = coder(session, 0), coder(session, 1)
        # coder A never used one code: B's codings of it must not reach A's suggestions
        secret = "technical-barriers"
        secret_ids = select(CodeRow.id).where(CodeRow.key == secret)
        session.execute(
            delete(CodingRow).where(CodingRow.coder_id == a.id, CodingRow.code_id.in_(secret_ids))
        )
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="--coder"):
            train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
        a, b = coder(session, 0), coder(session, 1)
        with pytest.raises(PermissionDenied):
            train_suggestions(session, SCHEME_KEY, actor=a, coder_id=b.id)
        mine = train_suggestions(session, SCHEME_KEY, actor=a)
        own = session.scalar(
            select(func.count()).select_from(CodingRow).where(CodingRow.coder_id == a.id)
        )
        assert mine.scope == f"coder:{a.id}" and mine.codings == own
        assert secret not in mine.codes and mine.too_few == {secret: 0}
        # B has no model yet: nothing is suggested to B, and A's model never serves B
        assert learned_suggestions(session, study.transcript_ids[0], SCHEME_KEY, viewer=b) == []
        for transcript in study.transcript_ids:
            assert all(
                s.code_key != secret
                for s in learned_suggestions(session, transcript, SCHEME_KEY, viewer=a)
            )
        both = train_every_scope(session, SCHEME_KEY, actor=OPERATOR)
        assert sorted(i.scope for i in both) == sorted([f"coder:{a.id}", f"coder:{b.id}"])
        assert secret in next(i for i in both if i.scope == f"coder:{b.id}").codes


def test_two_trainings_at_once_keep_one_model(database, study):
    def train() -> None:
        with database.transaction() as session:
            train_suggestions(session, SCHEME_KEY, actor=OPERATOR)

    errors = at_once(train, train)
    assert errors == []
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SuggestionModelRow)) == 1


def test_units_of_a_stored_transcript_match_its_text(database, study):
    with database.transaction() as session:
        (source,) = sources_of(session, {study.transcript_ids[0]})
    units = transcript_units(source)
    assert units and all(source.text[u.start : u.end] == u.text for u in units)
    planted = [s for s in study.sentences if s.transcript_id == source.transcript_id]
    # every planted interviewee sentence is one unit
    assert all(any(covers(p.start, p.end, u) for u in units) for p in planted)
