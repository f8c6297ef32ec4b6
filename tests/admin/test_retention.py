"""Retention (issue 26): after the retention date, exactly the raw personal data due goes.

A small study holds every category: e-mail recipients and their mail log in a closed
and an open campaign, responses complete and in progress (open link and personal, in
a pseudonymous study), transcripts whose speakers are names and roles, codings and a
memo, and a Slack import kept as text. Every test snapshots every table before and
after, so "nothing else changed" is checked cell by cell, on both backends.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import asdict

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.admin.retention import (
    CATEGORIES,
    CATEGORY_KEYS,
    REKEYED,
    is_role_speaker,
    retention_due,
    run_retention,
    set_retention,
)
from study.db.models import (
    Base,
    CodeRow,
    EventRow,
    InvitationRow,
    MailRecipientRow,
    MailSentRow,
    PlatformChannelRow,
    PlatformImportRow,
    PlatformMessageRow,
    PlatformPersonRow,
    ResponseRow,
    StudyRow,
    TranscriptRow,
    TurnRow,
)
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding import add_memo, load_scheme_into_db
from study.interviews.transcripts import pseudonymise as pseudonymise_module
from study.interviews.transcripts import speakers
from study.interviews.transcripts.store import ROLE_LABELS, import_transcript
from study.platforms.activity import organisation_activity
from study.platforms.pseudonyms import person_label
from study.surveys import (
    close_campaign,
    create_campaign,
    import_recipients,
    invitation_links,
    start_response,
    submit_response,
)

from coding_study import CODING, code_passage
from conftest import DATA, ROOT, add_user, import_platform

SURVEY = "ism-adoption-survey"
RETENTION = dt.date(2027, 1, 31)
BEFORE, AFTER = dt.date(2027, 1, 30), dt.date(2027, 2, 1)
RECIPIENTS = b"email,language\nane@example.org,da\nbo@example.org,en\ncai@example.org,\n"
NAMED = (
    "Speaker 1: Welcome.\n\nAnna Berg: Thanks, glad to be here.\n\n"
    "Speaker 1: Shall we?\n\nBo Holm: Yes.\n"
)
NAMES = {"Sofie Lund", "Jonas Brandt", "Anna Berg", "Bo Holm"}


def _tokens(session, campaign_id: int) -> list[str]:
    links = invitation_links(session, campaign_id, viewer=OPERATOR)["link"]
    return [link.split("t=")[1].split("&")[0] for link in links]


def _respond(session, token: str, *, complete: bool) -> int:
    response_id, _ = start_response(session, token, language="en")
    if complete:
        assert submit_response(session, response_id, {"uf1": 3}).ok
    return response_id


@pytest.fixture
def held(database, tmp_path):
    """The study described in the module docstring; what the tests need to know of it."""
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        add_organisation(session, "Fjordbank", actor=OPERATOR)
        session.scalar(select(StudyRow)).pseudonymous = True
        closed = create_campaign(
            session, organisation="Nordlys Bank", instrument=SURVEY, invitations=3, actor=OPERATOR
        )
        still_open = create_campaign(
            session, organisation="Fjordbank", instrument=SURVEY, invitations=3, actor=OPERATOR
        )
        link = create_campaign(session, organisation="Fjordbank", instrument=SURVEY, actor=OPERATOR)
        for campaign in (closed, still_open):
            import_recipients(session, campaign.id, RECIPIENTS, actor=OPERATOR)
        for recipient in session.scalars(select(MailRecipientRow.id)):
            session.add(MailSentRow(recipient_id=recipient, kind="invitation", sent_on=BEFORE))
        for campaign in (closed, still_open):
            tokens = _tokens(session, campaign.id)
            _respond(session, tokens[0], complete=True)
            _respond(session, tokens[1], complete=False)
        open_token = link.link.split("t=")[1]
        _respond(session, open_token, complete=True)
        _respond(session, open_token, complete=False)
        close_campaign(session, closed.id, actor=OPERATOR)
        for name, organisation, data, pseudonymise in (
            ("teams.vtt", "Fjordbank", (DATA / "transcripts" / "teams.vtt").read_bytes(), False),
            ("named.txt", "Nordlys Bank", NAMED.encode(), False),
            (
                "interview-ir.txt",
                "Nordlys Bank",
                (DATA / "transcripts/interview-ir.txt").read_bytes(),
                False,
            ),
            ("teams.vtt", "Nordlys Bank", (DATA / "transcripts" / "teams.vtt").read_bytes(), True),
        ):
            import_transcript(
                session,
                data,
                name,
                organisation=organisation,
                role="coordinator",
                pseudonymise=pseudonymise,
                actor=OPERATOR,
            )
        load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
        coder = add_user(session, "coder@example.org", "coder")
        teams = session.scalar(
            select(TranscriptRow.id).where(TranscriptRow.text.contains("Sofie Lund"))
        )
        code = session.scalar(select(CodeRow.id).where(CodeRow.key == "no-time"))
        code_passage(session, teams, "People think it is a waste of time.", code, coder.id)
        add_memo(session, text="Sofie asks first.", transcript_id=teams, actor=OPERATOR)
        import_platform(
            session,
            DATA / "platforms" / "slack-nordlys",
            "Slack Org",
            "slack",
            tmp_path / "salt",
            keep_text=True,
        )
        set_retention(session, retention_on=RETENTION, actor=OPERATOR)
    return {"closed": closed.id, "open": still_open.id, "link": link.id}


def snapshot(database) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by primary key."""
    tables = {}
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            key = [column.name for column in table.primary_key]
            tables[table.name] = {
                tuple(row[k] for k in key): dict(row)
                for row in connection.execute(select(table)).mappings()
            }
    return tables


