// chainrule's backward stepper: one diagram, the timeline of chain-rule steps, and
// controls (buttons, slider, arrow keys, space to play), zoom and pan.
// State (from Python): {svg, root, names, start: {id: grad}, steps: [{node, edge,
// parent, grad, line}], autoplay}. Step k shows the grads after k steps.

const SPEEDS = [0.5, 1, 2, 4];
const READABLE = [1, 1.5]; // graphviz pt at scale 1: 9pt edge text is 12px on screen

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

export function mount(root, state, options = {}) {
  root.classList.add("cr-app");
  const bar = el("div", { class: "cr-bar" });
  bar.append(el("h1", {}, options.title || "Backprop, one chain-rule step at a time"));
  const first = el("button", { type: "button", title: "first step (Home)" }, "|◀ first");
  const prev = el("button", { type: "button", title: "previous step (←)" }, "◀ prev");
  const play = el("button", { type: "button", title: "play / pause (space)" }, "▶ play");
  const next = el("button", { type: "button", title: "next step (→)" }, "next ▶");
  const last = el("button", { type: "button", title: "last step (End)" }, "last ▶|");
  const slider = el("input", { type: "range", min: 0, max: state.steps.length, value: 0,
    "aria-label": "step" });
  const counter = el("span", { class: "cr-counter" });
  const speed = el("select", { "aria-label": "speed" });
  for (const s of SPEEDS) speed.append(el("option", { value: s }, `${s}×`));
  speed.value = "1";
  const zoomOut = el("button", { type: "button", title: "zoom out (-)" }, "−");
  const zoomIn = el("button", { type: "button", title: "zoom in (+)" }, "+");
  const fit = el("button", { type: "button", title: "fit to screen (0)" }, "fit");
  bar.append(first, prev, play, next, last, slider, counter, speed, zoomOut, zoomIn, fit);
  const view = el("div", { class: "cr-view", tabindex: 0 });
  const canvas = el("div", { class: "cr-canvas" });
  canvas.innerHTML = state.svg;
  view.append(canvas);
  const line = el("div", { class: "cr-line", "aria-live": "polite" });
  const help = el("div", { class: "cr-help" },
    "← → step · space play/pause · Home/End · + − zoom · 0 fit · drag to pan, wheel to zoom");
  root.append(bar, view, line, help);

  const svg = canvas.querySelector("svg");
  const gradText = {};
  for (const id of Object.keys(state.start)) {
    const g = svg.getElementById ? svg.getElementById(id) : svg.querySelector(`#${id}`);
    if (!g) continue;
    for (const t of g.querySelectorAll("text")) {
      if (t.textContent.startsWith("grad ")) gradText[id] = t;
    }
  }
  let k = 0, timer = null, scale = 1, tx = 0, ty = 0;

  function apply() { canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`; }
  function zoomAt(factor, cx, cy) {
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
  function fitToScreen(readable) {
    const { w, h } = naturalSize();
    const fitScale = Math.min(view.clientWidth / w, view.clientHeight / h, 1);
    scale = readable ? Math.min(Math.max(fitScale, READABLE[0]), READABLE[1]) : fitScale;
    tx = Math.max(0, (view.clientWidth - w * scale) / 2);
    ty = Math.max(0, (view.clientHeight - h * scale) / 2);
    apply();
  }
  function keepInView(ids) {
    const outer = view.getBoundingClientRect();
    const boxes = ids.map((id) => svg.getElementById(id)).filter(Boolean)
      .map((g) => g.getBoundingClientRect());
    if (!boxes.length) return;
    const left = Math.min(...boxes.map((b) => b.left)), right = Math.max(...boxes.map((b) => b.right));
    const top = Math.min(...boxes.map((b) => b.top)), bottom = Math.max(...boxes.map((b) => b.bottom));
    const margin = 24;
    const inside = left >= outer.left + margin && right <= outer.right - margin &&
      top >= outer.top + margin && bottom <= outer.bottom - margin;
    if (inside) return;
    tx += (outer.left + outer.width / 2) - (left + right) / 2;
    ty += (outer.top + outer.height / 2) - (top + bottom) / 2;
    apply();
  }
  function mark(id, cls) {
    const g = svg.getElementById(id);
    if (g) g.classList.add(cls);
  }
  function show(i) {
    k = Math.max(0, Math.min(state.steps.length, i));
    const grads = Object.assign({}, state.start);
    for (let j = 0; j < k; j++) grads[state.steps[j].parent] = state.steps[j].grad;
    for (const [id, t] of Object.entries(gradText)) t.textContent = `grad ${grads[id]}`;
    for (const g of svg.querySelectorAll(".cr-current, .cr-updated")) {
      g.classList.remove("cr-current", "cr-updated");
    }
    slider.value = k;
    counter.textContent = `step ${k} of ${state.steps.length}`;
    if (k === 0) {
      mark(state.root, "cr-current");
      line.textContent = `start: ${state.names[state.root]}.grad = 1, every other grad 0`;
      keepInView([state.root]);
    } else {
      const s = state.steps[k - 1];
      for (const id of [s.node, `${s.node}op`, s.edge]) mark(id, "cr-current");
      mark(s.parent, "cr-updated");
      line.textContent = s.line;
      keepInView([s.node, s.parent]);
    }
    root.dataset.step = k;
    if (options.onStep) options.onStep(k);
  }
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    play.textContent = "▶ play";
  }
  function start() {
    if (k >= state.steps.length) show(0);
    play.textContent = "⏸ pause";
    timer = setInterval(() => {
      if (k >= state.steps.length) return stop();
      show(k + 1);
    }, 1000 / Number(speed.value));
  }
  function toggle() { timer ? stop() : start(); }

  first.onclick = () => { stop(); show(0); };
  prev.onclick = () => { stop(); show(k - 1); };
  next.onclick = () => { stop(); show(k + 1); };
  last.onclick = () => { stop(); show(state.steps.length); };
  play.onclick = toggle;
  slider.oninput = () => { stop(); show(Number(slider.value)); };
  speed.onchange = () => { if (timer) { stop(); start(); } };
  zoomIn.onclick = () => zoomAt(1.25, view.clientWidth / 2, view.clientHeight / 2);
  zoomOut.onclick = () => zoomAt(0.8, view.clientWidth / 2, view.clientHeight / 2);
  fit.onclick = () => fitToScreen(false);
  view.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = view.getBoundingClientRect();
    zoomAt(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag = null;
  view.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX - tx, y: e.clientY - ty };
    view.classList.add("cr-dragging");
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    tx = e.clientX - drag.x;
    ty = e.clientY - drag.y;
    apply();
  });
  window.addEventListener("pointerup", () => { drag = null; view.classList.remove("cr-dragging"); });
  const keys = {
    ArrowRight: () => { stop(); show(k + 1); },
    ArrowLeft: () => { stop(); show(k - 1); },
    " ": toggle,
    Home: () => { stop(); show(0); },
    End: () => { stop(); show(state.steps.length); },
    "+": () => zoomIn.onclick(), "=": () => zoomIn.onclick(),
    "-": () => zoomOut.onclick(), "0": () => fitToScreen(false),
  };
  (options.keyTarget || document).addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  });

  fitToScreen(true);
  show(0);
  if (state.autoplay) start();
  return { show, play: start, pause: stop, get step() { return k; },
    get scale() { return scale; } };
}
