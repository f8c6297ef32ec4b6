"""Platform activity over time: per organisation and calendar week, and by weekday and hour.

Weeks run Monday to Sunday and hours are local, in the working-hours time zone
(:class:`~study.platforms.message_frames.WorkingHours`). Pure: no database.
"""

from __future__ import annotations

import pandas as pd

from study.platforms.message_frames import WorkingHours, prepared_messages, ratio


def weekly_series(
    messages: pd.DataFrame, people: pd.DataFrame, *, hours: WorkingHours = WorkingHours()
) -> pd.DataFrame:
    """Per organisation and week (its Monday): messages, active members, replied threads, leaders.

    Columns: organisation, week (date of the Monday), messages, posts, replies,
    active_members, replied_thread_share (of threads started that week),
    leader_reply_share, reactions_per_post.
    """
    m, _ = prepared_messages(messages, people, hours)
    if m.empty:
        return pd.DataFrame(
            columns=[
                "organisation",
                "week",
                "messages",
                "posts",
                "replies",
                "active_members",
                "replied_thread_share",
                "leader_reply_share",
                "reactions_per_post",
            ]
        )
    reply = m["is_reply"]
    m = m.assign(post=~reply, leader_reply=m["leader"] & reply)
    by = m.groupby(["organisation", "week"])
    out = pd.DataFrame(
        {
            "messages": by.size(),
            "posts": by["post"].sum(),
            "replies": by["is_reply"].sum(),
            "active_members": by["person"].nunique(),
            "leader_replies": by["leader_reply"].sum(),
            "reactions": by["reactions"].sum(),
        }
    )
    replied = set(zip(m.loc[reply, "channel"], m.loc[reply, "thread_key"]))
    starters = m.loc[~reply, ["organisation", "week", "channel", "source_id"]]
    starters = starters.assign(
        replied=[key in replied for key in zip(starters["channel"], starters["source_id"])]
    )
    out["replied_thread_share"] = starters.groupby(["organisation", "week"])["replied"].mean()
    out["leader_reply_share"] = ratio(out["leader_replies"], out["replies"])
    out["reactions_per_post"] = ratio(out["reactions"], out["messages"])
    out = out.reset_index()
    out["week"] = pd.to_datetime(out["week"] * 7 - 3, unit="D").dt.date
    return out.drop(columns=["leader_replies", "reactions"])


def posting_times(
    messages: pd.DataFrame, people: pd.DataFrame, *, hours: WorkingHours = WorkingHours()
) -> pd.DataFrame:
    """Posts and replies per organisation, weekday (0 = Monday) and local hour."""
    m, _ = prepared_messages(messages, people, hours)
    return m.groupby(["organisation", "weekday", "hour"]).size().rename("messages").reset_index()
