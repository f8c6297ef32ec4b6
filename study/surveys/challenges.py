"""Madsen's (2017) four challenges of internal social media, named once for every part.

Each challenge is asked in the survey (a ``challenge_*`` scale of the ISM survey
instrument), coded in interviews (a code of the ``ism-adoption-challenges`` scheme)
and, where an organisation handed over its platform export, read against one activity
measure (:data:`study.platforms.measures.MEASURES`). The joint display and the Compare
page take the four from here (tests/surveys/test_challenges.py checks them against the
instrument, the scheme and the measures). Plain data, no database; it lives in
``surveys`` because every part that needs it may import surveys.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHALLENGES", "Challenge"]


@dataclass(frozen=True)
class Challenge:
    """One challenge: survey scale, interview code, labels and platform measure.

    A higher survey mean means more of the challenge; each measure is read against
    it: fewer posts inside working hours (not work), more who never post
    (self-censorship), less weekly regularity (not routine), fewer replies by leaders
    (words, not action).
    """

    scale: str
    code: str
    label: str
    short: str
    measure: str
    measure_label: str


CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        "challenge_not_work",
        "not-work-related",
        "Not work-related",
        "Not work",
        "working_hours_share",
        "Share of posts inside working hours",
    ),
    Challenge(
        "challenge_self_censorship",
        "informal-self-censorship",
        "Informal nature misunderstood; self-censorship",
        "Self-censorship",
        "lurker_share",
        "Share of members who never post",
    ),
    Challenge(
        "challenge_not_routine",
        "not-daily-routine",
        "Not part of daily routines",
        "Not routine",
        "weekly_regularity",
        "Weekly regularity of active members",
    ),
    Challenge(
        "challenge_management_words",
        "management-words-not-action",
        "Management support in words, not action",
        "Words, not action",
        "leader_reply_share",
        "Leaders' share of replies",
    ),
)
