"""The demo study loads through the library, once, and resets cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from study.admin.organisations import add_organisation, list_organisations
from study.admin.overview import study_overview
from study.admin.permissions import OPERATOR
from study.db.models import OrganisationRow, StudyRow
from study.demo import DEMO_ORGANISATIONS, load_demo
from study.errors import AlreadyExists


def test_demo_has_ten_organisations_from_both_countries(demo_database):
    with demo_database.transaction() as session:
        organisations = list_organisations(session, viewer=OPERATOR)
        overview = study_overview(session, viewer=OPERATOR)
    assert len(organisations) == 10
    assert {o.country for o in organisations} == {"Denmark", "United States"}
    assert len({o.sector for o in organisations}) >= 7
    totals = overview.totals
    assert totals["organisations"] == 10
    assert totals["responses"] > 1000 and totals["transcripts"] == 14 and totals["codings"] > 400
    counts = overview.organisations.set_index("organisation")
    assert counts.loc["Kobberstien Design", "responses"] < 20  # a small organisation


def test_demo_survey_has_the_planted_differences(demo_database):
    from study.surveys import score_responses

    with demo_database.transaction() as session:
        scores = score_responses(session, viewer=OPERATOR)
    means = scores.groupby(["scale", "organisation"])["score"].mean()
    not_work = means["challenge_not_work"]
    assert not_work["Riverbend Logistics"] - not_work["Blue Ridge Software"] > 1.0
    management = means["challenge_management_words"]
    assert management["Prairie Mutual Insurance"] - management["Fjordvind Energi"] > 0.8


def test_loading_the_demo_twice_changes_nothing(demo_database):
    with demo_database.transaction() as session:
        result = load_demo(session)
        count = session.scalar(select(func.count(OrganisationRow.id)))
    assert not result.loaded and "already loaded" in result.message
    assert count == len(DEMO_ORGANISATIONS)


def test_reset_reloads_the_demo(demo_database):
    with demo_database.transaction() as session:
        _reset_after_changes(session)


def _reset_after_changes(session):
    session.delete(
        session.scalar(select(OrganisationRow).where(OrganisationRow.name == "Nordlys Bank"))
    )
    add_organisation(session, "Changed by a user", actor=OPERATOR)
    load_demo(session, reset=True)
    assert session.scalar(select(func.count(StudyRow.id))) == 1
    names = {o.name for o in list_organisations(session, viewer=OPERATOR)}
    assert names == {row[0] for row in DEMO_ORGANISATIONS}


def test_demo_never_mixes_with_a_real_study(session):
    add_organisation(session, "Our own organisation", actor=OPERATOR)
    assert not load_demo(session, if_empty=True).loaded
    with pytest.raises(AlreadyExists, match="already holds the study"):
        load_demo(session)
