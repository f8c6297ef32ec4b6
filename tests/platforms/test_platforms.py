"""Platform exports (Slack, Viva Engage): import, pseudonyms, and every measure by hand.

The exports in tests/data/platforms are small enough to count on paper; each
expected number below is worked out in the comment next to it from the files.
Slack "Nordlys" (January 2024, Copenhagen = UTC+1): P1-P5 are first posts,
R1-R6 replies; Viva Engage "Fjordbank" (March 2024): two overlapping exports,
the first in the old column layout, the second in the new one.
"""

from __future__ import annotations

import math
import shutil
import statistics
import zipfile

import pandas as pd
import pytest
from sqlalchemy import func, select

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import (
    PlatformChannelRow,
    PlatformDocumentRow,
    PlatformImportRow,
    PlatformMessageRow,
    PlatformPersonRow,
    TranscriptRow,
)
from study.errors import InvalidFile, InvalidInput
from study.platforms.activity import activity_measures, activity_weekly
from study.platforms.pseudonyms import leader_levels, level_of, load_salt
from study.platforms.reply_network import degree_centralisation
from study.platforms.store import import_platform_export

from conftest import DATA

EXPORTS = DATA / "platforms"
SLACK = EXPORTS / "slack-nordlys"
VIVA_A = EXPORTS / "viva-fjordbank-a"
VIVA_B = EXPORTS / "viva-fjordbank-b"


@pytest.fixture
def salt(tmp_path):
    return tmp_path / "salt.key"


@pytest.fixture
def orgs(session):
    add_organisation(session, "Nordlys", actor=OPERATOR)
    add_organisation(session, "Fjordbank", actor=OPERATOR)
    session.flush()
    return session


def import_slack(session, salt, **options):
    return import_platform_export(
        session,
        SLACK,
        organisation="Nordlys",
        platform="slack",
        salt_file=salt,
        **options,
        actor=OPERATOR,
    )


def import_viva(session, salt, path):
    return import_platform_export(
        session,
        path,
        organisation="Fjordbank",
        platform="viva-engage",
        salt_file=salt,
        actor=OPERATOR,
    )


def row(frame: pd.DataFrame, organisation: str, department: str | None = None) -> pd.Series:
    part = frame[
        (frame["organisation"] == organisation)
        & (frame["department"].isna() if department is None else frame["department"] == department)
    ]
    assert len(part) == 1
    return part.iloc[0]


def test_slack_report_counts_what_was_read_skipped_and_missing(orgs, salt):
    report = import_slack(orgs, salt)
    # P1 R1 R2 P2 | R3 P3 R4 R5 | P4 R6 P5; P2 appears twice in the day file.
    assert report.messages_read == report.messages_added == 11
    assert report.skipped == {
        "bots": 1,
        "deleted": 2,
        "duplicate rows": 1,
        "system: channel_join": 1,
        "system: channel_purpose": 1,
    }
    assert report.people == 5 and report.people_added == 6  # Frode never posts
    assert report.channels == 2
    assert (report.first_message, report.last_message) == ("2024-01-08", "2024-01-15")
    assert "direct messages (dms.json)" in report.missing
    assert (
        "a private channel: listed, but the export has no messages folder for it" in report.missing
    )
    assert report.salt_created and salt.exists()


def test_slack_threads_replies_and_ts_are_kept_exactly(orgs, salt):
    import_slack(orgs, salt)
    rows = {m.source_id: m for m in orgs.scalars(select(PlatformMessageRow))}
    assert "1704700800.000100" in rows  # ts kept as the exact string
    broadcast = rows["1704799800.000900"]
    assert broadcast.is_reply and broadcast.thread_key == "1704792600.000700"
    assert rows["1704700800.000100"].reactions == 2
    assert len(rows["1704700800.000100"].mentions) == 1
    assert rows["1704704400.000300"].edited_by_id == rows["1704704400.000300"].person_id
    levels = dict(
        orgs.execute(
            select(PlatformPersonRow.department, func.count()).group_by(
                PlatformPersonRow.department
            )
        ).all()
    )
    assert levels == {"Ledelse": 1, "IT": 2, "Salg": 3}
    kinds = sorted(orgs.scalars(select(PlatformChannelRow.kind)))
    assert kinds == ["private", "public", "public"]
    assert (
        orgs.scalar(select(PlatformChannelRow.name).where(PlatformChannelRow.kind == "private"))
        == ""
    )


