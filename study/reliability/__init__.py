"""Capability 2, inter-coder reliability: units, agreement coefficients, consensus, reports.

- :mod:`study.reliability.units`: span codings turned into units (character, sentence,
  turn, transcript) with interval arithmetic; the agreement table. Pure (no database).
- :mod:`study.reliability.agreement`: Krippendorff's alpha and its bootstrap interval.
  Pure: long DataFrames in, numbers out.
- :mod:`study.reliability.alpha_sums`: long reliability data encoded as pairable values,
  and alpha from per-unit sums (many distinct values, bootstrap replicates). Pure.
- :mod:`study.reliability.kappa`: Cohen's, Fleiss' and Brennan-Prediger kappa, percent
  agreement. Pure.
- :mod:`study.reliability.report`: the reliability report of a scheme's codings in the
  database.
- :mod:`study.reliability.consensus`: disagreements and the consensus version of a
  transcript.

May import: :mod:`study.db`, :mod:`study.admin`, :mod:`study.interviews` and the
foundation modules. Never :mod:`study.exchange`, :mod:`study.analysis`, ``ui`` or ``cli``.
"""
