"""A small two-coder study for the reliability, consensus, exchange and page tests.

One organisation, one ten-turn interview, the ISM adoption challenges scheme,
and two coders (Ana, Ben) who code whole turns with one code, so agreement
can be worked out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.interviews.coding.codings import add_coding, code_turn
from study.interviews.coding.memos import add_memo
from study.interviews.coding.schemes_store import load_scheme_into_db
from study.interviews.transcripts.store import transcript_json
from study.reliability.consensus import list_disagreements, resolve_disagreement

from coding_study import import_text
from conftest import ROOT

SCHEME_FILE = ROOT / "coding_schemes" / "ism-adoption-challenges.yaml"
SCHEME = "ism-adoption-challenges"
CODE = "not-work-related"
OTHER_CODE = "management-words-not-action"
PASSWORD = "a long secret password"

INTERVIEW = (
    "\n\n".join(
        [
            "Interviewer: How did the launch of Yammer go?",
            "Coordinator: Slowly. People said posting there is not real work.",
            "Interviewer: What did managers say?",
            "Coordinator: They praised it in town halls, but never posted themselves.",
            "Interviewer: And the employees?",
            "Coordinator: Many told me they had no time for it, it felt like a break room.",
            "Interviewer: Did anything help?",
            "Coordinator: Weekly questions from the CEO helped for a while.",
            "Interviewer: Anything else?",
            "Coordinator: We moved project updates there, so it became part of the job.",
        ]
    )
    + "\n"
)

# Turn positions (0-9) each coder coded with CODE: they agree on 8 of 10 turns.
ANA_TURNS = (1, 3, 5, 7)
BEN_TURNS = (1, 3, 5, 9)


@dataclass(frozen=True)
class IcrStudy:
    """Ids of what :func:`build_icr_study` stored."""

    transcript_id: int
    ana: int
    ben: int
    researcher: int
    coder: int


def build_icr_study(
    session: Session,
    *,
    ana_turns=ANA_TURNS,
    ben_turns=BEN_TURNS,
    researcher_email: str = "rita@example.org",
    passwords: bool = False,
) -> IcrStudy:
    """Store the study; Ana and Ben code whole turns with CODE, and agree on OTHER_CODE at turn 3.

    The researcher and the coder Carl get PASSWORD with ``passwords`` (hashing is slow).
    """
    password = PASSWORD if passwords else None
    add_organisation(
        session,
        "Nordlys Bank",
        sector="Finance",
        size_band="1000+",
        country="Denmark",
        actor=OPERATOR,
    )
    load_scheme_into_db(session, SCHEME_FILE, actor=OPERATOR)
    ana = add_account(
        session, "ana@demo.example", role="coder", password=None, display_name="Ana", actor=OPERATOR
    )
    ben = add_account(
        session, "ben@demo.example", role="coder", password=None, display_name="Ben", actor=OPERATOR
    )
    researcher = add_account(
        session,
        researcher_email,
        role="researcher",
        password=password,
        display_name="Rita",
        actor=OPERATOR,
    )
    coder = add_account(
        session,
        "carl@example.org",
        role="coder",
        password=password,
        display_name="Carl",
        actor=OPERATOR,
    )
    transcript = import_text(session, INTERVIEW, "launch.txt")
    assert len(transcript_json(session, transcript.id, viewer=OPERATOR)["turns"]) == 10
    code_whole_turns(session, transcript.id, {ana.id: ana_turns, ben.id: ben_turns})
    code_whole_turns(session, transcript.id, {ana.id: [3], ben.id: [3]}, code=OTHER_CODE)
    return IcrStudy(transcript.id, ana.id, ben.id, researcher.id, coder.id)


def code_whole_turns(session: Session, transcript_id: int, turns_by_coder: dict, *, code=CODE):
    """Each coder (account id) codes the turns at the given positions with ``code``."""
    code_one = partial(code_turn, session, transcript_id=transcript_id, actor=OPERATOR)
    for coder_id, positions in turns_by_coder.items():
        for position in positions:
            code_one(code_id=(SCHEME, code), coder_id=coder_id, position=position)


def _pair(coders) -> dict:
    coder_a, coder_b = coders
    return {"coder_a": coder_a, "coder_b": coder_b}


def disagreements(session: Session, transcript_id: int, coders=("Ana", "Ben")):
    """:func:`list_disagreements` of two coders on one transcript of the scheme."""
    where = {"scheme": SCHEME, "transcript_id": transcript_id}
    return list_disagreements(session, **where, **_pair(coders), viewer=OPERATOR)


def resolve(session: Session, item, decision: str, *, actor, coders=("Ana", "Ben"), **options):
    """Decide one disagreement ``item`` of :func:`disagreements` (``options``: the edited span)."""
    disputed = {key: getattr(item, key) for key in ("transcript_id", "start", "end", "code_id")}
    return resolve_disagreement(
        session, **disputed, **_pair(coders), decision=decision, actor=actor, **options
    )


DANISH = (
    "Interviewer: Hvordan går det med Yammer?\n\n"
    "Koordinator: Folk synes ikke, det er rigtigt arbejde 😅 – især på lageret.\n"
)


def build_memo_study(
    session: Session,
    *,
    coding_memo: str = "Ana: check the emoji.",
    source_memo: str = "Warehouse staff only.",
    code_memo: str = "Close to Skupchenko's 'no time'.",
) -> IcrStudy:
    """The two-coder study plus a Danish interview (emoji, dash) with a memo of each kind."""
    ids = build_icr_study(session)
    danish = import_text(session, DANISH, "lager.txt", role="employee", language="da")
    passage = "det er rigtigt arbejde 😅 – især"
    start = DANISH.index(passage)
    coding = add_coding(
        session,
        transcript_id=danish.id,
        start=start,
        end=start + len(passage),
        code_id=(SCHEME, CODE),
        coder_id=ids.ana,
        actor=OPERATOR,
    )
    add_memo(session, text=coding_memo, actor=ids.ana, coding_id=coding.id)
    add_memo(session, text=source_memo, actor=ids.researcher, transcript_id=danish.id)
    add_memo(session, text=code_memo, actor=ids.researcher, code_id=(SCHEME, CODE))
    return ids
