"""The ``>>>`` examples in the docstrings of study.stats and study.reliability run.

Collected here rather than with ``--doctest-modules``, which would also import every
helper script under ``tests/`` (one of them regenerates a reference file when run).
A failing example is reported with doctest's own account of what it got.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
from pathlib import Path

import pytest

import study.reliability
import study.stats

PACKAGES = [study.stats, study.reliability]


def docstring_examples() -> list[doctest.DocTest]:
    """Every docstring with an example, in every module of the packages."""
    found: list[doctest.DocTest] = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            found.extend(test for test in doctest.DocTestFinder().find(module) if test.examples)
    return sorted(found, key=lambda test: test.name)


EXAMPLES = docstring_examples()


def test_every_example_in_the_source_is_collected():
    """A ``>>>`` that the finder misses (a module not walked, a private name) would never run."""
    written = sum(
        line.lstrip().startswith(">>>")
        for package in PACKAGES
        for path in Path(package.__path__[0]).rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert written > 0
    assert sum(len(test.examples) for test in EXAMPLES) == written


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda test: test.name)
def test_docstring_example(example):
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(example, out=report.write, clear_globs=True)
    assert result.failed == 0, report.getvalue()
