"""Full-text search over interview turns, with the same results on SQLite and PostgreSQL.

Query language
--------------
* ``network manager`` - every word must occur in the same turn (AND);
* ``"daily routine"`` - a phrase: the words next to each other, in order;
* ``engag*`` - a prefix (engage, engaged, engagement); also inside phrases;
* a word written with punctuation (``self-censorship``, ``don't``) is a phrase
  of its parts, so it also finds "self censorship".

Words are letters and digits (any script); case does not matter and Danish
letters stay distinct (``ø`` is not ``o``); there is no stemming and there are
no stop words. Anything else a user types (``AND``, ``-``, ``:``, brackets)
is ordinary text, never query syntax.

How both backends give the same answer
--------------------------------------
Python tokenises (``word_spans``) the text and the query once, the same way
for both databases, and hands the database ready-made terms:

* SQLite: an FTS5 table ``turn_search`` holds each turn's casefolded words
  joined by single spaces, so FTS5's ``unicode61`` tokenizer (diacritics kept)
  sees exactly our words. Raw text would not do: SQLite's Unicode 6.1 tables
  treat later characters, emoji like 🤔 among them, as letters.
* PostgreSQL: a table ``turn_search`` holds a ``tsvector`` written from the
  same words (tsvector input syntax, taken literally), with a GIN index.
  PostgreSQL's own parser (``to_tsvector``) is not used because it reads URLs,
  e-mail addresses and decimals as single tokens and depends on the server's
  locale for non-ASCII letters. Word positions make phrase operators work;
  a tsvector keeps at most 256 positions per word and none past 16,383, so a
  turn too long for that is stored without positions plus a marker lexeme,
  and a phrase also accepts marked turns having all its words.

The database only narrows the turns down; every candidate turn is then
matched in Python (phrases, prefixes) to produce the hits, so the database
may over-match but never decides a hit. Rows are keyed by
``transcript_id << 24 | turn position``, which makes key order the ranking
order (transcript, then position in it), and keep a copy of the turn's text,
so hits need not slice the (long) transcript text.

The index is written by :func:`index_turns` (called by
:func:`study.interviews.transcripts.store.import_transcript`); turns never change, so
rows are only added on import and removed when their turn is deleted (a
trigger on SQLite, a foreign key ``ON DELETE CASCADE`` on PostgreSQL).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.db.models import INTERVIEWEE_ROLES
from study.errors import InvalidInput

__all__ = [
    "SearchHit",
    "SearchQuery",
    "index_turns",
    "parse_query",
    "search_transcripts",
    "word_spans",
]

#: Bits of the row key that hold the turn's position within its transcript.
POSITION_BITS = 24
MAX_TURNS_PER_TRANSCRIPT = 1 << POSITION_BITS
#: Characters of left and right context shown around a match.
CONTEXT_CHARS = 60
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 20
MAX_LIMIT = 10_000
#: PostgreSQL refuses lexemes over 2,046 bytes; longer words are cut (and queried as prefixes).
MAX_LEXEME_CHARS = 200
#: A tsvector keeps positions up to 16,383 and at most 256 per lexeme.
MAX_TS_POSITION = 16_383
MAX_TS_POSITIONS_PER_LEXEME = 256
#: Marks a turn stored without positions (too long for them); no word can contain "_".
UNPOSITIONED = "_unpositioned_"


def search_key(transcript_id: int, position: int) -> int:
    """Return the index row key of a turn; its order is (transcript, position)."""
    return (transcript_id << POSITION_BITS) + position


# --- words -----------------------------------------------------------------------------------


@functools.cache
def _mark_set() -> frozenset[str]:
    """The combining marks (Unicode category M*)."""
    return frozenset(
        chr(code)
        for code in (*range(0x20000), *range(0xE0000, 0xE0200))
        if unicodedata.category(chr(code)).startswith("M")
    )


@functools.cache
def _marks() -> str:
    """The combining marks as the inside of a regex character class (ranges)."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(map(ord, _mark_set())):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


@functools.cache
def _word_pattern() -> re.Pattern[str]:
    """Letters and digits of any script, plus combining marks after the first character."""
    # Underscores are \w in Python but separators for us; callers blank them out first.
    return re.compile(rf"\w[\w{_marks()}]*")


