"""Learned suggestions on the Workbench and Reliability pages (AppTest on real databases)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from suggestion_study import CODER_EMAILS, SCHEME_KEY

from study.admin.accounts import get_account
from study.admin.permissions import OPERATOR
from study.db.models import SuggestionRejectionRow
from study.interviews.coding import list_codings
from study.interviews.learning import model_info
from study.reliability.suggestions import evaluate_suggestions
from study.ui import learned_suggestions

from conftest import add_user, open_app_page


@pytest.fixture
def database(coded):
    return coded[0]


@pytest.fixture
def study(coded):
    database, corpus = coded
    with database.transaction() as session:
        add_user(session, "rita@example.org", "researcher", display_name="Rita")
    yield corpus
    learned_suggestions.wait()  # a training the page started must end before the database goes


def account(database, email: str):
    with database.transaction() as session:
        return get_account(session, email)


def suggestion_origins(database, coder) -> list[str]:
    with database.transaction() as session:
        return list(list_codings(session, coder_ids=[coder.id], viewer=OPERATOR)["origin"])


def test_reliability_page_measures_the_suggestions_beside_the_keywords(study, database):
    at = open_app_page(account(database, "rita@example.org"), "reliability.py")
    assert not at.exception, at.exception
    assert any(h.value == "Learned suggestions, measured like a coder" for h in at.header)
    at.button(key="rel_suggest_measure").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table.columns[:3]) == ["code", "in the workbench", "units coded"]
    assert {"model α", "keyword F1", "coders' α", "model precision"} <= set(table.columns)
    assert len(table) == 6
    assert any("Macro F1: model" in m.value for m in at.markdown)
    with database.transaction() as session:
        assert model_info(session, SCHEME_KEY, viewer=OPERATOR).quality["codes"]


def test_the_workbench_learns_in_the_background_then_offers_suggestions_to_accept_or_reject(
    study, database
):
    coder = account(database, CODER_EMAILS[0])
    at = open_app_page(coder, "workbench.py")
    at.toggle(key="wb_learned").set_value(True).run()
    assert not at.exception, at.exception
    # the first visit starts learning in the background and says so
    assert any("background" in c.value for c in at.caption)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with database.transaction() as session:
            info = model_info(session, SCHEME_KEY, viewer=coder)
        if info is not None and info.quality:
            break
        time.sleep(0.5)
    assert info is not None and info.quality, "the background training finished"
    at.run()
    assert not at.exception, at.exception
    # a code's suggestions can be switched on whatever its measured agreement
    code = at.selectbox(key="wb_learned_code").value
    at.toggle(key=f"wb_learned_on:{code}").set_value(True).run()
    offered = [b.key for b in at.button if (b.key or "").startswith("wb_accept_L:")]
    assert offered, "learned suggestions are offered"
    before = suggestion_origins(database, coder)
    at.button(key=offered[0]).click().run()
    assert not at.exception, at.exception
    after = suggestion_origins(database, coder)
    assert after.count("suggested") == before.count("suggested") + 1
    rejected = next(b.key for b in at.button if (b.key or "").startswith("wb_reject_L:"))
    at.button(key=rejected).click().run()
    assert rejected not in [b.key for b in at.button]
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SuggestionRejectionRow)) == 1
    # code all above the threshold, then undo them all
    code = at.selectbox(key="wb_learned_code").value
    at.slider(key=f"wb_threshold:{code}").set_value(0.05).run()
    code_all = at.button(key="wb_learned_code_all")
    n = int(code_all.label.split()[2])
    assert n > 0
    before = suggestion_origins(database, coder).count("suggested")
    code_all.click().run()
    assert not at.exception, at.exception
    assert suggestion_origins(database, coder).count("suggested") == before + n
    at.button(key="wb_learned_undo").click().run()
    assert suggestion_origins(database, coder).count("suggested") == before


def test_codes_whose_model_agrees_too_little_stay_off_with_the_reason(study, database):
    with database.transaction() as session:
        quality = evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR, folds=3)
    coder = account(database, CODER_EMAILS[1])
    at = open_app_page(coder, "workbench.py")
    at.toggle(key="wb_learned").set_value(True).run()
    assert not at.exception, at.exception
    code = at.selectbox(key="wb_learned_code").value
    measured = next(c for c in quality.codes if c.code == code)
    toggle = at.toggle(key=f"wb_learned_on:{code}")
    assert toggle.value == measured.enabled
    assert any(("agrees with the coders at α" in c.value) for c in at.caption)
