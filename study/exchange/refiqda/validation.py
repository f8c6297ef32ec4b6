"""Safe XML parsing and validation against the REFI-QDA schemas shipped with the package.

Both directions go through here: the writer refuses to produce a file other
tools would reject (strict), and the reader refuses one it cannot trust.
Reading is lenient about what peers are known to write (:func:`read_peer_xml`):
Taguette's empty ``<Sets/>``, QualCoder's empty ``creatingUser=""`` and
annotation text with a bare ``&`` or ``<`` (recovered with lxml's recovering
parser, naming every line it had to skip) or with tag-like text such as
``<b>…</b>`` (read back as the text it was, naming every element changed), a
``Code`` without ``isCodable``.
Each such repair adds one warning that names the deviation.
"""

from __future__ import annotations

import functools
import io
from importlib import resources
from xml.etree.ElementTree import Element

import xmlschema
from lxml import etree
from xmlschema.exceptions import XMLResourceError, XMLResourceForbidden

from study.errors import InvalidFile
from study.xmlfile import safe_parser

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_MAX_ERRORS_SHOWN = 3
# Containers the schema wants non-empty (at least one child), which peers write empty.
_CONTAINERS = ("Sets", "Graphs", "Links", "Notes", "Users", "Cases", "Variables")
# Optional attributes a peer may write empty although their type (GUID, date) forbids it.
_OPTIONAL_TYPED = (
    "creatingUser",
    "modifyingUser",
    "creationDateTime",
    "modifiedDateTime",
    "creatingUserGUID",
    "modifyingUserGUID",
    "color",
)
_SHOWN_SKIPS = 5
_FRAGMENT_CHARS = 40
# Elements the schema gives plain text only, in which peers write tag-like text unescaped.
_TEXT_ONLY = ("Description", "PlainTextContent", "TextValue")


@functools.cache
def _schema(file_name: str) -> xmlschema.XMLSchema:
    xsd = resources.files("study.exchange.refiqda").joinpath("schemas", file_name)
    with resources.as_file(xsd) as xsd_path:
        return xmlschema.XMLSchema(str(xsd_path))


def _validate(
    xml_bytes: bytes, file_name: str, namespace: str, root_name: str, what: str, path: str | None
) -> Element:
    try:
        # defuse="always" refuses DTDs and entities (billion laughs, XXE).
        resource = xmlschema.XMLResource(io.BytesIO(xml_bytes), defuse="always")
    except XMLResourceForbidden as error:
        raise InvalidFile(
            f"The {what} contains a forbidden XML construct ({error}).", path=path
        ) from error
    except (XMLResourceError, SyntaxError) as error:
        raise InvalidFile(f"The {what} is not well-formed XML ({error}).", path=path) from error
    root = resource.root
    expected = f"{{{namespace}}}{root_name}"
    if root.tag != expected:
        raise InvalidFile(
            f"The {what} is not a REFI-QDA file: its root element is '{root.tag}', "
            f"expected '{root_name}' in namespace '{namespace}'.",
            path=path,
        )
    errors = []
    for error in _schema(file_name).iter_errors(resource):
        errors.append(f"{error.path}: {error.reason}")
        if len(errors) > _MAX_ERRORS_SHOWN:
            break
    if errors:
        shown = "; ".join(errors[:_MAX_ERRORS_SHOWN])
        more = " (and more)" if len(errors) > _MAX_ERRORS_SHOWN else ""
        raise InvalidFile(
            f"The {what} does not follow the REFI-QDA schema {file_name}: {shown}{more}.", path=path
        )
    return root


def validate_project_xml(xml_bytes: bytes, *, path: str | None = None) -> Element:
    """Check project.qde bytes against Project.xsd and return the parsed root element.

    Raises
    ------
    InvalidFile
        If the bytes are not well-formed, use DTDs/entities, or break the schema;
        the message lists the first schema errors with their element paths.
    """
    return _validate(
        xml_bytes, "Project.xsd", PROJECT_NS, "Project", "project file (project.qde)", path
    )