def test_slack_measures_match_hand_counts(orgs, salt):
    import_slack(orgs, salt)
    frame = activity_measures(orgs, min_group=2, viewer=OPERATOR)
    org = row(frame, "Nordlys")
    assert (org["members"], org["active_members"], org["leaders"]) == (6, 5, 2)
    assert (org["messages"], org["posts"], org["replies"], org["threads"]) == (11, 5, 6, 5)
    assert org["weeks"] == 2  # the weeks of 8 and 15 January
    assert org["posts_per_active_member_week"] == pytest.approx(11 / 5 / 2)
    assert org["lurker_share"] == pytest.approx(1 / 6)
    # P1 has R1, R2; P3 has R4, R5; P4 has R6; R3's parent was deleted (no thread).
    assert org["replies_per_thread"] == pytest.approx(5 / 5)
    assert org["replied_thread_share"] == pytest.approx(3 / 5)
    # first replies after 1800.0001 s (P1), 3600.0001 s (P3), 1800.0001 s (P4)
    assert org["median_minutes_to_first_reply"] == pytest.approx(1800.0001 / 60, abs=1e-9)
    assert org["reactions_per_post"] == pytest.approx((2 + 1 + 3) / 11)
    # leaders: Anna (direktør, executive), Carla (team lead, manager)
    assert org["leader_post_share"] == pytest.approx(1 / 5)  # P3
    assert org["leader_reply_share"] == pytest.approx(3 / 6)  # R1, R2, R6
    assert org["leader_answer_share"] == pytest.approx(2 / 4)  # P1, P4 of P1 P2 P4 P5
    assert org["working_hours_share"] == pytest.approx(10 / 11)  # P2 at 19:00
    # weeks posted: Bo 2, Anna 1, Carla 2, Dan 1, Eva 1
    assert org["weekly_regularity"] == pytest.approx(7 / (5 * 2))
    # R1 Ledelse->IT, R2 IT->IT, R4 Salg->Ledelse, R5 IT->Ledelse, R6 IT->Salg
    assert org["cross_department_reply_share"] == pytest.approx(4 / 5)
    # ties Anna->Bo, Carla->Bo, Dan->Anna, Bo->Anna, Carla->Eva: Anna<->Bo returned
    assert org["reciprocity"] == pytest.approx(2 / 5)
    # undirected degrees 2, 2, 2, 1, 1: (0+0+0+1+1) / (4*3)
    assert org["degree_centralisation"] == pytest.approx(2 / 12)
    it = row(frame, "Nordlys", "IT")  # Bo and Carla
    assert (it["members"], it["active_members"], it["messages"]) == (2, 2, 6)
    assert it["replies_per_thread"] == pytest.approx(2 / 2)  # P1 (2 replies), P5 (none)
    assert it["leader_reply_share"] == pytest.approx(2 / 4)  # R2, R6 of R2 R3 R5 R6
    assert it["cross_department_reply_share"] == pytest.approx(2 / 3)  # R5, R6 of R2 R5 R6
    assert it["weekly_regularity"] == pytest.approx(1.0)
    assert math.isnan(it["reciprocity"])  # the network is the organisation's
    departments = set(frame.loc[frame["organisation"] == "Nordlys", "department"].dropna())
    assert departments == {"IT", "Salg"}  # Ledelse has one member: too small
    assert (
        set(activity_measures(orgs, viewer=OPERATOR)["department"].dropna()) == set()
    )  # minimum 5


