// chainrule's stepper: one diagram, the timeline of chain-rule steps, and controls
// (buttons, slider, arrow keys, space to play, speed), zoom and pan.
// State (from Python): {dot, root, names, start: {id: grad}, steps: [{node, edge,
// parent, grad, line}], autoplay}; with {data: {id: text}, forward: [{node, inputs,
// line}], rules: {edge id: rule}]} the forward pass comes first: position 0 shows the
// leaves only, position f the first f values computed (an edge's number appears once
// its op has run), then the backward start and one position per step.
// explore.js continues this module (the explorer and the anywidget entry point).
// The diagram comes as DOT text; layOut turns it into SVG in the page with Graphviz
// compiled to WebAssembly (viz-global.js, @viz-js/viz, shipped in viz/static).

const SPEEDS = [0.5, 1, 2, 4];
// Scales that keep text readable: at 1 the diagram's 10pt edge text is 13.3px, at 0.68
// 9px. Fitting never goes below it: a larger graph is panned (drag, wheel) instead.
const READABLE = [0.68, 1.5];
const MARGIN = 12; // px kept clear around the nodes a step shows

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function textsOf(svg, ids, prefix) {
  const found = {};
  for (const id of ids) {
    const g = svg.getElementById(id);
    if (!g) continue;
    for (const t of g.querySelectorAll("text")) if (t.textContent.startsWith(prefix)) found[id] = t;
  }
  return found;
}

let graphviz = null; // one Graphviz instance per page, made on first use

function svgOf(dot) {
  const text = graphviz.renderString(dot, { format: "svg" });
  return text.slice(text.indexOf("<svg"));
}

// state with its diagrams laid out: `svg` from `dot`, and the model's, if any.
export async function layOut(state) {
  if (!state.dot && !(state.model && state.model.dot) && !(state.blocks && state.blocks.dot)) return state;
  if (!graphviz) {
    if (!globalThis.Viz) throw new Error("chainrule: Graphviz (viz-global.js) is not loaded");
    graphviz = await globalThis.Viz.instance();
  }
  const out = Object.assign({}, state);
  if (state.dot) out.svg = svgOf(state.dot);
  if (state.model && state.model.dot) out.model = Object.assign({}, state.model, { svg: svgOf(state.model.dot) });
  if (state.blocks && state.blocks.dot) out.blocks = Object.assign({}, state.blocks, { svg: svgOf(state.blocks.dot) });
  return out;
}

