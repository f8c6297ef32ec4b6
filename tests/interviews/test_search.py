"""Full-text search: the same hits on SQLite (FTS5) and PostgreSQL (tsvector), keyword in context.

Every test here that touches storage runs on both backends (the ``database``
fixture), and the expected hits are written out in full, so both backends must
produce exactly these hits: that is the cross-backend comparison.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import delete, func, select, text

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import TranscriptRow
from study.errors import InvalidInput, NotFound
from study.interviews.search import parse_query, search_transcripts, word_spans
from study.interviews.transcripts.store import import_transcript

from conftest import DATA, add_user, open_app_page

CORPUS = [
    ("nordlys-coordinator.txt", "Nordlys Bank", "coordinator"),
    ("riverbend-executive.txt", "Riverbend Logistics", "executive"),
    ("riverbend-employee.txt", "Riverbend Logistics", "employee"),
]


@pytest.fixture
def corpus(database):
    """Three interviews (Danish and English, with emoji) in two organisations; ids 1, 2, 3."""
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        add_organisation(session, "Riverbend Logistics", actor=OPERATOR)
        ids = [
            import_transcript(
                session,
                (DATA / "search" / name).read_bytes(),
                name,
                organisation=org,
                role=role,
                actor=OPERATOR,
            ).id
            for name, org, role in CORPUS
        ]
    return dict(zip(("nordlys", "executive", "employee"), ids))


def found(database, query: str, **filters) -> list[tuple[str, str, str, int, int]]:
    with database.transaction() as session:
        return [
            (h.transcript, h.speaker, h.match, h.start, h.end)
            for h in search_transcripts(session, query, **filters, viewer=OPERATOR)
        ]


EXEC, EMPL, NORD = "riverbend-executive", "riverbend-employee", "nordlys-coordinator"

# Offsets were counted by hand in tests/data/search/*.txt as laid out by parse_transcript
# ("Speaker: words", turns separated by a blank line), in code points (🤔 counts 1).
EXPECTED_HITS = {
    "network": [
        (EXEC, "Interviewer", "network", 37, 44),
        # glued to an emoji: "work-related🤔network"
        (EMPL, "Employee", "network", 75, 82),
    ],
    '"daily routine"': [
        (EXEC, "Executive", "daily routine", 248, 261),
        (EXEC, "Executive", "daily  routine", 327, 341),
    ],
    "engag*": [
        (EXEC, "Executive", "engage", 287, 293),
        (EXEC, "Executive", "Engagement", 304, 314),
    ],
    "self-censorship": [
        (EXEC, "Executive", "self-censorship", 120, 135),
        (EMPL, "Interviewer", "Self censorship", 128, 143),
        (EMPL, "Employee", "Self-censorship", 156, 171),
    ],
    # both words in the same turn; every occurrence of each is a hit
    "never post*": [
        (EXEC, "Executive", "never", 103, 108),
        (EXEC, "Executive", "posts", 109, 114),
        (EMPL, "Employee", "never", 180, 185),
        (EMPL, "Employee", "post", 186, 190),
    ],
    "ledelse": [(NORD, "Koordinator", "Ledelse", 308, 315)],  # not "ledelsen": no stemming
    "ÆRLIG": [(NORD, "Koordinator", "Ærlig", 67, 72)],
    "søen": [(NORD, "Interviewer", "søen", 258, 262)],
    "soen": [],  # ø is not o
    '"ha ha"': [(EMPL, "Employee", "Ha ha", 104, 109), (EMPL, "Employee", "ha ha", 107, 112)],
    # operators of FTS5 and tsquery are ordinary words
    "NOT work": [(EMPL, "Employee", "not", 58, 61), (EMPL, "Employee", "work", 62, 66)],
    "NEAR(network, time)": [],
    "col:network": [],
    "'network' | !time": [
        (EMPL, "Employee", "network", 75, 82),
        (EMPL, "Employee", "time", 83, 87),
        (EMPL, "Employee", "time", 98, 102),
    ],
    'network"': [(EXEC, "Interviewer", "network", 37, 44), (EMPL, "Employee", "network", 75, 82)],
    "network routine": [],  # never in the same turn
}


def test_queries_give_the_expected_hits_on_both_backends(corpus, database):
    actual = {query: found(database, query) for query in EXPECTED_HITS}
    assert actual == EXPECTED_HITS


def test_every_hit_offset_points_at_the_match_in_the_stored_text(corpus, database):
    with database.transaction() as session:
        texts = dict(session.execute(select(TranscriptRow.name, TranscriptRow.text)).all())
    for hits in EXPECTED_HITS.values():
        for name, _, match, start, end in hits:
            assert texts[name][start:end] == match


def test_hits_carry_keyword_in_context_from_the_same_turn(corpus, database):
    with database.transaction() as session:
        (hit,) = search_transcripts(session, '"fear being"', viewer=OPERATOR)
    assert asdict(hit) == {
        "transcript_id": corpus["executive"],
        "transcript": EXEC,
        "organisation": "Riverbend Logistics",
        "role": "executive",
        "speaker": "Executive",
        "start": 154,
        "end": 164,
        "left": "tion. He never posts, and self-censorship is common: people ",
        "match": "fear being",
        "right": " judged.",
    }


def test_filters_by_organisation_role_and_speaker(corpus, database):
    assert found(database, "email*", organisation="Nordlys Bank") == []
    assert [h[3] for h in found(database, "email*", organisation="riverbend logistics")] == [
        297,
        345,
        352,
        359,
    ]
    assert found(database, "never", role="executive") == [(EXEC, "Executive", "never", 103, 108)]
    assert found(database, "never", speaker="Employee") == [(EMPL, "Employee", "never", 180, 185)]
    assert found(database, "self-censorship", speaker="Interviewer", role="employee") == [
        (EMPL, "Interviewer", "Self censorship", 128, 143)
    ]


def test_limit_keeps_the_first_hits_in_transcript_order(corpus, database):
    everything = found(database, "t*")
    assert len(everything) == 8 and {h[0] for h in everything} == {NORD, EXEC, EMPL}
    order = {NORD: 0, EXEC: 1, EMPL: 2}
    assert [(order[h[0]], h[3]) for h in everything] == sorted(
        (order[h[0]], h[3]) for h in everything
    )
    assert found(database, "t*", limit=5) == everything[:5]


@pytest.mark.parametrize("repeats", [300, 20_000])
def test_phrase_late_in_a_very_long_turn_is_found(database, repeats):
    # A tsvector keeps at most 256 positions per word and none beyond 16,383, so
    # PostgreSQL's phrase operator alone would miss this one.
    words = " ".join(["the"] * repeats)
    data = f"Interviewer: Tell me.\nR: {words} network rules\n".encode()
    with database.transaction() as session:
        add_organisation(session, "Long Talk", actor=OPERATOR)
        import_transcript(
            session, data, "long.txt", organisation="Long Talk", role="other", actor=OPERATOR
        )
    hits = found(database, '"the network rules"')
    assert [(h[2], h[4] - h[3]) for h in hits] == [("the network rules", 17)]


def test_deleting_a_transcript_removes_it_from_the_index(corpus, database):
    with database.transaction() as session:
        session.execute(delete(TranscriptRow).where(TranscriptRow.id == corpus["employee"]))
    assert found(database, "network") == [(EXEC, "Interviewer", "network", 37, 44)]
    with database.transaction() as session:
        rows = session.scalar(text("SELECT count(*) FROM turn_search"))
        turns = session.scalar(select(func.count()).select_from(TranscriptRow))
    assert (rows, turns) == (8, 2)


def _organisation_at_0001(session) -> int:
    """A study and an organisation written as revision 0001 knew them: plain SQL, because
    today's models have columns that later migrations add."""
    session.execute(
        text(
            "INSERT INTO study (id, name, description, pseudonymous, is_demo, "
            "created_at) VALUES (1, 'Old study', '', false, false, "
            "CURRENT_TIMESTAMP)"
        )
    )
    session.execute(
        text(
            "INSERT INTO organisation (id, study_id, name, attributes, created_at) "
            "VALUES (1, 1, 'Nordlys Bank', '{}', CURRENT_TIMESTAMP)"
        )
    )
    return 1


