"""Instruments page: the surveys and interview guides, item by item; guides as .docx."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from study.interviews.guides import write_guide_docx
from study.surveys.instruments import InterviewGuide, load_instruments
from study.ui.plain_text import markdown_literal
from study.ui.state import errors_shown


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


def render() -> None:
    """List instruments and show the chosen one in the chosen language."""
    st.title("Instruments")
    with errors_shown(stop=True):
        instruments = load_instruments()
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
        _show_survey(chosen, language)


render()
