"""The package layout cannot drift: each layer imports only the layers below it.

Read from the source (every ``import`` and ``from ... import``, at any depth, also
inside functions), so a lazy import cannot hide a wrong dependency. The layers,
lowest first:

foundation  study.config, study.errors, study.cells, study.yamlfile, study.zipguard
db          study.db                       (the only SQL)
stats       study.stats                    (pure: DataFrames in and out)
admin       study.admin                    (study, organisations, accounts, audit)
capability  study.surveys, study.interviews, study.reliability, study.exchange,
            study.analysis, study.platforms (each may use the ones named in ALLOWED)
demo        study.demo
front doors study.ui (Streamlit), study.cli (typer)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import study

STUDY = Path(study.__file__).parent
FOUNDATION = {"config", "errors", "cells", "yamlfile", "zipguard"}
#: What each part of ``study`` may import (besides itself and the foundation).
ALLOWED: dict[str, set[str]] = {
    "db": set(),
    "stats": set(),
    "admin": {"db"},
    "surveys": {"db", "stats", "admin"},
    "interviews": {"db", "stats", "admin", "surveys.instruments"},
    "reliability": {"db", "stats", "admin", "interviews"},
    "exchange": {"db", "admin", "interviews"},
    "platforms": {"db", "admin", "interviews"},
    "analysis": {"db", "stats", "admin", "surveys", "interviews", "reliability", "platforms"},
    "demo": {"db", "admin", "surveys", "interviews", "platforms"},
    "cli": {"db", "stats", "admin", "surveys", "interviews", "reliability", "exchange",
            "analysis", "demo", "platforms"},
    "ui": {"db", "stats", "admin", "surveys", "interviews", "reliability", "exchange",
           "analysis", "demo", "platforms"},
}
CAPABILITIES = ["surveys", "interviews", "reliability", "exchange", "analysis", "platforms"]
#: Pure modules inside capabilities: no database, like study.stats.
PURE = ["study.reliability.units", "study.reliability.agreement", "study.reliability.kappa",
        "study.exchange.refiqda", "study.surveys.instruments", "study.surveys.scoring",
        "study.interviews.schemes", "study.interviews.transcripts.parsing",
        "study.platforms.measures"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(STUDY.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, at any depth of the file."""
    found: set[str] = set()
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # "from study import interviews" imports the submodule study.interviews
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def library_files() -> list[Path]:
    return sorted(p for p in STUDY.rglob("*.py") if "migrations" not in p.parts)


def part_of(module: str) -> str | None:
    """The layer key of a ``study`` module: 'db', 'surveys', 'surveys.instruments', ..."""
    parts = module.split(".")
    if parts[0] != "study" or len(parts) == 1:
        return None
    if parts[1] in FOUNDATION:
        return "foundation"
    if parts[1:3] == ["surveys", "instruments"]:
        return "surveys.instruments"
    return parts[1]


def permitted(source: str, target: str) -> bool:
    if target in ("foundation", source) or source == "foundation" and target == "foundation":
        return True
    if source == "surveys.instruments":
        return target == "surveys.instruments" or target in ALLOWED["surveys"] - {"db"}
    if target == "surveys.instruments":
        return source == "surveys" or {"surveys", "surveys.instruments"} & ALLOWED[source] != set()
    return target in ALLOWED.get(source, set())


def layer_violations() -> list[str]:
    """Each wrong dependency once, as 'study.module -> layer'."""
    problems: list[str] = []
    for path in library_files():
        name = module_name(path)
        if name == "study":
            continue  # the public facade names everything, lazily
        source = part_of(name)
        for imported in sorted(imported_modules(path)):
            target = part_of(imported)
            if target is None or imported == "study":
                continue
            wrong = (target != "foundation" if source == "foundation"
                     else not permitted(source, target))
            if wrong and f"{name} -> {target}" not in problems:
                problems.append(f"{name} -> {target}")
    return problems


def test_each_layer_imports_only_the_layers_below_it():
    assert layer_violations() == []


def test_only_ui_imports_streamlit():
    offenders = [module_name(p) for p in library_files()
                 if part_of(module_name(p)) != "ui"
                 and any(m == "streamlit" or m.startswith("streamlit.")
                         for m in imported_modules(p))]
    assert offenders == []


@pytest.mark.parametrize("pure", PURE)
def test_pure_modules_do_not_touch_the_database(pure):
    base = STUDY.parent / pure.replace(".", "/")
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    assert files
    for path in files:
        touched = {m for m in imported_modules(path)
                   if m.startswith(("study.db", "sqlalchemy", "study.admin"))}
        assert touched == set(), f"{module_name(path)} imports {touched}"


def test_stats_is_pure():
    for path in sorted((STUDY / "stats").rglob("*.py")):
        touched = {m for m in imported_modules(path)
                   if m.startswith(("study.", "sqlalchemy")) and part_of(m) not in
                   ("stats", "foundation")}
        assert touched == set(), f"{module_name(path)} imports {touched}"


def test_the_check_catches_a_wrong_import(tmp_path, monkeypatch):
    """A db module importing a capability, and stats importing db, are both caught."""
    fake = tmp_path / "study"
    for folder in ("db", "stats", "interviews"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "db" / "models.py").write_text("from study.interviews.search import x\n")
    (fake / "stats" / "groups.py").write_text("def f():\n    import study.db.engine\n")
    (fake / "interviews" / "pages.py").write_text("from study.ui import state\n")
    monkeypatch.setitem(globals(), "STUDY", fake)
    assert layer_violations() == ["study.db.models -> interviews", "study.interviews.pages -> ui",
                                  "study.stats.groups -> db"]


def test_every_capability_package_says_what_it_owns_and_may_import():
    for name in CAPABILITIES + ["admin"]:
        doc = (STUDY / name / "__init__.py").read_text(encoding="utf-8")
        tree = ast.parse(doc)
        docstring = ast.get_docstring(tree) or ""
        assert "May import" in docstring, name


# --- migrations are frozen ---------------------------------------------------------------

MIGRATIONS = STUDY / "db" / "migrations"


@pytest.mark.parametrize("path", sorted((MIGRATIONS / "versions").glob("*.py")),
                         ids=lambda p: p.name)
def test_no_migration_imports_study_code(path):
    """A migration does today what it did when written: it imports nothing from study."""
    imported = {m for m in imported_modules(path) if m == "study" or m.startswith("study.")}
    outside = {m for m in imported if not m.startswith("study.db.migrations")}
    assert outside == set()
