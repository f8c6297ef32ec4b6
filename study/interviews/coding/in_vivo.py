"""In-vivo coding: a new code named with the participant's own words, applied to those words.

One call makes the code (under a parent, or at the top level of the scheme's
tree) and the coding, both audited like any other; undoing the coding
(:func:`study.interviews.coding.undo_last`) leaves the code in the tree.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require_coding_change
from study.db.models import CodeRow, TranscriptRow
from study.db.rows import row_by_id
from study.errors import InvalidInput
from study.interviews.coding.codes import ParentRef, new_code
from study.interviews.coding.codings import CodingInfo, add_coding
from study.interviews.coding.schemes_store import CodeInfo, SchemeRef, scheme_row

__all__ = ["IN_VIVO_PALETTE", "code_in_vivo", "in_vivo_name"]

#: Colours given to in-vivo codes in turn (colour-blind safe, Okabe-Ito).
IN_VIVO_PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
_NAME_LIMIT = 60


def in_vivo_name(words: str) -> str:
    """The code name for selected words: white space collapsed, cut at a word near 60 characters."""
    name = " ".join((words or "").split()).strip(" \"'“”‘’.,;:!?")
    if not name:
        raise InvalidInput("Select some words to name the in-vivo code with.")
    if len(name) > _NAME_LIMIT:
        cut = name[:_NAME_LIMIT].rsplit(" ", 1)[0] or name[:_NAME_LIMIT]
        name = cut + "…"
    return name


def _key(session: Session, scheme_id: int, name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower())[:6]) or "code"
    base = f"in-vivo-{slug}"
    taken = set(
        session.scalars(
            select(CodeRow.key).where(CodeRow.scheme_id == scheme_id, CodeRow.key.startswith(base))
        )
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def code_in_vivo(
    session: Session,
    scheme: SchemeRef,
    *,
    transcript_id: int,
    start: int,
    end: int,
    coder_id: int,
    parent: ParentRef = None,
    actor: Actor | int,
) -> tuple[CodeInfo, CodingInfo]:
    """Make a code named after ``text[start:end]`` in ``scheme`` and code that passage with it.

    Parameters
    ----------
    scheme : int or str
        The scheme version (a key means its active version) the code joins.
    parent : int or str, optional
        The parent code (id or key); the top level of the tree when None.
    actor : AccountInfo, account id or OPERATOR
        Who codes (required); a coder codes only as themselves.

    Returns
    -------
    (CodeInfo, CodingInfo)
        The new code and the new coding.
    """
    acting = current_actor(session, actor)
    require_coding_change(acting, coder_id)  # a coder makes in-vivo codes as themselves
    transcript = row_by_id(session, TranscriptRow, transcript_id, "transcript")
    if (
        isinstance(start, bool)
        or isinstance(end, bool)
        or not (isinstance(start, int) and isinstance(end, int))
        or not 0 <= start < end <= len(transcript.text)
    ):
        raise InvalidInput(
            f"An in-vivo code needs a passage inside the transcript (0 to "
            f"{len(transcript.text)}), not {start!r} to {end!r}."
        )
    row = scheme_row(session, scheme)
    name = in_vivo_name(transcript.text[start:end])
    count = len(
        list(
            session.scalars(
                select(CodeRow.id).where(
                    CodeRow.scheme_id == row.id, CodeRow.key.startswith("in-vivo-")
                )
            )
        )
    )
    code = new_code(
        session,
        row.id,
        key=_key(session, row.id, name),
        name=name,
        parent=parent,
        colour=IN_VIVO_PALETTE[count % len(IN_VIVO_PALETTE)],
        definition="In-vivo code: the participant's own words.",
        actor_id=acting.id,
    )
    coding = add_coding(
        session,
        transcript_id=transcript.id,
        start=start,
        end=end,
        code_id=code.id,
        coder_id=coder_id,
        actor=actor,
    )
    return code, coding
