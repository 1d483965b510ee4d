// The chainrule Lab: Pyodide runs chainrule (python.zip) and the Python side,
// viz/lab/session.py; this script wires the editor, the cell, the grader's verdict and
// the explorer (explorer.mjs: the explorer's front end with Graphviz in WebAssembly).
// window.chainruleLab = {ready, run(code), check(code), explore(code, name)}.
import { layOut, mountExplorer } from "./explorer.mjs";

const $ = (id) => document.getElementById(id);
const HOME = "/home/pyodide/chainrule";
let session = null, queue = Promise.resolve(), app = null;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("cr-lab-error", error);
}

// One Python call at a time, each after the page has painted (Python blocks the page).
function call(method, ...args) {
  const next = queue
    .then(() => new Promise((done) => setTimeout(done, 0)))
    .then(() => session[method](...args));
  queue = next.catch(() => {});
  return next;
}

async function boot() {
  const started = performance.now();
  const config = await (await fetch("lab.json")).json();
  setUp(config);
  const indexURL = new URL(config.pyodide, location.href).href;
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL });
  const zip = await (await fetch("python.zip")).arrayBuffer();
  pyodide.unpackArchive(zip, "zip", { extractDir: HOME });
  pyodide.runPython(`import sys\nsys.path.insert(0, "${HOME}")\n` +
    "from viz.lab.session import Session\nlab_session = Session()\n");
  session = pyodide.globals.get("lab_session");
  for (const id of ["check", "run", "explore"]) $(id).disabled = false;
  status(`ready (${((performance.now() - started) / 1000).toFixed(1)} s): ` +
    `chainrule on Python ${pyodide.runPython("import sys; sys.version.split()[0]")} in Pyodide ${pyodide.version}`);
}

function setUp(config) {
  $("engine").value = config.starter;
  $("cell").value = config.exercises.find((e) => e.target === "cell" && e.name).code;
  for (const id of ["engine", "cell"]) { // the learner's text survives a reload
    const kept = localStorage.getItem(`chainrule-lab-${id}`);
    if (kept) $(id).value = kept;
    $(id).addEventListener("input", () => localStorage.setItem(`chainrule-lab-${id}`, $(id).value));
  }
  const menu = $("exercise");
  config.exercises.forEach((exercise, i) => menu.append(el("option", { value: i }, exercise.title)));
  menu.onchange = () => {
    const exercise = config.exercises[Number(menu.value)];
    $(exercise.target).value = exercise.code;
    localStorage.setItem(`chainrule-lab-${exercise.target}`, exercise.code);
    if (exercise.name) $("name").value = exercise.name;
  };
  $("check").onclick = () => check($("engine").value).catch(showError);
  $("run").onclick = () => run($("cell").value).catch(showError);
  $("explore").onclick = () => explore($("cell").value, $("name").value.trim()).catch(showError);
  $("cell").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("run").click(); }
  });
  for (const area of [$("engine"), $("cell")]) {
    area.addEventListener("keydown", (e) => { // Tab indents, as an editor does
      if (e.key !== "Tab" || e.shiftKey) return;
      e.preventDefault();
      area.setRangeText("    ", area.selectionStart, area.selectionEnd, "end");
    });
  }
}

function showError(err) { $("output").textContent = String(err.message || err); }

async function run(code) {
  await ready;
  $("output").textContent = "running…";
  const printed = await call("run", code);
  $("output").textContent = printed || "(nothing printed)";
  return printed;
}

async function check(code) {
  await ready;
  $("verdict").replaceChildren(el("div", { class: "cr-lab-summary" }, "checking…"));
  const started = performance.now();
  const result = JSON.parse(await call("check", code));
  result.seconds = (performance.now() - started) / 1000;
  showVerdict(result);
  return result;
}

function showVerdict(result) {
  const box = $("verdict");
  const summary = result.ok
    ? "✓ your engine passes every probe"
    : `✗ bug classes: ${result.bug_classes.join(", ")}`;
  box.replaceChildren(el("div", { class: `cr-lab-summary ${result.ok ? "cr-lab-pass" : "cr-lab-fail"}` },
    `${summary} (${result.seconds.toFixed(1)} s)`));
  const table = el("table");
  const head = el("tr");
  for (const h of ["probe", "verdict", "bug class", "hint"]) head.append(el("th", {}, h));
  table.append(head);
  for (const probe of result.probes) {
    const bad = probe.verdict === "FAIL" || probe.verdict === "error";
    const row = el("tr", bad ? { class: "cr-lab-bad" } : {});
    row.append(el("td", { class: "cr-lab-probe" }, probe.expression), el("td", {}, probe.verdict),
      el("td", {}, probe.kind));
    const hint = el("td", {}, probe.hint);
    if (probe.numbers && probe.numbers !== probe.hint) {
      const more = el("details");
      more.append(el("summary", {}, "the numbers"), el("div", {}, probe.numbers));
      hint.append(more);
    }
    row.append(hint);
    table.append(row);
  }
  box.append(table);
}

async function explore(code, name) {
  await ready;
  const result = JSON.parse(await call("explore", code, name));
  $("output").textContent = result.output || "";
  if (result.error) throw new Error(result.error);
  await draw(result.state);
  return result.output;
}

async function draw(state, keep = {}) {
  const laid = await layOut(state);
  if (app) app.destroy();
  const host = $("explorer");
  host.replaceChildren();
  const box = el("div", { tabindex: 0 });
  host.append(box);
  app = mountExplorer(box, laid, {
    keyTarget: box, start: keep.start, selected: keep.selected,
    onEdit: async (node, value) => {
      const answer = JSON.parse(await call("edit", node, value));
      if (answer.error) app.setError(answer.error);
      else await draw(answer.state, { start: app.step, selected: app.selected });
    },
  });
}

const ready = boot().catch((err) => {
  status(`the lab could not start: ${err.message || err}`, true);
  throw err;
});
window.chainruleLab = { ready, run, check, explore };
