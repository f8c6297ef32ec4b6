"""What QualCoder's REFI-QDA import and export do to a project, for tests.

QualCoder is not installable from the registries this project can use (not on
PyPI, npm or Debian), so its own code cannot run here. This module follows,
rule by rule, QualCoder's ``src/qualcoder/refi.py`` (classes ``RefiImport``
and ``RefiExport``, 2025): which elements its import reads into its database
(``code_name``, ``code_cat``, ``code_text``, ``source``, ``cases``,
``case_text``, ``attribute``, ``annotation``, ``journal``) and how its export
writes them back as text, including its known deviations:

- GUIDs are new lowercase ones on every export; text files are written with a
  UTF-8 byte-order mark;
- a coding's memo is read from and written to ``PlainTextSelection/Description``,
  a code's from/to ``Code/Description``, a source's from/to ``TextSource/Description``;
- ``Note`` elements are read only as journals (``plainTextPath`` and a name)
  or as annotations (a ``NoteRef`` of a source to a Note holding a
  ``PlainTextSelection``); notes on codes or codings are not read;
- ``SourceRef`` in a ``Case`` is ignored; a code whose GUID is a case's GUID
  turns its codings into case text (``clean_up_case_codes_and_case_text``);
  case text is exported as ``SourceRef`` only when it is stored at 0-0, so a
  whole-text case link is not exported at all;
- annotation text is written without escaping (a bare ``&`` or ``<`` makes the
  file malformed XML), and an unknown user is written as ``creatingUser=""``.
"""

from __future__ import annotations

import html
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

_NS = "{urn:QDA-XML:project:1.0}"


@dataclass
class QualCoderProject:
    """The tables of a QualCoder project that REFI-QDA exchange touches."""

    name: str
    memo: str = ""
    categories: list[dict] = field(default_factory=list)  # catid, name, memo, supercatid
    codes: list[dict] = field(default_factory=list)  # cid, name, memo, color, catid, supercid
    sources: list[dict] = field(default_factory=list)  # id, name, fulltext, memo, owner, date
    code_text: list[dict] = field(default_factory=list)  # cid, fid, pos0, pos1, owner, memo, date
    cases: list[dict] = field(default_factory=list)  # caseid, name, memo
    case_text: list[dict] = field(default_factory=list)  # caseid, fid, pos0, pos1
    attribute_types: list[dict] = field(default_factory=list)  # name, memo, caseOrFile
    attributes: list[dict] = field(default_factory=list)  # name, value, id, attr_type
    annotations: list[dict] = field(default_factory=list)  # fid, pos0, pos1, memo, owner, date
    journals: list[dict] = field(default_factory=list)  # name, jentry, owner, date