def changes(before, after) -> tuple[set, set, set]:
    """Cells changed (table, key, column), rows deleted and rows added (table, key)."""
    changed, deleted, added = set(), set(), set()
    for table, rows in before.items():
        for key, row in rows.items():
            if key not in after[table]:
                deleted.add((table, key))
                continue
            changed |= {(table, key, c) for c, v in row.items() if after[table][key][c] != v}
        added |= {(table, key) for key in after[table] if key not in rows}
    return changed, deleted, added


def due_cells(database, held, categories=CATEGORY_KEYS) -> tuple[set, set]:
    """What a run must change and delete in the study of ``held``, worked out from the data."""
    changed, deleted = set(), set()
    with database.transaction() as session:
        if "invitation_emails" in categories:
            for (row,) in session.execute(
                select(MailRecipientRow.id).where(MailRecipientRow.campaign_id == held["closed"])
            ):
                changed.add(("mail_recipient", (row,), "email"))
        if "mail_log" in categories:
            deleted |= {
                ("mail_sent", (row,))
                for row in session.scalars(
                    select(MailSentRow.id)
                    .join(MailRecipientRow)
                    .where(MailRecipientRow.campaign_id == held["closed"])
                )
            }
        if "speaker_names" in categories:
            changed |= {
                ("turn", (row,), "speaker")
                for row in session.scalars(select(TurnRow.id).where(TurnRow.speaker.in_(NAMES)))
            }
        if "platform_keys" in categories:
            for model, column in (
                (PlatformPersonRow, "pseudonym"),
                (PlatformChannelRow, "key"),
                (PlatformImportRow, "salt_check"),
            ):
                changed |= {
                    (model.__tablename__, (row,), column)
                    for row in session.scalars(select(model.id))
                }
            for message in session.scalars(select(PlatformMessageRow)):
                for column in ("reactors", "mentions"):
                    if getattr(message, column):
                        changed.add(("platform_message", (message.id,), column))
        if "resume_codes" in categories:
            for response in session.scalars(select(ResponseRow)):
                if response.resume_code and (
                    response.status == "complete" or response.campaign_id == held["closed"]
                ):
                    changed.add(("response", (response.id,), "resume_code"))
            for invitation in session.scalars(select(InvitationRow)):
                if invitation.response_id and (
                    invitation.completed or invitation.campaign_id == held["closed"]
                ):
                    changed.add(("invitation", (invitation.id,), "response_id"))
    return changed, deleted


def events(database, action: str) -> list[dict]:
    with database.transaction() as session:
        return list(session.scalars(select(EventRow.details).where(EventRow.action == action)))


