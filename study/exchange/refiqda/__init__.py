"""REFI-QDA exchange (.qdpx projects, .qdc codebooks) on plain dataclasses.

ISM Study reads and writes the exchange format of MAXQDA, ATLAS.ti, NVivo and
QualCoder here, without touching the database: callers convert between their
own records and :class:`QdaProject`.
"""

from study.exchange.refiqda.code_elements import EXCHANGED_ORIGINS
from study.exchange.refiqda.codebook import (
    CodeDescription,
    codebook_csv,
    format_code_description,
    parse_code_description,
    read_codebook,
    write_codebook,
)
from study.exchange.refiqda.model import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaTextSource,
    QdaUser,
    new_guid,
)
from study.exchange.refiqda.reader import read_qdpx
from study.exchange.refiqda.validation import (
    read_peer_xml,
    validate_codebook_xml,
    validate_project_xml,
)
from study.exchange.refiqda.writer import project_xml, write_qdpx

__all__ = [
    "EXCHANGED_ORIGINS",
    "CodeDescription",
    "QdaCase",
    "QdaCode",
    "QdaCoding",
    "QdaNote",
    "QdaProject",
    "QdaTextSource",
    "QdaUser",
    "codebook_csv",
    "format_code_description",
    "new_guid",
    "parse_code_description",
    "project_xml",
    "read_codebook",
    "read_peer_xml",
    "read_qdpx",
    "validate_codebook_xml",
    "validate_project_xml",
    "write_codebook",
    "write_qdpx",
]
