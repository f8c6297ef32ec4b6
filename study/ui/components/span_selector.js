// Span selector for the coding workbench (st.components.v2, no build step).
//
// Draws the transcript from `data` (built by study/interviews/coding/span_view.py): one row per turn
// with the speaker, the text cut into runs (each run knows its code-point
// start and end) and a margin of code chips; beside it, when `data.codes` is
// given, the scheme's code tree (colours, counts, favourites 1-9). Transcript
// text and code names only ever go into textContent or title attributes,
// never innerHTML.
//
// Coding happens here, without waiting for Streamlit: select text, click a
// code (or press 1-9) and the highlight is drawn at once; the change goes to
// the page as an action and the next rerun's data replaces the drawing (the
// server's word is final). Every change action carries an id and is resent
// with later ones until the page lists it in `data.done`, so a rerun that was
// interrupted loses nothing and nothing is applied twice. The trigger value
// `action` is {actions: [...]}, each one of:
//   {type: "code", id, start, end, code}     code a passage (tree click, 1-9)
//   {type: "invivo", id, start, end}         a new code named with the passage
//   {type: "remove", id, ref}                Delete on the focused coding
//   {type: "span", id, ref, start, end}      a coding's edge dragged
//   {type: "undo", id}                       Ctrl+Z (Cmd+Z)
//   {type: "mark", ref, kind}                a coding clicked (opens it beside)
//   {type: "accept"|"reject", ref}           a suggestion chip's buttons
// The types are declared in span_view.py (ACTIONS); `data.changes` names the
// change actions (those with an id, resent until done).
// Offsets are code points: JS strings count UTF-16 units, so an emoji would
// count twice; Array.from() walks code points.

const SELECTION_HIGHLIGHT = "ism-study-selection";
const ADJUST_HIGHLIGHT = "ism-study-adjust";

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function codePoints(text) {
  return Array.from(text).length;
}

function rgba(hex, alpha) {
  const value = parseInt(String(hex).replace("#", ""), 16);
  if (Number.isNaN(value)) return `rgba(128, 128, 128, ${alpha})`;
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

// One background layer per mark: a tint of the innermost coding, and a bar
// (solid: mine; dotted: another coder's) per mark, and a dotted outline in
// the code's colour around a suggestion,
// stacked upwards from the baseline so overlapping codings stay readable.
function decorate(run, marks) {
  const layers = [];
  const sizes = [];
  const positions = [];
  const shown = marks.slice(-4);
  run.style.outline = "";
  shown.forEach((mark, level) => {
    const colour = mark.colour;
    if (mark.kind === "suggestion") {
      // A suggestion is outlined, dotted, in its code's colour (no bar of its own).
      run.style.outline = `2px dotted ${colour}`;
      run.style.outlineOffset = "1px";
      return;
    } else if (mark.kind === "other") {
      layers.push(`repeating-linear-gradient(90deg, ${colour} 0 3px, transparent 3px 5px)`);
    } else {
      layers.push(`linear-gradient(${colour}, ${colour})`);
    }
    sizes.push("100% 3px");
    positions.push(`left 0 bottom ${(shown.length - 1 - level) * 4}px`);
  });
  const solid = marks.filter((mark) => mark.kind !== "suggestion");
  if (solid.length) {
    const inner = solid[solid.length - 1];
    const tint = rgba(inner.colour, inner.kind === "other" ? 0.1 : 0.2);
    layers.push(`linear-gradient(${tint}, ${tint})`);
    sizes.push("100% 100%");
    positions.push("0 0");
  }
  run.style.backgroundImage = layers.join(", ");
  run.style.backgroundSize = sizes.join(", ");
  run.style.backgroundPosition = positions.join(", ");
  run.style.backgroundRepeat = "no-repeat";
  run.style.paddingBottom = `${shown.filter((m) => m.kind !== "suggestion").length * 4}px`;
  run.title = marks.map((mark) => (mark.kind === "suggestion" ? `Suggested: ${mark.label}`
    : mark.coder ? `${mark.label} (${mark.coder})` : mark.label)).join("\n");
}

function chip(mark, index, labels) {
  const box = element("span", `chip chip-${mark.kind}`);
  box.style.borderLeftColor = mark.colour;
  box.dataset.mark = String(index);
  const name = element("button", "chip-name");
  name.type = "button";
  name.dataset.mark = String(index);
  name.dataset.action = "mark";
  const prefix = mark.kind === "suggestion" ? `${labels.suggested}: ` : "";
  name.textContent = prefix + mark.label + (mark.coder ? ` · ${mark.coder}` : "")
    + (mark.memo ? " ✎" : "");
  name.title = name.textContent;
  box.appendChild(name);
  if (mark.kind === "suggestion") {
    for (const [action, text, title] of [["accept", "✓", labels.accept],
                                         ["reject", "✕", labels.reject]]) {
      const button = element("button", `chip-${action}`);
      button.type = "button";
      button.textContent = text;
      button.title = title;
      button.setAttribute("aria-label", `${title}: ${mark.label}`);
      button.dataset.mark = String(index);
      button.dataset.action = action;
      box.appendChild(button);
    }
  }
  return box;
}

// -- the transcript ---------------------------------------------------------

// The turn index holding code point `at` (the last turn starting at or before it).
function turnAt(state, at) {
  const turns = state.turns;
  let low = 0;
  let high = turns.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (turns[middle].start <= at) low = middle; else high = middle - 1;
  }
  return low;
}

