"""A small coding study the coding, CLI and export tests share: one transcript, coders, spans."""

from __future__ import annotations

import hashlib

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import TranscriptRow, TurnRow
from study.errors import NotFound
from study.interviews.coding import add_coding, load_scheme_into_db
from study.interviews.transcripts.parsing import parse_transcript
from study.interviews.transcripts.store import import_transcript

from conftest import DATA

CODING = DATA / "coding"


def seed_transcript(
    session,
    *,
    filename: str = "interview.txt",
    organisation: str = "Nordlys Bank",
    role: str = "coordinator",
    text: str | None = None,
) -> int:
    """Store a transcript as ORM rows (text and turns as the parser makes them); return its id."""
    from study.admin.organisations import get_organisation

    try:
        org = get_organisation(session, organisation, viewer=OPERATOR)
    except NotFound:
        add_organisation(session, organisation, actor=OPERATOR)
        org = get_organisation(session, organisation, viewer=OPERATOR)
    data = text.encode("utf-8") if text is not None else (CODING / filename).read_bytes()
    parsed = parse_transcript(data, filename)
    transcript = TranscriptRow(
        organisation_id=org.id,
        name=f"{parsed.name} ({organisation})",
        interviewee_role=role,
        language="en",
        text=parsed.text,
        text_sha256=hashlib.sha256(parsed.text.encode()).hexdigest(),
        source_filename=filename,
    )
    session.add(transcript)
    session.flush()
    for position, turn in enumerate(parsed.turns):
        session.add(
            TurnRow(
                transcript_id=transcript.id,
                position=position,
                speaker=turn.speaker or "",
                start=turn.start,
                end=turn.end,
            )
        )
    session.flush()
    return transcript.id


def import_text(
    session,
    text: str | bytes,
    filename: str,
    *,
    organisation="Nordlys Bank",
    role="coordinator",
    **options,
):
    """:func:`import_transcript` of ``text`` by the operator (``options``: language, ...)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    options.update(organisation=organisation, role=role, actor=OPERATOR)
    return import_transcript(session, data, filename, **options)


def seed_coders(session) -> tuple[int, int]:
    """Two coder accounts (who cannot log in), as imported coders are."""
    ana = add_account(
        session, "ana@example.org", role="coder", password=None, display_name="Ana", actor=OPERATOR
    )
    ben = add_account(
        session, "ben@example.org", role="coder", password=None, display_name="Ben", actor=OPERATOR
    )
    return ana.id, ben.id


def span_of(session, transcript_id: int, passage: str) -> tuple[int, int]:
    text = session.get(TranscriptRow, transcript_id).text
    start = text.index(passage)
    return start, start + len(passage)


def seed_tiny_study(session) -> tuple[int, int, int]:
    """The tiny scheme 1.0, one transcript and the coders Ana and Ben: (transcript, ana, ben)."""
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    transcript = seed_transcript(session)
    ana, ben = seed_coders(session)
    return transcript, ana, ben


def code_span(session, transcript_id, start, end, code_id, coder_id, *, actor=OPERATOR, **options):
    """:func:`add_coding` with the span, code and coder positional (``options``: origin, batch)."""
    return add_coding(
        session,
        transcript_id=transcript_id,
        start=start,
        end=end,
        code_id=code_id,
        coder_id=coder_id,
        actor=actor,
        **options,
    )


def code_passage(session, transcript_id, passage, code_id, coder_id, *, actor=OPERATOR):
    """Code the first occurrence of ``passage`` in the transcript."""
    start, end = span_of(session, transcript_id, passage)
    return code_span(session, transcript_id, start, end, code_id, coder_id, actor=actor)


def coder_with_one_coding(session, *, password=None, scheme="ism-adoption-challenges"):
    """Issue 20, finding 1: a new coder, Carl, codes once what a demo coder coded (demo study).

    Returns Carl's account; the scheme stays as it is (the caller puts it in blind mode).
    """
    from study.interviews.coding import list_codings

    carl = add_account(session, "carl@example.org", role="coder", password=password, actor=OPERATOR)
    theirs = list_codings(session, scheme=scheme, viewer=OPERATOR).iloc[0]
    code_span(
        session,
        int(theirs.transcript_id),
        int(theirs.start),
        int(theirs.end),
        int(theirs.code_id),
        carl.id,
        actor=carl,
    )
    return carl


# -- the workbench's browser tests: Cora codes one short Danish-English transcript ----------

WORKBENCH_PASSWORD = "a long secret password"
WORKBENCH_CODE = "Management support in words, not action"
WORKBENCH_PHRASE = "they never posted anything themselves"
WORKBENCH_TRANSCRIPT = (
    "Interviewer: Tak fordi du ville være med 🙂. How did the launch go?\n\n"
    "Coordinator: Ærligt talt 🙈 – ledelsen sagde, at platformen var vigtig, but "
    f"{WORKBENCH_PHRASE}. Management support in words, you could say.\n\n"
    "Interviewer: And your colleagues?\n\n"
    "Coordinator: Many of them think it is a waste of time, just chatting.\n"
)


def workbench_coder(database) -> dict:
    """Cora, a coder, and the transcript (after an emoji and Danish letters): e-mail, id, text."""
    from study.admin.studies import ensure_study
    from study.interviews.transcripts.store import transcript_json

    from conftest import ROOT

    with database.transaction() as session:
        ensure_study(session)
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        add_account(
            session,
            "cora@example.org",
            role="coder",
            password=WORKBENCH_PASSWORD,
            display_name="Cora",
            actor=OPERATOR,
        )
        load_scheme_into_db(
            session, ROOT / "coding_schemes" / "ism-adoption-challenges.yaml", actor=OPERATOR
        )
        info = import_transcript(
            session,
            WORKBENCH_TRANSCRIPT.encode("utf-8"),
            "coordinator-1.txt",
            organisation="Nordlys Bank",
            role="coordinator",
            language="en",
            actor=OPERATOR,
        )
        text = transcript_json(session, info.id, viewer=OPERATOR)["text"]
    return {"email": "cora@example.org", "transcript": info.id, "text": text}