def _transcript_at_0001(session, transcript_id: int, body: str) -> None:
    """A study, an organisation and a transcript of ``body``, written as revision 0001 knew them."""
    org = _organisation_at_0001(session)
    session.execute(
        text(
            "INSERT INTO transcript (id, organisation_id, name, interviewee_role, language, "
            "text, text_sha256, created_at) VALUES (:id, :org, 'old', 'other', 'da', "
            ":body, 'x', CURRENT_TIMESTAMP)"
        ),
        {"id": transcript_id, "org": org, "body": body},
    )


def test_upgrading_a_database_with_transcripts_indexes_them(empty_database_url):
    from alembic import command

    from study.db import Database, migrate
    from study.db.migrate import alembic_config

    database = Database(empty_database_url)
    command.upgrade(alembic_config(database), "0001")
    with database.transaction() as session:
        _transcript_at_0001(session, 7, "I: Og søen?\n\nR: Søen er smuk.")
        session.execute(
            text(
                'INSERT INTO turn (transcript_id, position, speaker, start, "end") '
                "VALUES (7, 0, 'I', 3, 11), (7, 1, 'R', 16, 30)"
            )
        )
    migrate(database)
    with database.transaction() as session:
        hits = search_transcripts(session, "søen", viewer=OPERATOR)
    database.dispose()
    assert [(h.speaker, h.start, h.end, h.right) for h in hits] == [
        ("I", 6, 10, "?"),
        ("R", 16, 20, " er smuk."),
    ]