// Indices of the turns a span touches.
function turnsOf(state, start, end) {
  const found = [];
  for (let n = turnAt(state, start); n < state.turns.length; n += 1) {
    const turn = state.turns[n];
    if (turn.start >= end && found.length) break;
    if (turn.end > start && turn.start < end) found.push(n);
    if (turn.start >= end) break;
  }
  if (!found.length && state.turns.length) found.push(turnAt(state, start));
  return found;
}

// Cut a turn into runs at every mark edge, as span_view.py does on the server.
function cutTurn(state, n) {
  const turn = state.turns[n];
  const points = turn.points || (turn.points = Array.from(turn.text));
  const inside = [];
  const chips = [];
  state.marks.forEach((mark, i) => {
    if (!mark || mark.gone) return;
    if (mark.end > turn.start && mark.start < turn.end) inside.push(i);
    const first = turnsOf(state, mark.start, mark.end)[0];
    if (first === n) chips.push(i);
  });
  const cuts = new Set([turn.start, turn.end]);
  for (const i of inside) {
    cuts.add(Math.min(Math.max(state.marks[i].start, turn.start), turn.end));
    cuts.add(Math.min(Math.max(state.marks[i].end, turn.start), turn.end));
  }
  const edges = Array.from(cuts).sort((a, b) => a - b);
  const ordered = inside.slice().sort((i, j) => {
    const a = state.marks[i];
    const b = state.marks[j];
    return (a.start - a.end) - (b.start - b.end) || a.start - b.start || i - j;
  });
  const runs = [];
  for (let k = 0; k + 1 < edges.length; k += 1) {
    const a = edges[k];
    const b = edges[k + 1];
    if (b <= a) continue;
    const covering = ordered.filter((i) => state.marks[i].start <= a && state.marks[i].end >= b);
    runs.push([a, b, points.slice(a - turn.start, b - turn.start).join(""), covering]);
  }
  turn.runs = runs;
  turn.chips = chips;
}

function buildRow(state, n) {
  const turn = state.turns[n];
  const labels = state.labels;
  const row = element("div", "turn");
  row.dataset.n = String(n);
  const speaker = element("div", "speaker");
  speaker.textContent = turn.speaker;
  const body = element("div", "text");
  for (const [start, end, text, covering] of turn.runs) {
    const run = element("span", "run");
    run.dataset.s = String(start);
    run.dataset.e = String(end);
    run.textContent = text;
    if (covering.length) {
      run.dataset.m = covering.join(" ");
      decorate(run, covering.map((i) => state.marks[i]));
    }
    body.appendChild(run);
    for (const i of covering) {
      const mark = state.marks[i];
      if (mark.memo && mark.end === end) {
        const marker = element("span", "memo-marker");
        marker.textContent = "✎";
        marker.title = labels.memo || "Memo";
        marker.dataset.mark = String(i);
        marker.dataset.action = "mark";
        body.appendChild(marker);
      }
    }
  }
  const margin = element("div", "margin");
  for (const i of turn.chips) margin.appendChild(chip(state.marks[i], i, labels));
  if (labels.code_turn !== "") {
    const codeTurn = element("button", "code-turn");
    codeTurn.type = "button";
    codeTurn.textContent = labels.code_turn || "Select turn";
    codeTurn.title = labels.code_turn_help || "";
    codeTurn.dataset.action = "turn";
    codeTurn.dataset.n = String(n);
    margin.appendChild(codeTurn);
  }
  row.append(speaker, body, margin);
  return row;
}

