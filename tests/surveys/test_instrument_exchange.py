"""`study instruments import|export|list`: instruments in and out as stored versions (issue 22)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cli import app
from study.errors import FileTooLarge, InvalidFile, InvalidInput, PermissionDenied
from study.surveys.instrument_exchange import (
    export_instrument,
    import_instrument,
    instrument_catalogue,
    instrument_yaml,
    newest_instruments,
)
from study.surveys.instruments import load_instruments
from study.surveys.instruments.foreign import MAX_INSTRUMENT_FILE_BYTES

from conftest import DATA, add_user

runner = CliRunner()


def invoke(database, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": database.url})


@pytest.mark.parametrize("key", sorted(load_instruments()))
def test_yaml_export_loads_back_to_the_same_instrument(key, tmp_path):
    from study.surveys.instruments import load_instrument

    model = load_instruments()[key]
    path = tmp_path / f"{key}.yaml"
    path.write_text(instrument_yaml(model), encoding="utf-8")
    assert load_instrument(path) == model


def test_importing_stores_a_version_and_the_same_content_again_stores_nothing(database, tmp_path):
    survey = load_instruments()["ism-adoption-survey"]
    data = instrument_yaml(survey).encode()
    with database.transaction() as session:
        first = import_instrument(session, data, "mine.yaml", actor=OPERATOR, instrument_id="mine")
        again = import_instrument(session, data, "mine.yaml", actor=OPERATOR, instrument_id="mine")
    assert (first.id, first.version, first.created) == ("mine", survey.version, True)
    assert (again.version, again.created, again.row_id) == (first.version, False, first.row_id)
    changed = survey.model_copy(
        update={"title": {**survey.title, "en": "Internal social media at work, short form"}}
    )
    with database.transaction() as session:
        second = import_instrument(
            session,
            instrument_yaml(changed).encode(),
            "mine.yaml",
            actor=OPERATOR,
            instrument_id="mine",
        )
        assert second.version == first.version + 1  # a campaign keeps the version it opened with
        listed = {row["id"]: row for row in instrument_catalogue(session, viewer=OPERATOR)}
        exported = export_instrument(session, "mine", format="yaml", viewer=OPERATOR)
    assert listed["mine"]["versions"] == [first.version, second.version]
    assert listed["mine"]["built_in"] is False and listed["ism-adoption-survey"]["built_in"] is True
    assert b"short form" in exported


def test_hostile_files_get_one_sentence_and_store_nothing(database):
    with database.transaction() as session:
        cases = [
            (b"\xff\xfe not text", "x.yaml", InvalidFile, "not UTF-8"),
            (b"id: [", "x.yaml", InvalidFile, "line"),
            (b"a" * (MAX_INSTRUMENT_FILE_BYTES + 1), "big.qsf", FileTooLarge, "at most"),
            (b"", "empty.lss", InvalidFile, "empty"),
            (b"PK\x03\x04", "survey.docx", InvalidInput, ".qsf"),
        ]
        for data, name, error, words in cases:
            with pytest.raises(error, match=words):
                import_instrument(session, data, name, actor=OPERATOR)
        assert [r["id"] for r in instrument_catalogue(session, viewer=OPERATOR)] == sorted(
            load_instruments()
        )


def test_only_researchers_import(database):
    with database.transaction() as session:
        coder = add_user(session, "cora@example.org", "coder")
        data = instrument_yaml(load_instruments()["ism-adoption-survey"]).encode()
        with pytest.raises(PermissionDenied):
            import_instrument(session, data, "x.yaml", actor=coder, instrument_id="x")


def test_the_cli_imports_prints_the_id_first_lists_and_exports(database, tmp_path):
    source = tmp_path / "survey.yaml"
    source.write_text(instrument_yaml(load_instruments()["ism-adoption-survey"]), encoding="utf-8")
    imported = invoke(database, "instruments", "import", str(source), "--id", "short-form")
    assert imported.exit_code == 0, imported.output
    assert imported.output.splitlines()[0] == "short-form"
    listed = json.loads(invoke(database, "instruments", "list", "--format", "json").output)
    assert {r["id"] for r in listed} >= {"short-form", "ism-adoption-survey"}
    out = tmp_path / "out.yaml"
    exported = invoke(
        database, "instruments", "export", "short-form", "--format", "yaml", "--out", str(out)
    )
    assert exported.exit_code == 0, exported.output
    assert "id: short-form" in out.read_text(encoding="utf-8")
    missing = invoke(database, "instruments", "import", str(tmp_path / "nope.qsf"))
    assert missing.exit_code == 1 and "Cannot read nope.qsf" in missing.output
    assert str(tmp_path) not in missing.output


def test_a_qualtrics_export_comes_back_as_the_same_instrument(database, tmp_path):
    """The shipped survey out as .qsf and in again: equal but for its id (issue 22)."""
    out = tmp_path / "ism.qsf"
    exported = invoke(
        database,
        "instruments",
        "export",
        "ism-adoption-survey",
        "--format",
        "qsf",
        "--out",
        str(out),
    )
    assert exported.exit_code == 0, exported.output
    imported = invoke(database, "instruments", "import", str(out), "--id", "from-qualtrics")
    assert imported.exit_code == 0, imported.output
    assert imported.output.splitlines()[:2] == [
        "from-qualtrics",
        "Stored from-qualtrics version 2.",
    ]
    with database.transaction() as session:
        back = newest_instruments(session, viewer=OPERATOR)["from-qualtrics"]
    original = load_instruments()["ism-adoption-survey"]
    assert back.model_dump() == {**original.model_dump(), "id": "from-qualtrics"}


@pytest.mark.parametrize(
    "path",
    [
        "qualtrics/sumtxt-qsf-sq-example.qsf",
        "qualtrics/qualtricstools-many-question-types.qsf",
        "limesurvey/citric_answers.lss",
        "limesurvey/collab_ls_survey_981966.lss",
    ],
)
def test_real_files_from_other_tools_are_stored_with_what_they_could_not_keep(database, path):
    data = (DATA / "instruments" / path).read_bytes()
    with database.transaction() as session:
        result = import_instrument(session, data, path.split("/")[-1], actor=OPERATOR)
        stored = newest_instruments(session, viewer=OPERATOR)[result.id]
    assert result.created and result.version == stored.version
    assert stored.items or any(p.items for p in stored.pages)
    assert all(isinstance(note, str) and note for note in result.notes)
