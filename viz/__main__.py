"""``python -m viz "a*b + a.tanh()" a=2 b=-3 [--svg out.svg] [--html out.html]``."""

from viz.cli import main

raise SystemExit(main())
