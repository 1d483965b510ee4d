"""``python -m autograd.grade SUBMISSION... --json results.json``: the grader's entry
(the grader itself is ``autograd.check.grade``)."""

from autograd.check.grade import main

if __name__ == "__main__":
    raise SystemExit(main())
