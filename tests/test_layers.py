"""The package layout cannot drift: each layer imports only the layers below it.

Read from the source (every ``import`` and ``from ... import``, at any depth, also
inside functions), so a lazy import cannot hide a wrong dependency. The layers,
lowest first:

foundation  study.config, study.errors, study.cells, study.yamlfile, study.zipguard,
            study.xmlfile
db          study.db                       (the only SQL)
stats       study.stats                    (pure: DataFrames in and out)
admin       study.admin                    (study, organisations, accounts, audit)
capability  study.surveys, study.interviews, study.reliability, study.exchange,
            study.analysis, study.platforms (each may use the ones named in ALLOWED)
demo        study.demo
front doors study.ui (Streamlit), study.cli (typer), study.web (the survey as HTML forms:
            never streamlit)

No modules import each other in a circle, lazily or not (``KNOWN_CIRCLES``, empty since
issue 19 broke the last one, lists any still to break).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

import study

STUDY = Path(study.__file__).parent
FOUNDATION = {"config", "errors", "cells", "yamlfile", "zipguard", "xmlfile"}
#: Everything below the front doors: the staff app and the CLI may import all of it.
LIBRARY = {
    "db",
    "stats",
    "admin",
    "surveys",
    "interviews",
    "reliability",
    "exchange",
    "analysis",
    "demo",
    "platforms",
}
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
    "cli": LIBRARY,
    "ui": LIBRARY,
    # The respondent's survey as HTML forms: the survey library and the database only.
    "web": {"db", "surveys"},
}
CAPABILITIES = ["surveys", "interviews", "reliability", "exchange", "analysis", "platforms"]
#: Pure modules inside capabilities: no database, like study.stats.
PURE = [
    "study.reliability.units",
    "study.reliability.agreement",
    "study.reliability.alpha_sums",
    "study.reliability.kappa",
    "study.exchange.refiqda",
    "study.surveys.instruments",
    "study.surveys.scoring",
    "study.interviews.schemes",
    "study.interviews.transcripts.parsing",
    "study.platforms.measures",
    "study.platforms.message_frames",
    "study.platforms.measure_arrays",
    "study.platforms.reply_network",
    "study.platforms.weekly_activity",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(STUDY.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path: Path) -> list[str]:
    """The package a module's relative imports start from, as parts."""
    package = module_name(path).split(".")
    return package if path.name == "__init__.py" else package[:-1]


def absolute(node: ast.ImportFrom, package: list[str]) -> str:
    """The module a ``from ... import`` names, with a relative one made absolute."""
    if not node.level:
        return node.module or ""
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, at any depth of the file."""
    found: set[str] = set()
    package = package_of(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, package)
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
            wrong = (
                target != "foundation" if source == "foundation" else not permitted(source, target)
            )
            if wrong and f"{name} -> {target}" not in problems:
                problems.append(f"{name} -> {target}")
    return problems


def test_each_layer_imports_only_the_layers_below_it():
    assert layer_violations() == []


def test_only_ui_imports_streamlit():
    offenders = [
        module_name(p)
        for p in library_files()
        if part_of(module_name(p)) != "ui"
        and any(m == "streamlit" or m.startswith("streamlit.") for m in imported_modules(p))
    ]
    assert offenders == []


@pytest.mark.parametrize("pure", PURE)
def test_pure_modules_do_not_touch_the_database(pure):
    base = STUDY.parent / pure.replace(".", "/")
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    assert files
    for path in files:
        touched = {
            m
            for m in imported_modules(path)
            if m.startswith(("study.db", "sqlalchemy", "study.admin"))
        }
        assert touched == set(), f"{module_name(path)} imports {touched}"


def test_stats_is_pure():
    for path in sorted((STUDY / "stats").rglob("*.py")):
        touched = {
            m
            for m in imported_modules(path)
            if m.startswith(("study.", "sqlalchemy")) and part_of(m) not in ("stats", "foundation")
        }
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
    assert layer_violations() == [
        "study.db.models -> interviews",
        "study.interviews.pages -> ui",
        "study.stats.groups -> db",
    ]


# --- no import circles -------------------------------------------------------------------

#: Import circles not broken yet: each a set of modules, with a comment saying why it is
#: still here. Empty since issue 19 broke admin.accounts <-> admin.sessions and
#: reports.benchmark_data <-> benchmark_editions; a new circle is broken, not listed.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def _type_checking_block(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (
        isinstance(test, ast.Name)
        and test.id == "TYPE_CHECKING"
        or isinstance(test, ast.Attribute)
        and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports when it runs, at any depth of the file.

    Imports under ``if TYPE_CHECKING:`` never run; ``from package import submodule`` imports
    the submodule (its package is loaded first anyway, as for every module).
    """
    package = package_of(path)
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if _type_checking_block(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, package)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in modules else module)
        pending.extend(ast.iter_child_nodes(node))
    return found & modules