function renderAll(shell, data) {
  const state = shell.__ism;
  state.labels = data.labels || {};
  state.marks = (data.marks || []).map((mark) => ({ ...mark }));
  state.turns = (data.turns || []).map((turn) => ({
    n: turn.n, speaker: turn.speaker, start: turn.start, end: turn.end, runs: turn.runs,
    chips: turn.chips, text: turn.runs.map((run) => run[2]).join(""),
  }));
  state.rows = [];
  const fragment = document.createDocumentFragment();
  state.turns.forEach((turn, n) => {
    const row = buildRow(state, n);
    state.rows.push(row);
    fragment.appendChild(row);
  });
  state.host.replaceChildren(fragment);
  state.runs = null;
  state.focused = null;
}

function redraw(shell, turnIndices) {
  const state = shell.__ism;
  for (const n of turnIndices) {
    cutTurn(state, n);
    const row = buildRow(state, n);
    state.rows[n].replaceWith(row);
    state.rows[n] = row;
  }
  state.runs = null;
  if (state.focused !== null) focusMark(shell, state.focused);
}

function allRuns(state) {
  if (!state.runs) state.runs = Array.from(state.host.querySelectorAll(".run"));
  return state.runs;
}

// -- the code tree ----------------------------------------------------------

function favouriteKey(state) {
  return `ism-study-favourites-${state.tree.scheme}`;
}

function loadFavourites(state) {
  try {
    const stored = JSON.parse(window.localStorage.getItem(favouriteKey(state)) || "[]");
    return Array.isArray(stored) ? stored.map(Number) : [];
  } catch (error) {
    return [];
  }
}

// The first nine favourite codes (starred ones in tree order; none starred:
// the first nine codes), as code ids by key 1-9.
function numbered(state) {
  const codes = state.tree.codes;
  const starred = new Set(state.favourites);
  const chosen = starred.size ? codes.filter((code) => starred.has(code.id)) : codes;
  return chosen.slice(0, 9).map((code) => code.id);
}

function renderTree(shell) {
  const state = shell.__ism;
  const tree = state.tree;
  const box = state.treeBox;
  if (!tree) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const labels = state.labels;
  const keys = numbered(state);
  const starred = new Set(state.favourites);
  const head = element("div", "tree-head");
  const title = element("div", "tree-title");
  title.textContent = tree.title || labels.codes || "Codes";
  const inVivo = element("button", "in-vivo");
  inVivo.type = "button";
  inVivo.dataset.action = "invivo";
  inVivo.textContent = labels.in_vivo || "In vivo";
  inVivo.title = labels.in_vivo_help || "";
  inVivo.disabled = !state.selection || tree.readonly;
  const undo = element("button", "undo");
  undo.type = "button";
  undo.dataset.action = "undo";
  undo.textContent = labels.undo || "Undo";
  undo.title = labels.undo_help || "";
  undo.disabled = Boolean(tree.readonly);
  head.append(title, inVivo, undo);
  const hint = element("div", "tree-hint");
  hint.textContent = state.selection ? (labels.hint_selected || "") : (labels.hint || "");
  const list = element("div", "tree-list");
  list.setAttribute("role", "list");
  for (const code of tree.codes) {
    const item = element("div", "code");
    item.setAttribute("role", "listitem");
    item.style.paddingLeft = `${0.2 + code.depth * 0.9}rem`;
    const apply = element("button", "code-apply");
    apply.type = "button";
    apply.dataset.action = "code";
    apply.dataset.code = String(code.id);
    apply.disabled = Boolean(tree.readonly);
    const swatch = element("span", "swatch");
    swatch.style.background = code.colour;
    const name = element("span", "code-name");
    name.textContent = code.name;
    const count = element("span", "count");
    count.textContent = String(state.counts.get(code.id) || 0);
    count.title = labels.count_help || "";
    const key = keys.indexOf(code.id);
    const number = element("kbd", "key");
    number.textContent = key >= 0 ? String(key + 1) : "";
    apply.append(swatch, name, count, number);
    apply.title = code.name + (key >= 0 ? ` (${key + 1})` : "");
    const star = element("button", `star${starred.has(code.id) ? " on" : ""}`);
    star.type = "button";
    star.dataset.action = "star";
    star.dataset.code = String(code.id);
    star.textContent = starred.has(code.id) ? "★" : "☆";
    star.title = labels.star_help || "";
    star.setAttribute("aria-label", `${labels.star_help || "Favourite"}: ${code.name}`);
    item.append(apply, star);
    list.appendChild(item);
  }
  box.replaceChildren(head, hint, list);
}