def import_qdpx(path: Path, folder: Path) -> QualCoderProject:
    """``RefiImport.import_project``: read a .qdpx as QualCoder does."""
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    root = ET.parse(folder / "project.qde").getroot()
    project = QualCoderProject(name=root.get("name", ""))
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{_NS}User")}
    code_guids: dict[str, int] = {}

    def sub_codes(element: ET.Element, catid: int | None, supercid: int | None) -> None:
        description = next((e.text for e in element if e.tag == f"{_NS}Description"), "") or ""
        children = [e for e in element if e.tag == f"{_NS}Code"]
        if element.get("isCodable") == "false":
            catid_new = len(project.categories) + 1
            project.categories.append(
                {
                    "catid": catid_new,
                    "name": element.get("name"),
                    "memo": description,
                    "supercatid": catid,
                }
            )
            for child in children:
                sub_codes(child, catid_new, None)
            return
        cid = len(project.codes) + 1
        project.codes.append(
            {
                "cid": cid,
                "name": element.get("name"),
                "memo": description,
                "color": element.get("color") or "#999999",
                "catid": None if supercid else catid,
                "supercid": supercid,
            }
        )
        code_guids[element.get("guid")] = cid
        for child in children:
            sub_codes(child, None, cid)

    for codes in root.iterfind(f"{_NS}CodeBook/{_NS}Codes"):
        for code in codes:
            sub_codes(code, None, None)
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{_NS}Variable")}
    for name in variables.values():
        project.attribute_types.append({"name": name, "memo": "", "caseOrFile": "file"})
    source_guids: dict[str, int] = {}
    annotation_refs: list[tuple[str, str]] = []
    for element in root.iterfind(f"{_NS}Sources/{_NS}TextSource"):
        member = element.get("plainTextPath").split("internal:/")[1]
        # QualCoder opens the text with encoding='utf-8': a byte-order mark stays in the text.
        fulltext = (folder / ("sources" + member)).read_text(encoding="utf-8", errors="replace")
        fid = len(project.sources) + 1
        project.sources.append(
            {
                "id": fid,
                "name": element.get("name"),
                "fulltext": fulltext,
                "memo": element.findtext(f"{_NS}Description") or "",
                "owner": users.get(element.get("creatingUser"), "default"),
                "date": element.get("creationDateTime") or "2025-01-01T00:00:00Z",
            }
        )
        source_guids[element.get("guid")] = fid
        for selection in element.findall(f"{_NS}PlainTextSelection"):
            memo = selection.findtext(f"{_NS}Description") or ""
            for coding in selection.findall(f"{_NS}Coding"):
                cid = code_guids.get(list(coding)[0].get("targetGUID"))
                row = {
                    "cid": cid,
                    "fid": fid,
                    "pos0": int(selection.get("startPosition")),
                    "pos1": int(selection.get("endPosition")),
                    "owner": users.get(selection.get("creatingUser"), "default"),
                    "memo": memo,
                    "date": selection.get("creationDateTime") or "2025-01-01T00:00:00Z",
                }
                key = (row["cid"], fid, row["pos0"], row["pos1"], row["owner"])
                if not any(
                    (r["cid"], r["fid"], r["pos0"], r["pos1"], r["owner"]) == key
                    for r in project.code_text
                ):  # unique in QualCoder's table
                    project.code_text.append(row)
        for ref in element.findall(f"{_NS}NoteRef"):
            annotation_refs.append((ref.get("targetGUID"), element.get("guid")))
        for value in element.findall(f"{_NS}VariableValue"):
            name = variables.get(value.find(f"{_NS}VariableRef").get("targetGUID"), "")
            text = next((e.text for e in value if e.tag != f"{_NS}VariableRef"), "") or ""
            project.attributes.append(
                {"name": name, "value": text.strip(), "id": fid, "attr_type": "file"}
            )
    for note in root.iterfind(f"{_NS}Notes/{_NS}Note"):
        target = next((s for n, s in annotation_refs if n == note.get("guid")), None)
        selection = note.find(f"{_NS}PlainTextSelection")
        if target is not None:
            if selection is not None and note.findtext(f"{_NS}PlainTextContent") is not None:
                project.annotations.append(
                    {
                        "fid": source_guids[target],
                        "pos0": int(selection.get("startPosition")),
                        "pos1": int(selection.get("endPosition")),
                        "memo": note.findtext(f"{_NS}PlainTextContent"),
                        "owner": users.get(note.get("creatingUser"), "default"),
                        "date": note.get("creationDateTime") or "2025-01-01T00:00:00Z",
                    }
                )
        elif note.get("plainTextPath") and note.get("name"):
            member = note.get("plainTextPath").split("internal:/")[1]
            project.journals.append(
                {
                    "name": note.get("name"),
                    "jentry": (folder / ("sources" + member)).read_text(encoding="utf-8"),
                    "owner": users.get(note.get("creatingUser"), "default"),
                    "date": note.get("creationDateTime"),
                }
            )
    case_guids: dict[str, int] = {}
    for case in root.iterfind(f"{_NS}Cases/{_NS}Case"):
        caseid = len(project.cases) + 1
        project.cases.append(
            {
                "caseid": caseid,
                "name": case.get("name"),
                "memo": case.findtext(f"{_NS}Description") or "",
            }
        )
        case_guids[case.get("guid")] = caseid
        for value in case.findall(f"{_NS}VariableValue"):
            name = variables.get(value.find(f"{_NS}VariableRef").get("targetGUID"), "")
            text = next((e.text for e in value if e.tag != f"{_NS}VariableRef"), "") or ""
            project.attributes.append(
                {"name": name, "value": text, "id": caseid, "attr_type": "case"}
            )
            for kind in project.attribute_types:
                if kind["name"] == name:
                    kind["caseOrFile"] = "case"
        # SourceRef elements of a named case are not read.
    for guid, caseid in case_guids.items():  # clean_up_case_codes_and_case_text
        cid = code_guids.get(guid)
        if cid is None:
            continue
        project.codes = [c for c in project.codes if c["cid"] != cid]
        for row in [r for r in project.code_text if r["cid"] == cid]:
            project.case_text.append(
                {"caseid": caseid, "fid": row["fid"], "pos0": row["pos0"], "pos1": row["pos1"]}
            )
        project.code_text = [r for r in project.code_text if r["cid"] != cid]
    description = root.find(f"{_NS}Description")
    project.memo = description.text or "" if description is not None else ""
    return project


