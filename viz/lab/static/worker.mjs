// The lab's Python, off the page's thread: Pyodide, chainrule (python.zip) and the
// Session of viz/lab/session.py. The page (lab.js) posts {id, method, args} and gets
// {id, value} or {id, error, fatal}. Nothing here bounds a call: the page terminates
// this worker when one runs too long, or when the learner presses stop.
const HOME = "/home/pyodide/chainrule";
let session = null;

async function start(pyodideURL) {
  const indexURL = new URL(pyodideURL, self.location.href).href;
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL });
  const zip = await (await fetch(new URL("python.zip", self.location.href))).arrayBuffer();
  pyodide.unpackArchive(zip, "zip", { extractDir: HOME });
  pyodide.runPython(`import sys\nsys.path.insert(0, "${HOME}")\n` +
    "from viz.lab.session import Session\nlab_session = Session()\n");
  session = pyodide.globals.get("lab_session");
  const python = pyodide.runPython("import sys; sys.version.split()[0]");
  return { python, pyodide: pyodide.version };
}

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const value = method === "start" ? await start(...args) : session[method](...args);
    self.postMessage({ id, value });
  } catch (err) {
    // A Python exception that escaped the Session leaves Python usable; anything else
    // (Pyodide's fatal error, JavaScript's stack overflow) leaves this worker broken.
    const fatal = err?.name !== "PythonError";
    self.postMessage({ id, error: String(err?.message || err), fatal });
  }
};