def test_frozen_migration_indexes_as_the_search_code_does(empty_database_url):
    """Revision 0002 carries its own tokeniser: today it writes the rows index_turns writes."""
    from alembic import command

    from study.db import Database, migrate
    from study.db.migrate import alembic_config
    from study.interviews.search import index_turns

    body = (
        "I: Cafe\u0301 self_censorship 🤔 ÆRLIG talt, x" + "y " * 300 + "\n\n"
        "R: Søen er smuk; naïve-ish 42 ﬁne."
    )
    database = Database(empty_database_url)
    command.upgrade(alembic_config(database), "0001")
    with database.transaction() as session:
        _transcript_at_0001(session, 3, body)
        split = body.index("\n\n")
        session.execute(
            text(
                'INSERT INTO turn (transcript_id, position, speaker, start, "end") '
                "VALUES (3, 0, 'I', 3, :a), (3, 1, 'R', :b, :c)"
            ),
            {"a": split, "b": split + 5, "c": len(body)},
        )
    migrate(database)
    columns = (
        "key, turn_id, body, document::text"
        if database.engine.dialect.name == "postgresql"
        else "rowid, turn_id, body, words"
    )
    order = columns.split(",")[0]
    with database.transaction() as session:
        by_migration = session.execute(
            text(f"SELECT {columns} FROM turn_search ORDER BY {order}")
        ).all()
        turns = session.execute(
            text('SELECT id, position, start, "end" FROM turn ORDER BY position')
        ).all()
        index_turns(session, 3, body, [tuple(turn) for turn in turns])
        by_library = session.execute(
            text(f"SELECT {columns} FROM turn_search ORDER BY {order}")
        ).all()
    database.dispose()
    assert len(by_migration) == 2
    assert by_migration == by_library


