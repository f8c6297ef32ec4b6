// Span selector for the coding workbench (st.components.v2, no build step).
//
// Draws the transcript from `data` (built by span_view.py): one row per turn
// with the speaker, the text cut into runs (each run knows its code-point
// start and end) and a margin of code chips. Transcript text only ever goes
// into textContent or title attributes, never innerHTML. Everything the coder
// does is sent back as one trigger value, `action`:
//   {type: "select", start, end}       a mouse (or shift+arrow) selection
//   {type: "turn", n, start, end}      the "Code turn" button of turn n
//   {type: "mark", ref, kind}          a chip or a highlighted passage clicked
//   {type: "clear"}                    a click on plain text (or Escape) drops the selection
//   {type: "accept"|"reject", ref}     a suggestion chip's buttons
// Offsets are code points: JS strings count UTF-16 units, so an emoji would
// count twice; Array.from() walks code points.

const SELECTION_HIGHLIGHT = "ism-study-selection";

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
// (solid: mine; dotted: another coder's; dashed: a suggestion) per mark,
// stacked upwards from the baseline so overlapping codings stay readable.
function decorate(run, marks) {
  const layers = [];
  const sizes = [];
  const positions = [];
  const shown = marks.slice(-4);
  shown.forEach((mark, level) => {
    const colour = mark.colour;
    if (mark.kind === "suggestion") {
      layers.push(`repeating-linear-gradient(90deg, ${colour} 0 7px, transparent 7px 11px)`);
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
    const tint = rgba(inner.colour, inner.kind === "mine" ? 0.2 : 0.1);
    layers.push(`linear-gradient(${tint}, ${tint})`);
    sizes.push("100% 100%");
    positions.push("0 0");
  }
  run.style.backgroundImage = layers.join(", ");
  run.style.backgroundSize = sizes.join(", ");
  run.style.backgroundPosition = positions.join(", ");
  run.style.backgroundRepeat = "no-repeat";
  run.style.paddingBottom = `${shown.length * 4}px`;
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
  name.textContent = prefix + mark.label + (mark.coder ? ` · ${mark.coder}` : "");
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

function render(host, data) {
  const state = host.__ism;
  const labels = data.labels || {};
  const marks = data.marks || [];
  const runs = [];
  const runsOfMark = new Map();
  const fragment = document.createDocumentFragment();
  for (const turn of data.turns || []) {
    const row = element("div", "turn");
    row.dataset.n = String(turn.n);
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
        decorate(run, covering.map((i) => marks[i]));
        for (const i of covering) {
          if (!runsOfMark.has(i)) runsOfMark.set(i, []);
          runsOfMark.get(i).push(run);
        }
      }
      runs.push(run);
      body.appendChild(run);
    }
    const margin = element("div", "margin");
    for (const i of turn.chips) margin.appendChild(chip(marks[i], i, labels));
    const codeTurn = element("button", "code-turn");
    codeTurn.type = "button";
    codeTurn.textContent = labels.code_turn || "Code turn";
    codeTurn.title = labels.code_turn_help || "";
    codeTurn.dataset.action = "turn";
    codeTurn.dataset.n = String(turn.n);
    codeTurn.dataset.s = String(turn.start);
    codeTurn.dataset.e = String(turn.end);
    margin.appendChild(codeTurn);
    row.append(speaker, body, margin);
    fragment.appendChild(row);
  }
  host.replaceChildren(fragment);
  state.runs = runs;
  state.runsOfMark = runsOfMark;
  state.marks = marks;
}

// The code-point offset of a DOM boundary point. Inside a run's text node it
// is exact; elsewhere (a speaker label, a margin, between turns) it snaps to
// the nearest run edge: the next run's start for a start point, the previous
// run's end for an end point.
function offsetOf(host, node, offset, isEnd) {
  if (node.nodeType === Node.TEXT_NODE && node.parentElement
      && node.parentElement.classList.contains("run")) {
    return Number(node.parentElement.dataset.s) + codePoints(node.data.slice(0, offset));
  }
  if (node.nodeType === Node.ELEMENT_NODE && node.classList.contains("run")) {
    return Number(offset === 0 ? node.dataset.s : node.dataset.e);
  }
  const runs = host.__ism.runs;
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

function showSelection(host, range) {
  host.__ism.selected = Boolean(range);
  if (!(window.CSS && CSS.highlights && window.Highlight)) return;
  if (range) CSS.highlights.set(SELECTION_HIGHLIGHT, new Highlight(range));
  else CSS.highlights.delete(SELECTION_HIGHLIGHT);
}

function send(host, payload) {
  host.__ism.send("action", payload);
}

function readSelection(host, root, target) {
  const range = selectedRange(root);
  if (!range) {
    clicked(host, target);
    return;
  }
  if (!host.contains(range.startContainer) || !host.contains(range.endContainer)) return;
  const start = offsetOf(host, range.startContainer, range.startOffset, false);
  const end = offsetOf(host, range.endContainer, range.endOffset, true);
  if (start === null || end === null || end <= start) return;
  const kept = document.createRange();
  kept.setStart(range.startContainer, range.startOffset);
  kept.setEnd(range.endContainer, range.endOffset);
  showSelection(host, kept);
  // The highlight keeps the selection visible; dropping the native one means a
  // later click (a chip, a button) is not read as the same selection again.
  if (typeof root.getSelection === "function") root.getSelection().removeAllRanges();
  else document.getSelection().removeAllRanges();
  send(host, { type: "select", start, end });
}

// A plain click: on highlighted text it opens the innermost coding there;
// elsewhere it drops the current selection.
function clicked(host, target) {
  const run = target && target.closest ? target.closest(".run") : null;
  if (run && run.dataset.m) {
    const indices = run.dataset.m.split(" ").map(Number);
    const mark = host.__ism.marks[indices[indices.length - 1]];
    showSelection(host, null);
    if (mark) send(host, { type: "mark", ref: mark.ref, kind: mark.kind });
  } else if (host.__ism.selected) {
    showSelection(host, null);
    send(host, { type: "clear" });
  }
}

function wire(host, root) {
  host.addEventListener("mouseup", (event) => {
    if (event.target.closest(".margin")) return;
    setTimeout(() => readSelection(host, root, event.target), 0);
  });
  host.addEventListener("keyup", (event) => {
    if (event.key === "Shift") readSelection(host, root, null);
    if (event.key === "Escape" && host.__ism.selected) clicked(host, null);
  });
  host.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "turn") {
      const body = target.closest(".turn").querySelector(".text");
      const range = document.createRange();
      range.selectNodeContents(body);
      showSelection(host, range);
      send(host, { type: "turn", n: Number(target.dataset.n),
                   start: Number(target.dataset.s), end: Number(target.dataset.e) });
      return;
    }
    const mark = host.__ism.marks[Number(target.dataset.mark)];
    if (mark) send(host, { type: action, ref: mark.ref, kind: mark.kind });
  });
  // Hovering a chip outlines every run of its passage.
  const focus = (event, on) => {
    const box = event.target.closest(".chip");
    if (!box) return;
    for (const run of host.__ism.runsOfMark.get(Number(box.dataset.mark)) || []) {
      run.classList.toggle("focus", on);
    }
  };
  host.addEventListener("mouseover", (event) => focus(event, true));
  host.addEventListener("mouseout", (event) => focus(event, false));
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let host = parentElement.querySelector(".ism-transcript");
  if (!host) {
    host = element("div", "ism-transcript");
    host.__ism = { version: null, runs: [], runsOfMark: new Map(), marks: [], selected: false };
    parentElement.appendChild(host);
    wire(host, parentElement);
  }
  host.__ism.send = setTriggerValue;
  if (!data || !data.turns) return;
  if (host.__ism.version !== data.version) {
    const scrolled = host.scrollTop;
    render(host, data);
    host.scrollTop = scrolled;
    host.__ism.version = data.version;
    showSelection(host, null);
  }
}