function countCodes(state) {
  state.counts = new Map();
  for (const mark of state.marks) {
    if (!mark || mark.gone || mark.kind === "suggestion" || mark.code === undefined) continue;
    state.counts.set(mark.code, (state.counts.get(mark.code) || 0) + 1);
  }
}

// -- keys -------------------------------------------------------------------

const TEXT_FIELD = "input, textarea, select, [contenteditable]:not([contenteditable='false']), "
  + "[role='textbox'], [role='combobox'], [role='listbox'], [role='searchbox']";

// Whether a key goes to a text field (its own undo, its own digits): the
// innermost target, looked up through shadow roots.
function isTyping(event) {
  const path = typeof event.composedPath === "function" ? event.composedPath() : [];
  const target = path.length ? path[0] : event.target;
  if (!target || target.nodeType !== 1) return false;
  return Boolean(target.isContentEditable || (target.closest && target.closest(TEXT_FIELD)));
}

// Ctrl+Z, or Cmd+Z on a Mac; not with Shift (redo) or Alt.
function isUndo(event) {
  return (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey
    && typeof event.key === "string" && event.key.toLowerCase() === "z";
}

// -- selection --------------------------------------------------------------

// The code-point offset of a DOM boundary point. Inside a run's text node it
// is exact; elsewhere (a speaker label, a margin, between turns) it snaps to
// the nearest run edge: the next run's start for a start point, the previous
// run's end for an end point.
function offsetOf(state, node, offset, isEnd) {
  if (node.nodeType === Node.TEXT_NODE && node.parentElement
      && node.parentElement.classList.contains("run")) {
    return Number(node.parentElement.dataset.s) + codePoints(node.data.slice(0, offset));
  }
  if (node.nodeType === Node.ELEMENT_NODE && node.classList.contains("run")) {
    return Number(offset === 0 ? node.dataset.s : node.dataset.e);
  }
  const runs = allRuns(state);
  if (!runs.length) return null;
  let low = 0;
  let high = runs.length;
  const probe = document.createRange();
  while (low < high) {
    const middle = (low + high) >> 1;
    probe.selectNode(runs[middle]);
    let where;
    try {
      where = probe.comparePoint(node, offset);
    } catch (error) {
      return null;
    }
    if (where > 0) low = middle + 1; else high = middle;
  }
  if (isEnd) return low > 0 ? Number(runs[low - 1].dataset.e) : Number(runs[0].dataset.s);
  return low < runs.length ? Number(runs[low].dataset.s) : Number(runs[runs.length - 1].dataset.e);
}

// The selection inside the shadow root: ShadowRoot.getSelection() where it
// exists (Chromium), else Selection.getComposedRanges (Firefox, Safari).
function selectedRange(root) {
  if (typeof root.getSelection === "function") {
    const selection = root.getSelection();
    if (selection && selection.rangeCount && !selection.isCollapsed) return selection.getRangeAt(0);
    return null;
  }
  const selection = document.getSelection();
  if (!selection) return null;
  if (typeof selection.getComposedRanges === "function" && root instanceof ShadowRoot) {
    const ranges = selection.getComposedRanges({ shadowRoots: [root] });
    return ranges.length && !ranges[0].collapsed ? ranges[0] : null;
  }
  return selection.rangeCount && !selection.isCollapsed ? selection.getRangeAt(0) : null;
}

function paint(name, range) {
  if (!(window.CSS && CSS.highlights && window.Highlight)) return;
  if (range) CSS.highlights.set(name, new Highlight(range));
  else CSS.highlights.delete(name);
}

// A DOM range over code points [start, end) of the drawn transcript.
function rangeOf(state, start, end) {
  const runs = allRuns(state);
  const at = (offset, isEnd) => {
    for (const run of runs) {
      const s = Number(run.dataset.s);
      const e = Number(run.dataset.e);
      if (offset > s && offset < e || (!isEnd && offset === s) || (isEnd && offset === e)) {
        const node = run.firstChild;
        const units = Array.from(node.data).slice(0, offset - s).join("").length;
        return [node, units];
      }
    }
    return null;
  };
  const from = at(start, false);
  const to = at(end, true);
  if (!from || !to) return null;
  const range = document.createRange();
  range.setStart(from[0], from[1]);
  range.setEnd(to[0], to[1]);
  return range;
}

function setSelection(shell, selection, range) {
  const state = shell.__ism;
  state.selection = selection;
  paint(SELECTION_HIGHLIGHT, selection ? range || rangeOf(state, selection.start,
                                                          selection.end) : null);
  renderTree(shell);
}

// Leading and trailing white space is not part of a coding.
function tidy(state, start, end) {
  const charAt = (offset) => {
    const turn = state.turns[turnAt(state, offset)];
    // Between turns there is white space the rows do not draw.
    if (!turn || offset < turn.start || offset >= turn.end) return " ";
    return (turn.points || (turn.points = Array.from(turn.text)))[offset - turn.start];
  };
  while (start < end && /\s/.test(charAt(start))) start += 1;
  while (end > start && /\s/.test(charAt(end - 1))) end -= 1;
  return [start, end];
}

// A mouseup not read yet (keys and clicks may come before its timer).
function readPending(shell) {
  const pending = shell.__ism.unread;
  if (pending) readSelection(shell, pending.target);
}

function readSelection(shell, target) {
  const state = shell.__ism;
  state.unread = null;
  const range = selectedRange(state.root);
  if (!range) {
    clicked(shell, target);
    return;
  }
  if (!state.host.contains(range.startContainer) || !state.host.contains(range.endContainer)) {
    return;
  }
  let start = offsetOf(state, range.startContainer, range.startOffset, false);
  let end = offsetOf(state, range.endContainer, range.endOffset, true);
  if (start === null || end === null || end <= start) return;
  [start, end] = tidy(state, start, end);
  if (end <= start) return;
  // The highlight keeps the selection visible; dropping the native one means a
  // later click (a code, a chip) is not read as the same selection again.
  if (typeof state.root.getSelection === "function") state.root.getSelection().removeAllRanges();
  else document.getSelection().removeAllRanges();
  unfocus(shell);
  setSelection(shell, { start, end });
  state.selectedAt = performance.now();
}

// -- focused coding: outline, drag handles, Delete ------------------------------

function unfocus(shell) {
  const state = shell.__ism;
  for (const node of state.host.querySelectorAll(".run.focus")) node.classList.remove("focus");
  for (const node of state.host.querySelectorAll(".handle")) node.remove();
  state.focused = null;
}

// Focus the next (step 1) or previous (-1) open suggestion after the focused
// mark, wrapping round, and scroll it into view; false when there is none.
function nextSuggestion(shell, step) {
  const state = shell.__ism;
  const open = state.marks
    .map((mark, index) => ({ mark, index }))
    .filter(({ mark }) => mark.kind === "suggestion" && !mark.gone)
    .sort((a, b) => a.mark.start - b.mark.start || a.mark.end - b.mark.end);
  if (!open.length) return false;
  const current = open.findIndex(({ index }) => index === state.focused);
  const next = current < 0 ? (step > 0 ? 0 : open.length - 1)
    : (current + step + open.length) % open.length;
  focusMark(shell, open[next].index);
  const run = state.host.querySelector(".run.focus");
  if (run && run.scrollIntoView) run.scrollIntoView({ block: "center" });
  return true;
}

function focusMark(shell, index) {
  const state = shell.__ism;
  unfocus(shell);
  const mark = state.marks[index];
  if (!mark || mark.gone) return;
  state.focused = index;
  const runs = [];
  for (const n of turnsOf(state, mark.start, mark.end)) {
    for (const run of state.rows[n].querySelectorAll(".run[data-m]")) {
      if (run.dataset.m.split(" ").map(Number).includes(index)) runs.push(run);
    }
  }
  for (const run of runs) run.classList.add("focus");
  if (mark.kind !== "mine" || typeof mark.ref !== "number" || !runs.length) return;
  for (const [edge, run, where] of [["start", runs[0], "beforebegin"],
                                    ["end", runs[runs.length - 1], "afterend"]]) {
    const handle = element("span", `handle handle-${edge}`);
    handle.dataset.edge = edge;
    handle.title = state.labels.handle_help || "";
    handle.style.setProperty("--colour", mark.colour);
    run.insertAdjacentElement(where, handle);
  }
}

// The code point under the mouse: the run under it, then the character whose
// box holds the point (reading order), by bisection.
function offsetAtPoint(state, x, y) {
  const hit = state.root.elementFromPoint ? state.root.elementFromPoint(x, y) : null;
  const run = hit && hit.closest ? hit.closest(".run") : null;
  if (!run || !run.firstChild) return null;
  const node = run.firstChild;
  const points = Array.from(node.data);
  const range = document.createRange();
  let units = 0;
  const starts = points.map((p) => { const u = units; units += p.length; return u; });
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    range.setStart(node, starts[middle]);
    range.setEnd(node, starts[middle] + points[middle].length);
    const box = range.getBoundingClientRect();
    const before = y < box.top || (y <= box.bottom && x < box.left + box.width / 2);
    if (before) high = middle; else low = middle + 1;
  }
  return Number(run.dataset.s) + low;
}

