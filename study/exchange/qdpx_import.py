"""Import a REFI-QDA project (.qdpx) into the study, recognising what the study already holds.

A project may be new to the study, or the study's own project coming back from another
program (one coder worked in QualCoder, say). Either way the import adds only what the
study lacks and updates only what the other program changed, so importing twice, or
importing a project the study exported, never doubles anything.

Recognising what the study holds, per kind of row, first to last:

- the GUID the row was exported or imported under
  (:class:`~study.exchange.identities.Identities`; MAXQDA, ATLAS.ti and ISM Study keep
  GUIDs, QualCoder writes new ones on every export);
- for codes, the same name (under the same scheme), and a parent code named like one of
  the study's schemes (an ISM Study project with several schemes) is that scheme;
- for sources, the same text: in the organisation of its case, else anywhere in the study
  if only one transcript has it;
- for codings, the same code, coder, transcript and characters; a coding of the same code
  and coder that overlaps one the study exchanged before, and which the file no longer
  holds where it was, is that coding moved;
- for memos, the same target and text; else the one memo by the same author on the same
  target that the study exchanged before.

A recognised row whose file version differs is compared with its state at its latest
exchange (:func:`~study.exchange.identities.decide`): changed only in the other program,
it is updated; changed only here, the study's version stays; changed on both sides, it is
a *conflict*: listed in the report and kept as the study has it, unless ``conflicts=
"theirs"`` takes the file's version. Nothing the file lacks is deleted; the report counts
what the study exchanged before and the file no longer holds.

Other rules:

- users who own an imported coding or memo become coder accounts without a password,
  which cannot log in, under ``<name>@qdpx.invalid`` (``.invalid`` is never deliverable),
  unless ``coders`` maps them to an existing account or the study exchanged them before
  (their GUID is on record); an imported coder of the same name is reused. Users who
  coded nothing and wrote nothing get no account (the summary names them).
- the project's memo (its ``Description``, QualCoder's project memo) becomes the study's
  description, or is added to it (with a warning) when it holds another.
- an annotation (a note on a passage of a source) becomes a memo on the transcript whose
  text ends with the passage's place (:mod:`study.exchange.places`).
- a codebook the study does not recognise at all becomes a scheme version whose key comes
  from the project name (or ``scheme_key``); the same codebook again is that version.
  New codes of a recognised codebook are added to the scheme version of their parent.
- a source belongs to the organisation of its (first) case, else to the one its
  description or variables name ("Organisation: ..."); sources without either go to an
  organisation called "Imported". Role and language come from the description's lines or
  the source's variables ("Language", "Role"), else the language is detected.
- what cannot be stored is listed in ``ImportSummary.warnings``, with the warnings of the
  reader (pictures, PDFs, audio, sets, moved positions).
- everything happens in the caller's transaction: an invalid archive is refused before
  anything is written, and any later failure rolls back.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import BinaryIO, Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.admin.studies import ensure_study
from study.db.models import StudyRow, TranscriptRow
from study.errors import InvalidInput
from study.exchange.identities import Identities
from study.exchange.mapping import (
    IMPORTED_ORGANISATION,
    UNKNOWN_CODER,
    case_organisation,
    coder_account,
    parse_source_description,
    source_field,
)
from study.exchange.matching.codes import Codebook
from study.exchange.matching.codings import Codings
from study.exchange.matching.memos import import_notes, keep_project_memo, match_note
from study.exchange.matching.report import CONFLICT_CHOICES, Report
from study.exchange.matching.users import Accounts, match_source
from study.exchange.qdpx import ImportSummary
from study.exchange.refiqda import read_qdpx

__all__ = ["CONFLICT_CHOICES", "import_qdpx"]


def import_qdpx(
    session: Session,
    path: str | os.PathLike[str] | BinaryIO,
    *,
    actor: Actor | int,
    scheme_key: str | None = None,
    name: str | None = None,
    coders: Mapping[str, str] | None = None,
    conflicts: Literal["keep", "theirs"] = "keep",
) -> ImportSummary:
    """Import a REFI-QDA project: sources, codebook, users, cases, codings and memos.

    See the module docstring for the rules. ``name`` is the file name as the user knows
    it (for messages about an upload). ``coders`` maps a project user (by name or GUID)
    to an existing account's e-mail. ``conflicts`` says what a row changed both here and
    in the file becomes: ``"keep"`` the study's version, ``"theirs"`` the file's.

    Raises
    ------
    InvalidFile
        If the archive is not a valid REFI-QDA project; nothing is stored.
    """
    actor_id = acting(session, actor, "exchange_projects")
    if conflicts not in CONFLICT_CHOICES:
        raise InvalidInput(f"Conflicts are resolved as 'keep' or 'theirs', not {conflicts!r}.")
    project = read_qdpx(path, name=name)
    origin = name or str(getattr(path, "name", path))
    warnings = list(project.warnings)
    study = ensure_study(session, name=project.name or "Imported study", actor_id=actor_id)
    session.flush()
    # One import at a time: a second one waits here until this one commits, then matches
    # against what it stored (a no-op write takes the study row's lock on both backends).
    session.execute(update(StudyRow).where(StudyRow.id == study.id).values(name=StudyRow.name))
    keep_project_memo(session, study, project.description, warnings, actor_id)
    identities = Identities(session)
    report = Report(conflicts)
    coders = dict(coders or {})
    unknown = set(coders) - {u.guid for u in project.users} - {u.name for u in project.users}
    if unknown:
        raise InvalidInput(
            f"The project has no user {sorted(unknown)[0]!r} to map; its users "
            f"are {', '.join(repr(u.name) for u in project.users) or 'none'}."
        )
    codebook = Codebook(session, identities, report, actor_id)
    scheme = codebook.store(project, scheme_key, origin, warnings)
    accounts = Accounts(session, identities, project.users, coders, actor_id)
    organisations = {
        case.guid: case_organisation(session, case, warnings, actor_id) for case in project.cases
    }
    transcripts: dict[str, TranscriptRow] = {}
    coding_ids: dict[str, int] = {}
    counts = Counter()
    for source in project.sources:
        transcript = match_source(
            session, identities, report, organisations, source, warnings, actor_id
        )
        if transcript is None:  # from before an erasure: not again
            continue
        transcripts[source.guid] = transcript
        if project.cases and not source.case_guids:
            counts["uncased"] += 1
        metadata_rest = parse_source_description(source.notes, source.variables)[1]
        if metadata_rest:
            match_note(
                session,
                identities,
                report,
                accounts,
                None,
                metadata_rest,
                {"transcript_id": transcript.id},
            )
        codings = Codings(session, identities, report, codebook, transcript, actor_id)
        for coding in source.codings:
            if coding.end <= coding.start:
                counts["empty"] += 1
                continue
            coder = accounts.get(coding.creating_user_guid)
            if coder is None:
                counts["unknown"] += 1
                coder = coder_account(session, UNKNOWN_CODER[1], actor_id, UNKNOWN_CODER[0])
            codings.take(coding, coder)
        coding_ids.update(codings.finish())
    if counts["unknown"]:
        warnings.append(
            f"{counts['unknown']} codings name no known user; they were stored "
            f"as coded by '{UNKNOWN_CODER[1]}'."
        )
    if counts["uncased"]:
        warnings.append(
            f"{counts['uncased']} of {len(project.sources)} sources are linked to none of the "
            f"project's {len(project.cases)} cases, so they went to the organisation their "
            f"description names, or to '{IMPORTED_ORGANISATION}'. (QualCoder exports only "
            "case links stored at characters 0-0, not those its Cases window makes; "
            "assign them on the Transcripts page.)"
        )
    if counts["empty"]:
        warnings.append(f"{counts['empty']} codings select no text at all and were not imported.")
    unused = sorted(
        {
            name
            for source in project.sources
            for name in source.variables
            if source_field(name) is None
        }
    )
    if unused:
        warnings.append(
            f"Source variables ISM Study does not keep were not imported: "
            f"{', '.join(repr(n) for n in unused[:5])}"
            + (f" and {len(unused) - 5} more." if len(unused) > 5 else ".")
        )
    import_notes(
        session,
        identities,
        report,
        project.notes,
        transcripts,
        codebook,
        coding_ids,
        accounts,
        warnings,
    )
    idle = [user.name for user in project.users if user.guid not in accounts.made]
    if idle:
        warnings.append(
            f"{len(idle)} users of the project coded nothing and wrote no memo that was "
            f"imported, so no account was made for them: "
            f"{', '.join(repr(n) for n in idle[:5])}"
            + (f" and {len(idle) - 5} more." if len(idle) > 5 else ".")
        )
    warnings.extend(accounts.namesakes())
    if report.gone["codings"]:
        warnings.append(
            f"{report.gone['codings']} codings the study exchanged before are not in this "
            "file; they were kept, since an import never deletes."
        )
    added = report.counts
    summary = ImportSummary(
        len(transcripts),
        len(codebook.code_ids),
        added["codings"]["added"],
        len(set(accounts.made.values())),
        len(organisations),
        added["memos"]["added"],
        tuple(warnings),
        scheme[0] if scheme else None,
        scheme[1] if scheme else None,
        changes=report.as_dict(),
        conflicts=tuple(report.conflicts),
    )
    identities.save()
    record_event(
        session,
        "qdpx.import",
        actor_id=actor_id,
        details={**summary.as_dict(), "file": origin},
    )
    return summary
