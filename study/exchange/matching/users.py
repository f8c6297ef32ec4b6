"""The study's account for a returning file's users, and its transcript for each source."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.db.models import AccountRow, TranscriptRow, TurnRow
from study.exchange.identities import Identities
from study.exchange.mapping import (
    IMPORTED_ORGANISATION,
    coder_account,
    named_organisation,
    parse_source_description,
    store_source,
)
from study.exchange.matching.report import Report
from study.exchange.refiqda import QdaUser

__all__ = ["Accounts", "match_source"]


class Accounts:
    """The account of each project user, found when the user is first found coding or writing.

    A user the study exchanged before (its GUID is on record) is that account; ``coders``
    maps others to existing accounts; the rest become imported coder accounts without a
    password (:func:`coder_account`), which cannot log in. Users who coded nothing and
    wrote no memo that is imported get no account.
    """

    def __init__(
        self,
        session: Session,
        identities: Identities,
        users: list[QdaUser],
        coders: Mapping[str, str],
        actor_id: int | None,
    ) -> None:
        self.session = session
        self.identities = identities
        self.users = {user.guid: user for user in users}
        self.coders = coders
        self.actor_id = actor_id
        self.made: dict[str, int] = {}

    def find(self, guid: str | None) -> int | None:
        """The account the user already is, without making one."""
        user = self.users.get(guid or "")
        if user is None:
            return None
        if user.guid in self.made:
            return self.made[user.guid]
        mapped = self.coders.get(user.guid, self.coders.get(user.name))
        if mapped is not None:
            return self.get(guid)
        return self._known(user)

    def _known(self, user: QdaUser) -> int | None:
        """The account the study exchanged the user as (by GUID, else by the name it went
        out under), if it still exists."""
        known = self.identities.row_id("user", user.guid)
        if known is None:  # a peer that writes new GUIDs keeps the name it was sent
            named = self.identities.named("user", user.name)
            known = named.pop() if len(named) == 1 else None
        return known if known is not None and self.session.get(AccountRow, known) else None

    def get(self, guid: str | None) -> int | None:
        user = self.users.get(guid or "")
        if user is None:
            return None
        if user.guid not in self.made:
            mapped = self.coders.get(user.guid, self.coders.get(user.name))
            known = self._known(user) if mapped is None else None
            if known is not None:
                self.made[user.guid] = known
            else:
                self.made[user.guid] = coder_account(
                    self.session, user.name, self.actor_id, mapped_to=mapped
                )
            self.identities.remember("user", user.guid, self.made[user.guid], {"name": user.name})
        return self.made[user.guid]

    def namesakes(self) -> list[str]:
        """A sentence for each imported coder called like one of the study's own accounts."""
        out = []
        for guid, account_id in self.made.items():
            account = self.session.get(AccountRow, account_id)
            if not account.email.endswith("@qdpx.invalid"):
                continue
            name = self.users[guid].name.strip().casefold()
            own = self.session.scalar(
                select(AccountRow.email).where(
                    ~AccountRow.email.endswith("@qdpx.invalid"),
                    (AccountRow.display_name.ilike(name)) | (AccountRow.email.ilike(name)),
                )
            )
            if own is not None:
                out.append(
                    f"The project's user '{self.users[guid].name}' became the imported coder "
                    f"{account.email}, although the study has an account {own}: if they are the "
                    f"same person, import again with --coder '{self.users[guid].name}={own}'."
                )
        return out


def match_source(
    session: Session,
    identities: Identities,
    report: Report,
    organisations: dict[str, Any],
    source: Any,
    warnings: list[str],
    actor_id: int | None,
) -> TranscriptRow | None:
    """The study's transcript a source of the file is (found or stored), or None for a
    transcript from before an erasure, which must not come back."""
    if len(source.case_guids) > 1:
        warnings.append(
            f"Source '{source.name}' belongs to {len(source.case_guids)} cases; "
            "it was stored with the first one only."
        )
    digest = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
    if _erased_before(session, identities, source.guid, digest):
        warnings.append(
            f"Source '{source.name}' is a transcript as it was before an interviewee who "
            "withdrew was erased from it; it was not imported again, nor its codings and memos."
        )
        return None
    known = session.get(TranscriptRow, identities.row_id("source", source.guid) or -1)
    if known is None or known.text_sha256 != digest:
        metadata, _rest = parse_source_description(source.notes, source.variables)
        named = metadata.get("organisation", "").strip()[:200]
        org = (
            organisations.get(source.case_guids[0]) if source.case_guids else None
        ) or named_organisation(session, named or IMPORTED_ORGANISATION, actor_id)
        same_text = list(
            session.scalars(select(TranscriptRow).where(TranscriptRow.text_sha256 == digest))
        )
        if len(same_text) == 1 and all(t.organisation_id != org.id for t in same_text):
            known = same_text[0]  # the study's transcript, under the organisation it has here
        else:
            known, created = store_source(
                session, source.name, source.text, org, metadata, actor_id=actor_id
            )
            if created:
                report.counts["sources"]["added"] += 1
                identities.remember("source", source.guid, known.id, {"sha": digest})
                return known
    report.counts["sources"]["unchanged"] += 1
    identities.remember("source", source.guid, known.id, {"sha": digest})
    return known


def _erased_before(session: Session, identities: Identities, guid: str, digest: str) -> bool:
    """Is the source a transcript an interviewee was erased from, as it was before (by the
    GUID it was exchanged under, or by its text then)?"""
    erased = set(
        session.scalars(select(TurnRow.transcript_id).where(TurnRow.withdrawn.is_(True)).distinct())
    )
    if not erased:
        return False
    was = identities.ever("source", sha=digest) | {identities.row_id("source", guid)}
    current = session.scalar(select(TranscriptRow.id).where(TranscriptRow.text_sha256 == digest))
    return bool(was & erased) and current not in erased
