"""An accepted suggestion stays "suggested" in the codings export and through REFI-QDA."""

from __future__ import annotations

import csv
import io
import zipfile

from qdpx_files import exported_qdpx
from suggestion_study import CODER_EMAILS, SCHEME_KEY

from study.admin.accounts import add_account, get_account
from study.admin.permissions import OPERATOR
from study.exchange.qdpx_import import import_qdpx
from study.exchange.refiqda import read_qdpx
from study.interviews.coding import add_coding, export_codings, list_codings
from study.interviews.learning import accept_suggestion, learned_suggestions, train_suggestions

from conftest import refiqda_schema


def test_accepted_suggestions_keep_their_origin_in_exports_and_refi_qda(
    coded, second_database, tmp_path
):
    database, study = coded
    transcript = study.transcript_ids[0]
    with database.transaction() as session:
        train_suggestions(session, SCHEME_KEY, actor=OPERATOR)
        coder = get_account(session, CODER_EMAILS[0])
        suggestion = learned_suggestions(session, transcript, SCHEME_KEY, viewer=coder)[0]
        accepted = accept_suggestion(session, suggestion, transcript_id=transcript, actor=coder)
        # a keyword suggestion accepted, and a manual coding with a memo: each keeps its own
        keyword = add_coding(
            session,
            transcript_id=transcript,
            start=suggestion.start,
            end=suggestion.end,
            code_id=(SCHEME_KEY, "technical-barriers"),
            coder_id=get_account(session, CODER_EMAILS[1]).id,
            origin="suggestion",
            actor=OPERATOR,
        )
        buffer = io.BytesIO()
        export_codings(session, buffer, format="csv", viewer=OPERATOR)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    origins = {int(r["id"]): r["origin"] for r in rows}
    assert origins[accepted.id] == "suggested" and origins[keyword.id] == "suggestion"
    assert sum(o == "suggested" for o in origins.values()) == 1

    path = exported_qdpx(database, tmp_path / "study.qdpx")
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde")
    refiqda_schema("Project").validate(qde)  # still a valid REFI-QDA project
    assert b"Origin: suggested (an accepted learned suggestion, ISM Study)" in qde
    project = read_qdpx(path)
    read = [c for s in project.sources for c in s.codings]
    assert sorted(c.origin for c in read if c.origin) == ["suggested", "suggestion"]
    # the origin paragraph is no memo
    assert not any("Origin:" in n.text for n in project.notes)

    with second_database.transaction() as session:
        add_account(
            session, "someone@example.org", role="researcher", password=None, actor=OPERATOR
        )
        import_qdpx(session, path, actor=OPERATOR)
    with second_database.transaction() as session:
        imported = list_codings(session, viewer=OPERATOR)
    counts = imported["origin"].value_counts().to_dict()
    assert counts.pop("suggested") == 1 and counts.pop("suggestion") == 1
    assert set(counts) == {"import"}
