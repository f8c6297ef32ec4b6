"""What several pages draw alike: tables, CSV downloads, uploads, scheme and code choices."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
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


def code_label(codes_by_id: dict[int, Any], code_id: int) -> str:
    """A code's name, indented by its depth in the scheme, as a choice box lists it."""
    code = codes_by_id[code_id]
    return ("↳ " * code.depth) + code.name


def code_choice(
    place: Any,
    label: str,
    codes_by_id: dict[int, Any],
    *,
    key: str,
    placeholder: str,
    options: Sequence[int] | None = None,
    disabled: bool = False,
) -> int | None:
    """The id of the code chosen in ``place`` (``st`` or a column), None until one is chosen.

    ``options`` narrows the codes offered (all of ``codes_by_id`` by default).
    """
    return place.selectbox(
        label,
        list(codes_by_id) if options is None else list(options),
        key=key,
        index=None,
        placeholder=placeholder,
        format_func=partial(code_label, codes_by_id),
        disabled=disabled,
    )


def scheme_choice(place: Any, schemes: Sequence[Any], key: str) -> int:
    """The id of the coding scheme chosen in ``place`` (a column), each shown with its version."""
    by_id = {s.id: s for s in schemes}
    return place.selectbox(
        "Coding scheme", list(by_id), key=key, format_func=partial(_scheme_label, by_id)
    )


def _scheme_label(by_id: dict[int, Any], scheme_id: int) -> str:
    return f"{by_id[scheme_id].title} (v{by_id[scheme_id].version})"


def coded_all(added: int, skipped: int, what: str) -> str:
    """The sentence after "code all": how many ``what`` were coded, skipped, and that Undo helps."""
    return (
        f"Coded {added} {what}"
        + (f"; {skipped} were coded so already" if skipped else "")
        + ". Undo takes them all back."
    )
