"""A seeded, realistic coded interview study for benchmarking learned coding suggestions.

:func:`build_corpus` writes a six-code scheme, loads it, and imports ``interviews``
synthetic transcripts (half English, half Danish) into three organisations. Two
coders then code them through the library. It all goes through the library's own
functions (``load_scheme_into_db``, ``import_transcripts``, ``add_coding``), so the
stored text, turns and codings are exactly what a real study would hold.

How the text is planted:

- every code has a vocabulary of 25 words and phrases per language. The scheme's
  ``keywords`` list only 3 of them per language, so keyword suggestions
  (:mod:`study.interviews.suggestions`) find a minority of the coded sentences, as
  they do when researchers list a few keywords and interviewees paraphrase;
- interviewer turns are questions and never coded. Participant turns hold 1-4
  sentences: about 35% carry one code (2-3 vocabulary words in a template sentence
  with varied fillers), about 5% carry two codes, and the rest are neutral talk
  about meetings, projects, weather and IT systems. About 3% of those neutral
  sentences use a code's word in an unrelated sense (hard negatives);
- each coder codes each planted code with probability 0.88 (the sentence's exact
  span, sometimes without its full stop, sometimes the whole turn), and codes a
  neutral sentence with a random code with probability 0.02. The two coders'
  Krippendorff's alpha at sentence level comes out at about 0.8.

The planted truth is in :attr:`Corpus.sentences`: every participant sentence with its
offsets in the stored text and the codes planted in it.

Run ``.venv/bin/python bench/suggestion_corpus.py [--interviews N] [--seed S]`` to
build the corpus into a temporary SQLite database and print its counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import select

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.admin.studies import ensure_study
from study.db.models import OrganisationRow, TranscriptRow, TurnRow
from study.interviews.coding import add_coding, list_codes, load_scheme_into_db
from study.interviews.transcripts.store import import_transcripts

if TYPE_CHECKING:
    import study.db.engine

__all__ = [
    "CODER_EMAILS",
    "CODES",
    "Corpus",
    "SCHEME_KEY",
    "Sentence",
    "build_corpus",
    "scheme_definition",
]

SCHEME_KEY = "ism-suggestion-bench"
SCHEME_VERSION = "1.0"
CODER_EMAILS = ("coder.a@example.org", "coder.b@example.org")
ORGANISATIONS = ("Nordlys Bank", "Riverbend Logistics", "Havnegade Kommune")

# Probabilities of the generator (see the module docstring).
P_ONE_CODE = 0.35
P_TWO_CODES = 0.05
P_HARD_NEGATIVE = 0.03
P_CODER_CODES = 0.88
P_CODER_NOISE = 0.02
P_WHOLE_TURN = 0.05
P_NO_FULL_STOP = 0.10
KEYWORD_WEIGHT = 1.3  # researchers pick keywords among the words people use most
LANGUAGES = ("en", "da")


@dataclass(frozen=True)
class Sentence:
    """One participant sentence as stored: ``text[start:end]`` of its transcript.

    ``codes`` are the code keys planted in it (empty for neutral talk); ``kind`` is
    "coded", "neutral" or "hard-negative" (neutral talk using a code's word in
    another sense); ``turn`` is the (start, end) of its turn's utterance.
    """

    transcript_id: int
    start: int
    end: int
    codes: tuple[str, ...]
    kind: str
    turn: tuple[int, int]
    language: str


@dataclass(frozen=True)
class Corpus:
    """What :func:`build_corpus` stored (``sentences``: the planted truth, participant turns only)."""

    scheme_key: str
    coders: tuple[str, str]  # the two coder accounts' e-mails
    transcript_ids: tuple[int, ...]
    languages: dict[int, str]  # transcript id -> "en" | "da"
    sentences: tuple[Sentence, ...] = field(default=(), repr=False)


# -- the data: codes, templates, fillers, questions (bench/suggestion_corpus.yaml) -------
# Each vocabulary item is a noun phrase (or a gerund/infinitive phrase) that fits the
# slots of the templates. The scheme's three keywords per language are the words a
# researcher would write for the first three items (e.g. "routine" for "the daily routine").

_DATA_PATH = pathlib.Path(__file__).with_name("suggestion_corpus.yaml")


@dataclass(frozen=True)
class _CodeSpec:
    key: str
    keywords: dict[str, tuple[str, ...]]
    name: str
    colour: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    vocabulary: dict[str, tuple[str, ...]]
    hard_negatives: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        for language, keywords in self.keywords.items():
            planted = [item.casefold() for item in self.vocabulary[language][:3]]
            for keyword, item in zip(keywords, planted, strict=True):
                if keyword.casefold() not in item:
                    raise ValueError(f"{self.key}: keyword {keyword!r} is not in {item!r}")


def _tuples(by_language: dict[str, list]) -> dict[str, tuple]:
    """The YAML lists per language (or per slot) as tuples."""
    return {language: tuple(items) for language, items in by_language.items()}


def _code(spec: dict) -> _CodeSpec:
    lists = ("keywords", "vocabulary", "hard_negatives")
    return _CodeSpec(**{**spec, **{name: _tuples(spec[name]) for name in lists}})


_DATA = yaml.safe_load(_DATA_PATH.read_text(encoding="utf-8"))
CODES: tuple[_CodeSpec, ...] = tuple(_code(spec) for spec in _DATA["codes"])
_SCHEME = _DATA["scheme"]  # the scheme file's title, description and sources
# {o} opener, {s} subject, {t} tail, {a} {b} {c} words of one code, {c} {d} of a second code.
_FILLERS = {
    slot: _tuples(_DATA[name]) for slot, name in zip("ost", ("openers", "subjects", "tails"))
}
_ONE_CODE = _tuples(_DATA["one_code"])
_TWO_CODES = _tuples(_DATA["two_codes"])
_NEUTRAL = _tuples(_DATA["neutral"])
_NEUTRAL_WORDS = {language: _tuples(words) for language, words in _DATA["neutral_words"].items()}
_QUESTIONS = _tuples(_DATA["questions"])
_QUESTION_OPENERS = _tuples(_DATA["question_openers"])
_ECHO: dict[str, str] = _DATA["echo"]
_ROLES: tuple[tuple[str, float], ...] = tuple(_DATA["roles"].items())
_LABELS: dict[str, dict[str, str]] = _DATA["labels"]
_SCHEME_FIELDS = ("name", "colour", "definition", "inclusion", "exclusion")  # copied as they are


def scheme_definition() -> dict:
    """The scheme file's content (the same for every seed, so it can be loaded once)."""
    return {
        "id": SCHEME_KEY,
        "title": _SCHEME["title"],
        "version": SCHEME_VERSION,
        "description": _SCHEME["description"],
        "sources": list(_SCHEME["sources"]),
        "codes": [
            {
                "id": code.key,
                **{name: getattr(code, name) for name in _SCHEME_FIELDS},
                "examples": [code.example],
                "keywords": {language: list(code.keywords[language]) for language in LANGUAGES},
            }
            for code in CODES
        ],
    }


