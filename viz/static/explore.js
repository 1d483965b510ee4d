// The explorer: the stepper above (this file continues stepper.js in one module) plus
// a panel per value, the paths from the root to a leaf, the model's boxes and, in a
// notebook, editing a leaf. Python computes every number; this only shows them.
// State adds {nodes: {id: panel}, paths: {leaf id: {count, paths, summary}},
// quiz: [per backward step: [{kind, prompt, answer, right, slips: [{mistake, value,
// text}], otherwise}]], editable, model?: {dot, samples, sample, term, root}, blocks? (blocks.js)}.

function section(title, lines, cls = "") {
  const box = el("section", { class: `cr-sec ${cls}` });
  box.append(el("h3", {}, title));
  for (const text of lines) box.append(el("div", { class: "cr-mono" }, text));
  return box;
}

// The quiz's judge, as autograd/explain/quiz.py's _judge: right within 0.2%, else the first
// slip whose number matches; every text comes from Python.
function same(given, want) {
  return Math.abs(given - want) <= Math.max(2e-3 * Math.max(Math.abs(given), Math.abs(want)), 1e-6);
}

function num(x) { // autograd.explain.text.num: "%.6g", with ".0" on a whole number
  const [mantissa, power] = (x + 0).toExponential(5).split("e");
  const exp = Number(power);
  let text = exp < -4 || exp >= 6
    ? `${mantissa.replace(/\.?0+$/, "")}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`
    : String(Number((x + 0).toPrecision(6)));
  if (/^-?\d+$/.test(text)) text += ".0";
  return text;
}

export function judge(question, value) {
  if (same(value, question.answer)) return { correct: true, mistake: null, text: question.right };
  const slip = question.slips.find((s) => same(value, s.value));
  return { correct: false, mistake: slip ? slip.mistake : null,
    text: `not ${num(value)}: ${slip ? slip.text : question.otherwise}` };
}