def validate_codebook_xml(xml_bytes: bytes, *, path: str | None = None) -> Element:
    """Check .qdc codebook bytes against Codebook.xsd and return the parsed root element."""
    return _validate(xml_bytes, "Codebook.xsd", CODEBOOK_NS, "CodeBook", "codebook", path)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _owner(root: etree._Element, line: int) -> str:
    """Describe the innermost element that starts on or before ``line`` (a Note, a Code...)."""
    found = None
    for element in root.iter():
        if not isinstance(element.tag, str) or element.sourceline is None:
            continue
        if element.sourceline > line:
            break
        found = element
    if found is None:
        return "the file"
    named = found
    while named is not None and not (named.get("guid") or named.get("name")):
        named = named.getparent()
    where = f"<{_local(found.tag)}>"
    if named is not None and named is not found:
        label = named.get("name") or named.get("guid")
        where += f" of {_local(named.tag)} '{label}'"
    elif named is not None:
        where += f" '{named.get('name') or named.get('guid')}'"
    return where


def _first_few(items: list[str]) -> str:
    """The first ``_SHOWN_SKIPS`` of ``items``, and how many more there are."""
    more = f" and {len(items) - _SHOWN_SKIPS} more" if len(items) > _SHOWN_SKIPS else ""
    return "; ".join(items[:_SHOWN_SKIPS]) + more