# -- generating text ------------------------------------------------------------------


def _capitalise(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _words(rng: random.Random, code: _CodeSpec, language: str, k: int) -> list[str]:
    """``k`` distinct vocabulary items, the keywords a little more likely than the rest."""
    vocabulary = list(code.vocabulary[language])
    weights = [KEYWORD_WEIGHT if i < 3 else 1.0 for i in range(len(vocabulary))]
    chosen: list[str] = []
    while len(chosen) < k:
        i = rng.choices(range(len(vocabulary)), weights)[0]
        chosen.append(vocabulary.pop(i))
        weights.pop(i)
    return chosen


def _fillers(rng: random.Random, language: str) -> dict[str, str]:
    return {slot: rng.choice(choices[language]) for slot, choices in _FILLERS.items()}


def _coded_sentence(
    rng: random.Random, language: str, codes: list[_CodeSpec]
) -> tuple[str, tuple[str, ...]]:
    slots = _fillers(rng, language)
    if len(codes) == 1:
        template = rng.choice(_ONE_CODE[language])
        k = 3 if "{c}" in template else 2
        slots.update(zip("abc", _words(rng, codes[0], language, k)))
    else:
        template = rng.choice(_TWO_CODES[language])
        first, second = (_words(rng, code, language, 2) for code in codes)
        slots.update(a=first[0], b=first[1], c=second[0], d=second[1])
    return _capitalise(template.format(**slots)), tuple(code.key for code in codes)


def _neutral_sentence(rng: random.Random, language: str) -> str:
    words = _NEUTRAL_WORDS[language]
    slots = _fillers(rng, language)
    slots.update({name: rng.choice(choices) for name, choices in words.items()})
    slots["system2"] = rng.choice([s for s in words["system"] if s != slots["system"]])
    return _capitalise(rng.choice(_NEUTRAL[language]).format(**slots))


def _participant_sentence(
    rng: random.Random, language: str, weights: list[float]
) -> tuple[str, tuple[str, ...], str]:
    """(sentence, planted code keys, kind)."""
    draw = rng.random()
    if draw < P_ONE_CODE:
        sentence, codes = _coded_sentence(rng, language, rng.choices(CODES, weights))
        return sentence, codes, "coded"
    if draw < P_ONE_CODE + P_TWO_CODES:
        first = rng.choices(CODES, weights)[0]
        second = rng.choice([c for c in CODES if c is not first])
        sentence, codes = _coded_sentence(rng, language, [first, second])
        return sentence, codes, "coded"
    if rng.random() < P_HARD_NEGATIVE:
        code = rng.choice(CODES)
        return rng.choice(code.hard_negatives[language]), (), "hard-negative"
    return _neutral_sentence(rng, language), (), "neutral"


def _question(rng: random.Random, language: str) -> str:
    if rng.random() < 0.15:
        code = rng.choice(CODES)
        return _ECHO[language].format(w=rng.choice(code.vocabulary[language]))
    question = rng.choice(_QUESTIONS[language])
    if rng.random() < 0.35:
        return f"{rng.choice(_QUESTION_OPENERS[language])} {question}"
    return question


@dataclass
class _Interview:
    language: str
    role: str
    text: str
    # per participant turn: [(sentence, codes, kind)]; None for interviewer turns
    turns: list[list[tuple[str, tuple[str, ...], str]] | None]


def _interview(rng: random.Random, language: str) -> _Interview:
    role = rng.choices([r for r, _ in _ROLES], [w for _, w in _ROLES])[0]
    label = _LABELS[language][role]
    weights = [rng.gammavariate(2.0, 1.0) for _ in CODES]  # each interview has its themes
    blocks: list[str] = []
    turns: list[list[tuple[str, tuple[str, ...], str]] | None] = []
    for position in range(rng.randint(20, 40)):
        if position % 2 == 0:
            blocks.append(f"Interviewer: {_question(rng, language)}")
            turns.append(None)
        else:
            count = rng.choices((1, 2, 3, 4), (0.2, 0.35, 0.3, 0.15))[0]
            sentences = [_participant_sentence(rng, language, weights) for _ in range(count)]
            blocks.append(f"{label}: " + " ".join(s for s, _, _ in sentences))
            turns.append(sentences)
    return _Interview(language, role, "\n\n".join(blocks) + "\n", turns)


# -- building the study ---------------------------------------------------------------


def _turns(session, transcript_id: int) -> list[TurnRow]:
    query = select(TurnRow).where(TurnRow.transcript_id == transcript_id)
    return list(session.scalars(query.order_by(TurnRow.position)))


def _locate(session, transcript_id: int, interview: _Interview, language: str) -> list[Sentence]:
    """Find every participant sentence in the stored text (offsets from the stored turns)."""
    text = session.get(TranscriptRow, transcript_id).text
    stored = _turns(session, transcript_id)
    if len(stored) != len(interview.turns):
        raise RuntimeError(
            f"transcript {transcript_id}: {len(stored)} turns stored, {len(interview.turns)} made"
        )
    sentences: list[Sentence] = []
    for turn, planted in zip(stored, interview.turns):
        if planted is None:
            continue
        cursor = turn.start
        for sentence, codes, kind in planted:
            start = text.find(sentence, cursor, turn.end)
            if start < 0:
                raise RuntimeError(f"transcript {transcript_id}: {sentence!r} not found")
            end = start + len(sentence)
            span = (turn.start, turn.end)
            sentences.append(Sentence(transcript_id, start, end, codes, kind, span, language))
            cursor = end
    return sentences


def _codings(
    rng: random.Random, sentences: list[Sentence], code_keys: list[str]
) -> list[tuple[int, int, int, str, int]]:
    """(coder index, transcript id, start, end, code key) of both coders, duplicates removed."""
    made: dict[tuple[int, int, int, int, str], None] = {}
    for coder in (0, 1):
        for sentence in sentences:
            if sentence.codes:
                for code in sentence.codes:
                    if rng.random() >= P_CODER_CODES:
                        continue
                    start, end = sentence.start, sentence.end
                    draw = rng.random()
                    if draw < P_WHOLE_TURN:
                        start, end = sentence.turn
                    elif draw < P_WHOLE_TURN + P_NO_FULL_STOP:
                        end -= 1
                    made[(coder, sentence.transcript_id, start, end, code)] = None
            elif rng.random() < P_CODER_NOISE:
                code = rng.choice(code_keys)
                made[(coder, sentence.transcript_id, sentence.start, sentence.end, code)] = None
    return list(made)


def build_corpus(
    database: study.db.engine.Database,
    *,
    interviews: int = 60,
    seed: int = 2024,
    scheme_dir: pathlib.Path,
) -> Corpus:
    """Build the synthetic coded study in ``database`` (migrated, empty of this scheme's study).

    Writes ``<scheme_dir>/ism-suggestion-bench.yaml``, loads it, adds three
    organisations, the coders ``coder.a@example.org`` and ``coder.b@example.org``
    (role "coder") and ``interviews`` transcripts (even positions English, odd
    Danish), then both coders' codings. Seeded: the same seed gives the same corpus.
    """
    if interviews < 1:
        raise ValueError("interviews must be at least 1")
    rng = random.Random(seed)
    scheme_dir = pathlib.Path(scheme_dir)
    scheme_dir.mkdir(parents=True, exist_ok=True)
    scheme_path = scheme_dir / f"{SCHEME_KEY}.yaml"
    scheme_path.write_text(
        "# Generated by bench/suggestion_corpus.py; edit the generator, not this file.\n"
        + yaml.safe_dump(scheme_definition(), allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )
    made = [_interview(rng, LANGUAGES[i % 2]) for i in range(interviews)]

    with database.transaction() as session:
        ensure_study(session)
        existing = set(session.scalars(select(OrganisationRow.name)))
        for name in ORGANISATIONS:
            if name not in existing:
                add_organisation(session, name, actor=OPERATOR)
        coders = [
            add_account(
                session,
                email,
                role="coder",
                password=None,
                display_name=f"Coder {letter}",
                actor=OPERATOR,
            )
            for email, letter in zip(CODER_EMAILS, "AB")
        ]
        scheme = load_scheme_into_db(session, scheme_path, actor=OPERATOR)
        code_ids = {c.key: c.id for c in list_codes(session, scheme.id, viewer=OPERATOR)}

        transcript_ids: list[int] = []
        languages: dict[int, str] = {}
        sentences: list[Sentence] = []
        start_date = dt.date(2023, 1, 9)
        for index, interview in enumerate(made):
            (info,) = import_transcripts(
                session,
                [(interview.text.encode("utf-8"), f"interview-{index + 1:03d}.txt")],
                organisation=ORGANISATIONS[index % len(ORGANISATIONS)],
                role=interview.role,
                language=interview.language,
                interview_date=start_date + dt.timedelta(days=rng.randrange(300)),
                name=f"Interview {index + 1:03d} ({interview.language})",
                actor=OPERATOR,
            )
            transcript_ids.append(info.id)
            languages[info.id] = interview.language
            found = _locate(session, info.id, interview, interview.language)
            sentences.extend(found)

        for coder, transcript_id, start, end, code in _codings(rng, sentences, list(code_ids)):
            add_coding(
                session,
                transcript_id=transcript_id,
                start=start,
                end=end,
                code_id=code_ids[code],
                coder_id=coders[coder].id,
                actor=coders[coder],
            )
    return Corpus(
        scheme_key=SCHEME_KEY,
        coders=CODER_EMAILS,
        transcript_ids=tuple(transcript_ids),
        languages=languages,
        sentences=tuple(sentences),
    )


# -- the counts printed by `python bench/suggestion_corpus.py` --------------------------


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def report(database: study.db.engine.Database, corpus: Corpus, scheme_dir: pathlib.Path) -> None:
    """Print transcripts per language, codings per coder and code, keyword hits and agreement."""
    from study.interviews.coding import list_codings
    from study.interviews.schemes import load_scheme
    from study.interviews.suggestions import suggest_passages
    from study.reliability.report import transcript_units
    from study.reliability.units import OVERALL, agreement_table, sentence_spans

    scheme = load_scheme(scheme_dir / f"{SCHEME_KEY}.yaml")
    keys = [code.key for code in CODES]
    by_language = Counter(corpus.languages.values())
    print(
        f"transcripts: {len(corpus.transcript_ids)} ({by_language['en']} en, {by_language['da']} da)"
    )

    with database.transaction() as session:
        codings = list_codings(session, scheme=corpus.scheme_key, viewer=OPERATOR)
        texts: dict[int, str] = {}
        turns: dict[int, list[TurnRow]] = {}
        for transcript_id in corpus.transcript_ids:
            texts[transcript_id] = session.get(TranscriptRow, transcript_id).text
            turns[transcript_id] = _turns(session, transcript_id)
        units = transcript_units(session, list(corpus.transcript_ids))

    sentences = corpus.sentences
    kinds = Counter(s.kind for s in sentences)
    two = sum(len(s.codes) == 2 for s in sentences)
    print(
        f"participant sentences: {len(sentences)} ({kinds['coded']} coded, {two} of them with "
        f"two codes; {kinds['neutral']} neutral; {kinds['hard-negative']} hard negatives); "
        f"turns: {sum(len(t) for t in turns.values())}; "
        f"characters: {sum(len(t) for t in texts.values()):,}"
    )
    punkt = {
        (tid, start, end)
        for tid in corpus.transcript_ids
        for turn in turns[tid]
        for start, end in (
            (turn.start + a, turn.start + b)
            for a, b in sentence_spans(texts[tid][turn.start : turn.end])
        )
    }
    aligned = sum((s.transcript_id, s.start, s.end) in punkt for s in sentences)
    print(f"planted sentences that are exactly one Punkt sentence: {aligned}/{len(sentences)}")

    print("\ncodings per coder and code:")
    table = codings.pivot_table(
        index="code", columns="coder", values="id", aggfunc="count", fill_value=0
    ).reindex(keys, fill_value=0)
    planted = Counter(code for s in sentences for code in s.codes)
    print(f"  {'code':26} {'planted':>8} " + " ".join(f"{c:>20}" for c in corpus.coders))
    for key in keys:
        row = " ".join(f"{int(table.loc[key].get(c, 0)):>20}" for c in corpus.coders)
        print(f"  {key:26} {planted[key]:>8} {row}")
    totals = " ".join(f"{int((codings['coder'] == c).sum()):>20}" for c in corpus.coders)
    print(f"  {'total':26} {sum(planted.values()):>8} {totals}")

    # Keyword suggestions on participant turns, as the workbench makes them.
    suggestions: dict[int, list] = {}
    for tid in corpus.transcript_ids:
        suggestions[tid] = suggest_passages(
            texts[tid],
            turns[tid],
            scheme,
            language=corpus.languages[tid],
            exclude_speakers={"Interviewer"},
        )
    own = any_kw = 0
    by_code_hits: Counter[str] = Counter()
    for s in sentences:
        if not s.codes:
            continue
        hits = {
            g.code_id
            for g in suggestions[s.transcript_id]
            if _overlaps(g.start, g.end, s.start, s.end)
        }
        any_kw += bool(hits)
        own += bool(hits & set(s.codes))
        for code in s.codes:
            by_code_hits[code] += code in hits
    coded = kinds["coded"]
    print(
        f"\ncode-bearing sentences with a keyword of one of their own codes: {own}/{coded} "
        f"({own / coded:.1%}); with any scheme keyword: {any_kw}/{coded} ({any_kw / coded:.1%})"
    )
    print(
        "  per code (planted occurrences found by a keyword of that code): "
        + ", ".join(f"{k} {by_code_hits[k] / planted[k]:.0%}" for k in keys)
    )
    truth = {(s.transcript_id, s.start, s.end): set(s.codes) for s in sentences}
    spans = {(s.transcript_id, s.start, s.end) for s in sentences}
    all_suggestions = [(tid, g) for tid, found in suggestions.items() for g in found]
    correct = sum(
        (tid, g.start, g.end) in spans and g.code_id in truth[(tid, g.start, g.end)]
        for tid, g in all_suggestions
    )
    print(
        f"keyword suggestions: {len(all_suggestions)}, of which on a sentence planted with that "
        f"code: {correct} (precision {correct / max(len(all_suggestions), 1):.1%})"
    )

    # Sentence-level agreement over participant sentences: a coder gives a sentence
    # every code of their codings that overlap it.
    given: dict[str, dict[tuple[int, int, int], set[str]]] = {c: {} for c in corpus.coders}
    by_transcript: dict[int, list[Sentence]] = {}
    for s in sentences:
        by_transcript.setdefault(s.transcript_id, []).append(s)
    for row in codings.itertuples(index=False):
        for s in by_transcript.get(int(row.transcript_id), ()):
            if _overlaps(int(row.start), int(row.end), s.start, s.end):
                given[row.coder].setdefault((s.transcript_id, s.start, s.end), set()).add(row.code)
    a, b = corpus.coders
    same = sum(given[a].get(k, set()) == given[b].get(k, set()) for k in spans)
    print(
        f"\npercent agreement at sentence level (participant sentences, same set of codes): "
        f"{same}/{len(spans)} = {same / len(spans):.1%}"
    )
    result = agreement_table(codings, units, unit="sentence").table
    alphas = ", ".join(f"{r.code} {r.alpha:.2f}" for r in result.itertuples() if r.code != OVERALL)
    pooled = result[result["code"] == OVERALL].iloc[0]
    print(
        f"library agreement_table, unit=sentence (whole transcripts, Punkt sentences): "
        f"pooled alpha {pooled.alpha:.3f}, percent agreement {pooled.percent_agreement:.1%}"
    )
    print(f"  alpha per code: {alphas}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    from study.db import Database, migrate

    with tempfile.TemporaryDirectory(prefix="suggestion-corpus-") as folder:
        database = Database(f"sqlite:///{folder}/corpus.db")
        migrate(database)
        began = time.perf_counter()
        corpus = build_corpus(
            database,
            interviews=args.interviews,
            seed=args.seed,
            scheme_dir=pathlib.Path(folder) / "schemes",
        )
        elapsed = time.perf_counter() - began
        print(f"built {args.interviews} interviews (seed {args.seed}) in {elapsed:.1f} s\n")
        report(database, corpus, pathlib.Path(folder) / "schemes")
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
