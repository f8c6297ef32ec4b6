"""Show text written by people (instrument texts, names) as text, never as Markdown.

Streamlit renders labels, captions, alerts and ``st.markdown`` as Markdown, where
``![x](https://elsewhere/pixel.png)`` makes every visitor's browser fetch an outside
address and ``[click](...)`` hides where a link goes. Escaping every Markdown
character keeps the text exactly as written.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit adds :directives:
# and $math$, so escape those characters too.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&\"'^])")


def markdown_literal(text: str) -> str:
    """``text`` with every Markdown character escaped, so it renders as written."""
    return _SPECIAL.sub(r"\\\1", text)
