"""Qualtrics survey files (.qsf): read one into an :class:`Instrument`, write an instrument as one.

A .qsf is JSON: ``SurveyEntry`` (name, language) and ``SurveyElements``, among them the
blocks (``BL``), the survey flow (``FL``) and one ``SQ`` element per question. What maps
to what:

=====================================  ===============================================
Qualtrics                              ISM Study
=====================================  ===============================================
block (split at page breaks)           page (title: the block's description)
descriptive text (DB) opening a block  the page's intro (in the first block, tagged
                                       ``intro`` / ``consent``: the survey's intro and
                                       consent)
MC SAVR / SAHR / SACOL / DL / SB       single_choice (likert when the file says so, or
                                       5 or 7 agree-disagree choices coded 1..n)
MC MAVR / MAHR / MACOL / MSB           multiple_choice
Matrix Likert (single answer, DL)      one likert item per statement (5 or 7 points
                                       coded 1..n), else one single_choice per statement
Matrix Likert (multiple answer)        one multiple_choice item per statement
TE SL / ML / ESTB / PW                 text; number when validated as a number
                                       (``ContentType: ValidNumber``, with min / max)
RecodeValues (else the choice id)      option values (answer codes)
Validation ForceResponse ON            required
Language {DA: ...}                     the ``da`` texts (languages: the survey's own
                                       language first, then every translation found)
DisplayLogic (Question, Selected,      ``show_if``
 Not Selected, text entry compared)
flow Branch around a block             the page's ``show_if``
=====================================  ===============================================

Everything else (other question types, display logic on devices, embedded data or
matrix answers, choice-level logic, text boxes on choices, skip logic) becomes a note
naming the question, never a silent loss.

What Qualtrics has no place for (the instrument id and version, translations of the
title and page titles, the closing text, sources, scales, label sets, e-mail texts,
option ids, and an item's scale, reverse, demographic and max_length) is written into
Qualtrics *notes* (``NT`` elements: comments on a question that Qualtrics keeps, shows
only in its editor and leaves out of the data), as one JSON text starting with
``ism-study:``. Reading uses them where they still fit the questions; a condition kept
there replaces the one read from the display logic only when both say the same.

The modules:

- :mod:`~study.surveys.instruments.qualtrics.document`: the JSON checked, its survey
  elements, languages and texts.
- :mod:`~study.surveys.instruments.qualtrics.questions`: question types as items, choices
  and recode values, matrices.
- :mod:`~study.surveys.instruments.qualtrics.logic`: display logic and flow branches to and
  from ``show_if``.
- :mod:`~study.surveys.instruments.qualtrics.notes`: the ``ism-study:`` notes.
- :mod:`~study.surveys.instruments.qualtrics.reader`: :func:`read_qsf`, pages from blocks.
- :mod:`~study.surveys.instruments.qualtrics.writer`: :func:`write_qsf`.
"""

from __future__ import annotations

from study.surveys.instruments.qualtrics.reader import read_qsf
from study.surveys.instruments.qualtrics.writer import write_qsf

__all__ = ["read_qsf", "write_qsf"]
