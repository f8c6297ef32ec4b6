"""Small pieces several pages draw the same way: a table, a CSV download, a sent upload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from study.cells import csv_bytes

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile


def number(label: str, format: str | None = None) -> Any:
    """A number column of a :func:`table`, with a printf-style ``format`` ("%.2f", "percent")."""
    return st.column_config.NumberColumn(label, format=format)


def table(frame: pd.DataFrame, columns: dict[str, Any] | None = None) -> None:
    """``frame`` as a table across the page, without its index; ``columns`` label its columns."""
    st.dataframe(frame, hide_index=True, width="stretch", column_config=columns)


def csv_download(frame: pd.DataFrame, label: str, file_name: str, key: str | None = None) -> None:
    """A button that downloads ``frame`` as CSV.

    Through :func:`study.cells.csv_bytes`: a name or quote such as "=HYPERLINK(...)"
    stays text in a spreadsheet.
    """
    st.download_button(
        label,
        csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def sent_upload(submitted: bool, upload: UploadedFile | None, missing: str) -> UploadedFile | None:
    """The file a form was sent with, or None: not sent, or sent without one (``missing`` says so)."""
    if submitted and upload is None:
        st.warning(missing)
    return upload if submitted else None
