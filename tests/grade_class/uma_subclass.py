# ruff: noqa  (a learner's submission for the grader's tests, kept as a learner wrote it)
engine = __import__("autograd")


class Value(engine.Value):
    pass
