"""REFI-QDA exchange page: download the study as .qdpx or a scheme as .qdc; upload either."""

from __future__ import annotations

import io
from collections.abc import Callable

import streamlit as st

from study.db import Database
from study.exchange.qdpx import export_codebook, export_qdpx, import_codebook, import_qdpx
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


def _import_section(db: Database) -> None:
    st.header("Import")
    st.write(
        "Upload a project (.qdpx) or a codebook (.qdc, or Taguette's .csv) from another "
        "program. Sources "
        "without a case go to the organisation \u201cImported\u201d; what cannot be "
        "imported is listed below after the import."
    )
    with st.form("refi-import", clear_on_submit=True):
        upload = st.file_uploader("REFI-QDA file", type=["qdpx", "qdc", "csv"])
        scheme_key = st.text_input(
            "Scheme key (optional)",
            help="Key of the coding scheme the codebook becomes; by "
            "default made from the project or file name.",
        )
        submitted = st.form_submit_button("Import")
    upload = sent_upload(submitted, upload, "Choose a .qdpx or .qdc file first.")
    if upload is None:
        return
    actor = current_account().id
    with errors_shown(), db.transaction() as session:
        check_upload_size(upload.size, upload.name)
        if upload.name.lower().endswith((".qdc", ".csv")):
            book = import_codebook(session, upload, scheme_key=scheme_key or None, actor=actor)
            verb = "Imported" if book.created else "Already imported:"
            st.success(
                f"{verb} scheme {book.scheme} version {book.version} with {book.codes} codes."
            )
            warnings = book.warnings
        else:
            summary = import_qdpx(
                session, upload, actor=actor, scheme_key=scheme_key or None, name=upload.name
            )
            scheme = (
                f" into scheme {summary.scheme} version {summary.scheme_version}"
                if summary.scheme
                else ""
            )
            st.success(
                f"Imported {summary.sources} sources, {summary.codes} codes{scheme}, "
                f"{summary.codings} codings, {summary.users} coders, {summary.cases} "
                f"organisations and {summary.notes} memos."
            )
            warnings = summary.warnings
        for warning in warnings:
            st.warning(warning, icon=":material/warning:")


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
