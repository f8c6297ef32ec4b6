"""LimeSurvey survey structure files (.lss) read into a survey :class:`Instrument`.

- :mod:`~study.surveys.instruments.limesurvey.document`: the XML tables, both layouts
  (LimeSurvey 4+ ``*_l10ns`` tables, 2.x / 3.x rows per language), as plain rows.
- :mod:`~study.surveys.instruments.limesurvey.texts`: languages, and texts as plain text in each.
- :mod:`~study.surveys.instruments.limesurvey.questions`: question types as items.
- :mod:`~study.surveys.instruments.limesurvey.relevance`: relevance equations as ``show_if``.
- :mod:`~study.surveys.instruments.limesurvey.instrument`: pages, survey texts, :func:`read_lss`.

Everything without a counterpart here (other question types, complex relevance, help texts,
comment fields, ...) is named in the import notes, never dropped silently. All texts become
plain text.
"""

from study.surveys.instruments.limesurvey.instrument import read_lss

__all__ = ["read_lss"]
