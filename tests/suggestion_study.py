"""A small coded study for the learned-suggestion tests: the benchmark's seeded generator.

``bench/suggestion_corpus.py`` plants each code's vocabulary in English and Danish
interviews and has two coders code them through the library; the tests use twelve of its
interviews (built once per run: the ``coded`` fixture of tests/conftest.py copies them), the
benchmark sixty.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from suggestion_corpus import CODER_EMAILS, SCHEME_KEY, Corpus, build_corpus  # noqa: E402

__all__ = ["CODER_EMAILS", "SCHEME_KEY", "Corpus", "coded_study"]


def coded_study(database, folder: Path, *, interviews: int = 12, seed: int = 5) -> Corpus:
    """Build the generated study (``interviews`` transcripts, two coders) into ``database``."""
    return build_corpus(database, interviews=interviews, seed=seed, scheme_dir=folder / "schemes")
