"""``python -m viz "a*b + a.tanh()" a=2 b=-3 [--svg out.svg] [--html out.html]``, and
``python -m viz lab OUT_DIR [--pyodide URL_OR_DIR]`` (the lab, a static site)."""

import sys

from viz.cli import main
from viz.lab import main as lab_main

raise SystemExit(lab_main(sys.argv[2:]) if sys.argv[1:2] == ["lab"] else main())