def test_viva_overlapping_export_adds_only_what_is_new_and_measures_match(orgs, salt):
    first = import_viva(orgs, salt, VIVA_A)
    # 5001 5002 5003 5004; 5005 deleted, 5006 bot, 5003 repeated
    assert first.messages_added == 4
    assert first.skipped == {"bots": 1, "deleted": 1, "duplicate rows": 1}
    second = import_viva(orgs, salt, VIVA_B)
    # 5003 and 5004 again; 5008 5009 5011 new; 5010 is a system message
    assert (second.already_stored, second.messages_added) == (2, 3)
    assert second.skipped == {"system: system": 1}
    again = import_viva(orgs, salt, VIVA_B)
    assert again.messages_added == 0 and again.already_stored == 5
    assert orgs.scalar(select(func.count()).select_from(PlatformMessageRow)) == 7
    assert orgs.scalar(select(func.count()).select_from(PlatformPersonRow)) == 4
    edited = orgs.scalar(select(PlatformMessageRow).where(PlatformMessageRow.source_id == "5008"))
    assert edited.edited_by_id == edited.person_id
    org = row(activity_measures(orgs, min_group=2, viewer=OPERATOR), "Fjordbank")
    assert (org["messages"], org["posts"], org["replies"], org["threads"]) == (7, 4, 3, 4)
    assert org["posts_per_active_member_week"] == pytest.approx(7 / 4 / 2)
    assert org["lurker_share"] == 0
    assert org["replies_per_thread"] == pytest.approx(3 / 4)
    assert org["replied_thread_share"] == pytest.approx(2 / 4)
    assert org["median_minutes_to_first_reply"] == pytest.approx(statistics.median([45, 60]))
    assert org["leader_post_share"] == pytest.approx(1 / 4)  # 5004 by the CEO
    assert org["leader_reply_share"] == pytest.approx(2 / 3)  # 5002, 5008 by Mette
    assert org["leader_answer_share"] == pytest.approx(1 / 3)  # 5001 of 5001 5009 5011
    assert org["working_hours_share"] == pytest.approx(6 / 7)  # 5009 at 17:30
    assert org["weekly_regularity"] == pytest.approx(5 / (4 * 2))
    assert org["cross_department_reply_share"] == pytest.approx(1 / 3)  # 5008
    assert org["reciprocity"] == pytest.approx(2 / 3)
    assert org["degree_centralisation"] == pytest.approx(1.0)  # a star around Mette


def test_keep_text_makes_pseudonymised_codable_documents(orgs, salt):
    report = import_slack(orgs, salt, keep_text=True)
    # threads P1, P2, P3, R3 (parent deleted), P4, P5
    assert report.documents_added == 6
    texts = list(orgs.scalars(select(TranscriptRow.text)))
    joined = "\n".join(texts)
    for raw in ("U024ANNA1", "Anna", "Bo Hansen", "bo.hansen@nordlys.dk", "Carla Berg", "Eva"):
        assert raw not in joined
    assert "Husk mødet i morgen" in joined  # Danish text kept
    document = orgs.scalar(select(TranscriptRow).where(TranscriptRow.text.contains("frokost")))
    assert document.language == "da" and document.interviewee_role == "other"
    assert document.turns[0].speaker.startswith("Member ")
    again = import_slack(orgs, salt, keep_text=True)
    assert again.documents_added == 0
    assert orgs.scalar(select(func.count()).select_from(PlatformDocumentRow)) == 6


def test_hour_resolution_rounds_times_down_to_the_hour(orgs, salt):
    import_slack(orgs, salt, hour_resolution=True)
    times = list(orgs.scalars(select(PlatformMessageRow.posted_at)))
    assert times and all(t.minute == 0 and t.second == 0 and t.microsecond == 0 for t in times)


