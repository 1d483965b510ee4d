// The chainrule Lab: Python (Pyodide, chainrule and viz/lab/session.py) runs in a Web
// Worker (worker.mjs), so the page never freezes; this script wires the editor, the
// cell, the grader's verdict, the stop button and the explorer (explorer.mjs: the
// explorer's front end with Graphviz in WebAssembly). A call that outlives its limit,
// or is stopped, costs the worker: a fresh one starts, without the session's variables.
// window.chainruleLab = {ready, run(code), check(code), explore(code, name), stop(), limits}.
import { layOut, mountExplorer } from "./explorer.mjs";

const $ = (id) => document.getElementById(id);
const limits = {}; // seconds a cell and a check may run: lab.json's "limits"
const jobs = []; // calls waiting for Python, the first one running
let worker = null, live = false, answers = new Map(), config = null, app = null, ticker = null,
  idle = "";

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

// A fresh worker: calls wait until Python and chainrule are loaded in it.
function startPython(restart = false) {
  const begun = performance.now();
  live = false;
  worker = new Worker(new URL("worker.mjs", import.meta.url), { type: "module" });
  answers = new Map();
  worker.onmessage = ({ data }) => { answers.get(data.id)?.(data); answers.delete(data.id); };
  worker.onerror = (event) => { // the worker's script failed, or Python took the worker down
    event.preventDefault();
    const error = event.message || "the worker failed";
    for (const answer of answers.values()) answer({ error, fatal: true });
    answers.clear();
  };
  status(restart ? "restarting Python (the session's variables were lost)…"
    : "loading Python (Pyodide) and chainrule…");
  return post("start", [config.pyodide]).then((info) => {
    idle = `${restart ? "Python restarted, the session's variables lost" : "ready"} ` +
      `(${seconds(begun)} s): chainrule on Python ${info.python} in Pyodide ${info.pyodide}`;
    live = true;
    busy(null);
    pump();
  });
}

let nextId = 0;
function post(method, args) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    answers.set(id, (data) => (data.error === undefined ? resolve(data.value)
      : reject(Object.assign(new Error(data.error), { fatal: data.fatal }))));
    worker.postMessage({ id, method, args });
  });
}

// Calls run one at a time, each within `limit` seconds; `what` names it in messages.
function call(method, args, what, limit) {
  return new Promise((resolve, reject) => {
    jobs.push({ method, args, what, limit, resolve, reject });
    pump();
  });
}

function pump() {
  const job = jobs[0];
  if (!live || !job || job.begun) return;
  job.begun = performance.now();
  busy(job);
  job.timer = setTimeout(() => halt(`${job.what} ran longer than its ${job.limit} s limit ` +
    "(a loop or a recursion that never ends?) and was stopped."), job.limit * 1000);
  post(job.method, job.args).then(job.resolve, (err) => {
    if (err.fatal) halt(/call stack/.test(err.message)
      ? `${job.what} recursed deeper than the browser's stack allows (${err.message}).`
      : `${job.what} broke Python (${err.message}).`);
    else job.reject(err);
  }).finally(() => {
    if (jobs[0] !== job) return; // halted: the next call waits for the fresh worker
    clearTimeout(job.timer);
    jobs.shift();
    busy(null);
    pump();
  });
}

// Ends the running call (with `everything`, the waiting ones too) with the message
// `why`, terminates the worker and starts a fresh one.
function halt(why, everything = false) {
  if (!jobs[0]?.begun) return;
  clearTimeout(jobs[0].timer);
  worker.terminate();
  live = false;
  busy(null);
  const lost = new Error(`${why[0].toUpperCase()}${why.slice(1)} Python was restarted: the ` +
    "session's variables, your checked engine and the explored graph were lost.");
  for (const job of jobs.splice(0, everything ? jobs.length : 1)) job.reject(lost);
  if (app) app.destroy(); // its edits would go to a Python that no longer has it
  app = null;
  $("explorer").replaceChildren();
  startPython(true).catch((err) => status(`Python did not restart: ${err.message || err}`, true));
}

function stop() {
  if (jobs[0]?.begun) halt(`You stopped ${jobs[0].what} after ${seconds(jobs[0].begun)} s.`, true);
}

const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);

// The buttons and the status line: for the running call `job`, or none.
function busy(job) {
  clearInterval(ticker);
  $("stop").disabled = !job;
  for (const id of ["check", "run", "explore"]) $(id).disabled = Boolean(job) || !live;
  if (!job) return live && status(idle);
  const show = () => {
    const spent = Math.floor((performance.now() - job.begun) / 1000);
    status(`${job.what}: ${spent} s of at most ${job.limit} s`);
  };
  show();
  ticker = setInterval(show, 250);
}

function failed(err) {
  status(`the lab could not start: ${err.message || err}`, true);
  throw err;
}

async function boot() {
  config = await (await fetch("lab.json")).json();
  Object.assign(limits, config.limits);
  setUp(config);
  await startPython();
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
  const quiet = () => {}; // each shows its own errors, in the output or the verdict
  $("check").onclick = () => check($("engine").value).catch(quiet);
  $("run").onclick = () => run($("cell").value).catch(quiet);
  $("explore").onclick = () => explore($("cell").value, $("name").value.trim()).catch(quiet);
  $("stop").onclick = stop;
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

// A call's error, shown where the cell's output goes, and thrown on to the caller.
function shown(err) {
  output(String(err.message || err), true);
  throw err;
}

const running = () => `running… (at most ${limits.cell} s; stop ■ at the top ends it sooner)`;

function output(text, error = false) {
  $("output").textContent = text;
  $("output").classList.toggle("cr-lab-error", error);
}

async function run(code) {
  await ready;
  output(running());
  const printed = await call("run", [code], "the cell", limits.cell).catch(shown);
  output(printed || "(nothing printed)");
  return printed;
}

async function check(code) {
  await ready;
  $("verdict").replaceChildren(el("div", { class: "cr-lab-summary" },
    `checking… (each probe at most ${config.probe_lines.toLocaleString("en")} lines, ` +
    `the whole check at most ${limits.check} s)`));
  const started = performance.now();
  let result;
  try {
    result = JSON.parse(await call("check", [code], "the check", limits.check));
  } catch (err) {
    $("verdict").replaceChildren(el("div", { class: "cr-lab-summary cr-lab-fail" }, err.message));
    throw err;
  }
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
  output(running());
  const result = JSON.parse(await call("explore", [code, name], "the cell", limits.cell)
    .catch(shown));
  output(result.output || "");
  if (result.error) shown(new Error(result.error));
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
      const answer = JSON.parse(await call("edit", [node, value], "the edit", limits.cell)
        .catch((err) => JSON.stringify({ error: err.message })));
      if (answer.error) app.setError(answer.error);
      else await draw(answer.state, { start: app.step, selected: app.selected });
    },
  });
}

const ready = boot().catch(failed);
window.chainruleLab = { ready, run, check, explore, stop, limits };
