"""XML from outside read safely: no entity resolved, no DTD, nothing fetched from a network.

Used for REFI-QDA projects and LimeSurvey survey files. A file declaring entities (the
"billion laughs") or pointing at external ones (XXE) is read with the entities left
unexpanded, so it can neither blow up in memory nor read a server file.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["parse_xml", "safe_parser"]


def safe_parser(*, recover: bool = False, huge_tree: bool = True) -> etree.XMLParser:
    """An lxml parser that resolves no entity and loads no DTD or network resource.

    ``huge_tree`` only lifts libxml2's 10 MB limit on one text node (a long inline
    transcript); callers bound the file's size themselves.
    """
    return etree.XMLParser(
        recover=recover,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=huge_tree,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """The root element of ``data``; raises ``lxml.etree.XMLSyntaxError`` when not well-formed."""
    return etree.fromstring(data, safe_parser())
