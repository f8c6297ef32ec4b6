"""The span selector's JavaScript: its pure functions under ``node --test``, its action names.

The unit tests are span_selector.test.mjs beside this file. Without Node.js they are
skipped with a reason, except where ``STUDY_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from study.interviews.coding.span_view import ACTIONS, CHANGES, Mark, build_span_view

from conftest import REQUIRE_BROWSER, ROOT

SCRIPT = ROOT / "study" / "ui" / "components" / "span_selector.js"
UNIT_TESTS = Path(__file__).with_name("span_selector.test.mjs")


def test_the_pure_functions_pass_their_node_unit_tests():
    node = shutil.which("node")
    if node is None:
        if REQUIRE_BROWSER:
            pytest.fail("The JavaScript unit tests must run here, but node is missing.")
        pytest.skip("Node.js is not installed (apt-get install nodejs)")
    result = subprocess.run(
        [node, "--test", str(UNIT_TESTS)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^# pass [1-9]", result.stdout, re.MULTILINE), result.stdout


def test_the_script_sends_only_the_actions_declared_in_python():
    """Every ``type: "..."`` the script writes is in span_view.ACTIONS, and the change
    actions come from the view's data, not from a list of the script's own."""
    script = SCRIPT.read_text(encoding="utf-8")
    sent = set(re.findall(r'type: "(\w+)"', script))
    assert sent and sent <= set(ACTIONS), sent - set(ACTIONS)
    assert "data.changes" in script
    assert not re.search(r'new Set\(\["code"', script)


def test_the_view_hands_the_change_actions_to_the_script():
    view = build_span_view("ab", [], [Mark(0, 1, "x", "#111111", "mine", 1)], version="v")
    assert view["changes"] == list(CHANGES)
