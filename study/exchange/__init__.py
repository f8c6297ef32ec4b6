"""Capability 2, exchange with other QDA tools: REFI-QDA projects (.qdpx) and codebooks (.qdc).

- :mod:`study.exchange.refiqda`: read and write the files on plain dataclasses, validated
  with the XSDs in ``refiqda/schemas``. Pure (no database).
- :mod:`study.exchange.qdpx`: export the study as a project or codebook, import one
  (``export_qdpx``, ``import_qdpx``, ``export_codebook``, ``import_codebook``).
- :mod:`study.exchange.mapping`: how a project's sources, cases, codes, codings, notes and
  users map onto the database.

May import: :mod:`study.db`, :mod:`study.admin`, :mod:`study.interviews` and the
foundation modules. Never :mod:`study.analysis`, ``ui`` or ``cli``.
"""
