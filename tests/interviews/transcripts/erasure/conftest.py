"""Fixtures of the erasure tests: the study (tests/erasure_study.py), and it after the erasure."""

from __future__ import annotations

import pytest
from erasure_study import build_study

from study.db.models import TranscriptRow
from study.interviews.transcripts.erasure import erase_speaker


@pytest.fixture
def study(database, tmp_path):
    with database.transaction() as session:
        return build_study(session, tmp_path)


@pytest.fixture
def erased(database, study):
    with database.transaction() as session:
        before = session.get(TranscriptRow, study.transcript).text
        report = erase_speaker(session, study.transcript, "anna  HANSEN", actor=study.researcher)
    return before, report
