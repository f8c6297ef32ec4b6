"""Instruments page: the surveys and interview guides, item by item; guides as .docx."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from study.interviews.guides import write_guide_docx
from study.surveys.instrument_exchange import (
    export_instrument,
    import_instrument,
    newest_instruments,
)
from study.surveys.instruments import InterviewGuide, load_instruments
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import sent_upload


@st.cache_data(show_spinner=False)
def _guide_docx(instrument_id: str, language: str) -> bytes:
    buffer = io.BytesIO()
    write_guide_docx(load_instruments()[instrument_id], buffer, language=language)
    return buffer.getvalue()


def _show_guide(guide: InterviewGuide, language: str) -> None:
    for section in guide.sections:
        st.markdown(f"**{markdown_literal(section.title[language])}**")
        for question in section.questions:
            st.markdown(f"- {markdown_literal(question.text[language])}")
            for probe in question.probes:
                st.caption(f"\u2003Probe: {markdown_literal(probe[language])}")
    left, right = st.columns(2)
    for column, lang in zip((left, right), guide.languages):
        column.download_button(
            f"Print guide ({lang}, .docx)",
            _guide_docx(guide.id, lang),
            file_name=f"{guide.id}-{lang}.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            key=f"docx-{guide.id}-{lang}",
        )


def _show_survey(survey, language: str) -> None:
    scales = {s.id: s.label[language] for s in survey.scales}
    for page in survey.pages:
        st.markdown(f"**{markdown_literal(page.title[language])}**")
        rows = [
            {
                "item": item.id,
                "type": item.type,
                "text": item.text[language],
                "scale": scales.get(item.scale, ""),
                "reversed": item.reverse,
                "required": item.required,
            }
            for item in survey.page_items(page)
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _import_form() -> None:
    """Upload a Qualtrics .qsf, LimeSurvey .lss or YAML instrument; it is stored as a version."""
    with st.expander("Import an instrument (Qualtrics .qsf, LimeSurvey .lss, YAML)"):
        with st.form("instrument_import", clear_on_submit=True):
            upload = st.file_uploader("Survey file", type=["qsf", "lss", "yaml", "yml"])
            new_id = st.text_input("Store it as (id; empty: the file's)", max_chars=80)
            sent = st.form_submit_button("Import")
        upload = sent_upload(sent, upload, "Choose a .qsf, .lss or .yaml file first.")
        if upload is None:
            return
        with errors_shown(), database().transaction() as session:
            result = import_instrument(
                session,
                upload.getvalue(),
                upload.name,
                actor=current_account(),
                instrument_id=new_id.strip() or None,
            )
            st.success(
                f"{'Stored' if result.created else 'Already stored as'} "
                f"{markdown_literal(result.id)} version {result.version}."
            )
            for note in result.notes:
                st.caption(f"- {markdown_literal(note)}")


def _downloads(survey) -> None:
    left, right = st.columns(2)
    with errors_shown(), database().transaction() as session:
        for column, fmt, label, mime in (
            (left, "yaml", "Download YAML", "application/yaml"),
            (right, "qsf", "Download for Qualtrics (.qsf)", "application/json"),
        ):
            column.download_button(
                label,
                export_instrument(session, survey.id, format=fmt, viewer=current_account()),
                file_name=f"{survey.id}-v{survey.version}.{fmt}",
                mime=mime,
                key=f"instrument-{fmt}-{survey.id}",
            )


def render() -> None:
    """List instruments and show the chosen one in the chosen language."""
    st.title("Instruments")
    with errors_shown(stop=True), database().transaction() as session:
        instruments = newest_instruments(session, viewer=current_account())
    _import_form()
    labels = {
        f"{i.title[i.languages[0]]} ({i.id} v{i.version})": i.id for i in instruments.values()
    }
    chosen = instruments[labels[st.selectbox("Instrument", list(labels))]]
    language = st.segmented_control("Language", chosen.languages, default=chosen.languages[0])
    language = language or chosen.languages[0]
    if getattr(chosen, "sources", None):
        with st.expander("Sources"):
            for source in chosen.sources:
                st.markdown(f"- {markdown_literal(source)}")
    if isinstance(chosen, InterviewGuide):
        _show_guide(chosen, language)
    else:
        _downloads(chosen)
        _show_survey(chosen, language)


render()
