"""chainrule's build: the metadata is in pyproject.toml; this adds the optional storage.

The compiled storage ``autograd._node`` (autograd/storage.py) is optional: where no C
compiler is found the install goes on, and the same code runs on a plain class, to the
same numbers. ``CHAINRULE_PURE_WHEEL=1`` leaves it out, so the wheel is pure Python,
tagged ``py3-none-any``, as Pyodide's micropip needs (docs/browser.md):

    CHAINRULE_PURE_WHEEL=1 pip wheel --no-deps -w dist .
"""

import os

from setuptools import Extension, setup

PURE = os.environ.get("CHAINRULE_PURE_WHEEL", "") not in ("", "0")
STORAGE = Extension("autograd._node", sources=["autograd/_node.c"], optional=True)

setup(ext_modules=[] if PURE else [STORAGE])