def test_the_study_holds_every_category(database, held):
    changed, deleted = due_cells(database, held)
    tables = {cell[0] for cell in changed} | {row[0] for row in deleted}
    assert tables == {
        "mail_recipient",
        "mail_sent",
        "turn",
        "platform_person",
        "platform_channel",
        "platform_import",
        "platform_message",
        "response",
        "invitation",
    }
    with database.transaction() as session:
        plan = retention_due(session, viewer=OPERATOR, today=AFTER)
    assert plan.due and plan.categories == list(CATEGORY_KEYS)
    assert plan.counts["invitation_emails"] == 3 and plan.counts["mail_log"] == 3
    assert plan.counts["resume_codes"] == sum(
        1 for c in changed if c[0] in ("response", "invitation")
    )
    assert plan.counts["speaker_names"] == sum(1 for c in changed if c[0] == "turn")


def test_nothing_is_deleted_before_the_retention_date(database, held):
    before = snapshot(database)
    with database.transaction() as session:
        report = run_retention(session, actor=OPERATOR, today=BEFORE)
    assert not report.due and not report.done
    assert report.lines()[0].startswith("Nothing was deleted: the retention date is 2027-01-31.")
    assert report.counts["mail_log"] == 3  # what is held, and will go then
    assert snapshot(database) == before


def test_a_run_after_the_date_deletes_exactly_what_is_due_and_nothing_else(database, held):
    expected_changed, expected_deleted = due_cells(database, held)
    before = snapshot(database)
    with database.transaction() as session:
        planned = retention_due(session, viewer=OPERATOR, today=AFTER)
        report = run_retention(session, actor=OPERATOR, today=AFTER)
    assert report.done and report.counts == planned.counts and report.total > 0
    after = snapshot(database)
    changed, deleted, added = changes(before, after)
    assert changed == expected_changed
    assert deleted == expected_deleted
    assert {table for table, _ in added} == {"event"}  # the run's audit event, nothing else
    # What the cells hold now: placeholders, role labels, random keys, nothing.
    for table, (row,), column in changed:
        value = after[table][(row,)][column]
        if table == "mail_recipient":
            assert value == f"erased-{row}@retention.invalid"
        elif table in ("response", "invitation"):
            assert value is None
        elif table == "platform_import":
            assert value == ""
        elif table in ("platform_person", "platform_channel"):
            assert value.startswith(REKEYED) and len(value) == len(REKEYED) + 32
    speakers_now = {
        (row["transcript_id"], before["turn"][key]["speaker"]): row["speaker"]
        for key, row in after["turn"].items()
        if before["turn"][key]["speaker"] in NAMES
    }
    assert sorted(set(speakers_now.values())) == ["Speaker 1", "Speaker 2", "Speaker 3"]
    by_name = {name: label for (_, name), label in speakers_now.items()}
    assert by_name == {
        "Sofie Lund": "Speaker 1",
        "Jonas Brandt": "Speaker 2",
        "Anna Berg": "Speaker 2",  # "Speaker 1" speaks in that transcript already
        "Bo Holm": "Speaker 3",
    }
    # The same member keeps one key: as author and as reactor or mentioned member.
    new_key = {
        before["platform_person"][k]["pseudonym"]: row["pseudonym"]
        for k, row in after["platform_person"].items()
    }
    assert len(set(new_key.values())) == len(new_key)
    for key, row in after["platform_message"].items():
        for column in ("reactors", "mentions"):
            old = before["platform_message"][key][column]
            if old:
                assert row[column] == [new_key.get(o, row[column][i]) for i, o in enumerate(old)]
                assert all(k.startswith(REKEYED) for k in row[column])


def test_the_run_is_audited_with_counts_and_never_the_data(database, held):
    with database.transaction() as session:
        report = run_retention(session, actor=OPERATOR, today=AFTER)
    [details] = events(database, "retention.run")
    assert details == {"retention_on": "2027-01-31", "today": "2027-02-01", "counts": report.counts}
    [settings] = events(database, "retention.set")
    assert settings["after"] == {
        "retention_on": "2027-01-31",
        "freeze_on": None,
        "categories": list(CATEGORY_KEYS),
    }
    assert "example.org" not in str(details) and "Sofie" not in str(details)