def _recover(xml_bytes: bytes, what: str, path: str | None, warnings: list[str]) -> etree._Element:
    """Parse ``xml_bytes``; if it is not well-formed, keep what lxml can recover and say what not.

    Entities are never resolved and no DTD or network resource is loaded; ``huge_tree``
    only lifts libxml2's 10 MB limit on one text node (a long inline transcript), the
    archive's own size budget still applies.
    """
    try:
        return etree.fromstring(xml_bytes, safe_parser(recover=False))
    except etree.XMLSyntaxError as error:
        first_error = error
    recovering = safe_parser(recover=True)
    try:
        root = etree.fromstring(xml_bytes, recovering)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise InvalidFile(f"The {what} is not well-formed XML ({first_error}).", path=path)
    lines = xml_bytes.decode("utf-8", errors="replace").splitlines()
    skipped = []
    for entry in recovering.error_log:
        if entry.level < etree.ErrorLevels.ERROR:
            continue
        text = lines[entry.line - 1] if 0 < entry.line <= len(lines) else ""
        start = max(0, entry.column - 1 - _FRAGMENT_CHARS // 2)
        fragment = text[start : start + _FRAGMENT_CHARS].strip()
        skipped.append(
            f"line {entry.line} in {_owner(root, entry.line)} near "
            f"'{fragment}' ({entry.message.strip()})"
        )
    if not skipped:
        skipped.append(str(first_error))
    warnings.append(
        f"The {what} is not well-formed XML (for example a bare '&' or '<' in "
        f"text, as QualCoder writes in memos); what could be read was kept and "
        f"this was skipped: {_first_few(skipped)}."
    )
    return root


def _as_written(element: etree._Element) -> str:
    """An element parsed out of what was meant as text, back as the text it was (``<b>x</b>``)."""
    name = _local(element.tag)
    attributes = "".join(f' {_local(key)}="{value}"' for key, value in element.attrib.items())
    inner = (element.text or "") + "".join(_as_written(c) + (c.tail or "") for c in element)
    if not inner:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{inner}</{name}>"


def _flatten_markup(elements: list[etree._Element], warnings: list[str]) -> None:
    """Read tag-like text (``<b>…</b>`` in an annotation) in a text-only element as text."""
    changed = []
    for element in elements:
        text = (element.text or "") + "".join(_as_written(c) + (c.tail or "") for c in element)
        for child in list(element):
            element.remove(child)
        element.text = text
        named = element.getparent()
        while named is not None and not (named.get("name") or named.get("guid")):
            named = named.getparent()
        where = f"<{_local(element.tag)}>"
        if named is not None:
            where += f" of {_local(named.tag)} '{named.get('name') or named.get('guid')}'"
        start = max(0, text.find("<") - _FRAGMENT_CHARS // 2)
        fragment = text[start : start + 2 * _FRAGMENT_CHARS].strip()
        changed.append(f"{where} ('{fragment}')")
    warnings.append(
        f"{len(changed)} text elements hold text that reads as XML tags (such as '<b>' "
        f"in an annotation, which QualCoder writes unescaped), which the schema does not "
        f"allow there; the tags were read as text, as written: {_first_few(changed)}."
    )


def _repair(root: etree._Element, warnings: list[str]) -> bool:
    """Fix the known peer deviations in place, one warning each; return whether anything changed."""
    empty: dict[str, list[etree._Element]] = {}
    blank: dict[str, int] = {}
    uncodable: list[etree._Element] = []
    marked_up: list[etree._Element] = []
    for element in root.iter():  # one pass: projects can hold 100,000s of elements
        if not isinstance(element.tag, str):
            continue
        name = _local(element.tag)
        if (
            name in _TEXT_ONLY
            and len(element)
            and not (marked_up and marked_up[-1] in element.iterancestors())
        ):
            marked_up.append(element)
        if name in _CONTAINERS and len(element) == 0 and element.getparent() is not None:
            empty.setdefault(name, []).append(element)
        elif name == "Code" and element.get("isCodable") is None:
            uncodable.append(element)
        for attribute in _OPTIONAL_TYPED:
            value = element.get(attribute)
            if value is not None and not value.strip():
                del element.attrib[attribute]
                blank[attribute] = blank.get(attribute, 0) + 1
    for name, elements in empty.items():
        for element in elements:
            element.getparent().remove(element)
        warnings.append(
            f"The file has an empty <{name}/> element (Taguette writes one; the "
            f"schema wants at least one entry); it was ignored."
        )
    for attribute, count in blank.items():
        warnings.append(
            f"{count} elements have an empty {attribute} attribute (QualCoder "
            f"writes one when it knows no value); they were read as having none."
        )
    for element in uncodable:
        element.set("isCodable", "true")
    if uncodable:
        warnings.append(
            f"{len(uncodable)} codes have no isCodable attribute, which the schema "
            f"requires; they were read as codable."
        )
    if marked_up:
        _flatten_markup(marked_up, warnings)
    return bool(empty or blank or uncodable or marked_up)


def read_peer_xml(
    xml_bytes: bytes, *, codebook: bool, warnings: list[str], path: str | None = None
) -> Element:
    """Read a peer's project.qde (or .qdc) leniently, then validate it strictly.

    Known deviations (see the module docstring) are repaired first, each named
    in ``warnings``; anything else the schema forbids is refused as by
    :func:`validate_project_xml`. DTDs and entities stay forbidden.
    """
    what = "codebook" if codebook else "project file (project.qde)"
    validate = validate_codebook_xml if codebook else validate_project_xml
    if b"<!DOCTYPE" in xml_bytes or b"<!ENTITY" in xml_bytes:
        return validate(xml_bytes, path=path)  # refused there as forbidden
    notes: list[str] = []
    root = _recover(xml_bytes, what, path, notes)
    namespace = CODEBOOK_NS if codebook else PROJECT_NS
    root_name = "CodeBook" if codebook else "Project"
    if notes and root.tag != f"{{{namespace}}}{root_name}":
        raise InvalidFile(
            f"The {what} is not well-formed XML, and what could be read of it "
            f"is no REFI-QDA {root_name}.",
            path=path,
        )
    if not _repair(root, notes) and not notes:
        return validate(xml_bytes, path=path)
    warnings.extend(notes)
    return validate(etree.tostring(root, encoding="utf-8", xml_declaration=True), path=path)
