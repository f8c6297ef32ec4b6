"""Transcripts page: upload interview transcripts, list them, read one as speaker turns.

Researchers and admins upload; coders only read. Several files uploaded
together are imported all-or-nothing, like `study import transcripts`.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from study.admin.organisations import list_organisations
from study.admin.permissions import can
from study.db.models import INTERVIEWEE_ROLES
from study.interviews.transcripts.erasure import WITHDRAWN_SPEAKER, erase_speaker
from study.interviews.transcripts.parsing import SUPPORTED_EXTENSIONS
from study.interviews.transcripts.store import (
    LANGUAGES,
    import_transcripts,
    list_transcripts,
    move_transcript,
    transcript_json,
)
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown

ALL = "All organisations"
DETECT = "Detect from the text"


def _upload_form(organisations: list[str]) -> None:
    """The import form: files, organisation, role, language and pseudonymisation."""
    with st.form("import-transcripts", clear_on_submit=True):
        st.subheader("Import transcripts")
        files = st.file_uploader(
            "Transcript files (.txt, .docx, .vtt, .srt)",
            type=[ext.lstrip(".") for ext in SUPPORTED_EXTENSIONS],
            accept_multiple_files=True,
        )
        left, middle, right = st.columns(3)
        organisation = left.selectbox("Organisation", organisations)
        role = middle.selectbox("Interviewee role", INTERVIEWEE_ROLES)
        language = right.selectbox("Language", [DETECT, *LANGUAGES])
        pseudonymise = st.checkbox("Pseudonymise: replace speakers' names by role labels")
        left, right = st.columns(2)
        interviewers = left.text_input(
            "Interviewers' names, if the file names them",
            help="Comma-separated; they become 'Interviewer'.",
        )
        names = right.text_area(
            "Further names to replace (one a line or comma-separated)",
            help="Colleagues or the interviewee's name when speakers are I/R.",
        )
        if st.form_submit_button("Import"):
            if not files:
                st.warning("Choose one or more files first.")
                return
            replace = [n.strip() for n in re.split(r"[,\n]", names) if n.strip()]
            asking = [n.strip() for n in interviewers.split(",") if n.strip()]
            with errors_shown(), database().transaction() as session:
                infos = import_transcripts(
                    session,
                    [(file.getvalue(), file.name) for file in files],
                    organisation=organisation,
                    role=role,
                    language=None if language == DETECT else language,
                    pseudonymise=pseudonymise,
                    names=replace,
                    interviewers=asking,
                    actor=current_account().id,
                )
                st.success(
                    "Imported " + ", ".join(f"{i.name} ({i.turns} turns)" for i in infos) + "."
                )


TURNS_PER_PAGE = 150


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _show_turns(data: dict) -> None:
    """The transcript as a reader sees it: each turn's speaker and time, then what was said."""
    turns = data["turns"]
    pages = max(1, (len(turns) - 1) // TURNS_PER_PAGE + 1)
    page = 1
    if pages > 1:
        page = st.number_input(
            f"Turns page (of {pages})",
            min_value=1,
            max_value=pages,
            value=1,
            key="transcripts_page",
        )
    with st.container(height=640, border=True):
        for turn in turns[(page - 1) * TURNS_PER_PAGE : page * TURNS_PER_PAGE]:
            times = " – ".join(
                t for t in (_clock(turn["started_at"]), _clock(turn["ended_at"])) if t
            )
            heading = " · ".join(part for part in (turn["speaker"] or "", times) if part)
            if heading:
                # speaker names come from the file: shown literally, not as Markdown
                st.caption(markdown_literal(heading))
            st.text(data["text"][turn["start"] : turn["end"]])


def render() -> None:
    """Upload, list and read transcripts."""
    st.title("Transcripts")
    with errors_shown(stop=True), database().transaction() as session:
        organisations = [o.name for o in list_organisations(session, viewer=current_account())]
    if not organisations:
        st.info("Add an organisation first; every transcript belongs to one.")
        return
    if can(current_account(), "manage_transcripts"):
        _upload_form(organisations)
    if moved := st.session_state.pop(_MOVED, None):
        st.success(moved)
    if erased := st.session_state.pop(_ERASED, None):
        st.success(erased)
    chosen = st.selectbox("Show transcripts of", [ALL, *organisations], key="transcripts_org")
    with errors_shown(stop=True), database().transaction() as session:
        infos = list_transcripts(
            session, organisation=None if chosen == ALL else chosen, viewer=current_account()
        )
    if not infos:
        st.info("No transcripts yet.")
        return
    frame = pd.DataFrame([i.as_dict() for i in infos])
    st.dataframe(frame, hide_index=True, width="stretch")
    by_id = {i.id: i for i in infos}
    transcript_id = st.selectbox(
        "Read a transcript",
        list(by_id),
        key="transcripts_show",
        format_func=lambda i: f"{by_id[i].name} ({by_id[i].organisation}, {by_id[i].role})",
    )
    with errors_shown(stop=True), database().transaction() as session:
        data = transcript_json(session, transcript_id, viewer=current_account())
    st.caption(
        f"{data['language']}, {len(data['turns'])} turns, {data['characters']} characters"
        + (f", from {data['source_filename']}" if data["source_filename"] else "")
    )
    if can(current_account(), "manage_transcripts"):
        _move_form(data, organisations)
    if can(current_account(), "manage_participant_data"):
        _erase_form(data)
    _show_turns(data)


_MOVED = "transcripts_moved"


def _move_form(data: dict, organisations: list[str]) -> None:
    """Give the transcript another organisation (an imported source in "Imported", say)."""
    with st.form("transcript-move", border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        target = left.selectbox(
            "Organisation",
            organisations,
            index=organisations.index(data["organisation"]),
            key="transcripts_move_to",
        )
        moved = right.form_submit_button("Move transcript")
    if moved and target != data["organisation"]:
        info = None
        with errors_shown(), database().transaction() as session:
            info = move_transcript(session, data["id"], target, actor=current_account().id)
        if info is not None:  # committed: the list and the heading show the new organisation
            st.session_state[_MOVED] = f"{info.name} now belongs to {info.organisation}."
            st.rerun()


_ERASED = "transcripts_erased"


def _erase_form(data: dict) -> None:
    """Erase an interviewee who withdrew from this transcript (`study erase speaker`)."""
    speakers = sorted(
        {t["speaker"] for t in data["turns"] if t["speaker"] and t["speaker"] != WITHDRAWN_SPEAKER}
    )
    if not speakers:
        return
    with st.expander("Erase an interviewee"):
        st.caption(
            "For a participant who withdrew: their turns are overwritten in this transcript, "
            "codings only on their words are removed, memos that may quote them are marked "
            "for review. This cannot be undone."
        )
        with st.form("transcript-erase", border=False):
            speaker = st.selectbox("Speaker", speakers, key="transcripts_erase_speaker")
            sure = st.checkbox(
                "I understand that this erases their words for good",
                key="transcripts_erase_sure",
            )
            erase = st.form_submit_button("Erase speaker")
    if erase:
        if not sure:
            st.warning("Tick the box to confirm the erasure first.")
            return
        report = None
        with errors_shown(), database().transaction() as session:
            report = erase_speaker(session, data["id"], speaker, actor=current_account().id)
        if report is not None:  # committed: the turns below show the redacted text
            st.session_state[_ERASED] = report.sentence
            st.rerun()


render()