def test_same_person_same_pseudonym_and_another_salt_is_refused(orgs, salt, tmp_path):
    import_slack(orgs, salt)
    before = set(orgs.scalars(select(PlatformPersonRow.pseudonym)))
    assert len(load_salt(salt).salt) == 32
    import_slack(orgs, salt)
    assert set(orgs.scalars(select(PlatformPersonRow.pseudonym))) == before
    with pytest.raises(InvalidInput, match="another salt file"):
        import_slack(orgs, tmp_path / "other.key")
    assert not (tmp_path / "other.key").exists()  # the salt made for the refused import


def test_zip_with_a_top_folder_reads_like_the_folder(orgs, salt, tmp_path):
    archive = tmp_path / "nordlys.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in SLACK.rglob("*.json"):
            handle.write(path, "export/" + path.relative_to(SLACK).as_posix())
    report = import_platform_export(
        orgs, archive, organisation="Nordlys", platform="slack", salt_file=salt, actor=OPERATOR
    )
    assert report.messages_added == 11


@pytest.mark.parametrize(
    "title, level",
    [
        ("Administrerende direktør", "executive"),
        ("Chief Operating Officer", "executive"),
        ("Afdelingsleder", "manager"),
        ("Head of Sales", "manager"),
        ("Teamleder, kundeservice", "manager"),
        ("Udvikler", "staff"),
        ("Lederassistent", "staff"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_job_titles_become_coarse_levels_in_english_and_danish(title, level):
    assert level_of(title, leader_levels()) == level


def test_degree_centralisation_is_one_for_a_star_and_zero_for_a_cycle():
    import networkx as nx

    assert degree_centralisation(nx.star_graph(5)) == 1.0
    assert degree_centralisation(nx.cycle_graph(6)) == 0.0


def test_weekly_series_counts_each_week(orgs, salt):
    import_slack(orgs, salt)
    weekly = activity_weekly(orgs)
    assert [str(w) for w in weekly["week"]] == ["2024-01-08", "2024-01-15"]
    assert list(weekly["messages"]) == [8, 3]
    assert list(weekly["active_members"]) == [4, 3]


def test_a_wrong_format_is_refused_before_anything_is_read(orgs, salt):
    with pytest.raises(InvalidFile, match="Slack export, not a Viva Engage export"):
        import_platform_export(
            orgs,
            SLACK,
            organisation="Nordlys",
            platform="viva-engage",
            salt_file=salt,
            actor=OPERATOR,
        )
    assert not salt.exists()


def test_malformed_day_file_stores_nothing(database, salt, tmp_path):
    with database.transaction() as session:
        add_organisation(session, "Nordlys", actor=OPERATOR)
    broken = tmp_path / "broken"
    shutil.copytree(SLACK, broken)
    (broken / "random" / "2024-01-15.json").write_text('[{"type": "message", "ts": ')
    with pytest.raises(
        InvalidFile,
        match=r"broken/random/2024-01-15.json, line 1: the file is "
        r"not valid JSON",
    ):
        with database.transaction() as session:
            import_platform_export(
                session,
                broken,
                organisation="Nordlys",
                platform="slack",
                salt_file=salt,
                actor=OPERATOR,
            )
    with database.transaction() as session:
        for model in (PlatformImportRow, PlatformMessageRow, PlatformPersonRow, PlatformChannelRow):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_network_measures_equal_networkx_on_the_reply_graph(orgs, salt):
    import networkx as nx

    from study.platforms.activity import activity_frames
    from study.platforms.reply_network import reply_network

    import_slack(orgs, salt)
    import_viva(orgs, salt, VIVA_A)
    import_viva(orgs, salt, VIVA_B)
    messages, people = activity_frames(orgs)
    frame = activity_measures(orgs, departments=False, viewer=OPERATOR).set_index("organisation")
    for organisation in ("Nordlys", "Fjordbank"):
        graph = reply_network(messages, people, organisation)
        assert frame.at[organisation, "reciprocity"] == nx.reciprocity(graph)
        assert frame.at[organisation, "degree_centralisation"] == degree_centralisation(
            graph.to_undirected()
        )
        assert frame.at[organisation, "network_ties"] == graph.number_of_edges()
