"""Survey logic in stored responses, on SQLite and PostgreSQL: hidden answers, seeds, exports.

The instrument is tests/data/surveys/logic-survey.yaml: page ``platform`` (pa1 required,
pa1-pa3 in a per-respondent order) is shown only to ``uses_platform: yes``; on page
``about``, ``why_not`` (required) only to ``no`` and ``heavy_use`` to frequent users.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import AnswerRow, ResponseRow
from study.surveys import (
    close_campaign,
    create_campaign,
    export_responses,
    invitation_links,
    resume_with_code,
    save_page,
    start_response,
    submit_response,
)
from study.surveys.answers import stored_answers
from study.surveys.importing import read_responses
from study.surveys.instrument_store import store_instrument
from study.surveys.instruments import load_instrument
from study.surveys.logic import shown_items
from study.surveys.response_rows import response_seed

from conftest import DATA as TEST_DATA

INSTRUMENT = load_instrument(TEST_DATA / "surveys" / "logic-survey.yaml")
USAGE, PLATFORM, ABOUT = 0, 1, 2


def token_of(link: str) -> str:
    return link.split("t=")[1].split("&")[0]


def open_campaign(session):
    add_organisation(session, "Nordlys Bank", headcount=40, actor=OPERATOR)
    store_instrument(session, INSTRUMENT)
    return create_campaign(
        session, organisation="Nordlys Bank", instrument=INSTRUMENT.id, actor=OPERATOR
    )


@pytest.fixture
def campaign(session):
    """An open-link campaign of the logic survey."""
    return open_campaign(session)


def stored(session, response_id: int) -> set[str]:
    return set(
        session.scalars(select(AnswerRow.item_id).where(AnswerRow.response_id == response_id))
    )


def test_changing_an_earlier_answer_drops_the_answers_it_hides(session, campaign):
    response_id, _ = start_response(session, token_of(campaign.link), language="en")
    assert save_page(
        session, response_id, {"uses_platform": "yes", "use1": 5}, page=USAGE, move_to=PLATFORM
    ).ok
    assert save_page(
        session, response_id, {"pa1": 4, "pa2": 2, "pa3": 5}, page=PLATFORM, move_to=ABOUT
    ).ok
    assert save_page(
        session, response_id, {"heavy_use": "news", "dept": "ops"}, page=ABOUT, move_to=ABOUT
    ).ok
    assert stored(session, response_id) == {
        "uses_platform",
        "use1",
        "pa1",
        "pa2",
        "pa3",
        "heavy_use",
        "dept",
    }
    # Back on page one, the respondent now says they do not use the platform: the platform
    # page and heavy_use disappear, and so do their stored answers (pages 2 and 3).
    assert save_page(
        session, response_id, {"uses_platform": "no", "use1": 5}, page=USAGE, move_to=ABOUT
    ).ok
    assert stored(session, response_id) == {"uses_platform", "use1", "dept"}
    # Frequent use alone no longer shows heavy_use: an answer sent for it is not stored.
    assert save_page(
        session,
        response_id,
        {"why_not": "no time", "heavy_use": "x", "dept": "ops"},
        page=ABOUT,
        move_to=ABOUT,
    ).ok
    assert stored_answers(session, response_id) == {
        "uses_platform": "no",
        "use1": 5,
        "why_not": "no time",
        "dept": "ops",
    }


def test_required_applies_only_to_items_shown(session, campaign):
    token = token_of(campaign.link)
    user, _ = start_response(session, token, language="en")
    save_page(session, user, {"uses_platform": "yes"}, page=USAGE, move_to=PLATFORM)
    result = save_page(session, user, {"pa2": 3}, page=PLATFORM, move_to=ABOUT)
    assert set(result.problems) == {"pa1"}  # shown, so required
    save_page(session, user, {"pa1": 4}, page=PLATFORM, move_to=ABOUT)
    assert save_page(session, user, {"dept": "ops"}, page=ABOUT, move_to=ABOUT).ok  # no why_not
    assert submit_response(session, user).ok

    non_user, _ = start_response(session, token, language="en")
    save_page(session, non_user, {"uses_platform": "no"}, page=USAGE, move_to=ABOUT)
    assert save_page(session, non_user, {"dept": "ops"}, page=ABOUT, move_to=USAGE).ok  # back
    assert set(submit_response(session, non_user).problems) == {"why_not"}  # shown: required
    assert set(submit_response(session, non_user, {"dept": "ops"}, page=ABOUT).problems) == {
        "why_not"
    }
    assert submit_response(
        session, non_user, {"why_not": "no time", "dept": "ops"}, page=ABOUT
    ).ok  # pa1 (required, hidden) is not asked for
    assert session.get(ResponseRow, non_user).status == "complete"


def test_a_whole_response_in_one_call_stores_only_shown_answers(session, campaign):
    token = token_of(campaign.link)
    first, _ = start_response(session, token, language="en")
    everything = {
        "uses_platform": "no",
        "use1": 2,
        "pa1": 4,
        "pa2": 4,
        "pa3": 4,
        "why_not": "no time",
        "heavy_use": "x",
        "dept": "support",
    }
    assert submit_response(session, first, everything).ok
    assert stored(session, first) == {"uses_platform", "use1", "why_not", "dept"}
    second, _ = start_response(session, token, language="en")
    result = submit_response(session, second, {"uses_platform": "yes", "why_not": "x"})
    assert set(result.problems) == {"pa1"}  # shown and required; why_not hidden: no problem
    assert "why_not" not in stored(session, second)


def test_the_seed_is_stored_and_the_order_survives_resuming(database):
    with database.transaction() as session:
        campaign = open_campaign(session)
        info = create_campaign(
            session,
            organisation="Nordlys Bank",
            instrument=INSTRUMENT.id,
            invitations=1,
            actor=OPERATOR,
        )
        personal = token_of(invitation_links(session, info.id, viewer=OPERATOR)["link"][0])
        response_id, code = start_response(session, token_of(campaign.link), language="en")
        seed = response_seed(session, response_id)
        order = [
            i.id for i in shown_items(INSTRUMENT, PLATFORM, {"uses_platform": "yes"}, seed=seed)
        ]
        personal_id, _ = start_response(session, personal, language="en")
        personal_seed = response_seed(session, personal_id)
        others = {
            response_seed(
                session, start_response(session, token_of(campaign.link), language="en")[0]
            )
            for _ in range(8)
        }
    assert isinstance(seed, int) and isinstance(personal_seed, int)
    assert len(others | {seed}) > 1  # a seed per response, not one for all
    with database.transaction() as session:  # later, another request: resume by code
        resumed = resume_with_code(session, token_of(campaign.link), code)
        assert resumed.response_id == response_id
        assert response_seed(session, response_id) == seed
        again = shown_items(
            resumed.instrument,
            PLATFORM,
            {"uses_platform": "yes"},
            seed=response_seed(session, resumed.response_id),
        )
        assert [i.id for i in again] == order
        # The personal link started again (a second tab) keeps its response and its seed.
        assert start_response(session, personal, language="en") == (personal_id, None)
        assert response_seed(session, personal_id) == personal_seed


def _answer_two_responses(session, campaign) -> dict[str, int]:
    token = token_of(campaign.link)
    user, _ = start_response(session, token, language="en")
    assert submit_response(
        session,
        user,
        {
            "uses_platform": "yes",
            "use1": 4,
            "pa1": 5,
            "pa2": 1,
            "pa3": 3,
            "heavy_use": "news",
            "dept": "nosay",
        },
    ).ok
    non_user, _ = start_response(session, token, language="en")
    assert submit_response(
        session, non_user, {"uses_platform": "no", "use1": 1, "why_not": "no time", "dept": "ops"}
    ).ok
    close_campaign(session, campaign.id, actor=OPERATOR)  # releases the batch for export
    return {"yes": user, "no": non_user}


def _shown_order(session, response_id: int) -> str:
    seed = response_seed(session, response_id)
    return ";".join(
        i.id for i in shown_items(INSTRUMENT, PLATFORM, {"uses_platform": "yes"}, seed=seed)
    )


def test_csv_export_has_blank_for_not_shown_and_the_option_for_prefer_not_to_say(session, campaign):
    ids = _answer_two_responses(session, campaign)
    out = io.BytesIO()
    assert (
        export_responses(session, out, format="csv", instrument=INSTRUMENT.id, viewer=OPERATOR) == 2
    )
    rows = {
        row["uses_platform"]: row
        for row in csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")))
    }
    user, non_user = rows["yes"], rows["no"]
    assert list(user)[-1] == "platform_order"
    assert (non_user["pa1"], non_user["pa2"], non_user["heavy_use"]) == ("", "", "")
    assert user["why_not"] == ""
    assert user["dept"] == "nosay" and non_user["dept"] == "ops"
    assert (user["pa1"], user["pa2"]) == ("5", "1")
    assert user["platform_order"] == _shown_order(session, ids["yes"])
    assert non_user["platform_order"] == ""  # the page was not shown


def test_xlsx_export_leaves_not_shown_cells_empty_and_documents_logic(session, campaign):
    ids = _answer_two_responses(session, campaign)
    out = io.BytesIO()
    export_responses(session, out, format="xlsx", instrument=INSTRUMENT.id, viewer=OPERATOR)
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    rows = {row[sheet[0].index("uses_platform")]: dict(zip(sheet[0], row)) for row in sheet[1:]}
    assert rows["no"]["pa1"] is None and rows["yes"]["why_not"] is None
    assert rows["yes"]["dept"] == "nosay"
    assert rows["yes"]["platform_order"] == _shown_order(session, ids["yes"])
    codebook = {row[0]: row for row in workbook["codebook"].iter_rows(values_only=True)}
    assert codebook["item"][6] == "shown if"
    assert codebook["pa1"][6] == "uses_platform in (yes)"
    assert codebook["heavy_use"][6] == "uses_platform in (yes) and use1 >= 4"
    assert codebook["dept"][6] in ("", None)
    assert codebook["platform_order"][1] == "order"


def test_sav_export_has_system_missing_for_not_shown_and_user_missing_for_prefer_not_to_say(
    session, campaign, tmp_path
):
    ids = _answer_two_responses(session, campaign)
    path = tmp_path / "responses.sav"
    export_responses(session, path, format="sav", instrument=INSTRUMENT.id, viewer=OPERATOR)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    by_use = {data.loc[i, "uses_platform"]: data.loc[i] for i in data.index}
    yes_code, no_code = 1.0, 2.0  # option values: the 1-based positions
    user, non_user = by_use[yes_code], by_use[no_code]
    nosay = 3.0
    assert user["dept"] == nosay and nosay in [r["lo"] for r in meta.missing_ranges["dept"]]
    assert meta.value_labels[meta.variable_to_label["dept"]][nosay] == "Prefer not to say"
    assert non_user["pa1"] != non_user["pa1"]  # NaN: system-missing
    assert "pa1" not in meta.missing_ranges  # ... and no user-missing code stands for it
    assert user["pa1"] == 5.0
    assert user["platform_order"] == _shown_order(session, ids["yes"])
    assert non_user["platform_order"] == ""
    assert (
        meta.column_names_to_labels["platform_order"]
        == "Order of the randomised items of page platform as shown"
    )
    # Read as analysts do (user-missing as missing), Prefer not to say leaves the valid
    # values too, but it stays a different value from not shown in the file itself.
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain["dept"].isna().sum() == 1


def test_an_exported_csv_reads_back_with_the_hidden_items_still_unanswered(session, campaign):
    _answer_two_responses(session, campaign)
    out = io.BytesIO()
    export_responses(session, out, format="csv", instrument=INSTRUMENT.id, viewer=OPERATOR)
    out.seek(0)
    imported = read_responses(out, INSTRUMENT, format="csv", name="export.csv")
    answers = imported.answers
    non_user = answers[answers["item_id"] == "uses_platform"].query("value == 'no'")["row_index"]
    items = set(answers[answers["row_index"] == non_user.iloc[0]]["item_id"])
    assert items == {"uses_platform", "use1", "why_not", "dept"}
    assert len(answers) == 11  # 7 answers + 4: the order column is not read as an answer
