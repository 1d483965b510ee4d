// The blocks view: the graph as autograd.lift's tensor program (viz/blocks.py draws the
// boxes). A click on a block shows its forward and backward formulas and marks, in the
// scalar graph (when it is drawn), the nodes the block stands for.
// State adds blocks?: {dot, svg, count, items: {box id: {title, kind, forward, backward,
// nodes, covers: [scalar node ids]}}}; a graph too large to draw has blocks and note only.

function blocksSection(blocks, scalarSvg) {
  const box = el("details", { class: "cr-blocks", open: "" });
  box.append(el("summary", {}, `the graph as ${blocks.count} blocks of tensor operations ` +
    "(autograd.lift): click a block for its formulas and the scalar nodes it covers"));
  const row = el("div", { class: "cr-blocks-row" });
  const picture = el("div", { class: "cr-blocks-svg" });
  picture.innerHTML = blocks.svg;
  const info = el("aside", { class: "cr-blocks-info", "aria-live": "polite" });
  info.append(el("p", { class: "cr-hint" }, "Click a block (a box) to see its formulas."));
  row.append(picture, info);
  box.append(row);
  requestAnimationFrame(() => { // fit the width, never below readable text (it scrolls then)
    const svg = picture.querySelector("svg");
    if (!svg || !picture.clientWidth) return;
    const width = svg.width.baseVal.value;
    const scale = Math.max(READABLE[0], Math.min(1, picture.clientWidth / width));
    svg.style.width = `${width * scale}px`;
    svg.style.height = `${svg.height.baseVal.value * scale}px`;
  });
  let chosen = null;
  function show(id) {
    chosen = id;
    for (const g of picture.querySelectorAll(".cr-chosen")) g.classList.remove("cr-chosen");
    picture.querySelector(`g#${id}`).classList.add("cr-chosen");
    const item = blocks.items[id];
    info.replaceChildren(el("h3", { class: "cr-block-title" }, item.title));
    info.append(el("div", { class: "cr-mono cr-formula cr-block-forward" }, item.forward));
    if (item.backward.length) info.append(el("h4", {}, "backward (vector-Jacobian products)"));
    for (const line of item.backward) info.append(el("div", { class: "cr-mono cr-block-backward" }, line));
    let marked = 0;
    if (scalarSvg) {
      for (const g of scalarSvg.querySelectorAll(".cr-covered")) g.classList.remove("cr-covered");
      for (const node of item.covers) {
        const g = scalarSvg.getElementById(node);
        if (g) { g.classList.add("cr-covered"); marked += 1; }
        const op = scalarSvg.getElementById(`${node}op`); // its op's circle, not counted
        if (op) op.classList.add("cr-covered");
      }
    }
    const nodes = `${item.nodes} scalar node${item.nodes === 1 ? "" : "s"}`;
    info.append(el("p", { class: "cr-hint cr-block-count" }, scalarSvg
      ? `${nodes}; ${marked} of them marked in the graph above` +
        (marked < item.nodes ? " (the others are not drawn there)" : "")
      : `${nodes} (the scalar graph is too large to draw)`));
  }
  picture.addEventListener("click", (e) => {
    const g = e.target.closest && e.target.closest("g.node");
    if (g && blocks.items[g.id]) show(g.id);
  });
  box.show = show;
  Object.defineProperty(box, "chosen", { get: () => chosen });
  return box;
}

// A graph too large to draw node by node: its blocks alone, and the note saying why.
function mountBlocks(host, state, options = {}) {
  host.classList.add("cr-explorer", "cr-app");
  host.replaceChildren(el("h1", { class: "cr-blocks-h1" },
    options.title || "Explore backprop: the graph as its blocks"));
  host.append(el("p", { class: "cr-hint cr-note" }, state.note));
  const section = blocksSection(state.blocks, null);
  host.append(section);
  return { step: 0, selected: null, blocks: section, setError() {}, select() {}, destroy() { host.replaceChildren(); } };
}
