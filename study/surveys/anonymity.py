"""Anonymity of survey responses: released in batches, and what the consent page says.

Comparing who has answered (the invitations CSV's ``used`` column) with the
responses export before and after each submission would link people to their
answers. So, in anonymous studies (every study that is not pseudonymous), as
LimeSurvey's anonymised mode does:

- an invitation records only *completed* yes/no, never a date (a date matched
  the response's submission date);
- the responses of a campaign that is still open reach exports and analyses
  only in batches of at least ``STUDY_MIN_GROUP_SIZE``: each submission through
  a link counts its campaign's complete responses not yet released, and when
  they reach the minimum the whole batch is released at once
  (``Response.released``);
- when the campaign closes, by hand or on its closing day, every response is
  released;
- the responses export lists responses in an order set by their answers alone,
  never by when they were given.

Counting takes no lock (one index-only count), so submissions never queue on the
campaign; only a submission that finds a full batch locks the campaign row and
counts again before releasing, so concurrent submissions release a batch once
and never one smaller than the minimum. (A race can leave a full batch waiting
for the next submission, or the close: batches may be larger, never smaller.)
Pseudonymous studies keep the invitation's link to its response on purpose (for
erasure requests), so batching would protect nothing there: their responses are
visible at once. Imported responses (closed import campaigns) and the demo's are
released when stored.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import ColumnElement, bindparam, false, func, or_, select, update
from sqlalchemy.orm import Session

from study.config import int_setting
from study.db.models import CampaignRow, OrganisationRow, ResponseRow, StudyRow, utcnow

_CAMPAIGN, _RESPONSE = CampaignRow.__table__, ResponseRow.__table__
_PENDING = (
    select(func.count())
    .select_from(_RESPONSE)
    .where(
        _RESPONSE.c.campaign_id == bindparam("campaign_id"),
        _RESPONSE.c.released == false(),
        _RESPONSE.c.status == "complete",
    )
)
# FOR NO KEY UPDATE on PostgreSQL: releasers take turns, but the key-share locks that
# inserting a response takes on its campaign (the foreign key) neither block it nor
# deadlock with it, as FOR UPDATE would.
_LOCK_CAMPAIGN = (
    select(_CAMPAIGN.c.id)
    .where(_CAMPAIGN.c.id == bindparam("campaign_id"))
    .with_for_update(key_share=True)
)

NOTICES = {
    "en": {
        "personal": "Your invitation records only whether you have taken part, never when. ",
        "batches": "The researchers receive new answers only in groups of at least {k} "
        "(the rest when the survey closes), so nobody can tell from the timing "
        "which answers are yours.",
    },
    "da": {
        "personal": "Din invitation registrerer kun, om du har deltaget, aldrig hvornår. ",
        "batches": "Forskerne modtager først nye svar i grupper på mindst {k} (resten når "
        "undersøgelsen lukker), så ingen ud fra tidspunktet kan se, hvilke svar "
        "der er dine.",
    },
}


def consent_notice(*, mode: str, anonymous: bool, language: str) -> str | None:
    """The sentence the consent page shows about batched release (None in pseudonymous studies).

    ``mode`` is the campaign's ('open' or 'personal'); ``anonymous`` is False in a
    pseudonymous study, whose consent text must say itself how answers are linked.
    """
    if not anonymous:
        return None
    texts = NOTICES.get(language, NOTICES["en"])
    lead = texts["personal"] if mode == "personal" else ""
    return lead + texts["batches"].format(k=int_setting("STUDY_MIN_GROUP_SIZE"))


def visible_responses(now: dt.datetime | None = None) -> ColumnElement[bool]:
    """SQL condition on a complete response: may exports and analyses show it yet?

    The query must join ``Response``, ``Campaign`` and ``Organisation``. True when
    the response was released in a batch, its campaign is closed (by hand or
    past its closing day), or the study is pseudonymous.
    """
    now = now or utcnow()
    pseudonymous = (
        select(StudyRow.pseudonymous)
        .where(StudyRow.id == OrganisationRow.study_id)
        .scalar_subquery()
    )
    return or_(
        ResponseRow.released.is_(True),
        CampaignRow.closed_at.is_not(None),
        CampaignRow.closes_at <= now,
        pseudonymous.is_(True),
    )


def count_submission(session: Session, campaign_id: int) -> bool:
    """After a response was completed: release its campaign's batch once it is large enough.

    Call in the transaction that completes the response. Returns True when a
    batch was released.
    """
    connection = session.connection()
    minimum = int_setting("STUDY_MIN_GROUP_SIZE")
    key = {"campaign_id": campaign_id}
    if connection.execute(_PENDING, key).scalar_one() < minimum:
        return False
    connection.execute(_LOCK_CAMPAIGN, key)  # one releaser at a time (PostgreSQL)
    if connection.execute(_PENDING, key).scalar_one() < minimum:
        return False  # released by a concurrent submission meanwhile
    connection.execute(
        update(_RESPONSE)
        .where(
            _RESPONSE.c.campaign_id == campaign_id,
            _RESPONSE.c.status == "complete",
            _RESPONSE.c.released == false(),
        )
        .values(released=True)
    )
    return True


def in_answer_order(answers: pd.DataFrame) -> pd.DataFrame:
    """Long answers reordered so responses follow their answers, not when they were given.

    ``answers`` has ``response_id``, ``item_id`` and ``value``; rows of one
    response stay together and keep their order. Responses with the same
    answers cannot be told apart anyway.
    """
    if answers.empty:
        return answers
    given = answers.dropna(subset=["item_id"])
    pairs = given["item_id"].astype(str) + "=" + given["value"].map(repr)
    keys = pairs.groupby(given["response_id"]).agg(lambda p: "|".join(sorted(p)))
    ids = pd.unique(answers["response_id"])
    keys = keys.reindex(ids).fillna("").sort_values(kind="stable")
    rank = pd.Series(range(len(keys)), index=keys.index)
    position = answers["response_id"].map(rank).to_numpy()
    return answers.iloc[position.argsort(kind="stable")]