function startDrag(shell, handle, event) {
  const state = shell.__ism;
  const mark = state.marks[state.focused];
  if (!mark) return;
  event.preventDefault();
  event.stopPropagation();
  const edge = handle.dataset.edge;
  const drag = { edge, start: mark.start, end: mark.end };
  const move = (moved) => {
    const at = offsetAtPoint(state, moved.clientX, moved.clientY);
    if (at === null) return;
    if (edge === "start") drag.start = Math.min(at, mark.end - 1);
    else drag.end = Math.max(at, mark.start + 1);
    paint(ADJUST_HIGHLIGHT, rangeOf(state, drag.start, drag.end));
  };
  const up = (released) => {
    document.removeEventListener("mousemove", move, true);
    document.removeEventListener("mouseup", up, true);
    move(released);
    paint(ADJUST_HIGHLIGHT, null);
    state.dragging = false;
    const [start, end] = tidy(state, drag.start, drag.end);
    if (end > start && (start !== mark.start || end !== mark.end)) {
      change(shell, { type: "span", ref: mark.ref, start, end });
    }
  };
  state.dragging = true;
  document.addEventListener("mousemove", move, true);
  document.addEventListener("mouseup", up, true);
}

// -- actions: drawn at once, then sent ------------------------------------------

let counter = 0;

