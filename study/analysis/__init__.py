"""Capabilities 3 and 4, analysis: comparisons, joint displays, benchmark and score reports.

- :mod:`study.analysis.comparison`: organisations compared on survey scales (reliability,
  aggregation, Welch ANOVA, post hoc tests) from the database, through :mod:`study.stats`;
  with :mod:`~study.analysis.aggregation_indices` (ICC, rwg(j), awg and their rules of
  thumb) and :mod:`~study.analysis.likert_bars` (answers placed for diverging bars).
- :mod:`study.analysis.survey_data`: complete survey responses loaded for statistics
  (answers, scale scores, demographics), which every analysis starts from.
- :mod:`study.analysis.joint_display`: interview codes beside survey scores per
  organisation.
- :mod:`study.analysis.reports`: the benchmark workbook for practitioners (tables and
  suppression, text, openpyxl sheets, published editions) and the score export for
  researchers.

May import: :mod:`study.db`, :mod:`study.stats`, :mod:`study.admin`,
:mod:`study.surveys`, :mod:`study.interviews`, :mod:`study.reliability` and the
foundation modules. Never ``ui`` or ``cli``.
"""
