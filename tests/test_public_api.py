"""The public API is exactly what study/__init__.py lists in __all__."""

import subprocess
import sys

import study


def test_every_public_name_is_importable_and_documented():
    assert len(study.__all__) == len(set(study.__all__))
    for name in study.__all__:
        obj = getattr(study, name)
        assert obj.__doc__, f"{name} has no docstring"


def test_public_names_include_the_foundation():
    expected = {
        "StudyError", "Database", "migrate", "load_demo", "add_organisation",
        "list_organisations", "add_account", "log_in", "study_overview", "record_event",
    }
    assert expected <= set(study.__all__)


def test_library_and_cli_work_without_streamlit():
    code = ("import sys, study, study.cli, study.demo, study.overview; "
            "sys.exit('streamlit' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
