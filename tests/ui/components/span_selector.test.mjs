// Unit tests of the span selector's pure functions (study/ui/components/span_selector.js):
// offsets in code points, turns a span touches, runs cut at mark edges (as span_view.py
// cuts them on the server), white space left out of a coding, keys 1-9.
// Run: node --test tests/ui/components/  (tests/ui/components/test_span_selector_js.py does).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const source = readFileSync(new URL("../../../study/ui/components/span_selector.js", import.meta.url),
                            "utf8");
// As Streamlit does, load the file as an ES module (no package.json makes it one here).
const selector = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);

// "Hej 🙂 du" / "Ja." as two turns with a gap of two line breaks between them.
function transcript(marks = []) {
  return {
    turns: [{ start: 0, end: 8, text: "Hej 🙂 du" }, { start: 10, end: 13, text: "Ja." }],
    marks,
  };
}

test("codePoints counts an emoji once", () => {
  assert.equal(selector.codePoints("a🙂b"), 3);
  assert.equal("a🙂b".length, 4);
});

test("rgba turns a hex colour into a tint and falls back to grey", () => {
  assert.equal(selector.rgba("#ff8000", 0.2), "rgba(255, 128, 0, 0.2)");
  assert.equal(selector.rgba("not a colour", 0.5), "rgba(128, 128, 128, 0.5)");
});

test("turnAt finds the last turn starting at or before an offset", () => {
  const state = transcript();
  assert.equal(selector.turnAt(state, 0), 0);
  assert.equal(selector.turnAt(state, 9), 0);
  assert.equal(selector.turnAt(state, 10), 1);
  assert.equal(selector.turnAt(state, 99), 1);
});

test("turnsOf lists every turn a span touches", () => {
  const state = transcript();
  assert.deepEqual(selector.turnsOf(state, 2, 5), [0]);
  assert.deepEqual(selector.turnsOf(state, 6, 12), [0, 1]);
  assert.deepEqual(selector.turnsOf(state, 8, 10), [0]);  // between turns: the one before
});

test("cutTurn cuts at every mark edge in code points, innermost mark last", () => {
  const marks = [{ start: 2, end: 8, kind: "mine" }, { start: 4, end: 5, kind: "other" }];
  const state = transcript(marks);
  selector.cutTurn(state, 0);
  const turn = state.turns[0];
  assert.deepEqual(turn.runs, [[0, 2, "He", []], [2, 4, "j ", [0]], [4, 5, "🙂", [0, 1]],
                               [5, 8, " du", [0]]]);
  assert.deepEqual(turn.chips, [0, 1]);
  assert.equal(turn.runs.map((run) => run[2]).join(""), turn.text);
});

test("cutTurn leaves out removed marks", () => {
  const state = transcript([{ start: 0, end: 3, kind: "mine", gone: true }]);
  selector.cutTurn(state, 0);
  assert.deepEqual(state.turns[0].runs, [[0, 8, "Hej 🙂 du", []]]);
});

test("tidy leaves white space, and the gap between turns, out of a span", () => {
  const state = transcript();
  assert.deepEqual(selector.tidy(state, 3, 5), [4, 5]);
  assert.deepEqual(selector.tidy(state, 6, 12), [6, 12]);
  assert.deepEqual(selector.tidy(state, 8, 10), [10, 10]);
});

test("words joins the selected words of each turn", () => {
  assert.equal(selector.words(transcript(), 4, 12), "🙂 du Ja");
});

test("numbered gives keys 1-9 to starred codes, or to the first nine without stars", () => {
  const codes = Array.from({ length: 12 }, (_, i) => ({ id: i + 1 }));
  assert.deepEqual(selector.numbered({ tree: { codes }, favourites: [] }),
                   [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(selector.numbered({ tree: { codes }, favourites: [11, 3] }), [3, 11]);
});

// A key event as the page's document sees it: the innermost target first in its path.
function key(init, target) {
  return { ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...init,
           composedPath: () => (target ? [target, { nodeType: 9 }] : []) };
}

// An element, inside an element of tag `inside` (found by closest()) or not.
function node(tag, { inside = null, editable = false } = {}) {
  return { nodeType: 1, tagName: tag, isContentEditable: editable,
           closest: (selector) => (inside && selector.includes(inside) ? { tagName: inside } : null) };
}

test("isUndo is Ctrl+Z or Cmd+Z, not with Shift or Alt", () => {
  assert.equal(selector.isUndo(key({ key: "z", ctrlKey: true })), true);
  assert.equal(selector.isUndo(key({ key: "Z", metaKey: true })), true);
  assert.equal(selector.isUndo(key({ key: "z", ctrlKey: true, shiftKey: true })), false);
  assert.equal(selector.isUndo(key({ key: "z", ctrlKey: true, altKey: true })), false);
  assert.equal(selector.isUndo(key({ key: "z" })), false);
  assert.equal(selector.isUndo(key({ key: "y", ctrlKey: true })), false);
});

test("isTyping is true in a text field only, wherever else the focus is", () => {
  assert.equal(selector.isTyping(key({ key: "z" }, node("BODY"))), false);
  assert.equal(selector.isTyping(key({ key: "z" }, node("BUTTON"))), false);
  assert.equal(selector.isTyping(key({ key: "z" }, node("INPUT", { inside: "input" }))), true);
  assert.equal(selector.isTyping(key({ key: "z" }, node("TEXTAREA", { inside: "textarea" }))), true);
  assert.equal(selector.isTyping(key({ key: "z" }, node("DIV", { editable: true }))), true);
  assert.equal(selector.isTyping(key({ key: "z" }, { nodeType: 3 })), false);
});
