"""The demo codings land on the demo transcripts as the quotes say (study.interviews.coding.demo_codings)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from study.admin.permissions import OPERATOR
from study.db.models import CodingRow, TranscriptRow
from study.errors import InvalidFile, InvalidInput
from study.interviews.coding import list_codings, list_schemes, load_demo_codings
from study.interviews.coding.demo_codings import read_demo_codings

from coding_study import seed_coders, seed_transcript
from conftest import ROOT

INTERVIEWS = ROOT / "study" / "data" / "demo" / "interviews"


def _demo_transcripts(session) -> dict[str, int]:
    return {
        path.name: seed_transcript(
            session,
            filename=path.name,
            text=path.read_text(encoding="utf-8"),
            organisation="Demo organisation",
        )
        for path in sorted(INTERVIEWS.glob("*.txt"))
    }


def test_demo_codings_match_their_quotes_and_loading_again_adds_nothing(session):
    transcripts = _demo_transcripts(session)
    ana, ben = seed_coders(session)
    entries = read_demo_codings()
    expected = len(
        {
            (
                e.file,
                e.scheme,
                e.code,
                c,
                (e.quote_ben if c == "ben" and e.quote_ben else e.quote).strip(),
            )
            for e in entries
            for c in e.coders
        }
    )
    added = load_demo_codings(
        session, transcripts_by_file=transcripts, coders={"ana": ana, "ben": ben}
    )
    assert added == expected > 400
    assert {s.key for s in list_schemes(session, viewer=OPERATOR)} == {
        "imc-integration",
        "ism-adoption-challenges",
        "ism-scepticism",
    }
    codings = list_codings(session, viewer=OPERATOR)
    assert set(codings["origin"]) == {"demo"}
    texts = dict(session.execute(select(TranscriptRow.id, TranscriptRow.text)).all())
    for row in codings.itertuples():
        assert texts[row.transcript_id][row.start : row.end] == row.text
    # Ben's own boundaries for a passage both coded: same start, a longer span.
    entry = next(e for e in entries if e.quote_ben and e.quote_ben.startswith(e.quote))
    spans = codings[codings["text"].isin([entry.quote, entry.quote_ben])]
    assert sorted(spans["coder"]) == ["ana@example.org", "ben@example.org"]
    assert spans["start"].nunique() == 1 and spans["end"].nunique() == 2
    assert (
        load_demo_codings(session, transcripts_by_file=transcripts, coders={"ana": ana, "ben": ben})
        == 0
    )
    assert session.scalar(select(func.count(CodingRow.id))) == expected


def test_demo_codings_need_every_transcript_and_a_quote_that_occurs_once(session):
    ana, ben = seed_coders(session)
    with pytest.raises(InvalidInput, match="coordinator-"):
        load_demo_codings(session, transcripts_by_file={}, coders={"ana": ana, "ben": ben})
    other = seed_transcript(
        session,
        text="Interviewer: Hello.\n\nAnna: Nothing to see.\n\nInterviewer: Thanks.\n\nAnna: Bye.\n",
        filename="x.txt",
    )
    files = {e.file: other for e in read_demo_codings()}
    with pytest.raises(InvalidFile, match="does not occur"):
        load_demo_codings(session, transcripts_by_file=files, coders={"ana": ana, "ben": ben})
