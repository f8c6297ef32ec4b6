"""The demo study loads through the library, once, and resets cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from study.db.models import Organisation, Study
from study.demo import DEMO_ORGANISATIONS, load_demo
from study.errors import AlreadyExists
from study.organisations import add_organisation, list_organisations
from study.overview import study_overview


def test_demo_has_ten_organisations_from_both_countries(session):
    assert load_demo(session).loaded
    organisations = list_organisations(session)
    assert len(organisations) == 10
    assert {o.country for o in organisations} == {"Denmark", "United States"}
    assert len({o.sector for o in organisations}) >= 7
    overview = study_overview(session)
    assert overview.totals["organisations"] == 10


def test_loading_the_demo_twice_changes_nothing(session):
    load_demo(session)
    result = load_demo(session)
    assert not result.loaded and "already loaded" in result.message
    assert session.scalar(select(func.count(Organisation.id))) == len(DEMO_ORGANISATIONS)


def test_reset_reloads_the_demo(session):
    load_demo(session)
    session.delete(session.scalar(select(Organisation).where(Organisation.name == "Nordlys Bank")))
    add_organisation(session, "Changed by a user")
    load_demo(session, reset=True)
    assert session.scalar(select(func.count(Study.id))) == 1
    names = {o.name for o in list_organisations(session)}
    assert names == {row[0] for row in DEMO_ORGANISATIONS}


def test_demo_never_mixes_with_a_real_study(session):
    add_organisation(session, "Our own organisation")
    assert not load_demo(session, if_empty=True).loaded
    with pytest.raises(AlreadyExists, match="already holds the study"):
        load_demo(session)
