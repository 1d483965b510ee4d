"""The chainrule Lab: a static site where a learner completes an engine, has it graded,
runs Python and explores graphs, all in the browser (Pyodide). ``python -m viz lab``."""

from viz.lab.build import PYODIDE_CDN, build_lab, main

__all__ = ["PYODIDE_CDN", "build_lab", "main"]
