"""REFI-QDA exchange page: download the study as .qdpx or a scheme as .qdc; upload either."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import streamlit as st

from study.db import Database
from study.exchange.qdpx import ImportSummary, export_codebook, export_qdpx, import_codebook
from study.exchange.qdpx_import import import_qdpx
from study.interviews.coding.schemes_store import list_schemes
from study.interviews.transcripts.store import check_upload_size
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import sent_upload


def _qdpx_bytes(db: Database, compat: str | None) -> Callable[[], bytes]:
    """The export, built only when the download is clicked (in Streamlit's own thread)."""
    viewer = current_account()  # taken now: the click runs outside this page's run

    def build() -> bytes:
        buffer = io.BytesIO()
        with db.transaction() as session:
            export_qdpx(session, buffer, compat=compat, viewer=viewer)
        return buffer.getvalue()

    return build


def _codebook_bytes(db: Database, scheme: str, fmt: str) -> Callable[[], bytes]:
    viewer = current_account()  # taken now: the click runs outside this page's run

    def build() -> bytes:
        buffer = io.BytesIO()
        with db.transaction() as session:
            export_codebook(session, scheme, buffer, format=fmt, viewer=viewer)
        return buffer.getvalue()

    return build


def _export_section(db: Database, schemes: dict[str, str]) -> None:
    st.header("Export")
    st.write(
        "A REFI-QDA project opens in NVivo, ATLAS.ti, MAXQDA and QualCoder: transcripts, "
        "codes with their definitions, organisations as cases, every coder's codings "
        "and memos."
    )
    qualcoder = st.checkbox(
        "For QualCoder",
        help="Also link transcripts to organisations the way QualCoder reads case links.",
    )
    st.download_button(
        "Download project (.qdpx)",
        _qdpx_bytes(db, "qualcoder" if qualcoder else None),
        file_name="ism-study.qdpx",
        mime="application/zip",
        icon=":material/download:",
    )
    if schemes:
        scheme = st.selectbox("Coding scheme", list(schemes), format_func=lambda k: schemes[k])
        fmt = st.radio(
            "Codebook format",
            ["qdc", "csv"],
            horizontal=True,
            format_func={"qdc": "REFI-QDA (.qdc)", "csv": "CSV for Taguette (.csv)"}.get,
        )
        st.download_button(
            f"Download codebook (.{fmt})",
            _codebook_bytes(db, scheme, fmt),
            file_name=f"{scheme}.{fmt}",
            mime="application/xml" if fmt == "qdc" else "text/csv",
            icon=":material/download:",
        )


_KIND_LABELS = {"sources": "Transcripts", "codes": "Codes", "codings": "Codings", "memos": "Memos"}
#: The last upload whose conflicts kept the study's version, to take the file's instead.
_CONFLICTS_KEY = "refi_conflicted_upload"


def _report(summary: ImportSummary) -> None:
    """What the import did, per kind of row, and each conflict in a sentence."""
    st.dataframe(
        pd.DataFrame(
            [
                {"": _KIND_LABELS[kind], **{k.capitalize(): v for k, v in outcome.items()}}
                for kind, outcome in summary.changes.items()
            ]
        ),
        hide_index=True,
    )
    for conflict in summary.conflicts:
        st.warning(conflict, icon=":material/merge_type:")


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _import_project(
    db: Database, data: bytes, name: str, scheme_key: str | None, conflicts_choice: str
) -> ImportSummary | None:
    with errors_shown(), db.transaction() as session:
        summary = import_qdpx(
            session,
            io.BytesIO(data),
            actor=current_account().id,
            scheme_key=scheme_key,
            name=name,
            conflicts=conflicts_choice,
        )
        changes = summary.changes
        said = [
            _counted(changes["codings"]["added"], "coding") + " added",
            _counted(changes["memos"]["added"], "memo") + " added",
            _counted(sum(o["updated"] for o in changes.values()), "change")
            + " from the file taken",
        ]
        if changes["codes"]["added"] and summary.scheme:
            said.insert(
                0,
                _counted(changes["codes"]["added"], "code")
                + f" added to scheme {summary.scheme} version {summary.scheme_version}",
            )
        conflicts = sum(o["conflicts"] for o in changes.values())
        if conflicts:
            said.append(
                _counted(conflicts, "conflict")
                + (
                    ", the file's version taken"
                    if conflicts_choice == "theirs"
                    else ", the study's version kept"
                )
            )
        st.success(f"Imported {name}: {', '.join(said)}.")
        return summary
    return None


def _import_section(db: Database) -> None:
    st.header("Import")
    st.write(
        "Upload a project (.qdpx) or a codebook (.qdc, or Taguette's .csv) from another "
        "program. A project this study exported, or imported before, is recognised: what "
        "is new is added, what the other program changed is updated, nothing is doubled "
        "and nothing deleted. Transcripts without a case go to the organisation "
        "\u201cImported\u201d; what cannot be imported is listed below after the import."
    )
    with st.form("refi-import", clear_on_submit=True):
        upload = st.file_uploader("REFI-QDA file", type=["qdpx", "qdc", "csv"])
        scheme_key = st.text_input(
            "Scheme key (optional)",
            help="Key of the coding scheme a codebook new to the study becomes; by "
            "default made from the project or file name.",
        )
        submitted = st.form_submit_button("Import")
    upload = sent_upload(submitted, upload, "Choose a .qdpx or .qdc file first.")
    if upload is None:
        _conflicts_section(db)
        return
    st.session_state.pop(_CONFLICTS_KEY, None)
    with errors_shown(stop=True):
        check_upload_size(upload.size, upload.name)
    if upload.name.lower().endswith((".qdc", ".csv")):
        with errors_shown(), db.transaction() as session:
            book = import_codebook(
                session, upload, scheme_key=scheme_key or None, actor=current_account().id
            )
            verb = "Imported" if book.created else "Already imported:"
            st.success(
                f"{verb} scheme {book.scheme} version {book.version} with {book.codes} codes."
            )
            for warning in book.warnings:
                st.warning(warning, icon=":material/warning:")
        return
    data = upload.getvalue()
    summary = _import_project(db, data, upload.name, scheme_key or None, "keep")
    if summary is None:
        return
    _report(summary)
    for warning in summary.warnings:
        st.warning(warning, icon=":material/warning:")
    if summary.conflicts:
        st.session_state[_CONFLICTS_KEY] = (data, upload.name, scheme_key or None)
        _conflicts_section(db)


def _conflicts_section(db: Database) -> None:
    """After an import that kept the study's version of conflicting rows: take the file's."""
    kept = st.session_state.get(_CONFLICTS_KEY)
    if kept is None:
        return
    data, name, scheme_key = kept
    offer = st.empty()
    with offer.container():
        st.write(
            f"The study's version of what was changed on both sides was kept. Take the "
            f"version in {name} instead?"
        )
        take = st.button("Take the file's version of the conflicts", key="refi-theirs")
    if take:
        offer.empty()  # answered: the question goes
        st.session_state.pop(_CONFLICTS_KEY, None)
        summary = _import_project(db, data, name, scheme_key, "theirs")
        if summary is not None:
            _report(summary)


def render() -> None:
    """Export downloads and the import upload."""
    st.title("REFI-QDA exchange")
    db = database()
    with errors_shown(stop=True), db.transaction() as session:
        schemes = {
            s.key: s.title for s in list_schemes(session, viewer=current_account()) if s.active
        }
    _export_section(db, schemes)
    _import_section(db)


render()