function apply(shell, action) {
  const state = shell.__ism;
  const touched = new Set();
  const codes = state.tree ? state.tree.codes : [];
  if (action.type === "code" || action.type === "invivo") {
    const code = codes.find((c) => c.id === action.code);
    const label = code ? code.name : state.labels.new_code || "New code";
    const mark = { start: action.start, end: action.end, kind: "mine", ref: null,
                   label: action.type === "invivo" ? (action.words || label) : label,
                   colour: code ? code.colour : "#888888", coder: "", code: action.code,
                   pending: action.id };
    state.marks.push(mark);
    turnsOf(state, mark.start, mark.end).forEach((n) => touched.add(n));
  } else if (action.type === "remove" || action.type === "span") {
    const index = state.marks.findIndex((m) => m && !m.gone && m.ref === action.ref);
    if (index < 0) return;
    const mark = state.marks[index];
    turnsOf(state, mark.start, mark.end).forEach((n) => touched.add(n));
    if (action.type === "remove") {
      mark.gone = true;
      if (state.focused === index) state.focused = null;
    } else {
      mark.start = action.start;
      mark.end = action.end;
      turnsOf(state, mark.start, mark.end).forEach((n) => touched.add(n));
    }
  }
  if (touched.size) redraw(shell, touched);
  countCodes(state);
}

function send(shell, action) {
  const state = shell.__ism;
  const actions = state.pending.slice();
  if (action && !state.changes.has(action.type)) actions.push(action);
  state.send("action", { actions });
}

function change(shell, action) {
  const state = shell.__ism;
  counter += 1;
  action.id = `${state.session}-${counter}`;
  state.pending.push(action);
  apply(shell, action);
  if (action.type === "code" || action.type === "invivo") setSelection(shell, null);
  else renderTree(shell);
  send(shell, null);
}

function words(state, start, end) {
  let text = "";
  for (const n of turnsOf(state, start, end)) {
    const turn = state.turns[n];
    const points = turn.points || (turn.points = Array.from(turn.text));
    text += `${points.slice(Math.max(start, turn.start) - turn.start,
                             Math.min(end, turn.end) - turn.start).join("")} `;
  }
  return text.trim();
}

function codeSelection(shell, codeId) {
  const state = shell.__ism;
  if (!state.selection || (state.tree && state.tree.readonly)) return false;
  const { start, end } = state.selection;
  change(shell, { type: "code", start, end, code: codeId });
  return true;
}