export function mount(root, state, options = {}) {
  root.classList.add("cr-app");
  const fwd = state.forward ? state.forward.length + 1 : 0; // forward positions
  const last = fwd + state.steps.length;
  const bar = el("div", { class: "cr-bar" });
  bar.append(el("h1", {}, options.title || "Backprop, one chain-rule step at a time"));
  const first = el("button", { type: "button", title: "first step (Home)" }, "|◀ first");
  const prev = el("button", { type: "button", title: "previous step (←)" }, "◀ prev");
  const play = el("button", { type: "button", title: "play / pause (space)" }, "▶ play");
  const next = el("button", { type: "button", title: "next step (→)" }, "next ▶");
  const end = el("button", { type: "button", title: "last step (End)" }, "last ▶|");
  const slider = el("input", { type: "range", min: 0, max: last, value: 0,
    "aria-label": "step" });
  const counter = el("span", { class: "cr-counter" });
  const speed = el("select", { "aria-label": "speed" });
  for (const s of SPEEDS) speed.append(el("option", { value: s }, `${s}×`));
  speed.value = "1";
  const zoomOut = el("button", { type: "button", title: "zoom out (-)" }, "−");
  const zoomIn = el("button", { type: "button", title: "zoom in (+)" }, "+");
  const fit = el("button", { type: "button", title: "fit to screen (0)" }, "fit");
  bar.append(first, prev, play, next, end, slider, counter, speed, zoomOut, zoomIn, fit);
  const view = el("div", { class: "cr-view", tabindex: 0 });
  const canvas = el("div", { class: "cr-canvas" });
  canvas.innerHTML = state.svg;
  view.append(canvas);
  const main = el("div", { class: "cr-main" });
  main.append(view);
  if (options.aside) main.append(options.aside);
  const line = el("div", { class: "cr-line", "aria-live": "polite" });
  const help = el("div", { class: "cr-help" },
    "← → step · space play/pause · Home/End · + − zoom · 0 fit · drag or wheel to pan, " +
    "ctrl + wheel to zoom");
  root.append(bar, main, line, help);

  const svg = canvas.querySelector("svg");
  const ids = Object.keys(state.start);
  const gradText = textsOf(svg, ids, "grad ");
  const dataText = fwd ? textsOf(svg, ids, "data ") : {};
  const leaves = fwd ? ids.filter((id) => !state.forward.some((f) => f.node === id)) : [];
  const edgeText = {}; // edge id → [its text element, the text with its number]
  for (const id of Object.keys(state.rules || {})) {
    const t = svg.getElementById(id) && svg.getElementById(id).querySelector("text");
    if (t) edgeText[id] = [t, t.textContent];
  }
  let k = 0, timer = null, scale = 1, tx = 0, ty = 0;
  let adjusted = false; // the learner zoomed or panned: a resize keeps their view
  let now = { phase: "backward", grads: state.start, known: null };

  function apply() { canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`; }
  function zoomAt(factor, cx, cy) {
    adjusted = true;
    const next = Math.min(4, Math.max(0.1, scale * factor));
    tx = cx - (cx - tx) * (next / scale);
    ty = cy - (cy - ty) * (next / scale);
    scale = next;
    apply();
  }
  function naturalSize() {
    const box = svg.getBoundingClientRect();
    return { w: box.width / scale, h: box.height / scale };
  }
  function fitToScreen() {
    // The whole graph at the largest readable scale that fits the width, in a view no
    // taller than it needs; past the smallest readable scale the graph is panned.
    const { w, h } = naturalSize();
    const room = 0.68 * window.innerHeight, pad = 2 * MARGIN + 4;
    const fitScale = Math.min((view.clientWidth - pad) / w, (room - pad) / h, 1);
    scale = Math.min(Math.max(fitScale, READABLE[0]), READABLE[1]);
    adjusted = false;
    view.style.height = `${Math.round(Math.min(room, h * scale + pad))}px`;
    tx = Math.max(0, (view.clientWidth - w * scale) / 2);
    ty = Math.max(0, (view.clientHeight - h * scale) / 2);
    apply();
  }
  function keepInView(ids) {
    // Center the step's nodes when any is out of view; when they cannot all fit,
    // center the last one (the parent whose grad just changed).
    const outer = view.getBoundingClientRect();
    const boxes = ids.map((id) => svg.getElementById(id)).filter(Boolean)
      .map((g) => g.getBoundingClientRect());
    if (!boxes.length) return;
    const union = (bs) => ({
      left: Math.min(...bs.map((b) => b.left)), right: Math.max(...bs.map((b) => b.right)),
      top: Math.min(...bs.map((b) => b.top)), bottom: Math.max(...bs.map((b) => b.bottom)),
    });
    const margin = MARGIN;
    const fits = (b) => b.right - b.left <= outer.width - 2 * margin &&
      b.bottom - b.top <= outer.height - 2 * margin;
    const inside = (b) => b.left >= outer.left + margin && b.right <= outer.right - margin &&
      b.top >= outer.top + margin && b.bottom <= outer.bottom - margin;
    let target = union(boxes);
    if (inside(target)) return;
    if (!fits(target)) target = boxes[boxes.length - 1];
    tx += (outer.left + outer.width / 2) - (target.left + target.right) / 2;
    ty += (outer.top + outer.height / 2) - (target.top + target.bottom) / 2;
    apply();
  }
  function mark(id, cls) {
    const g = svg.getElementById(id);
    if (g) g.classList.add(cls);
  }
  function clear() {
    for (const g of svg.querySelectorAll(".cr-current, .cr-updated, .cr-input")) {
      g.classList.remove("cr-current", "cr-updated", "cr-input");
    }
  }
  function showForward(f) {
    const known = new Set(leaves);
    for (let j = 0; j < f; j++) known.add(state.forward[j].node);
    for (const [id, t] of Object.entries(dataText)) {
      t.textContent = known.has(id) ? `data ${state.data[id]}` : "data ?";
    }
    for (const t of Object.values(gradText)) t.textContent = "grad ?";
    for (const [id, [t, full]] of Object.entries(edgeText)) {
      t.textContent = known.has(id.replace(/op_\d+$/, "")) ? full : state.rules[id];
    }
    counter.textContent = `forward ${f} of ${fwd - 1}`;
    now = { phase: "forward", grads: null, known };
    if (f === 0) {
      for (const id of leaves) mark(id, "cr-input");
      const shown = leaves.slice(0, 6).map((id) => `${state.names[id]} = ${state.data[id]}`);
      const more = leaves.length > 6 ? `, … (${leaves.length} leaves)` : "";
      line.textContent = `forward: the leaves hold their values (${shown.join(", ")}${more});` +
        " → computes the next value";
      keepInView(state.forward.length ? state.forward[0].inputs : leaves); // not blank space
      return;
    }
    const s = state.forward[f - 1];
    for (const id of [s.node, `${s.node}op`]) mark(id, "cr-current");
    s.inputs.forEach((id, slot) => { mark(id, "cr-input"); mark(`${s.node}op_${slot}`, "cr-input"); });
    line.textContent = s.line;
    keepInView([s.node, `${s.node}op`]);
  }
  function showBackward(b) {
    const grads = Object.assign({}, state.start);
    for (let j = 0; j < b; j++) grads[state.steps[j].parent] = state.steps[j].grad;
    for (const [id, t] of Object.entries(gradText)) t.textContent = `grad ${grads[id]}`;
    for (const [id, t] of Object.entries(dataText)) t.textContent = `data ${state.data[id]}`;
    for (const [t, full] of Object.values(edgeText)) t.textContent = full;
    counter.textContent = fwd ? `backward ${b} of ${state.steps.length}`
      : `step ${b} of ${state.steps.length}`;
    now = { phase: "backward", grads, known: null, step: b };
    if (b === 0) {
      mark(state.root, "cr-current");
      line.textContent = `start: ${state.names[state.root]}.grad = 1, every other grad 0`;
      keepInView([state.root]);
    } else {
      const s = state.steps[b - 1];
      for (const id of [s.node, `${s.node}op`, s.edge]) mark(id, "cr-current");
      mark(s.parent, "cr-updated");
      line.textContent = s.line;
      keepInView([s.node, s.parent]);
    }
  }
  function show(i) {
    k = Math.max(0, Math.min(last, i));
    clear();
    if (k < fwd) showForward(k); else showBackward(k - fwd);
    slider.value = k;
    root.dataset.step = k;
    root.dataset.phase = now.phase;
    if (options.onStep) options.onStep(k, now);
  }
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    play.textContent = "▶ play";
  }
  function start() {
    if (k >= last) show(0);
    play.textContent = "⏸ pause";
    timer = setInterval(() => {
      if (k >= last) return stop();
      show(k + 1);
    }, 1000 / Number(speed.value));
  }
  function toggle() { timer ? stop() : start(); }

  first.onclick = () => { stop(); show(0); };
  prev.onclick = () => { stop(); show(k - 1); };
  next.onclick = () => { stop(); show(k + 1); };
  end.onclick = () => { stop(); show(last); };
  play.onclick = toggle;
  slider.oninput = () => { stop(); show(Number(slider.value)); };
  speed.onchange = () => { if (timer) { stop(); start(); } };
  zoomIn.onclick = () => zoomAt(1.25, view.clientWidth / 2, view.clientHeight / 2);
  zoomOut.onclick = () => zoomAt(0.8, view.clientWidth / 2, view.clientHeight / 2);
  fit.onclick = fitToScreen;
  view.addEventListener("wheel", (e) => {
    if (e.ctrlKey || e.metaKey) { // ctrl + wheel (and a trackpad's pinch) zooms
      e.preventDefault();
      const r = view.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - r.left, e.clientY - r.top);
      return;
    }
    const { w, h } = naturalSize(); // the wheel pans a graph larger than its view
    const dx = e.shiftKey ? e.deltaY : e.deltaX, dy = e.shiftKey ? 0 : e.deltaY;
    const pan = (at, d, room, size) => size <= room ? at : Math.min(0, Math.max(room - size, at - d));
    const nx = pan(tx, dx, view.clientWidth, w * scale);
    const ny = pan(ty, dy, view.clientHeight, h * scale);
    if (nx === tx && ny === ty) return; // nothing to pan that way: the page scrolls on
    e.preventDefault();
    adjusted = true;
    tx = nx;
    ty = ny;
    apply();
  }, { passive: false });
  let drag = null;
  view.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX - tx, y: e.clientY - ty };
    view.classList.add("cr-dragging");
  });
  const move = (e) => {
    if (!drag) return;
    adjusted = true;
    tx = e.clientX - drag.x;
    ty = e.clientY - drag.y;
    apply();
  };
  const up = () => { drag = null; view.classList.remove("cr-dragging"); };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
  const keys = {
    ArrowRight: () => { stop(); show(k + 1); },
    ArrowLeft: () => { stop(); show(k - 1); },
    " ": toggle,
    Home: () => { stop(); show(0); },
    End: () => { stop(); show(last); },
    "+": () => zoomIn.onclick(), "=": () => zoomIn.onclick(),
    "-": () => zoomOut.onclick(), "0": fitToScreen,
  };
  const onKey = (e) => {
    const tag = e.target.tagName;
    if ((tag === "INPUT" && e.target.type !== "range") || tag === "SELECT") return;
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  };
  const keyTarget = options.keyTarget || document;
  keyTarget.addEventListener("keydown", onKey);

  fitToScreen();
  show(options.start || 0);
  // A notebook may draw the widget before it has a width, or change it (a sidebar
  // opens): fit again, unless the learner has zoomed or panned.
  let fittedWidth = view.clientWidth;
  const resized = new ResizeObserver(() => {
    if (adjusted || !view.clientWidth || view.clientWidth === fittedWidth) return;
    fittedWidth = view.clientWidth;
    fitToScreen();
    show(k);
  });
  resized.observe(view);
  if (state.autoplay) start();
  return {
    show, play: start, pause: stop, svg, view, line, keepInView, fit: fitToScreen,
    get step() { return k; }, get scale() { return scale; }, get now() { return now; },
    forwardPositions: fwd, last,
    destroy() {
      stop();
      resized.disconnect();
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      keyTarget.removeEventListener("keydown", onKey);
    },
  };
}