def _has_marks(text_: str) -> bool:
    return not text_.isascii() and not _mark_set().isdisjoint(text_)


def word_spans(text_: str) -> list[tuple[str, int, int]]:
    """Return the words of ``text_`` as (casefolded word, start, end) in code points.

    >>> word_spans("Selv-censur på ISM 🤔!")
    [('selv', 0, 4), ('censur', 5, 11), ('på', 12, 14), ('ism', 15, 18)]
    """
    return [
        (m.group().casefold(), m.start(), m.end())
        for m in _word_pattern().finditer(text_.replace("_", " "))
    ]


def index_words(text_: str) -> list[str]:
    """Return the casefolded words of ``text_`` (fast path for indexing)."""
    # casefold works character by character, so folding the joined string is the same
    # as folding each word, and much faster.
    words = _word_pattern().findall(text_.replace("_", " "))
    return " ".join(words).casefold().split(" ") if words else []


# --- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One query word; ``prefix`` matches every word starting with it."""

    word: str
    prefix: bool = False

    def matches(self, word: str) -> bool:
        """True if the (casefolded) text word ``word`` satisfies this term."""
        return word.startswith(self.word) if self.prefix else word == self.word


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: clauses that must all match; a clause is a run of consecutive terms."""

    clauses: tuple[tuple[Term, ...], ...]

    def fts5(self) -> str:
        """The SQLite FTS5 MATCH expression (every word quoted, so nothing is syntax)."""

        def term(t: Term) -> str:
            return '"' + t.word.replace('"', '""') + '"' + (" *" if t.prefix else "")

        return " AND ".join(" + ".join(term(t) for t in clause) for clause in self.clauses)

    def tsquery(self) -> str:
        """The PostgreSQL tsquery; a phrase also matches, as AND, turns stored unpositioned."""

        def term(t: Term) -> str:
            prefix = t.prefix or len(t.word) > MAX_LEXEME_CHARS
            return _ts_quote(t.word) + (":*" if prefix else "")

        def clause(terms: tuple[Term, ...]) -> str:
            if len(terms) == 1:
                return term(terms[0])
            words = [term(t) for t in terms]
            return f"(({' <-> '.join(words)}) | ({' & '.join(words)} & {_ts_quote(UNPOSITIONED)}))"

        return " & ".join(clause(terms) for terms in self.clauses)

    @functools.cached_property
    def _clause_patterns(self) -> list[re.Pattern[str]]:
        # A lookahead finds overlapping occurrences too ("ha ha" twice in "ha ha ha").
        def term(t: Term) -> str:
            return re.escape(t.word) + (r"\w*" if t.prefix else r"(?!\w)")

        return [
            re.compile(r"(?<!\w)(?=(" + r"\W+".join(term(t) for t in clause) + "))")
            for clause in self.clauses
        ]

    def spans(self, body: str) -> list[tuple[int, int]]:
        """Every occurrence of any clause in ``body``, if all clauses occur; else []."""
        folded = body.casefold()
        if len(folded) != len(body) or _has_marks(body):
            return self._spans_of_words(body)
        # Without combining marks a word is a run of \w, and casefolding that kept the length
        # kept every character in place, so regular expressions on the folded text find
        # exactly what comparing words would (and much faster).
        folded = folded.replace("_", " ")
        found: set[tuple[int, int]] = set()
        for pattern in self._clause_patterns:
            occurrences = [m.span(1) for m in pattern.finditer(folded)]
            if not occurrences:
                return []
            found.update(occurrences)
        return sorted(found)

    def _spans_of_words(self, body: str) -> list[tuple[int, int]]:
        """:meth:`spans` by comparing words one by one (any text)."""
        words = word_spans(body)
        found: set[tuple[int, int]] = set()
        for clause in self.clauses:
            size = len(clause)
            occurrences = [
                (words[i][1], words[i + size - 1][2])
                for i in range(len(words) - size + 1)
                if all(t.matches(words[i + k][0]) for k, t in enumerate(clause))
            ]
            if not occurrences:
                return []
            found.update(occurrences)
        return sorted(found)


def parse_query(query: str) -> SearchQuery:
    """Parse a user's query (see the module docstring) into a :class:`SearchQuery`.

    >>> parse_query('network "daily rout*" self-censorship').clauses[1]
    (Term(word='daily', prefix=False), Term(word='rout', prefix=True))
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("Type one or more words to search for.")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"A search may be at most {MAX_QUERY_CHARS} characters long.")
    query = unicodedata.normalize("NFC", query)
    clauses: list[tuple[Term, ...]] = []
    # Splitting on '"' puts quoted parts at odd indexes; an unclosed quote runs to the end.
    for index, part in enumerate(query.split('"')):
        chunks = [part] if index % 2 else part.split()
        for chunk in chunks:
            cleaned = chunk.replace("_", " ")
            terms = tuple(
                Term(m.group().casefold(), cleaned[m.end() : m.end() + 1] == "*")
                for m in _word_pattern().finditer(cleaned)
            )
            if terms and terms not in clauses:
                clauses.append(terms)
    if not clauses:
        raise InvalidInput("The search has no words in it; type letters or digits to search for.")
    if sum(len(clause) for clause in clauses) > MAX_QUERY_TERMS:
        raise InvalidInput(f"A search may have at most {MAX_QUERY_TERMS} words.")
    return SearchQuery(tuple(clauses))