def _guid() -> str:
    return str(uuid.uuid4())  # lowercase, as RefiExport.create_guid writes them


def _stamp(value: str) -> str:
    value = value.replace("T", " ").replace("Z", "")
    return f"{value[0:10]}T{value[11:19]}Z"  # RefiExport.convert_timestamp


def export_qdpx(project: QualCoderProject, path: Path) -> None:
    """``RefiExport.project_xml`` and ``export_project``: write the project as QualCoder does."""
    users = {}
    for owner in sorted(
        {r["owner"] for r in project.code_text} | {s["owner"] for s in project.sources}
    ):
        users[owner] = _guid()
    code_guid = {code["cid"]: _guid() for code in project.codes}

    def code_xml(code: dict) -> str:
        children = [c for c in project.codes if c["supercid"] == code["cid"]]
        memo = html.escape(code["memo"])
        xml = (
            f'<Code guid="{code_guid[code["cid"]]}" name="{html.escape(code["name"])}" '
            f'isCodable="true" color="{code["color"]}"'
        )
        if memo == "" and not children:
            return xml + " />\n"
        xml += ">\n" + (f"<Description>{memo}</Description>\n" if memo else "")
        return xml + "".join(code_xml(child) for child in children) + "</Code>\n"

    def category_xml(category: dict) -> str:
        xml = f'<Code guid="{_guid()}" name="{html.escape(category["name"])}" isCodable="false">\n'
        if category["memo"]:
            xml += f"<Description>{html.escape(category['memo'])}</Description>\n"
        for sub in project.categories:
            if sub["supercatid"] == category["catid"]:
                xml += category_xml(sub)
        xml += "".join(
            code_xml(c)
            for c in project.codes
            if c["catid"] == category["catid"] and c["supercid"] is None
        )
        return xml + "</Code>\n"

    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'name="{html.escape(project.name)}" origin="QualCoder 3.6" '
        f'creatingUserGUID="{_guid()}" creationDateTime="2025-03-02T10:15:00Z" '
        'xmlns="urn:QDA-XML:project:1.0">\n<Users>\n'
    )
    xml += "".join(f'<User guid="{g}" name="{html.escape(n)}" />\n' for n, g in users.items())
    xml += "</Users>\n"
    if project.codes or project.categories:
        xml += "<CodeBook>\n<Codes>\n"
        xml += "".join(
            code_xml(c) for c in project.codes if c["catid"] is None and c["supercid"] is None
        )
        xml += "".join(category_xml(c) for c in project.categories if c["supercatid"] is None)
        xml += "</Codes>\n</CodeBook>\n"
    variable_guid = {kind["name"]: _guid() for kind in project.attribute_types}
    if project.attribute_types:
        xml += "<Variables>\n"
        for kind in project.attribute_types:
            xml += (
                f'<Variable guid="{variable_guid[kind["name"]]}" '
                f'name="{html.escape(kind["name"])}" typeOfVariable="Text" >\n'
                "<Description />\n</Variable>\n"
            )
        xml += "</Variables>\n"

    def values(owner_id: int, kind: str) -> str:
        return "".join(
            f'<VariableValue>\n<VariableRef targetGUID="{variable_guid[a["name"]]}" />\n'
            f"<TextValue>{html.escape(a['value'])}</TextValue>\n</VariableValue>\n"
            for a in project.attributes
            if a["id"] == owner_id and a["attr_type"] == kind
        )

    source_guid = {s["id"]: _guid() for s in project.sources}
    if project.cases:
        xml += "<Cases>\n"
        for case in project.cases:
            xml += f'<Case guid="{_guid()}" name="{html.escape(case["name"])}">\n'
            xml += (
                f"<Description>{html.escape(case['memo'])}</Description>\n"
                if case["memo"]
                else "<Description />\n"
            )
            xml += values(case["caseid"], "case")
            xml += "".join(
                f'<SourceRef targetGUID="{source_guid[t["fid"]]}"/>\n'
                for t in project.case_text
                if t["caseid"] == case["caseid"] and t["pos0"] == 0 and t["pos1"] == 0
            )
            xml += "</Case>\n"
        xml += "</Cases>\n"
    files: dict[str, str] = {}
    note_refs: dict[int, str] = {}
    xml += "<Sources>\n"
    for source in project.sources:
        plain = f"{_guid()}.txt"
        files[plain] = source["fulltext"]
        xml += (
            f'<TextSource plainTextPath="internal://{plain}" '
            f'creatingUser="{users.get(source["owner"], "")}" '
            f'creationDateTime="{_stamp(source["date"])}" guid="{source_guid[source["id"]]}" '
            f'name="{html.escape(source["name"])}">\n'
        )
        if source["memo"]:
            xml += f"<Description>{html.escape(source['memo'])}</Description>\n"
        for row in project.code_text:
            if row["fid"] != source["id"] or row["cid"] not in code_guid:
                continue
            xml += (
                f'<PlainTextSelection guid="{_guid()}" startPosition="{row["pos0"]}" '
                f'endPosition="{row["pos1"]}" '
                f'name="{html.escape(source["fulltext"][row["pos0"] : row["pos1"]])}" '
                f'creatingUser="{users.get(row["owner"], "")}" '
                f'creationDateTime="{_stamp(row["date"])}">\n'
            )
            if row["memo"]:
                xml += f"<Description>{html.escape(row['memo'])}</Description>\n"
            xml += (
                f'<Coding guid="{_guid()}" creatingUser="{users.get(row["owner"], "")}" >\n'
                f'<CodeRef targetGUID="{code_guid[row["cid"]]}" />\n</Coding>\n'
                "</PlainTextSelection>\n"
            )
        if any(a["fid"] == source["id"] for a in project.annotations):
            note_refs[source["id"]] = _guid()  # one NoteRef per source, as QualCoder writes
            xml += f'<NoteRef targetGUID="{note_refs[source["id"]]}" />\n'
        xml += values(source["id"], "file")
        xml += "</TextSource>\n"
    xml += "</Sources>\n"
    if project.journals or project.annotations:
        xml += "<Notes>\n"
        for journal in project.journals:
            guid = _guid()
            files[f"{guid}.txt"] = journal["jentry"]
            xml += (
                f'<Note guid="{guid}" creatingUser="{users.get(journal["owner"], "")}" '
                f'creationDateTime="{_stamp(journal["date"])}" '
                f'name="{html.escape(journal["name"])}"  '
                f'plainTextPath="internal://{guid}.txt" >\n'
                "<Description /></Note>\n"
            )
        for annotation in project.annotations:
            guid = note_refs.pop(annotation["fid"], None) or _guid()
            xml += (
                f'<Note guid="{guid}" creatingUser="{users.get(annotation["owner"], "")}" '
                f'creationDateTime="{_stamp(annotation["date"])}" >\n'
                # Not escaped in QualCoder's create_annotation_note_xml.
                f"<PlainTextContent>{annotation['memo']}</PlainTextContent>\n"
                f'<PlainTextSelection guid="{_guid()}" startPosition="{annotation["pos0"]}" '
                f'endPosition="{annotation["pos1"]}" />\n</Note>\n'
            )
        xml += "</Notes>\n"
    xml += f"<Description>{html.escape(project.memo)}</Description>\n</Project>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        for name, text in files.items():
            archive.writestr(f"sources/{name}", text.encode("utf-8-sig"))


