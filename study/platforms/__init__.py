"""Capability 5, platform activity: what people actually do on the internal social medium.

Madsen (2017) studied what coordinators said about ISM; "actual communication on
ISM" was not studied. Organisations can hand researchers their platform's own
export; this package reads it, pseudonymises it before anything is stored, and
measures participation, conversation, leaders' part, routine and reach per
organisation (and per department large enough to report).

- :mod:`study.platforms.pseudonyms`: the salt file, HMAC pseudonyms, leader levels,
  names and ids inside text.
- :mod:`study.platforms.sources`: a ZIP or folder read member by member (ZIPs through
  :mod:`study.zipguard`).
- :mod:`study.platforms.slack` and :mod:`study.platforms.viva`: the two export formats,
  read as streams of plain records.
- :mod:`study.platforms.store`: ``import_platform_export`` (the import and its report).
- :mod:`study.platforms.measures`: the measures, vectorised pandas (pure, no database):
  their input frames and working hours in :mod:`~study.platforms.message_frames`, the
  arithmetic in :mod:`~study.platforms.measure_arrays`, the reply network in
  :mod:`~study.platforms.reply_network`, activity week by week in
  :mod:`~study.platforms.weekly_activity` (all pure).
- :mod:`study.platforms.activity`: ``activity_measures``, weekly series and posting
  times from the database.

May import: :mod:`study.db`, :mod:`study.admin`, :mod:`study.interviews` (kept
conversations become transcripts) and the foundation modules. Never
:mod:`study.analysis`, ``ui`` or ``cli``.
"""

from __future__ import annotations

__all__ = ["activity_measures", "import_platform_export"]


def __getattr__(name: str):
    # Lazy, so that `import study.platforms.measures` (pure) does not load the database.
    if name == "activity_measures":
        from study.platforms.activity import activity_measures

        return activity_measures
    if name == "import_platform_export":
        from study.platforms.store import import_platform_export

        return import_platform_export
    raise AttributeError(name)
