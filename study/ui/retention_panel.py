"""The Overview page's retention section: what is due, deleting it, the record of processing.

Shown to accounts that manage participants' data (researchers, admins): the retention
date, what a run would delete now per category, a button to run it once the date has
come (behind a confirmation), and the record of processing as a Word download.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import streamlit as st

from study.admin.identity import AccountInfo
from study.admin.permissions import can
from study.admin.processing_record import processing_record, processing_record_docx
from study.admin.retention import RetentionPlan, retention_due, run_retention
from study.db import Database
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import number, table

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: What the last run did, shown once after the page has reloaded with the new counts.
_DONE_KEY = "retention_run_report"


def _record_docx(db: Database, account: AccountInfo) -> Callable[[], bytes]:
    """The record of processing as .docx bytes, built only when the download is asked for."""

    def build() -> bytes:
        with db.transaction() as session:
            record = processing_record(session, viewer=account)
        buffer = io.BytesIO()
        processing_record_docx(record, buffer)
        return buffer.getvalue()

    return build


def _run() -> None:
    """Run retention now; on success, reload the page so the counts above are the new ones."""
    report = None
    with errors_shown(), database().transaction() as session:
        report = run_retention(session, actor=current_account())
    if report is not None:
        st.session_state[_DONE_KEY] = report.lines()
        st.rerun()


def _due(plan: RetentionPlan) -> None:
    """The retention date, the counts, and the button once the date has come."""
    if plan.retention_on is None:
        st.caption(
            "No retention date is set, so nothing is deleted automatically: "
            "`study retention set --study-date YYYY-MM-DD` sets it and what is deleted then."
        )
        return
    freeze = f" Analysis freeze date: {plan.freeze_on}." if plan.freeze_on else ""
    st.write(f"Retention date: {plan.retention_on}.{freeze}")
    table(
        pd.DataFrame(plan.rows())[["label", "records"]],
        {"label": "Raw personal data", "records": number("Records due")},
    )
    if not plan.due:
        st.info(
            f"Nothing is deleted before {plan.retention_on}; then `study retention run` "
            "(scheduled) or the button here deletes what is due.",
            icon=":material/schedule:",
        )
    elif not plan.total:
        st.success("The retention date has come and nothing is left to delete.")
    else:
        st.warning(
            f"The retention date has come: {plan.total:,} records are due for deletion.",
            icon=":material/delete:",
        )
        confirmed = st.checkbox(
            "I have checked the data management plan: delete these records for good",
            key="retention_confirm",
        )
        if st.button("Delete what is due", type="primary", disabled=not confirmed):
            _run()
    for note in plan.notes:
        st.caption(note)


def retention_panel() -> None:
    """Draw the section, for accounts with ``manage_participant_data`` only."""
    account = current_account()
    if account is None or not can(account, "manage_participant_data"):
        return
    st.header("Retention and the record of processing")
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        st.success(" ".join(done), icon=":material/check:")
    plan = None
    with errors_shown(), database().transaction() as session:
        plan = retention_due(session, viewer=account)
    if plan is not None:
        _due(plan)
    st.download_button(
        "Download the record of processing (.docx)",
        _record_docx(database(), account),
        file_name="record-of-processing.docx",
        mime=DOCX,
        icon=":material/download:",
    )