# --- the index -------------------------------------------------------------------------------


def _ts_quote(word: str) -> str:
    """A lexeme quoted for tsvector/tsquery input (taken literally: no parser, no dictionary)."""
    return "'" + word[:MAX_LEXEME_CHARS].replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(words: Sequence[str]) -> str:
    """tsvector input for a turn's words, with word positions when PostgreSQL can keep them all."""
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words, start=1):
        positions.setdefault(word[:MAX_LEXEME_CHARS], []).append(position)
    if len(words) <= MAX_TS_POSITION and all(
        len(p) <= MAX_TS_POSITIONS_PER_LEXEME for p in positions.values()
    ):
        return " ".join(
            f"{_ts_quote(word)}:{','.join(map(str, p))}" for word, p in positions.items()
        )
    # Phrase operators never match a lexeme without positions, so such turns carry a
    # marker that the phrase part of a query accepts instead (Python checks the phrase).
    return " ".join(_ts_quote(word) for word in [*positions, UNPOSITIONED])


def _dialect(executor: Session | Connection) -> str:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return bind.dialect.name


#: Per backend: the column holding a row's search key, and the statement adding a row.
_INDEX_STATEMENTS = {
    "postgresql": (
        "key",
        "INSERT INTO turn_search (key, turn_id, body, document) VALUES "
        "(:key, :turn_id, :body, CAST(:document AS tsvector))",
    ),
    "sqlite": (
        "rowid",
        "INSERT INTO turn_search (rowid, words, body, turn_id) "
        "VALUES (:key, :words, :body, :turn_id)",
    ),
}


def index_turns(
    executor: Session | Connection,
    transcript_id: int,
    transcript_text: str,
    turns: Iterable[tuple[int, int, int, int]],
) -> None:
    """Write the search rows of a transcript's turns, replacing any it had.

    Parameters
    ----------
    executor : Session or Connection
        Where to write (inside the caller's transaction).
    transcript_id : int
        The transcript the turns belong to.
    transcript_text : str
        The transcript's stored text; a turn's words are ``text[start:end]``.
    turns : iterable of (turn_id, position, start, end)
        The stored turns.
    """
    lowest, highest = search_key(transcript_id, 0), search_key(transcript_id + 1, 0) - 1
    rows: list[dict[str, Any]] = []
    postgres = _dialect(executor) == "postgresql"
    for turn_id, position, start, end in turns:
        if not 0 <= position < MAX_TURNS_PER_TRANSCRIPT:
            raise InvalidInput(f"A transcript may have at most {MAX_TURNS_PER_TRANSCRIPT:,} turns.")
        body = transcript_text[start:end]
        words = index_words(body)
        row: dict[str, Any] = {
            "key": search_key(transcript_id, position),
            "turn_id": turn_id,
            "body": body,
        }
        if postgres:
            row["document"] = _tsvector(words)
        else:
            row["words"] = " ".join(words)
        rows.append(row)
    key_column, insert = _INDEX_STATEMENTS["postgresql" if postgres else "sqlite"]
    executor.execute(
        text(f"DELETE FROM turn_search WHERE {key_column} BETWEEN :lo AND :hi"),
        {"lo": lowest, "hi": highest},
    )
    if rows:
        executor.execute(text(insert), rows)


