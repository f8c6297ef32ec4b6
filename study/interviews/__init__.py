"""Capability 2, interviews: transcripts, coding schemes, coding, memos, search, guides.

- :mod:`study.interviews.transcripts`: parse .txt/.docx/.vtt/.srt into speaker turns,
  pseudonymise, store (``transcripts.store``).
- :mod:`study.interviews.schemes`: coding schemes as YAML files (pydantic models).
- :mod:`study.interviews.coding`: schemes, codes, codings and memos in the database;
  retrieval (coded segments, frequency, co-occurrence) and exports.
- :mod:`study.interviews.search`: full-text search over turns (SQLite FTS5, PostgreSQL).
- :mod:`study.interviews.suggestions`: stemmed keyword suggestions a coder accepts or not.
- :mod:`study.interviews.guides`: printable interview guides (.docx).

May import: :mod:`study.db`, :mod:`study.admin`, the foundation modules and the
instrument definitions in :mod:`study.surveys.instruments` (interview guides are
instruments). Never :mod:`study.reliability`, :mod:`study.exchange`,
:mod:`study.analysis`, ``ui`` or ``cli``.
"""
