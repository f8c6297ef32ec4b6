"""The analysis pages (Compare, Joint display, Benchmark) in AppTest, by role."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_editions import publish_benchmark
from study.ui.navigation import PAGES

from benchmark_study import OTHERS, build_benchmark_study
from conftest import add_user, open_app_page


@pytest.fixture
def accounts(database):
    with database.transaction() as session:
        build_benchmark_study(session)
        publish_benchmark(session, actor=OPERATOR)  # practitioners see published editions only
        return {
            "researcher": add_user(session, "rita@example.org", "researcher"),
            "practitioner": add_user(
                session, "pia@example.org", "practitioner", organisation="Alfa Bank"
            ),
        }


def open_page(account, script: str) -> AppTest:
    at = open_app_page(account, script)
    assert not at.exception, at.exception
    return at


def shown_text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in (
            "title",
            "subheader",
            "markdown",
            "caption",
            "info",
            "warning",
            "error",
            "success",
        )
        for e in getattr(at, kind)
    ]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(str(p) for p in parts)


def test_analysis_pages_are_for_researchers_and_the_benchmark_for_practitioners():
    roles = {spec.title: spec.roles for spec in PAGES}
    assert "practitioner" not in roles["Compare organisations"]
    assert "practitioner" not in roles["Joint display"]
    assert {"researcher", "admin", "practitioner"} <= roles["Benchmark report"]
    assert {
        spec.section
        for spec in PAGES
        if spec.script in ("compare.py", "joint_display.py", "benchmark.py")
    } == {"Analysis"}


def test_researcher_compares_the_challenge_scales(accounts):
    at = open_page(accounts["researcher"], "compare.py")
    assert at.title[0].value == "Compare organisations"
    scales = at.multiselect[0]
    assert scales.label == "Scales" and "challenge_not_work" in scales.value
    organisations = at.multiselect[1].value
    assert organisations == ["Alfa Bank", *OTHERS]
    descriptives = at.dataframe[0].value
    assert set(descriptives["organisation"]) == set(organisations)
    assert "Tiny Co" in shown_text(at)  # below the minimum size: flagged, not hidden
    assert any(w.value.startswith("Fewer than 5 responses: Tiny Co.") for w in at.warning)
    assert len(at.tabs) == 6  # the sixth: Platform behaviour (issue 15)


def test_researcher_compares_two_items_and_two_organisations(accounts):
    at = open_page(accounts["researcher"], "compare.py")
    at.segmented_control[0].set_value("Items").run()
    at.multiselect[0].set_value(["nw1", "nw4"]).run()
    at.multiselect[1].set_value(["Alfa Bank", "Beta Kommune"]).run()
    assert not at.exception
    descriptives = at.dataframe[0].value
    assert set(descriptives["organisation"]) == {"Alfa Bank", "Beta Kommune"}
    assert set(descriptives["label"]) == {
        "Posting or reading on the platform does not feel like real work.",
        "Time spent on the platform is a legitimate part of my working day.",
    }


def test_researcher_sees_the_joint_display_survey_side_without_interviews(accounts):
    at = open_page(accounts["researcher"], "joint_display.py")
    assert at.title[0].value == "Joint display"
    assert any("No interview has been coded" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert "Alfa Bank" in set(table["organisation"])


def test_researcher_chooses_any_organisation_for_the_benchmark(accounts):
    at = open_page(accounts["researcher"], "benchmark.py")
    chooser = at.selectbox[0]
    assert chooser.options[0].startswith("All organisations")
    assert "Beta Kommune" in chooser.options
    chooser.set_value("Beta Kommune").run()
    assert not at.exception
    assert at.subheader[0].value == "Beta Kommune against the benchmark"


def test_practitioner_sees_only_their_organisation_against_the_benchmark(accounts):
    at = open_page(accounts["practitioner"], "benchmark.py")
    assert at.title[0].value == "Benchmark report"
    assert not at.selectbox  # no chooser, ever
    assert at.subheader[0].value == "Alfa Bank against the benchmark"
    text = shown_text(at)
    assert "Alfa Bank" in text
    assert not [name for name in OTHERS if name in text]
    table = at.dataframe[0].value
    assert "Organisation" not in table.columns
    assert table.loc[table["Scale"] == "Challenge: not seen as work", "Responses"].iloc[0] == 6


def test_compare_page_shows_an_undefined_index_with_its_reason(database):
    # Issue 14: equal organisation means made ICC(2) divide by zero and stopped the page.
    from comparison_study import add_organisation_with_answers

    with database.transaction() as session:
        add_organisation_with_answers(session, "Alfa Bank", [[3], [5]], items=["nw1"])
        add_organisation_with_answers(session, "Beta Kommune", [[4], [4]], items=["nw1"])
        researcher = add_user(session, "rita@example.org", "researcher")
    at = open_page(researcher, "compare.py")
    at.segmented_control[0].set_value("Items").run()
    at.multiselect[0].set_value(["nw1"]).run()
    assert not at.exception, at.exception
    aggregation = next(frame.value for frame in at.dataframe if "icc2" in frame.value.columns)
    assert aggregation["icc2"].tolist() == ["undefined"]
    assert "every organisation has the same mean" in aggregation["undefined"].iloc[0]
    assert (
        "Missing answers: rwg(j) and awg of a scale use only respondents who answered "
        "every item" in shown_text(at)
    )


def test_practitioner_sees_their_platform_activity_beside_the_pooled_median(demo_database):
    from study.demo import DEMO_ORGANISATIONS

    with demo_database.transaction() as session:
        publish_benchmark(session, actor=OPERATOR)
        practitioner = add_user(
            session, "pia@example.org", "practitioner", organisation="Nordlys Bank"
        )
    at = open_page(practitioner, "benchmark.py")
    assert "Activity on the platform" in [s.value for s in at.subheader]
    activity = next(f.value for f in at.dataframe if "Nordlys Bank" in f.value.columns)
    assert list(activity.columns) == [
        "Nordlys Bank",
        "Benchmark (median of the other organisations)",
    ]
    assert activity.loc["Members", "Nordlys Bank"] == "180"
    text = shown_text(at)
    others = [row[0] for row in DEMO_ORGANISATIONS if row[0] != "Nordlys Bank"]
    assert len(others) == 9 and not [name for name in others if name in text]