# --- searching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit(PlainRecord):
    """One occurrence of the query: where (code points into the transcript text) and context."""

    transcript_id: int
    transcript: str
    organisation: str
    role: str
    speaker: str | None
    start: int
    end: int
    left: str
    match: str
    right: str


_SELECT = """
SELECT {key} AS key, t.speaker, t.start, t."end", tr.id AS transcript_id, tr.name,
       tr.interviewee_role, o.name AS organisation, turn_search.body
FROM turn_search JOIN turn t ON t.id = turn_search.turn_id
JOIN transcript tr ON tr.id = t.transcript_id
JOIN organisation o ON o.id = tr.organisation_id
WHERE {match} AND {key} > :after{filters}
ORDER BY {key} LIMIT :page
"""


def _candidates(
    session: Session, query: SearchQuery, filters: dict[str, Any], after: int, page: int
) -> list[Any]:
    """Turns the database finds for ``query`` after key ``after``, in key order."""
    if _dialect(session) == "postgresql":
        # A generic plan (psycopg prepares statements run often) cannot see how rare the
        # words are, and scanning every row in key order is then far too slow for rare words.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        key, match, expression = (
            "turn_search.key",
            "turn_search.document @@ CAST(:query AS tsquery)",
            query.tsquery(),
        )
    else:
        key, match, expression = "turn_search.rowid", "turn_search MATCH :query", query.fts5()
    where = "".join(
        f" AND {column} = :{name}"
        for name, column in (
            ("organisation_id", "tr.organisation_id"),
            ("role", "tr.interviewee_role"),
            ("speaker", "t.speaker"),
        )
        if name in filters
    )
    statement = text(_SELECT.format(key=key, match=match, filters=where))
    return list(
        session.execute(statement, {"query": expression, "after": after, "page": page, **filters})
    )


def search_transcripts(
    session: Session,
    query: str,
    *,
    organisation: str | None = None,
    role: str | None = None,
    speaker: str | None = None,
    limit: int = 100,
    viewer: Actor,
) -> list[SearchHit]:
    """Find ``query`` in the transcripts' turns; one hit per occurrence, keyword in context.

    Parameters
    ----------
    query : str
        Words, "quoted phrases" and prefixes ending in ``*`` (see the module docstring).
    organisation, role, speaker : str, optional
        Only turns of this organisation (name), interviewee role, or speaker
        (exactly as stored, e.g. "Interviewer").
    limit : int
        At most this many hits.

    Returns
    -------
    list of SearchHit
        Ordered by transcript id, then position in the transcript. ``start``
        and ``end`` are code-point offsets into the transcript's text;
        ``left``/``right`` hold up to 60 characters of the same turn.
    """
    require(current_actor(session, viewer), "read_transcripts")
    parsed = parse_query(query)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"The number of hits must be a whole number from 1 to {MAX_LIMIT:,}.")
    filters: dict[str, Any] = {}
    if organisation:
        filters["organisation_id"] = organisation_row(session, organisation).id
    if role:
        if role not in INTERVIEWEE_ROLES:
            raise InvalidInput(
                f"The role must be one of {', '.join(INTERVIEWEE_ROLES)}, not {role!r}."
            )
        filters["role"] = role
    if speaker:
        filters["speaker"] = speaker
    hits: list[SearchHit] = []
    after, page = -1, limit
    while len(hits) < limit:
        rows = _candidates(session, parsed, filters, after, page)
        for row in rows:
            after = row.key
            hits.extend(_hits(row, parsed.spans(row.body)))
            if len(hits) >= limit:
                break
        if len(rows) < page:
            break
        # Candidates that fail in Python (phrases on PostgreSQL) need bigger pages.
        page = min(page * 2, 2_000)
    return hits[:limit]


def _hits(row: Any, spans: Sequence[tuple[int, int]]) -> list[SearchHit]:
    body: str = row.body
    return [
        SearchHit(
            transcript_id=row.transcript_id,
            transcript=row.name,
            organisation=row.organisation,
            role=row.interviewee_role,
            speaker=row.speaker or None,
            start=row.start + start,
            end=row.start + end,
            left=body[max(0, start - CONTEXT_CHARS) : start],
            match=body[start:end],
            right=body[end : end + CONTEXT_CHARS],
        )
        for start, end in spans
    ]
