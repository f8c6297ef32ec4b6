"""Qualitative coding in the database: schemes, codes, codings, memos, retrieval and exports.

- :mod:`~study.interviews.coding.schemes_store`: scheme versions in the database, how
  schemes (id or key) and codes (id or ``(scheme_key, code_key)``) are named;
- :mod:`~study.interviews.coding.codes`: editing codes (add, rename, recolour, move, merge);
- :mod:`~study.interviews.coding.codings`: applying codes to transcript spans;
- :mod:`~study.interviews.coding.in_vivo`: a new code named with the selected words;
- :mod:`~study.interviews.coding.undo`: undo a coder's last coding action (from the audit log);
- :mod:`~study.interviews.coding.blind`: blind mode, enforced where codings are read;
- :mod:`~study.interviews.coding.memos`: notes on transcripts, codes and codings;
- :mod:`~study.interviews.coding.retrieval`: coded passages, frequency and co-occurrence;
- :mod:`~study.interviews.coding.exports`: .docx, .xlsx and .csv files;
- :mod:`~study.interviews.coding.demo_codings`: the demo study's codings;
- :mod:`~study.interviews.coding.span_view`, :mod:`~study.interviews.coding.workbench_data`
  and :mod:`~study.interviews.coding.workbench_actions`: what the coding workbench's span
  selector draws and what its actions do, without Streamlit.

Every function that uses the database takes a SQLAlchemy ``Session`` first, never
commits, writes an audit event for every change, and returns dataclasses or DataFrames
(``run_actions`` takes the ``Database`` and opens one transaction per action).
"""

from study.interviews.coding.blind import BlindState, blind_state, set_blind
from study.interviews.coding.codes import (
    DEFAULT_COLOUR,
    MergeResult,
    add_code,
    merge_codes,
    move_code,
    recolour_code,
    rename_code,
    update_code,
)
from study.interviews.coding.codings import (
    CODING_COLUMNS,
    ORIGINS,
    CodingInfo,
    add_coding,
    change_coding_span,
    code_passages,
    code_turn,
    coder_id_for,
    get_coding,
    list_codings,
    recode,
    remove_coding,
)
from study.interviews.coding.demo_codings import load_demo_codings
from study.interviews.coding.exports import (
    export_codings,
    export_segments,
    write_segments_docx,
    write_segments_xlsx,
)
from study.interviews.coding.in_vivo import code_in_vivo
from study.interviews.coding.memos import (
    MemoInfo,
    add_memo,
    get_memo,
    list_memos,
    remove_memo,
    update_memo,
)
from study.interviews.coding.retrieval import (
    SEGMENT_COLUMNS,
    code_frequency_matrix,
    coded_segments,
    cooccurrence_matrix,
)
from study.interviews.coding.schemes_store import (
    CodeInfo,
    CodeRef,
    SchemeInfo,
    SchemeRef,
    active_scheme,
    get_code,
    get_scheme,
    list_codes,
    list_schemes,
    load_scheme_into_db,
)
from study.interviews.coding.undo import UndoResult, undo_last

__all__ = [
    "CODING_COLUMNS",
    "DEFAULT_COLOUR",
    "ORIGINS",
    "SEGMENT_COLUMNS",
    "BlindState",
    "CodeInfo",
    "CodeRef",
    "CodingInfo",
    "MemoInfo",
    "MergeResult",
    "SchemeInfo",
    "SchemeRef",
    "UndoResult",
    "active_scheme",
    "add_code",
    "add_coding",
    "add_memo",
    "blind_state",
    "change_coding_span",
    "code_frequency_matrix",
    "code_in_vivo",
    "code_passages",
    "code_turn",
    "coded_segments",
    "coder_id_for",
    "cooccurrence_matrix",
    "export_codings",
    "export_segments",
    "get_code",
    "get_coding",
    "get_memo",
    "get_scheme",
    "list_codes",
    "list_codings",
    "list_memos",
    "list_schemes",
    "load_demo_codings",
    "load_scheme_into_db",
    "merge_codes",
    "move_code",
    "recode",
    "recolour_code",
    "remove_coding",
    "remove_memo",
    "rename_code",
    "set_blind",
    "undo_last",
    "update_code",
    "update_memo",
    "write_segments_docx",
    "write_segments_xlsx",
]