def test_a_dry_run_counts_and_stores_nothing(database, held):
    before = snapshot(database)
    with database.transaction() as session:
        planned = retention_due(session, viewer=OPERATOR, today=AFTER)
        report = run_retention(session, actor=OPERATOR, dry_run=True, today=AFTER)
    assert report.due and report.dry_run and not report.done
    assert report.counts == planned.counts and report.total > 0
    assert report.lines()[0].startswith("Dry run, nothing was deleted.")
    assert snapshot(database) == before


def test_a_second_run_finds_nothing_left_and_changes_nothing(database, held):
    with database.transaction() as session:
        first = run_retention(session, actor=OPERATOR, today=AFTER)
    after_first = snapshot(database)
    with database.transaction() as session:
        second = run_retention(session, actor=OPERATOR, today=AFTER)
        plan = retention_due(session, viewer=OPERATOR, today=AFTER)
    assert first.total > 0
    assert second.done and set(second.counts.values()) == {0} and plan.total == 0
    assert second.lines()[0] == "Nothing was left to delete (retention date 2027-01-31)."
    assert snapshot(database) == after_first  # not even an audit event


def test_two_runs_at_once_delete_what_was_due_once(database, held):
    expected_changed, expected_deleted = due_cells(database, held)
    with database.transaction() as session:
        planned = retention_due(session, viewer=OPERATOR, today=AFTER)
    before = snapshot(database)
    reports, errors = [], []

    def run() -> None:
        try:
            with database.transaction() as session:
                reports.append(run_retention(session, actor=OPERATOR, today=AFTER))
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    # Someone holds the study row's lock while both runs start, so they really overlap.
    with database.transaction() as holder:
        holder.execute(
            update(StudyRow).values(name=StudyRow.name).execution_options(synchronize_session=False)
        )
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert not reports and not errors  # both wait for the lock
    for thread in threads:
        thread.join(60)
    assert not errors and len(reports) == 2
    totals = {key: sum(r.counts[key] for r in reports) for key in CATEGORY_KEYS}
    assert totals == planned.counts
    assert sorted(r.total for r in reports) == [0, planned.total]
    changed, deleted, added = changes(before, snapshot(database))
    assert (changed, deleted) == (expected_changed, expected_deleted)
    assert len(events(database, "retention.run")) == 1 and len(added) == 1


def test_only_the_chosen_categories_are_deleted(database, held):
    with database.transaction() as session:
        settings = set_retention(
            session,
            retention_on=RETENTION,
            delete=["speaker_names", "mail_log"],
            actor=OPERATOR,
        )
    assert settings.categories == ["mail_log", "speaker_names"]
    expected_changed, expected_deleted = due_cells(database, held, settings.categories)
    before = snapshot(database)
    with database.transaction() as session:
        report = run_retention(session, actor=OPERATOR, today=AFTER)
    assert list(report.counts) == ["mail_log", "speaker_names"]
    changed, deleted, _ = changes(before, snapshot(database))
    assert {c[0] for c in changed} == {"turn"} and {d[0] for d in deleted} == {"mail_sent"}
    assert (changed, deleted) == (expected_changed, expected_deleted)
    with database.transaction() as session:  # "all" again: the rest is due now
        set_retention(session, retention_on=RETENTION, delete=["all"], actor=OPERATOR)
        plan = retention_due(session, viewer=OPERATOR, today=AFTER)
    assert plan.categories == list(CATEGORY_KEYS)
    assert plan.counts["mail_log"] == plan.counts["speaker_names"] == 0
    assert plan.counts["invitation_emails"] == 3


def test_what_stays_for_now_and_what_is_outside_the_database_is_said(database, held):
    with database.transaction() as session:
        report = run_retention(session, actor=OPERATOR, today=AFTER)
    notes = " ".join(report.notes)
    assert "3 e-mail recipients of campaigns not yet closed keep their addresses" in notes
    assert "2 responses in progress in open campaigns keep" in notes
    assert "2 transcripts also name their speakers in their text" in notes
    assert "salt file" in notes and "delete them yourself" in notes
    with database.transaction() as session:
        assert session.scalar(
            select(MailRecipientRow.email).where(MailRecipientRow.campaign_id == held["open"])
        ).endswith("@example.org")


