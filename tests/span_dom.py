"""JavaScript that finds a phrase's box inside the span selector's shadow root (browser tests)."""

from __future__ import annotations

# A mouse drag over text inside the component's shadow root: the page coordinates
# of the first and last character of `phrase`, from a DOM Range.
PHRASE_BOX = """(phrase) => {
  for (const element of document.querySelectorAll('*')) {
    const host = element.shadowRoot && element.shadowRoot.querySelector('.ism-transcript');
    if (!host) continue;
    const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const at = node.data.indexOf(phrase);
      if (at < 0) continue;
      node.parentElement.scrollIntoView({block: 'center'});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      const rects = range.getClientRects();
      const first = rects[0], last = rects[rects.length - 1];
      return {x1: first.left + 1, y1: first.top + first.height / 2,
              x2: last.right - 1, y2: last.top + last.height / 2};
    }
  }
  return null;
}"""