def export_codebook(project: QualCoderProject) -> bytes:
    """``RefiExport.codebook_exchange_xml`` and ``export_codebook`` (UTF-8 with a BOM)."""
    guid = {code["cid"]: _guid() for code in project.codes}
    body = ""
    for code in project.codes:
        memo = html.escape(code["memo"])
        body += (
            f'<Code guid="{guid[code["cid"]]}" name="{html.escape(code["name"])}" '
            f'isCodable="true" color="{code["color"]}"'
        )
        body += f">\n<Description>{memo}</Description>\n</Code>\n" if memo else " />\n"
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        'xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd" origin="QualCoder" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"\n<Codes>\n{body}</Codes>\n</CodeBook>\n"
    )
    return xml.encode("utf-8-sig")


def pilot_project() -> QualCoderProject:
    """A small QualCoder project as a Danish research group would have it (tests/data's files)."""
    text = (
        "Interviewer: Hvordan bruger I Yammer?\n"
        "Koordinator: Folk synes ikke, det er rigtigt arbejde 😅 – især på lageret.\n"
        "Koordinator: Man er bange for at skrive noget forkert, når chefen læser med 👀.\n"
        "Koordinator: Ledelsen siger ja, men skriver aldrig selv. Café-snak om fredagen.\n"
    )
    second = "Employee: I post on Yammer & Teams, but only when my manager has liked it first.\n"

    def span(source: str, passage: str) -> tuple[int, int]:
        start = source.index(passage)
        return start, start + len(passage)

    project = QualCoderProject(name="ism-pilot.qda", memo="Pilot of the ISM study, 2014.")
    project.categories = [
        {
            "catid": 1,
            "name": "Coordinator challenges",
            "memo": "Madsen (2017): four challenges.",
            "supercatid": None,
        }
    ]
    project.codes = [
        {
            "cid": 1,
            "name": "Not work-related",
            "memo": "Posting feels like not working.",
            "color": "#FA5858",
            "catid": 1,
            "supercid": None,
        },
        {
            "cid": 2,
            "name": "Self-censorship",
            "memo": "",
            "color": "#58ACFA",
            "catid": 1,
            "supercid": None,
        },
        {
            "cid": 3,
            "name": "Management in words only",
            "memo": "Support said, not shown.",
            "color": "#F7D358",
            "catid": 1,
            "supercid": None,
        },
        {
            "cid": 4,
            "name": "Ambassadors",
            "memo": "",
            "color": "#81F79F",
            "catid": None,
            "supercid": None,
        },
    ]
    project.sources = [
        {
            "id": 1,
            "name": "nordbank-coordinator.txt",
            "fulltext": text,
            "memo": "Phone interview, spring 2014.",
            "owner": "anna",
            "date": "2025-02-10 09:00:00",
        },
        {
            "id": 2,
            "name": "nordbank-employee.txt",
            "fulltext": second,
            "memo": "",
            "owner": "anna",
            "date": "2025-02-11 09:00:00",
        },
    ]
    rows = [
        (1, 1, "det er rigtigt arbejde 😅", "anna", "Borderline with workload & time."),
        (1, 1, "det er rigtigt arbejde 😅", "bo", ""),
        (2, 1, "bange for at skrive noget forkert, når chefen læser med 👀", "bo", ""),
        (3, 1, "Ledelsen siger ja, men skriver aldrig selv.", "anna", ""),
        (4, 2, "only when my manager has liked it first", "bo", "Not quite ambassadors."),
    ]
    for cid, fid, passage, owner, memo in rows:
        pos0, pos1 = span(project.sources[fid - 1]["fulltext"], passage)
        project.code_text.append(
            {
                "cid": cid,
                "fid": fid,
                "pos0": pos0,
                "pos1": pos1,
                "owner": owner,
                "memo": memo,
                "date": "2025-02-12 10:30:00",
            }
        )
    project.cases = [{"caseid": 1, "name": "Nordbank", "memo": "Bank, 1,200 employees."}]
    project.case_text = [
        {"caseid": 1, "fid": 1, "pos0": 0, "pos1": len(text)},
        {"caseid": 1, "fid": 2, "pos0": 0, "pos1": len(second)},
    ]
    project.attribute_types = [
        {"name": "Sector", "memo": "", "caseOrFile": "case"},
        {"name": "Language", "memo": "", "caseOrFile": "file"},
        {"name": "Role", "memo": "", "caseOrFile": "file"},
    ]
    project.attributes = [
        {"name": "Sector", "value": "Finance", "id": 1, "attr_type": "case"},
        {"name": "Language", "value": "Danish", "id": 1, "attr_type": "file"},
        {"name": "Role", "value": "ISM coordinator", "id": 1, "attr_type": "file"},
        {"name": "Language", "value": "English", "id": 2, "attr_type": "file"},
        {"name": "Role", "value": "employee", "id": 2, "attr_type": "file"},
    ]
    start, end = span(text, "især på lageret")
    project.annotations = [
        {
            "fid": 1,
            "pos0": start,
            "pos1": end,
            "memo": "Check: lager & kontor < 5 posts a week",
            "owner": "carl",
            "date": "2025-02-13 08:00:00",
        }
    ]
    project.journals = [
        {
            "name": "Fieldwork journal",
            "jentry": "Day 1: two interviews.",
            "owner": "anna",
            "date": "2025-02-10 18:00:00",
        }
    ]
    return project