def test_platform_activity_is_the_same_after_its_keys_are_replaced(database, held):
    with database.transaction() as session:
        before = organisation_activity(session)
        run_retention(session, actor=OPERATOR, today=AFTER)
    with database.transaction() as session:
        after = organisation_activity(session)
    assert not before.empty
    assert after.equals(before)


def test_setting_retention_refuses_what_cannot_be_and_needs_the_permission(database, held):
    with database.transaction() as session:
        coder = add_user(session, "carl@example.org", "coder")
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="no retention category 'names'"):
            set_retention(session, retention_on=RETENTION, delete=["names"], actor=OPERATOR)
        with pytest.raises(InvalidInput, match="comes before the analysis freeze date"):
            set_retention(session, retention_on=RETENTION, freeze_on=AFTER, actor=OPERATOR)
        with pytest.raises(PermissionDenied):
            set_retention(session, retention_on=RETENTION, actor=coder)
        with pytest.raises(PermissionDenied):
            run_retention(session, actor=coder, today=AFTER)
        with pytest.raises(PermissionDenied):
            retention_due(session, viewer=coder)
        settings = set_retention(session, retention_on=RETENTION, freeze_on=BEFORE, actor=OPERATOR)
    assert settings.freeze_on == "2027-01-30"
    assert len(events(database, "retention.set")) == 2


def test_role_speakers_are_those_transcripts_and_pseudonymisation_use():
    """The role labels retention keeps are kept in step with study.interviews.transcripts."""
    for label in speakers._ROLE_LABELS:
        assert is_role_speaker(label) and is_role_speaker(f"{label.capitalize()} 2"), label
    for label in [*ROLE_LABELS.values(), pseudonymise_module.INTERVIEWER_LABEL]:
        assert is_role_speaker(label) and is_role_speaker(f"{label} 3"), label
    assert is_role_speaker(f"{pseudonymise_module.PERSON_LABEL} 1")
    assert is_role_speaker(person_label("1a2b3c4d5e6f"))
    for name in NAMES | {"Anna", "Member Anna", "Speaker Anna"}:
        assert not is_role_speaker(name), name


def test_every_category_says_what_it_deletes():
    assert [c.key for c in CATEGORIES] == list(CATEGORY_KEYS)
    assert len(set(CATEGORY_KEYS)) == 5
    for category in CATEGORIES:
        assert category.what.endswith(".") and len(category.what) > 60, category.key


def test_the_overview_shows_what_is_due_and_deletes_it_once_confirmed(database, held):
    with database.transaction() as session:
        set_retention(session, retention_on=dt.date.today() - dt.timedelta(days=1), actor=OPERATOR)
        researcher = add_user(session, "rita@example.org", "researcher")
        coder = add_user(session, "carl@example.org", "coder")
        due = retention_due(session, viewer=OPERATOR)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["account"] = asdict(researcher)
    at.run()
    at.switch_page("study/ui/pages/overview.py").run()
    assert not at.exception
    assert "Retention and the record of processing" in [h.value for h in at.header]
    assert f"{due.total:,} records are due for deletion" in at.warning[0].value
    [button] = [b for b in at.button if b.label == "Delete what is due"]
    assert button.disabled  # until the confirmation is ticked
    at.checkbox(key="retention_confirm").check().run()
    [button] = [b for b in at.button if b.label == "Delete what is due"]
    button.click().run()
    assert not at.exception
    assert any("Deleted (retention date" in s.value for s in at.success)
    with database.transaction() as session:
        assert retention_due(session, viewer=OPERATOR).total == 0
    assert len(events(database, "retention.run")) == 1
    coder_view = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    coder_view.session_state["account"] = asdict(coder)
    coder_view.run()
    coder_view.switch_page("study/ui/pages/overview.py").run()
    assert not coder_view.exception
    assert "Retention and the record of processing" not in [h.value for h in coder_view.header]
