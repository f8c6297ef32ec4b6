"""Suggest passages to code: sentences whose words match a code's keywords.

A coder still decides; suggestions only point at sentences worth reading
with a code in mind. Words and keywords are compared after Snowball stemming
("ledelsen" and "ledelse" share the stem "led"; "routines" and "routine" share
"routin"), and a keyword of several words matches the same stems in sequence.
Sentences come from NLTK's Punkt tokenizer used untrained (no corpus
download) with a short list of English and Danish abbreviations, and never
cross a speaker turn.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from study.errors import InvalidInput
from study.interviews.schemes import CodingScheme

if TYPE_CHECKING:
    from nltk.stem.snowball import SnowballStemmer
    from nltk.tokenize.punkt import PunktSentenceTokenizer

__all__ = ["LANGUAGES", "Suggestion", "sentences_in", "suggest_passages"]

#: Languages with a stemmer and keyword lists: code -> Snowball stemmer name.
LANGUAGES = {"en": "english", "da": "danish"}
_WORD = re.compile(r"\w+")
# Abbreviations (lower case, without the final dot) that do not end a sentence.
_ABBREVIATIONS = frozenset(
    {
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "no",
        "approx",
        "dept",
        "inc",
        "f.eks",
        "bl.a",
        "dvs",
        "osv",
        "mht",
        "ca",
        "kl",
        "evt",
        "nr",
        "jf",
        "pga",
        "hhv",
        "ang",
    }
)


class _Span(Protocol):
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A sentence that may deserve ``code_id``, because ``keyword`` matched in it.

    ``start``/``end`` are code-point offsets of the sentence in the transcript
    text (``text[start:end] == sentence``); ``keyword_start``/``keyword_end``
    those of the matched words, for highlighting.
    """

    code_id: str
    start: int
    end: int
    keyword: str
    sentence: str
    keyword_start: int
    keyword_end: int


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    # nltk takes seconds to import; load it on first use, not with the package.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    parameters = PunktParameters()
    parameters.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters)


@lru_cache(maxsize=len(LANGUAGES))
def _stemmer(language: str) -> SnowballStemmer:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(LANGUAGES[language])


def _check_language(language: str) -> str:
    code = {"english": "en", "danish": "da"}.get(str(language).lower(), str(language).lower())
    if code not in LANGUAGES:
        raise InvalidInput(
            f"Keyword suggestions work in English ('en') or Danish ('da'), not {language!r}."
        )
    return code


def sentences_in(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return sentence spans (absolute offsets) inside each of ``spans``, never crossing one."""
    tokenizer = _sentence_tokenizer()
    found = []
    for start, end in spans:
        found.extend((start + a, start + b) for a, b in tokenizer.span_tokenize(text[start:end]))
    return found


def suggest_passages(
    text: str,
    turns: Sequence[_Span],
    scheme: CodingScheme,
    *,
    language: str,
    exclude_speakers: Collection[str] = (),
) -> list[Suggestion]:
    """Return one suggestion per (sentence, code) whose stemmed words contain a code keyword.

    Parameters
    ----------
    text : str
        The transcript text (as stored: ``ParsedTranscript.text``).
    turns : sequence of Turn
        Speaker turns; only text inside turns is searched, so "Speaker:"
        labels never match. If empty, the whole text is searched.
    scheme : CodingScheme
        Codes and their keywords.
    language : str
        "en" or "da": which keyword list and stemmer to use.
    exclude_speakers : collection of str
        Speakers whose turns are skipped (e.g. {"Interviewer"}).

    Returns
    -------
    list of Suggestion
        Ordered by sentence position, then by the code's order in the scheme.
        When several keywords of one code match a sentence, the earliest match
        is reported (the longer keyword on a tie).
    """
    language = _check_language(language)
    stem = _stemmer(language).stem
    stems: dict[str, str] = {}

    def stemmed(word: str) -> str:
        word = word.casefold()
        if word not in stems:
            stems[word] = stem(word)
        return stems[word]

    # first stem -> [(code position, keyword, stem sequence)]
    index: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
    code_ids = [code.id for code in scheme.codes]
    for position, code in enumerate(scheme.codes):
        for keyword in code.keywords.get(language, []):
            sequence = tuple(stemmed(w) for w in _WORD.findall(keyword))
            if sequence:
                index.setdefault(sequence[0], []).append((position, keyword, sequence))

    excluded = set(exclude_speakers)
    spans = [(t.start, t.end) for t in turns if getattr(t, "speaker", None) not in excluded]
    if not turns:
        spans = [(0, len(text))]
    suggestions: list[Suggestion] = []
    for start, end in sentences_in(text, spans):
        sentence = text[start:end]
        tokens = [(m.start(), m.end(), stemmed(m.group())) for m in _WORD.finditer(sentence)]
        best: dict[int, tuple[int, int, int, str]] = {}  # code -> (tok start, -len, end, keyword)
        token_stems = [t[2] for t in tokens]
        for i, (token_start, _, token_stem) in enumerate(tokens):
            for position, keyword, sequence in index.get(token_stem, ()):
                n = len(sequence)
                if tuple(token_stems[i : i + n]) != sequence:
                    continue
                candidate = (token_start, -n, tokens[i + n - 1][1], keyword)
                if position not in best or candidate[:2] < best[position][:2]:
                    best[position] = candidate
        for position in sorted(best):
            token_start, _, token_end, keyword = best[position]
            suggestions.append(
                Suggestion(
                    code_ids[position],
                    start,
                    end,
                    keyword,
                    sentence,
                    start + token_start,
                    start + token_end,
                )
            )
    return suggestions
