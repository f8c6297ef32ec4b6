"""Safe XML parsing and validation against the REFI-QDA schemas shipped with the package.

Both directions go through here: the writer refuses to produce a file other
tools would reject, and the reader refuses one it cannot trust.
"""

from __future__ import annotations

import functools
import io
from importlib import resources
from xml.etree.ElementTree import Element

import xmlschema
from xmlschema.exceptions import XMLResourceError, XMLResourceForbidden

from study.errors import InvalidFile

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_MAX_ERRORS_SHOWN = 3


@functools.cache
def _schema(file_name: str) -> xmlschema.XMLSchema:
    xsd = resources.files("study.exchange.refiqda").joinpath("schemas", file_name)
    with resources.as_file(xsd) as xsd_path:
        return xmlschema.XMLSchema(str(xsd_path))


def _validate(xml_bytes: bytes, file_name: str, namespace: str, root_name: str,
              what: str, path: str | None) -> Element:
    try:
        # defuse="always" refuses DTDs and entities (billion laughs, XXE).
        resource = xmlschema.XMLResource(io.BytesIO(xml_bytes), defuse="always")
    except XMLResourceForbidden as error:
        raise InvalidFile(f"The {what} contains a forbidden XML construct ({error}).",
                          path=path) from error
    except (XMLResourceError, SyntaxError) as error:
        raise InvalidFile(f"The {what} is not well-formed XML ({error}).", path=path) from error
    root = resource.root
    expected = f"{{{namespace}}}{root_name}"
    if root.tag != expected:
        raise InvalidFile(
            f"The {what} is not a REFI-QDA file: its root element is '{root.tag}', "
            f"expected '{root_name}' in namespace '{namespace}'.", path=path)
    errors = []
    for error in _schema(file_name).iter_errors(resource):
        errors.append(f"{error.path}: {error.reason}")
        if len(errors) > _MAX_ERRORS_SHOWN:
            break
    if errors:
        shown = "; ".join(errors[:_MAX_ERRORS_SHOWN])
        more = " (and more)" if len(errors) > _MAX_ERRORS_SHOWN else ""
        raise InvalidFile(f"The {what} does not follow the REFI-QDA schema {file_name}: "
                          f"{shown}{more}.", path=path)
    return root


def validate_project_xml(xml_bytes: bytes, *, path: str | None = None) -> Element:
    """Check project.qde bytes against Project.xsd and return the parsed root element.

    Raises
    ------
    InvalidFile
        If the bytes are not well-formed, use DTDs/entities, or break the schema;
        the message lists the first schema errors with their element paths.
    """
    return _validate(xml_bytes, "Project.xsd", PROJECT_NS, "Project",
                     "project file (project.qde)", path)


def validate_codebook_xml(xml_bytes: bytes, *, path: str | None = None) -> Element:
    """Check .qdc codebook bytes against Codebook.xsd and return the parsed root element."""
    return _validate(xml_bytes, "Codebook.xsd", CODEBOOK_NS, "CodeBook", "codebook", path)