// A plain click: on highlighted text it focuses (and opens) the innermost
// coding there; elsewhere it drops the current selection and focus.
function clicked(shell, target) {
  const state = shell.__ism;
  const run = target && target.closest ? target.closest(".run") : null;
  if (run && run.dataset.m) {
    const indices = run.dataset.m.split(" ").map(Number);
    const index = indices[indices.length - 1];
    const mark = state.marks[index];
    setSelection(shell, null);
    if (!mark) return;
    focusMark(shell, index);
    if (typeof mark.ref === "number" || (mark.kind === "suggestion" && mark.ref)) {
      send(shell, { type: "mark", ref: mark.ref, kind: mark.kind });
    }
  } else {
    unfocus(shell);
    if (state.selection) setSelection(shell, null);
  }
}

function wire(shell) {
  const state = shell.__ism;
  shell.addEventListener("mousedown", (event) => {
    const handle = event.target.closest(".handle");
    if (handle) startDrag(shell, handle, event);
  });
  state.host.addEventListener("mouseup", (event) => {
    if (state.dragging || event.target.closest(".margin")) return;
    // Read the target now: after dispatch it is retargeted to the shadow host.
    state.unread = { target: event.target };
    setTimeout(() => readPending(shell), 0);
  });
  shell.addEventListener("keyup", (event) => {
    if (event.key === "Shift") readSelection(shell, null);
  });
  // The component is drawn in the page's own document (a shadow root, no
  // iframe), so one listener on the document hears every key of the page.
  // Ctrl+Z (Cmd+Z) undoes wherever the focus is, except in a text field (its
  // own undo); the other keys count when the workbench has the focus, or
  // there is a selection or a focused coding (after a drag the focus may stay
  // on the page body).
  const onKey = (event) => {
    if (!shell.isConnected) {
      document.removeEventListener("keydown", onKey, true);
      return;
    }
    if (event.defaultPrevented || isTyping(event)) return;
    // A key pressed right after a drag may come before the drag's mouseup was read.
    readPending(shell);
    // Without a code tree (the consensus view) only dragging a span changes anything.
    const readonly = !state.tree || state.tree.readonly;
    if (isUndo(event)) {
      if (readonly) return;
      event.preventDefault();
      change(shell, { type: "undo" });
      return;
    }
    const inside = event.composedPath().includes(shell);
    if (!inside && state.selection === null && state.focused === null) return;
    const focusedMark = state.focused !== null ? state.marks[state.focused] : null;
    const suggestion = focusedMark && focusedMark.kind === "suggestion" && !readonly
      ? focusedMark : null;
    if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey
        && nextSuggestion(shell, event.shiftKey ? -1 : 1)) {
      // Tab (Shift+Tab) walks the open suggestions in text order.
      event.preventDefault();
    } else if (suggestion && (event.key === "Enter" || event.key === "Backspace"
               || event.key === "Delete")) {
      // Enter accepts the focused suggestion, Backspace (Delete) rejects it.
      event.preventDefault();
      const type = event.key === "Enter" ? "accept" : "reject";
      send(shell, { type, ref: suggestion.ref, kind: suggestion.kind });
    } else if (suggestion && /^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey
               && !event.altKey && numbered(state)[Number(event.key) - 1] === suggestion.code) {
      // The suggested code's own key accepts it too.
      event.preventDefault();
      send(shell, { type: "accept", ref: suggestion.ref, kind: suggestion.kind });
    } else if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const codeId = numbered(state)[Number(event.key) - 1];
      if (codeId !== undefined && codeSelection(shell, codeId)) event.preventDefault();
    } else if ((event.key === "Delete" || event.key === "Backspace") && state.focused !== null) {
      const mark = state.marks[state.focused];
      if (mark && mark.kind === "mine" && typeof mark.ref === "number" && !readonly) {
        event.preventDefault();
        change(shell, { type: "remove", ref: mark.ref });
      }
    } else if (event.key === "Escape") {
      unfocus(shell);
      setSelection(shell, null);
    }
  };
  document.addEventListener("keydown", onKey, true);
  shell.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    readPending(shell);
    const action = target.dataset.action;
    if (action === "code") {
      codeSelection(shell, Number(target.dataset.code));
    } else if (action === "invivo") {
      if (!state.selection) return;
      const { start, end } = state.selection;
      change(shell, { type: "invivo", start, end, words: words(state, start, end) });
    } else if (action === "undo") {
      if (state.tree && !state.tree.readonly) change(shell, { type: "undo" });
    } else if (action === "star") {
      const id = Number(target.dataset.code);
      const starred = new Set(state.favourites);
      if (starred.has(id)) starred.delete(id); else starred.add(id);
      state.favourites = state.tree.codes.map((c) => c.id).filter((c) => starred.has(c));
      try {
        window.localStorage.setItem(favouriteKey(state), JSON.stringify(state.favourites));
      } catch (error) { /* private mode: favourites last for this page only */ }
      renderTree(shell);
    } else if (action === "turn") {
      const turn = state.turns[Number(target.dataset.n)];
      unfocus(shell);
      const [start, end] = tidy(state, turn.start, turn.end);
      if (end > start) setSelection(shell, { start, end });
    } else {
      const index = Number(target.dataset.mark);
      const mark = state.marks[index];
      if (!mark) return;
      if (action === "mark") {
        focusMark(shell, index);
        if (typeof mark.ref === "number") send(shell, { type: "mark", ref: mark.ref, kind: mark.kind });
      } else {
        send(shell, { type: action, ref: mark.ref, kind: mark.kind });
      }
    }
  });
  // Hovering a chip outlines every run of its passage.
  const hover = (event, on) => {
    const box = event.target.closest(".chip");
    if (!box) return;
    const index = Number(box.dataset.mark);
    for (const run of state.host.querySelectorAll(".run[data-m]")) {
      if (run.dataset.m.split(" ").map(Number).includes(index)) run.classList.toggle("hover", on);
    }
  };
  state.host.addEventListener("mouseover", (event) => hover(event, true));
  state.host.addEventListener("mouseout", (event) => hover(event, false));
}

