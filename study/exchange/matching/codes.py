"""The study's code for every code of a returning file: recognised, updated or added."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.db.models import CodeRow, CodingSchemeRow
from study.exchange.identities import Identities, code_state, decide, stored_code_state
from study.exchange.mapping import code_fields, free_key, store_codebook
from study.exchange.matching.report import Report
from study.exchange.refiqda import QdaCode, QdaProject
from study.exchange.refiqda.model import derived_guid
from study.interviews.coding.codes import new_code
from study.interviews.coding.schemes_store import scheme_rows

__all__ = ["Codebook", "flatten"]


def flatten(
    codes: list[QdaCode], parent: QdaCode | None = None
) -> list[tuple[QdaCode, QdaCode | None]]:
    out: list[tuple[QdaCode, QdaCode | None]] = []
    for code in codes:
        out.append((code, parent))
        out.extend(flatten(code.children, code))
    return out


class Codebook:
    """The study's code for every code of the file: recognised, updated or added."""

    def __init__(
        self, session: Session, identities: Identities, report: Report, actor_id: int | None
    ) -> None:
        self.session = session
        self.identities = identities
        self.report = report
        self.actor_id = actor_id
        self.code_ids: dict[str, int] = {}
        self._key_of: dict[int, str] = {}

    def code_key(self, code_id: int) -> str:
        """``scheme-key/code-key`` of a stored code: the same in every version of its scheme."""
        if code_id not in self._key_of:
            code = self.session.get(CodeRow, code_id)
            scheme = self.session.get(CodingSchemeRow, code.scheme_id)
            self._key_of[code_id] = f"{scheme.key}/{code.key}"
        return self._key_of[code_id]

    def code_name(self, code_id: int) -> str:
        return self.session.get(CodeRow, code_id).name

    def store(
        self, project: QdaProject, scheme_key: str | None, origin: str, warnings: list[str]
    ) -> tuple[str, str] | None:
        """Match or store the file's codes; the scheme key and version most of them are in."""
        if not project.codes:
            return None
        flat = flatten(project.codes)
        stored = self._stored()
        matched, containers = self._match(flat, stored)
        if not matched and not containers:
            book = store_codebook(
                self.session,
                project.codes,
                key=scheme_key,
                title=project.name or "Imported codebook",
                actor_id=self.actor_id,
                origin=origin,
            )
            warnings.extend(book.warnings)
            self.code_ids = dict(book.code_ids)
            self.report.counts["codes"]["added" if book.created else "unchanged"] += len(
                book.code_ids
            )
            self._remember(flat)
            return book.key, book.version
        for code, parent in flat:
            if code.guid in containers:
                continue
            if code.guid in matched:
                self._compare(code, matched[code.guid])
            else:
                self._add(code, parent, matched, containers)
        self._remember(flat)
        schemes = Counter(
            self.session.get(CodeRow, code_id).scheme_id for code_id in self.code_ids.values()
        )
        scheme = self.session.get(CodingSchemeRow, schemes.most_common(1)[0][0])
        return scheme.key, scheme.version

    def _stored(self) -> dict[str, list[CodeRow]]:
        """Each scheme's newest version's codes (merged codes left out), by scheme key."""
        out: dict[str, list[CodeRow]] = {}
        for key in sorted(set(self.session.scalars(select(CodingSchemeRow.key)))):
            newest = scheme_rows(self.session, key)[-1]
            out[key] = [
                c
                for c in self.session.scalars(select(CodeRow).where(CodeRow.scheme_id == newest.id))
                if c.merged_into_id is None
            ]
        return out

    def _match(
        self, flat: list[tuple[QdaCode, QdaCode | None]], stored: dict[str, list[CodeRow]]
    ) -> tuple[dict[str, CodeRow], dict[str, str]]:
        by_id = {code.id: code for codes in stored.values() for code in codes}
        derived = {
            derived_guid("code", f"{key}/{code.key}"): code
            for key, codes in stored.items()
            for code in codes
        }
        title_of = {
            key: " ".join(scheme_rows(self.session, key)[-1].title.split()).casefold()
            for key in stored
        }
        titles = Counter(title_of.values())
        scheme_by: dict[str, str] = {}
        for key, title in title_of.items():
            scheme_by[derived_guid("scheme", key)] = key
            if titles[title] == 1:
                scheme_by.setdefault(title, key)
        matched: dict[str, CodeRow] = {}
        containers: dict[str, str] = {}
        scheme_of_id = {code.id: key for key, codes in stored.items() for code in codes}
        taken: set[int] = set()
        for code, parent in flat:
            if parent is None and not code.is_codable:
                key = scheme_by.get(code.guid) or scheme_by.get(
                    " ".join(code.name.split()).casefold()
                )
                if key is not None:
                    containers[code.guid] = key
                    continue
            row = by_id.get(self.identities.row_id("code", code.guid) or -1) or derived.get(
                code.guid
            )
            if row is None:
                scope = (
                    containers.get(parent.guid)
                    or (scheme_of_id[matched[parent.guid].id] if parent.guid in matched else None)
                    if parent is not None
                    else None
                )
                name = code.name.strip()[:200].casefold()
                candidates = [
                    c
                    for key, codes in stored.items()
                    if scope is None or key == scope
                    for c in codes
                    if c.name.casefold() == name and c.id not in taken
                ]
                row = candidates[0] if len(candidates) == 1 else None
            if row is not None and row.id not in taken:
                matched[code.guid] = row
                taken.add(row.id)
        return matched, containers

    def _compare(self, code: QdaCode, row: CodeRow) -> None:
        self.code_ids[code.guid] = row.id
        incoming = code_state(*code_fields(code))
        stored = stored_code_state(row)
        decision = decide(stored, incoming, self.identities.base("code", row.id))
        describe = lambda: (  # noqa: E731
            f"Code '{row.name}': changed here and in the file "
            f"({', '.join(k for k in incoming if incoming[k] != stored[k])})."
        )
        if not self.report.outcome("codes", row.id, decision, describe):
            return
        changes = {}
        for attribute, value in incoming.items():
            value = list(value) if attribute == "examples" else value
            if getattr(row, attribute) != value:
                changes[attribute] = [getattr(row, attribute), value]
                setattr(row, attribute, value)
        record_event(
            self.session,
            "code.update",
            actor_id=self.actor_id,
            target=row,
            details={"key": row.key, "changes": changes, "origin": "import"},
        )

    def _add(
        self,
        code: QdaCode,
        parent: QdaCode | None,
        matched: dict[str, CodeRow],
        containers: dict[str, str],
    ) -> None:
        parent_id = self.code_ids.get(parent.guid) if parent is not None else None
        if parent_id is not None:
            scheme_id = self.session.get(CodeRow, parent_id).scheme_id
        elif parent is not None and parent.guid in containers:
            scheme_id = scheme_rows(self.session, containers[parent.guid])[-1].id
        else:  # a new top-level code: where most recognised codes are
            scheme_id = Counter(row.scheme_id for row in matched.values()).most_common(1)[0][0]
        name, colour, definition, inclusion, exclusion, examples = code_fields(code)
        taken = set(self.session.scalars(select(CodeRow.key).where(CodeRow.scheme_id == scheme_id)))
        info = new_code(
            self.session,
            scheme_id,
            key=free_key(name, taken),
            name=name,
            parent=parent_id,
            colour=colour,
            definition=definition,
            inclusion=inclusion,
            exclusion=exclusion,
            examples=list(examples),
            actor_id=self.actor_id,
        )
        self.code_ids[code.guid] = info.id
        self.report.counts["codes"]["added"] += 1

    def _remember(self, flat: list[tuple[QdaCode, QdaCode | None]]) -> None:
        for code, _parent in flat:
            if (
                code.guid in self.code_ids
                and ("codes", self.code_ids[code.guid]) not in self.report.kept
            ):
                row = self.session.get(CodeRow, self.code_ids[code.guid])
                self.identities.remember("code", code.guid, row.id, stored_code_state(row))
