"""Guess whether a transcript is in English or Danish from its most common words.

Function words differ sharply between the two languages, so counting a short
list of them is enough to pick the stemmer and the keyword list, without any
trained model or downloaded corpus.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["detect_language"]

_FUNCTION_WORDS = {
    "en": frozenset(
        {
            "the",
            "and",
            "is",
            "are",
            "was",
            "were",
            "of",
            "to",
            "in",
            "that",
            "it",
            "you",
            "we",
            "they",
            "have",
            "has",
            "with",
            "for",
            "not",
            "but",
            "what",
            "this",
            "on",
            "be",
            "do",
            "so",
            "there",
            "about",
            "would",
            "people",
            "because",
            "our",
            "can",
        }
    ),
    "da": frozenset(
        {
            "og",
            "er",
            "det",
            "at",
            "en",
            "et",
            "den",
            "til",
            "på",
            "som",
            "med",
            "har",
            "ikke",
            "jeg",
            "vi",
            "de",
            "der",
            "af",
            "men",
            "hvad",
            "så",
            "man",
            "var",
            "kan",
            "om",
            "også",
            "noget",
            "meget",
            "fordi",
            "bare",
            "sådan",
            "hvordan",
            "jo",
        }
    ),
}
_WORD = re.compile(r"[^\W\d_]+")
_MIN_HITS = 5


def detect_language(text: str) -> str | None:
    """Return "en" or "da" for the language whose function words dominate ``text``.

    Returns ``None`` when fewer than five function words are found or neither
    language has at least twice the hits of the other.
    """
    words = Counter(word.casefold() for word in _WORD.findall(text))
    hits = {
        language: sum(words[w] for w in vocabulary)
        for language, vocabulary in _FUNCTION_WORDS.items()
    }
    (best, best_hits), (_, second_hits) = sorted(hits.items(), key=lambda kv: -kv[1])
    if best_hits < _MIN_HITS or best_hits < 2 * second_hits:
        return None
    return best