export function mountExplorer(host, state, options = {}) {
  if (!state.steps) return mountBlocks(host, state, options); // too large: blocks only
  host.classList.add("cr-explorer");
  const aside = el("aside", { class: "cr-panel", "aria-live": "polite" });
  let pinned = options.selected || null, hovered = null, pathShown = null;
  let error = options.error || "";
  let app = null;
  const quizBox = el("section", { class: "cr-sec cr-quiz" });
  const quiz = { on: false, asked: {}, log: [], right: 0 }; // asked: step → questions done
  app = mount(host, state, Object.assign({}, options, {
    aside,
    title: options.title || "Explore backprop: forward, then backward",
    onStep: (k, now) => {
      if (app) { renderQuiz(); render(); }
      if (options.onStep) options.onStep(k, now);
    },
  }));
  const svg = app.svg;

  function dataNow(id) {
    const now = app.now;
    return now.phase === "forward" && !now.known.has(id) ? "? (not computed yet)" : state.data[id];
  }
  function gradNow(id) {
    const now = app.now;
    if (now.phase === "forward") return "? (backward has not started)";
    return now.grads[id];
  }
  function highlight(cls, ids) {
    for (const g of svg.querySelectorAll(`.${cls}`)) g.classList.remove(cls);
    for (const id of ids) { const g = svg.getElementById(id); if (g) g.classList.add(cls); }
  }
  function showPath(path) {
    pathShown = path;
    const ops = path ? path.edges.map((e) => e.replace(/_\d+$/, "")) : [];
    highlight("cr-path", path ? [...path.nodes, ...path.edges, ...ops] : []);
  }
  function render() {
    const id = hovered || pinned;
    highlight("cr-selected", pinned ? [pinned] : []);
    aside.replaceChildren();
    if (state.quiz) aside.append(quizBox);
    if (error) aside.append(el("div", { class: "cr-error", role: "alert" }, error));
    if (!id) {
      aside.append(el("p", { class: "cr-hint" },
        "Click a value (a box) to see how its number and its grad are made."));
      return;
    }
    const node = state.nodes[id];
    const head = el("div", { class: "cr-head" });
    head.append(el("span", { class: "cr-name" }, node.name), el("span", { class: "cr-op" }, node.op));
    aside.append(head);
    aside.append(el("div", { class: "cr-mono cr-formula" }, node.leaf
      ? `${node.name} is a leaf: an input, a parameter or a constant; no op computes it`
      : node.formula));
    aside.append(section("now", [`data ${dataNow(id)}`, `grad ${gradNow(id)}`], "cr-now"));
    // only what the timeline has computed at this position: a rule's number once
    // forward has run its op, a share once backward has passed it
    const computed = app.now.phase !== "forward" || app.now.known.has(id);
    if (node.inputs.length) {
      aside.append(section("local derivatives (from the op table)",
        computed ? node.inputs : node.rules.map((r) => `${r} = ? (forward has not run this op)`)));
    }
    const step = app.now.phase === "backward" ? app.now.step : -1;
    const finished = step === state.steps.length;
    const built = section(`how ${node.name}.grad is built` +
      (finished ? ` (grad ${node.grad})` : ""), []);
    node.built.forEach((text, i) => {
      const done = step >= 0 && (node.steps[i] === undefined || node.steps[i] < step);
      built.append(el("div", { class: `cr-mono ${done ? "" : "cr-todo"}` },
        done ? text : node.pending[i]));
    });
    aside.append(built);
    if (node.leaf) {
      if (state.paths[id] && finished) aside.append(pathsSection(state.paths[id]));
      else if (state.paths[id]) {
        aside.append(section(`paths from ${state.names[state.root]} to ${node.name}`,
          ["the paths and their products appear when backward is done (End)"]));
      }
      aside.append(editor(id, node));
    }
  }
  function renderQuiz() {
    // Kept apart from render(), which hovering reruns: a half-typed answer stays.
    quizBox.replaceChildren();
    const toggle = el("button", { type: "button", class: "cr-quiz-toggle" },
      quiz.on ? "end the quiz" : "quiz me: predict each backward step");
    toggle.onclick = () => {
      quiz.on = !quiz.on;
      host.classList.toggle("cr-quizzing", quiz.on); // the edges' rules are the answers
      if (quiz.on && app.now.phase === "forward") app.show(app.forwardPositions);
      else renderQuiz();
      const box = quizBox.querySelector("input");
      if (box) box.focus();
    };
    quizBox.append(toggle);
    if (!quiz.on) return;
    const answers = quiz.log.length;
    quizBox.append(el("h3", {}, `quiz: ${quiz.right} of ${answers} answers right`));
    for (const entry of quiz.log.slice(-2)) {
      quizBox.append(el("div", { class: `cr-mono cr-feedback ${entry.correct ? "cr-right" : "cr-wrong"}` },
        entry.text));
    }
    const b = app.now.phase === "backward" ? app.now.step : -1;
    const questions = state.quiz[b];
    if (!questions) {
      quizBox.append(el("p", { class: "cr-hint" }, b < 0
        ? "The quiz asks about the backward pass: step forward to its start."
        : "Backward is done: every grad is final. Home goes back to the start."));
      return;
    }
    const done = quiz.asked[b] || 0;
    if (done >= questions.length) {
      quizBox.append(el("p", { class: "cr-hint" }, questions.length
        ? `Step ${b + 1} is answered: → takes it.`
        : `Step ${b + 1} asks nothing: its upstream grad is 0, so its share is 0 ` +
          "whatever the rule (which need not exist here). → takes it."));
      return;
    }
    const question = questions[done];
    quizBox.append(el("div", { class: "cr-mono cr-prompt" }, `step ${b + 1}: ${question.prompt}`));
    const input = el("input", { type: "text", inputmode: "decimal", autocomplete: "off",
      "aria-label": "your answer" });
    const check = el("button", { type: "button" }, "check");
    const send = () => {
      const text = input.value.trim();
      const value = Number(text);
      if (!text || !Number.isFinite(value)) {
        note.textContent = `could not read ${JSON.stringify(text)}: type a number here`;
        input.select(); // typing replaces it
        return;
      }
      const verdict = judge(question, value);
      quiz.log.push(verdict);
      if (verdict.correct) quiz.right += 1;
      quiz.asked[b] = done + 1;
      if (done + 1 === questions.length) app.show(app.step + 1); // take the step, as steps.quiz does
      else renderQuiz();
      const next = quizBox.querySelector("input");
      if (next) next.focus();
    };
    check.onclick = send;
    input.onkeydown = (e) => { if (e.key === "Enter") send(); };
    const note = el("div", { class: "cr-error cr-quiz-note", role: "status" });
    const row = el("div", { class: "cr-quiz-answer" });
    row.append(input, check);
    quizBox.append(row, note, el("p", { class: "cr-hint" },
      "The edges' rules stay hidden until you end the quiz. Numbers only here " +
      "(0.2% is close enough). In Python, steps.quiz() also takes " +
      "expressions in the graph's names, such as 1 - t**2."));
  }
  function pathsSection(paths) {
    const box = section(`paths from ${state.names[state.root]} to ${state.nodes[pinned || hovered].name}`, []);
    for (const path of paths.paths) {
      const row = el("div", { class: "cr-mono cr-pathline", tabindex: 0 }, path.line);
      row.onmouseenter = row.onfocus = () => showPath(path);
      row.onmouseleave = row.onblur = () => showPath(null);
      box.append(row);
    }
    box.append(el("div", { class: "cr-mono cr-sum" }, paths.summary));
    return box;
  }
  function editor(id, node) {
    const box = el("section", { class: "cr-sec cr-edit" });
    if (!state.editable || !options.onEdit) {
      box.append(el("p", { class: "cr-hint" },
        "In a notebook, explore(root) lets you change this value and watch every grad move."));
      return box;
    }
    const input = el("input", { type: "number", step: "any", value: node.value,
      "aria-label": `new value of ${node.name}` });
    const set = el("button", { type: "button" }, "set");
    const send = () => { error = ""; options.onEdit(id, Number(input.value)); };
    set.onclick = send;
    input.onkeydown = (e) => { if (e.key === "Enter") send(); };
    box.append(el("label", {}, `${node.name} = `), input, set);
    return box;
  }
  function nodeOf(target) {
    const g = target.closest && target.closest("g.node");
    if (!g) return null;
    const id = g.id.replace(/op$/, "");
    return state.nodes[id] ? id : null;
  }
  svg.addEventListener("click", (e) => {
    const id = nodeOf(e.target);
    if (!id) return;
    pinned = id;
    hovered = null;
    showPath(null);
    render();
    if (options.onSelect) options.onSelect(id);
  });
  svg.addEventListener("mouseover", (e) => {
    const id = nodeOf(e.target);
    if (id && id !== hovered) { hovered = id; render(); }
  });
  svg.addEventListener("mouseleave", () => { if (hovered) { hovered = null; render(); } });
  if (state.model) host.append(modelSection(state.model, options.onSample));
  const blocks = state.blocks ? blocksSection(state.blocks, svg) : null;
  if (blocks) host.append(blocks);
  renderQuiz();
  render();
  Object.defineProperties(app, {
    selected: { get: () => pinned },
    path: { get: () => pathShown },
    blocks: { get: () => blocks },
  });
  return Object.assign(app, {
    select(id) { pinned = id; render(); },
    setError(text) { error = text; render(); },
    showPath,
  });
}

