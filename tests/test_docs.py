"""The docs cannot drift from the code (datasette's test_docs.py is the model).

Each list a newcomer reads is checked against what it describes: the README's settings
table against ``study.config.SETTINGS``; ARCHITECTURE.md's tables against the ORM
metadata, its pages against the navigation (``PAGES``) and its packages against the
folders under ``study/``. Adding a setting, table, page or package without its line in
the docs fails here, and so does a line left behind.
"""

from __future__ import annotations

import re

import pytest

from study.config import SETTINGS
from study.db.models import Base

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
#: A default longer than this is described in words in the table (the leader titles).
LONG_DEFAULT = 60


def between(text: str, start: str, end: str) -> str:
    """The part of ``text`` after the first ``start`` and before the next ``end``."""
    assert start in text, f"the docs lost the line starting {start!r}"
    rest = text.split(start, 1)[1]
    assert end in rest, f"nothing ends the part after {start!r} with {end!r}"
    return rest.split(end, 1)[0]


def readme_settings() -> dict[str, str]:
    """The README's configuration table: variable -> its default cell."""
    table = between(README, "| variable | default | meaning |", "\n\n")
    rows = {}
    for line in table.splitlines():
        found = re.match(r"\| `(STUDY_\w+)` \| (.*?) \| ", line)
        if found:
            assert found.group(1) not in rows, f"{found.group(1)} is in the table twice"
            rows[found.group(1)] = found.group(2)
    return rows


def test_the_readme_documents_every_setting_and_nothing_else():
    assert sorted(readme_settings()) == sorted(s.name for s in SETTINGS)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_readme_gives_each_setting_its_default(setting):
    cell = readme_settings().get(setting.name)
    assert cell is not None, f"{setting.name} is not in the README's table"
    if not setting.default:
        assert cell.startswith("(empty"), cell
    elif len(setting.default) > LONG_DEFAULT:
        assert not cell.startswith("`"), "a long default is described, not half written"
    else:
        assert cell == f"`{setting.default}`"


def test_architecture_lists_every_table_and_nothing_else():
    listed = between(ARCHITECTURE, "Its tables\n", "The metadata carries")
    names = re.findall(r"`([a-z_]+)`", listed)
    assert len(names) == len(set(names)), "a table is listed twice"
    assert sorted(names) == sorted(Base.metadata.tables)


def test_architecture_lists_every_page_of_the_navigation_and_nothing_else():
    from study.ui.navigation import PAGES

    listed = between(ARCHITECTURE, "and the pages in the navigation (`PAGES`", "\n\n")
    documented = set()
    for section, pages in re.findall(r"^  - (\w+): (.*(?:\n    .*)*)", listed, re.MULTILINE):
        documented.update(
            (section, script, title)
            for script, title in re.findall(r"`(\w+\.py)` \(([^)]+)\)", pages)
        )
    assert documented == {(p.section, p.script, p.title) for p in PAGES}


def test_architecture_lists_every_package_folder_and_nothing_else():
    listed = between(ARCHITECTURE + "\n## ", "## Packages\n", "\n## ")  # may be the last
    documented = re.findall(r"^- `(study/[\w/]*)`", listed, re.MULTILINE)
    study = ROOT / "study"
    folders = {
        f"{folder.relative_to(ROOT).as_posix()}/"
        for folder in study.rglob("*")
        if folder.is_dir() and "__pycache__" not in folder.parts and any(folder.glob("*.py"))
    }
    folders.add("study/")
    assert len(documented) == len(set(documented)), "a package is listed twice"
    assert sorted(documented) == sorted(folders)