def import_circles() -> list[list[str]]:
    """Every group of modules that import each other in a circle (lazy imports too)."""
    paths = {module_name(p): p for p in library_files()}
    modules = set(paths) - {"study"}  # the facade names everything, lazily
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name in modules:
        graph.add_edges_from(
            (name, target) for target in runtime_imports(paths[name], modules) if target != name
        )
    return sorted(
        sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1
    )


def test_no_modules_import_each_other_in_a_circle():
    circles = [circle for circle in import_circles() if frozenset(circle) not in KNOWN_CIRCLES]
    assert circles == []


def test_every_known_circle_still_exists():
    """A circle that was broken leaves the allow-list, so it cannot come back unseen."""
    assert KNOWN_CIRCLES <= {frozenset(circle) for circle in import_circles()}


def test_the_circle_check_catches_a_lazy_circle_and_not_a_type_checking_one(tmp_path, monkeypatch):
    fake = tmp_path / "study"
    (fake / "admin").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "admin" / "__init__.py").write_text("")
    (fake / "admin" / "a.py").write_text("from study.admin import b\n")
    (fake / "admin" / "b.py").write_text("def f():\n    from study.admin.a import x\n")
    (fake / "admin" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from study.admin.d import y\n"
    )
    (fake / "admin" / "d.py").write_text("from study.admin.c import z\n")
    monkeypatch.setitem(globals(), "STUDY", fake)
    assert import_circles() == [["study.admin.a", "study.admin.b"]]


def test_every_capability_package_says_what_it_owns_and_may_import():
    for name in CAPABILITIES + ["admin", "web"]:
        doc = (STUDY / name / "__init__.py").read_text(encoding="utf-8")
        tree = ast.parse(doc)
        docstring = ast.get_docstring(tree) or ""
        assert "May import" in docstring, name


# --- migrations are frozen ---------------------------------------------------------------

MIGRATIONS = STUDY / "db" / "migrations"


@pytest.mark.parametrize(
    "path", sorted((MIGRATIONS / "versions").glob("*.py")), ids=lambda p: p.name
)
def test_no_migration_imports_study_code(path):
    """A migration does today what it did when written: it imports nothing from study."""
    imported = {m for m in imported_modules(path) if m == "study" or m.startswith("study.")}
    outside = {m for m in imported if not m.startswith("study.db.migrations")}
    assert outside == set()


ROLE_COMPARISON = re.compile(
    r"""\.role\s*(==|!=|\bnot\s+in\b|\bin\b)|"""
    r"""(==|!=|\bin\b)\s*[({\[]?\s*["'](admin|researcher|coder|practitioner)["']"""
)


def test_no_page_or_command_compares_a_role():
    """Who may do what is study.admin.permissions' alone: pages and commands ask it (issue 20)."""
    found = []
    for folder in ("ui", "cli", "web"):
        for path in sorted((STUDY / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ROLE_COMPARISON.search(line.split("#", 1)[0]):
                    found.append(f"{path.relative_to(STUDY)}:{number}: {line.strip()}")
    assert not found, "ask study.admin.permissions instead:\n" + "\n".join(found)


def test_the_role_check_finds_what_it_looks_for():
    for line in (
        'if account.role == "coder":',
        "if current_account().role in UPLOADERS:",
        'blind = role == "coder"',
        "allowed = account.role not in spec.roles",
    ):
        assert ROLE_COMPARISON.search(line), line
    assert not ROLE_COMPARISON.search('role = st.selectbox("Role", ROLES)')


def _names_bound_to_model_classes(path: Path) -> list[str]:
    """``from study.db.models import X as Y`` aliases in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{alias.name} as {alias.asname}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "study.db.models"
        for alias in node.names
        if alias.asname
    ]


def test_every_table_class_ends_in_row_and_is_imported_by_its_name():
    """One naming rule (issue 19): ``InstrumentRow`` is a stored row, ``Instrument`` the
    validated YAML model, so no file needs an import alias to tell them apart."""
    from study.db import models

    tables = [mapper.class_ for mapper in models.Base.registry.mappers]
    assert len(tables) >= 25
    assert [cls.__name__ for cls in tables if not cls.__name__.endswith("Row")] == []
    aliased = {
        f"{path.relative_to(STUDY.parent)}: {alias}"
        for root in (STUDY, STUDY.parent / "tests", STUDY.parent / "bench")
        for path in root.rglob("*.py")
        if "node_modules" not in path.parts
        for alias in _names_bound_to_model_classes(path)
    }
    assert aliased == {"tests/admin/test_permissions.py: ROLES as STORED_ROLES"}