def test_searches_without_words_or_with_bad_filters_are_refused(corpus, database):
    with database.transaction() as session:
        for query in ("", "   ", "***", '""', "🤔 !!"):
            with pytest.raises(InvalidInput, match="words"):
                search_transcripts(session, query, viewer=OPERATOR)
        with pytest.raises(NotFound, match="no organisation"):
            search_transcripts(session, "network", organisation="Nowhere", viewer=OPERATOR)
        with pytest.raises(InvalidInput, match="role"):
            search_transcripts(session, "network", role="ceo", viewer=OPERATOR)
        with pytest.raises(InvalidInput, match="hits"):
            search_transcripts(session, "network", limit=0, viewer=OPERATOR)


def test_query_parser_makes_phrases_prefixes_and_never_syntax():
    query = parse_query('Ledelse "daily rout*" self-censorship AND 🤔 x_y')
    assert [[(t.word, t.prefix) for t in clause] for clause in query.clauses] == [
        [("ledelse", False)],
        [("daily", False), ("rout", True)],
        [("self", False), ("censorship", False)],
        [("and", False)],
        [("x", False), ("y", False)],
    ]
    assert query.fts5() == (
        '"ledelse" AND "daily" + "rout" * AND "self" + "censorship" AND "and" AND "x" + "y"'
    )
    assert query.tsquery() == (
        "'ledelse' & (('daily' <-> 'rout':*) | ('daily' & 'rout':* & '_unpositioned_')) & "
        "(('self' <-> 'censorship') | ('self' & 'censorship' & '_unpositioned_')) & 'and' & "
        "(('x' <-> 'y') | ('x' & 'y' & '_unpositioned_'))"
    )


@pytest.mark.parametrize(
    "body",
    [
        "ha ha ha",
        "Ha-ha_ha ha",
        "self–censorship, SELF censorship",
        "Ærlig talt, ÆRLIG",
        "rutine 🤔rutiner rutine🤔",
        "the the network the network",
        "x_network network_x",
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        "ha ha",
        '"ha ha"',
        "ha*",
        "self-censorship",
        "ærlig",
        "rutine*",
        '"the network"',
        "the* net*",
        "network x",
    ],
)
def test_fast_regex_matching_agrees_with_comparing_words(body, query):
    parsed = parse_query(query)
    assert len(body.casefold()) == len(body)  # these bodies take the fast path
    assert parsed.spans(body) == parsed._spans_of_words(body)


def test_text_where_casefolding_changes_length_or_marks_occur_is_compared_word_by_word():
    assert parse_query("strasse").spans("Straße strasse") == [(0, 6), (7, 14)]
    assert parse_query("ex").spans("e\u0301x ex") == [(4, 6)]  # "éx" is one word
    assert parse_query("istanbul").spans("İstanbul istanbul") == [(9, 17)]


def test_words_are_letters_and_digits_of_any_script_in_code_points():
    assert word_spans("Æble-grød 2014, naïve 👍🏽ok") == [
        ("æble", 0, 4),
        ("grød", 5, 9),
        ("2014", 10, 14),
        ("naïve", 16, 21),
        ("ok", 24, 26),
    ]
    # a combining mark stays inside its word (decomposed "é")
    assert word_spans("cafe\u0301 au") == [("cafe\u0301", 0, 5), ("au", 6, 8)]


# --- the page -------------------------------------------------------------------------------


def test_search_page_shows_hits_in_context(corpus, database):
    with database.transaction() as session:
        coder = add_user(session, "coder@example.org", "coder")
    at = open_app_page(coder, "search.py", timeout=30)
    assert not at.exception
    assert at.title[0].value == "Search transcripts"
    at.text_input(key="search_query").input("self-censorship").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["match"]) == ["self-censorship", "Self censorship", "Self-censorship"]
    assert list(frame["transcript"]) == [EXEC, EMPL, EMPL]
    at.selectbox(key="search_role").select("executive").run()
    assert list(at.dataframe[0].value["speaker"]) == ["Executive"]
    at.text_input(key="search_query").input("soen").run()
    assert [i.value for i in at.info] == ["No hits."]
