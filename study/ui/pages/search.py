"""Search page: find words and phrases in the transcripts, shown keyword-in-context."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from study.admin.organisations import list_organisations
from study.db.models import INTERVIEWEE_ROLES
from study.interviews.search import search_transcripts
from study.ui.state import database, errors_shown

ALL = "All"
COLUMNS = ["transcript", "organisation", "role", "speaker", "left", "match", "right", "start",
           "end"]


def render() -> None:
    """Read the query and filters, run the search, show the hits."""
    st.title("Search transcripts")
    st.caption('All words must occur in the same turn; "quoted words" must occur together; '
               "engag* finds every word starting with engag.")
    with errors_shown(stop=True), database().transaction() as session:
        organisations = [o.name for o in list_organisations(session)]
    query = st.text_input("Search for", key="search_query", placeholder='e.g. "daily routine"')
    columns = st.columns([3, 2, 2, 1])
    organisation = columns[0].selectbox("Organisation", [ALL, *organisations], key="search_org")
    role = columns[1].selectbox("Interviewee role", [ALL, *INTERVIEWEE_ROLES], key="search_role")
    speaker = columns[2].text_input("Speaker", key="search_speaker",
                                    help="Exactly as in the transcript, e.g. Interviewer.")
    limit = columns[3].number_input("At most", min_value=1, max_value=10_000, value=200,
                                    step=50, key="search_limit")
    if not query.strip():
        return
    with errors_shown(stop=True), database().transaction() as session:
        hits = search_transcripts(session, query,
                                  organisation=None if organisation == ALL else organisation,
                                  role=None if role == ALL else role,
                                  speaker=speaker.strip() or None, limit=int(limit))
    if not hits:
        st.info("No hits.")
        return
    st.caption(f"{len(hits)} hit{'s' if len(hits) != 1 else ''}"
               + (" (the limit; there may be more)" if len(hits) == limit else "") + ".")
    frame = pd.DataFrame([hit.as_dict() for hit in hits], columns=COLUMNS)
    for column in ("left", "match", "right"):
        frame[column] = frame[column].str.replace("\n", " ", regex=False)
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"left": st.column_config.TextColumn("left", width="medium"),
                                "right": st.column_config.TextColumn("right", width="medium")})


render()
