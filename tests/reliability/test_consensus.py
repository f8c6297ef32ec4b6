"""Reports use a transcript's consensus version once it exists."""

from __future__ import annotations

from sqlalchemy import select

from study.admin.permissions import OPERATOR
from study.db.models import TranscriptRow
from study.interviews.coding import code_frequency_matrix

from conftest import add_user
from icr_study import SCHEME, disagreements, resolve


def test_frequency_counts_switch_to_the_consensus_version(demo_database):
    with demo_database.transaction() as session:
        researcher = add_user(session, "r@example.org", "researcher")
        transcript = session.scalar(
            select(TranscriptRow).where(TranscriptRow.name == "coordinator-riverbend-logistics")
        )
        organisation = transcript.organisation.name
        before = code_frequency_matrix(session, scheme=SCHEME, viewer=OPERATOR)["codings"][
            organisation
        ].sum()
        coders = ("ana@demo.example", "ben@demo.example")
        items = disagreements(session, transcript.id, coders=coders)
        assert items
        resolve(session, items[0], "neither", actor=researcher, coders=coders)
        after = code_frequency_matrix(session, scheme=SCHEME, viewer=OPERATOR)["codings"][
            organisation
        ].sum()
    # Two coders' codings were counted; now only the single consensus version is.
    assert 0 < after < before / 2 + 1
