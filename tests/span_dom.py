"""The span selector in browser tests: where a phrase is, a drag over it, waiting until stored."""

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


def drag_over(page, phrase: str) -> None:
    """Select ``phrase`` in the transcript with a real mouse drag."""
    box = page.evaluate(PHRASE_BOX, phrase)
    assert box is not None, phrase
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def settled(page) -> None:
    """Wait until the page has stored every change the browser drew (none pending)."""
    page.wait_for_function("""() => {
      for (const element of document.querySelectorAll('*')) {
        const shell = element.shadowRoot && element.shadowRoot.querySelector('.ism-workbench');
        if (shell) return shell.dataset.pending === '0';
      }
      return false;
    }""")
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
