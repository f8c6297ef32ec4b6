"""The public API is exactly what study/__init__.py lists in __all__."""

import subprocess
import sys

import pytest

import study


def test_public_names_are_unique():
    assert len(study.__all__) == len(set(study.__all__))


@pytest.mark.parametrize("name", study.__all__)
def test_every_public_name_is_importable_and_documented(name):
    obj = getattr(study, name)
    if callable(obj):
        assert obj.__doc__, f"{name} has no docstring"


def test_unknown_names_are_an_attribute_error():
    with pytest.raises(AttributeError):
        study.not_a_public_name  # noqa: B018


def test_public_names_include_each_layer():
    expected = {
        "StudyError",
        "Database",
        "migrate",
        "load_demo",
        "add_organisation",
        "list_organisations",
        "add_account",
        "log_in",
        "study_overview",
        "record_event",
        "load_instrument",
        "create_campaign",
        "submit_response",
        "score_responses",
        "parse_transcript",
        "load_scheme",
        "cronbach_alpha",
        "icc1",
        "icc2",
        "rwg",
        "rwg_j",
        "awg",
        "welch_anova",
        "games_howell",
        "kruskal",
        "compare_to_benchmark",
        "percent_favourable",
        "code_prevalence_test",
        "krippendorff_alpha",
        "cohen_kappa",
        "read_qdpx",
        "write_qdpx",
    }
    assert expected <= set(study.__all__)


def test_library_and_cli_work_without_streamlit():
    code = (
        "import sys, study, study.cli, study.demo, study.admin.overview, study.surveys; "
        "sys.exit('streamlit' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
