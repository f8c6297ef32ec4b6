"""Reports use a transcript's consensus version once it exists."""

from __future__ import annotations

from sqlalchemy import select

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.db.models import TranscriptRow
from study.interviews.coding import code_frequency_matrix
from study.reliability.consensus import list_disagreements, resolve_disagreement

SCHEME = "ism-adoption-challenges"


def test_frequency_counts_switch_to_the_consensus_version(demo_database):
    with demo_database.transaction() as session:
        researcher = add_account(
            session,
            "r@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
        transcript = session.scalar(
            select(TranscriptRow).where(TranscriptRow.name == "coordinator-riverbend-logistics")
        )
        organisation = transcript.organisation.name
        before = code_frequency_matrix(session, scheme=SCHEME, viewer=OPERATOR)["codings"][
            organisation
        ].sum()
        items = list_disagreements(
            session,
            scheme=SCHEME,
            transcript_id=transcript.id,
            coder_a="ana@demo.example",
            coder_b="ben@demo.example",
            viewer=OPERATOR,
        )
        assert items
        first = items[0]
        resolve_disagreement(
            session,
            transcript_id=transcript.id,
            start=first.start,
            end=first.end,
            code_id=first.code_id,
            decision="neither",
            coder_a="ana@demo.example",
            coder_b="ben@demo.example",
            actor=researcher,
        )
        after = code_frequency_matrix(session, scheme=SCHEME, viewer=OPERATOR)["codings"][
            organisation
        ].sum()
    # Two coders' codings were counted; now only the single consensus version is.
    assert 0 < after < before / 2 + 1
