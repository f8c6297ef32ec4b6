"""The demo study's codings: two fictional coders' work on the demo interviews.

``study/data/demo/codings.yaml`` lists passages by quoting them: each quote
occurs exactly once in its transcript's stored text, so the offsets are found,
not typed. ``quote_ben`` gives Ben's slightly different span for the same
passage, a realistic boundary disagreement for the agreement statistics.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.permissions import OPERATOR
from study.db.models import CodingRow, TranscriptRow
from study.errors import InvalidFile, InvalidInput
from study.interviews.coding.codings import add_coding
from study.interviews.coding.schemes_store import load_scheme_into_db, resolve_code, scheme_rows
from study.interviews.schemes import load_schemes

__all__ = ["DEMO_CODINGS_FILE", "DemoCoding", "load_demo_codings", "read_demo_codings"]

DEMO_CODINGS_FILE = Path(__file__).resolve().parents[2] / "data" / "demo" / "codings.yaml"
DEMO_CODERS = ("ana", "ben")


class DemoCoding(BaseModel):
    """One entry of the demo codings file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    scheme: str
    code: str
    quote: str = Field(min_length=1)
    coders: list[str] = Field(min_length=1)
    quote_ben: str | None = None


def read_demo_codings(path: str | Path = DEMO_CODINGS_FILE) -> list[DemoCoding]:
    """Read and validate the demo codings file (errors name the entry's line and field)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidFile(f"not valid YAML ({exc})", path=path.name) from None
    if not isinstance(data, list):
        raise InvalidFile("expected a list of codings", path=path.name, line=1)
    entries = []
    for index, item in enumerate(data):
        line = node.value[index].start_mark.line + 1
        try:
            entry = DemoCoding.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidFile(
                first["msg"],
                path=path.name,
                line=line,
                field=f"[{index}]." + ".".join(str(p) for p in first["loc"]),
            ) from None
        unknown = set(entry.coders) - set(DEMO_CODERS)
        if unknown:
            raise InvalidFile(
                f"unknown coder {sorted(unknown)[0]!r}; the demo coders are ana and ben",
                path=path.name,
                line=line,
                field=f"[{index}].coders",
            )
        entries.append(entry)
    return entries


def _span(text: str, quote: str, entry: DemoCoding) -> tuple[int, int]:
    quote = unicodedata.normalize("NFC", quote.strip())
    count = text.count(quote)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise InvalidFile(
            f"the quote for code {entry.code!r} {where} in {entry.file}: {quote[:60]!r}",
            path=DEMO_CODINGS_FILE.name,
        )
    start = text.index(quote)
    return start, start + len(quote)


def load_demo_codings(
    session: Session,
    *,
    transcripts_by_file: dict[str, int],
    coders: dict[str, int],
    actor_id: int | None = None,
) -> int:
    """Add the demo codings (origin "demo") to the demo transcripts; return how many were added.

    Parameters
    ----------
    transcripts_by_file : dict
        ``{file name in interviews.yaml: transcript id}`` of the imported demo transcripts.
    coders : dict
        ``{"ana": account id, "ben": account id}``.

    Notes
    -----
    The three shipped schemes are loaded first if they are missing. Codings
    that already exist are skipped, so calling this again adds nothing.
    """
    missing = [name for name in DEMO_CODERS if name not in coders]
    if missing:
        raise InvalidInput(f"The demo needs an account id for the coder {missing[0]!r}.")
    for scheme in load_schemes().values():
        if not any(row.version == scheme.version for row in scheme_rows(session, scheme.id)):
            load_scheme_into_db(
                session, scheme, actor=actor_id if actor_id is not None else OPERATOR
            )
    texts: dict[str, str] = {}
    added = 0
    for entry in read_demo_codings():
        if entry.file not in transcripts_by_file:
            raise InvalidInput(
                f"The demo codings need the transcript {entry.file!r}, which was not given."
            )
        transcript_id = transcripts_by_file[entry.file]
        if entry.file not in texts:
            texts[entry.file] = (
                session.scalar(select(TranscriptRow.text).where(TranscriptRow.id == transcript_id))
                or ""
            )
        code = resolve_code(session, (entry.scheme, entry.code))
        for coder in entry.coders:
            quote = entry.quote_ben if coder == "ben" and entry.quote_ben else entry.quote
            start, end = _span(texts[entry.file], quote, entry)
            exists = session.scalar(
                select(CodingRow.id).where(
                    CodingRow.transcript_id == transcript_id,
                    CodingRow.code_id == code.id,
                    CodingRow.coder_id == coders[coder],
                    CodingRow.start == start,
                    CodingRow.end == end,
                )
            )
            if exists is None:
                add_coding(
                    session,
                    transcript_id=transcript_id,
                    start=start,
                    end=end,
                    code_id=code.id,
                    coder_id=coders[coder],
                    origin="demo",
                    actor=actor_id if actor_id is not None else OPERATOR,
                )
                added += 1
    return added