function reveal(shell, span) {
  const state = shell.__ism;
  const [start, end] = tidy(state, span.start, span.end);
  if (end <= start) return;
  const range = rangeOf(state, start, end);
  setSelection(shell, { start, end }, range);
  const row = state.rows[turnAt(state, start)];
  if (row) row.scrollIntoView({ block: "center" });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let shell = parentElement.querySelector(".ism-workbench");
  if (!shell) {
    shell = element("div", "ism-workbench");
    shell.tabIndex = 0;
    const host = element("div", "ism-transcript");
    const treeBox = element("div", "ism-tree");
    shell.append(host, treeBox);
    shell.__ism = { version: null, marks: [], turns: [], rows: [], runs: null, pending: [],
                    selection: null, focused: null, favourites: [], counts: new Map(),
                    labels: {}, tree: null, host, treeBox, root: parentElement, changes: new Set(),
                    session: Math.random().toString(36).slice(2, 10), revealed: null };
    parentElement.appendChild(shell);
    wire(shell);
  }
  const state = shell.__ism;
  state.send = setTriggerValue;
  if (!data || !data.turns) return;
  state.changes = new Set(data.changes || []);
  const done = new Set(data.done || []);
  state.pending = state.pending.filter((action) => !done.has(action.id));
  const treeChanged = JSON.stringify(data.tree || null) !== JSON.stringify(state.tree);
  if (treeChanged) {
    state.tree = data.tree || null;
    state.favourites = state.tree ? loadFavourites(state) : [];
  }
  shell.classList.toggle("with-tree", Boolean(state.tree));
  if (state.version !== data.version) {
    const scrolled = state.host.scrollTop;
    const focusedRef = state.focused !== null && state.marks[state.focused]
      ? state.marks[state.focused].ref : null;
    renderAll(shell, data);
    state.host.scrollTop = scrolled;
    state.version = data.version;
    for (const action of state.pending) apply(shell, action);
    countCodes(state);
    if (focusedRef !== null) {
      const index = state.marks.findIndex((m) => m && !m.gone && m.ref === focusedRef);
      if (index >= 0) focusMark(shell, index);
    }
    shell.dataset.version = data.version;
    renderTree(shell);
    if (state.selection) setSelection(shell, state.selection);
  } else if (treeChanged) {
    renderTree(shell);
  }
  const key = data.reveal ? `${data.reveal.start}:${data.reveal.end}:${data.version}` : null;
  if (key && state.revealed !== key.split(":").slice(0, 2).join(":")) {
    state.revealed = key.split(":").slice(0, 2).join(":");
    reveal(shell, data.reveal);
  }
  shell.dataset.pending = String(state.pending.length);
  // A change the page has not confirmed after a rerun is sent again (its id
  // keeps it from being applied twice).
  clearTimeout(state.resend);
  if (state.pending.length) {
    state.resend = setTimeout(() => { if (state.pending.length) send(shell, null); }, 2000);
  }
}

// The pure functions, for their unit tests (tests/ui/components/span_selector.test.mjs,
// run by `node --test`); Streamlit uses only the default export.
export { codePoints, cutTurn, isTyping, isUndo, numbered, rgba, tidy, turnAt, turnsOf, words };