function modelSection(model, onSample) {
  const box = el("details", { class: "cr-model", open: "" });
  box.append(el("summary", {},
    `the model over the whole batch of ${model.root} (one box per layer, a row per neuron); the graph above ` +
    `is sample ${model.sample}'s own term of the loss (named ${model.term} there)`));
  const choose = el("label", {}, "sample ");
  const select = el("select", { "aria-label": "sample" });
  for (let i = 0; i < model.samples; i++) select.append(el("option", { value: i }, `${i}`));
  select.value = String(model.sample);
  if (onSample) select.onchange = () => onSample(Number(select.value));
  else select.disabled = true;
  choose.append(select, el("span", { class: "cr-hint" }, onSample ? "" :
    ` of ${model.samples} (another sample: explore(loss, collapse=model, sample=k))`));
  const picture = el("div", { class: "cr-model-svg" });
  picture.innerHTML = model.svg;
  box.append(choose, picture);
  return box;
}

export default {
  render({ model, el: host }) {
    let app = null, drawn = 0;
    const draw = async () => {
      const ticket = ++drawn; // a newer state while this one is laid out wins
      const state = await layOut(model.get("state"));
      if (ticket !== drawn) return;
      const keep = app ? { start: app.step, selected: app.selected } : { start: model.get("position") };
      if (app) app.destroy();
      host.replaceChildren();
      const box = document.createElement("div");
      box.tabIndex = 0;
      host.append(box);
      const selected = keep.selected && state.nodes[keep.selected] ? keep.selected : null;
      app = mountExplorer(box, state, {
        keyTarget: box, start: keep.start, selected, error: model.get("error"),
        onEdit: (node, value) => model.send({ type: "edit", node, value }),
        onSample: (k) => { model.set("sample", k); model.save_changes(); },
        onStep: (k) => { model.set("position", k); model.save_changes(); },
      });
    };
    const showError = () => { if (app) app.setError(model.get("error")); };
    draw();
    model.on("change:state", draw);
    model.on("change:error", showError);
    return () => {
      model.off("change:state", draw);
      model.off("change:error", showError);
      if (app) app.destroy();
    };
  },
};
