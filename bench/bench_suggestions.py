"""Benchmark: learned coding suggestions against the keyword suggestions they replace.

Two studies, each in a fresh SQLite file:

- **generated** (``bench/suggestion_corpus.py``, seeded): 60 interviews, half English and
  half Danish, six codes with a planted vocabulary of 25 words per language of which the
  scheme lists 3 as keywords, paraphrase and filler, hard negatives, and two coders who code
  a planted sentence with probability 0.88 and a neutral one by mistake with 0.02
  (coder-coder alpha about 0.79);
- **demo**: the demo study's schemes as shipped (10-13 coded transcripts per scheme).

For each, :func:`study.reliability.suggestions.evaluate_suggestions` cross-validates by
transcript (5 folds: the model never scores a transcript it learned from) and prints, per
code, F1 and Krippendorff's alpha between the model and the coders, beside the keyword
suggestions' and the coders' own alpha. It also times training on a 30-interview generated
study (the whole ``train_suggestions`` call: reading codings, features, classifiers,
calibration) and the suggestions for one transcript (``learned_suggestions``, median of 20).

The last line is ``speedup=<macro F1 of the learned model / macro F1 of the keywords>`` on
the generated study (target: at least 2).

Run: ``.venv/bin/python bench/bench_suggestions.py`` (``--quick``: 20 interviews, no demo).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import statistics
import sys
import tempfile
import time

from study.admin.permissions import OPERATOR
from study.db import Database, migrate
from study.interviews.learning import learned_suggestions, train_suggestions
from study.reliability.suggestions import SuggestionQuality, evaluate_suggestions

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from suggestion_corpus import build_corpus  # noqa: E402


def _fmt(value: float) -> str:
    return "  n/a" if value is None or not math.isfinite(value) else f"{value:5.2f}"


def show(title: str, quality: SuggestionQuality) -> None:
    print(
        f"\n{title}: {quality.transcripts} transcripts, {quality.units} units, {quality.folds} folds"
    )
    print(f"  {'code':<40} {'n':>4}  model F1  model α  keyword F1  keyword α  coders' α")
    for c in quality.codes:
        m = c.model
        print(
            f"  {c.name[:40]:<40} {c.positives:>4}  {_fmt(m.f1 if m else math.nan):>8}"
            f"  {_fmt(m.alpha if m else math.nan):>7}  {_fmt(c.keywords.f1):>10}"
            f"  {_fmt(c.keywords.alpha):>9}  {_fmt(c.human_alpha):>9}"
        )
    print(
        f"  macro F1: model {quality.macro_f1:.3f}, keywords {quality.keyword_macro_f1:.3f} "
        f"(ratio {quality.macro_f1 / quality.keyword_macro_f1:.2f})"
    )


def generated(folder: pathlib.Path, interviews: int) -> tuple[SuggestionQuality, Database, object]:
    database = Database(f"sqlite:///{folder}/generated-{interviews}.db")
    migrate(database)
    corpus = build_corpus(
        database, interviews=interviews, seed=2024, scheme_dir=folder / f"schemes-{interviews}"
    )
    with database.transaction() as session:
        quality = evaluate_suggestions(session, corpus.scheme_key, viewer=OPERATOR)
    return quality, database, corpus


def time_training(folder: pathlib.Path, interviews: int) -> float:
    database = Database(f"sqlite:///{folder}/train-{interviews}.db")
    migrate(database)
    corpus = build_corpus(
        database, interviews=interviews, seed=7, scheme_dir=folder / f"train-schemes-{interviews}"
    )
    with database.transaction() as session:
        train_suggestions(session, corpus.scheme_key, actor=OPERATOR)  # warm imports
        started = time.perf_counter()
        info = train_suggestions(session, corpus.scheme_key, actor=OPERATOR)
        seconds = time.perf_counter() - started
    print(
        f"\ntraining on {interviews} generated interviews ({info.codings} codings, "
        f"{info.units} training rows): {seconds:.2f} s (target < 10 s)"
    )
    database.dispose()
    return seconds


def time_suggestions(database: Database, corpus) -> float:
    transcript_id = corpus.transcript_ids[0]
    times = []
    with database.transaction() as session:
        for _ in range(20):
            started = time.perf_counter()
            found = learned_suggestions(session, transcript_id, corpus.scheme_key, viewer=OPERATOR)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"suggestions for one transcript ({len(found)} found): median {median * 1000:.0f} ms "
        f"of 20 (target < 200 ms)"
    )
    return median


def demo(folder: pathlib.Path) -> None:
    from study.demo import load_demo

    database = Database(f"sqlite:///{folder}/demo.db")
    migrate(database)
    with database.transaction() as session:
        load_demo(session)
    for scheme in ("ism-adoption-challenges", "ism-scepticism", "imc-integration"):
        with database.transaction() as session:
            show(f"demo, {scheme}", evaluate_suggestions(session, scheme, viewer=OPERATOR))
    database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 interviews, no demo")
    args = parser.parse_args()
    interviews = 20 if args.quick else 60
    with tempfile.TemporaryDirectory(prefix="bench-suggestions-") as name:
        folder = pathlib.Path(name)
        started = time.perf_counter()
        quality, database, corpus = generated(folder, interviews)
        print(f"generated study built and evaluated in {time.perf_counter() - started:.1f} s")
        show(f"generated, {interviews} interviews", quality)
        time_suggestions(database, corpus)
        database.dispose()
        time_training(folder, 30)
        if not args.quick:
            demo(folder)
    print(f"speedup={quality.macro_f1 / quality.keyword_macro_f1:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
