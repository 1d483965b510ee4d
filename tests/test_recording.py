"""no_grad holds per thread and per asyncio task: threads forced to interleave by Events."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from autograd import OPS, Value, define_op, grad, is_recording, no_grad

WAIT = 10.0  # seconds: a bound on each handshake, so a broken engine fails, never hangs


def _run_threads(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first failure in this thread."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as err:  # noqa: BLE001 - handed to the test thread
                errors.append(err)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def _wait(event: threading.Event) -> None:
    assert event.wait(WAIT), "the other thread never got there"


def _records() -> bool:
    """Whether an op made now records its parents, and backward reaches them."""
    x = Value(3.0)
    y = x * x
    if y.is_leaf:
        return False
    y.backward()
    assert x.grad == 6.0  # d(x²)/dx at 3
    return True


def test_overlapping_blocks_in_two_threads_leave_recording_on():
    # A enters, B enters, A leaves, B leaves: the order that left recording off for good
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        with no_grad():
            a_in.set()
            _wait(b_in)
            seen["a inside"] = _records()
        a_out.set()
        seen["a after"] = _records()

    def b() -> None:
        _wait(a_in)
        with no_grad():
            b_in.set()
            _wait(a_out)
            seen["b inside, a done"] = _records()
        seen["b after"] = _records()

    _run_threads(a, b)
    assert seen == {
        "a inside": False,
        "a after": True,
        "b inside, a done": False,
        "b after": True,
    }
    assert _records() and is_recording()


def test_another_threads_no_grad_leaves_this_thread_recording():
    inside, checked = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def pauser() -> None:
        with no_grad():
            inside.set()
            _wait(checked)
            seen["pauser"] = is_recording() or _records()

    def builder() -> None:
        _wait(inside)
        seen["builder"] = is_recording() and _records()
        checked.set()

    _run_threads(pauser, builder)
    assert seen == {"pauser": False, "builder": True}


def test_create_graph_in_one_thread_does_not_record_in_another_threads_no_grad():
    # a user op whose rule, run by create_graph, holds the thread there until the
    # other thread has built a node inside its no_grad block
    in_rule, built = threading.Event(), threading.Event()

    def slow_rule(out, a):
        in_rule.set()
        _wait(built)
        return (2 * a,)

    define_op("test_slow_square", lambda a: a * a, slow_rule, "2·a")
    seen: dict[str, object] = {}
    try:

        def differentiator() -> None:
            x = Value(1.5)
            d = grad(Value.apply("test_slow_square", x), x, create_graph=True)
            seen["second derivative"] = grad(d, x)  # d/dx (2x) = 2

        def pauser() -> None:
            _wait(in_rule)
            with no_grad():
                y = Value(2.0) * Value(4.0)
                seen["leaf inside no_grad"] = y.is_leaf and not is_recording()
            built.set()

        _run_threads(differentiator, pauser)
    finally:
        del OPS["test_slow_square"]
    assert seen == {"second derivative": 2.0, "leaf inside no_grad": True}


def test_no_grad_in_one_asyncio_task_leaves_the_others_recording():
    async def main() -> dict[str, bool]:
        inside, checked = asyncio.Event(), asyncio.Event()
        seen: dict[str, bool] = {}

        async def pauser() -> None:
            with no_grad():
                inside.set()
                await checked.wait()  # the other task runs while this one is inside
                seen["pauser"] = _records()

        async def builder() -> None:
            await inside.wait()
            seen["builder"] = _records()
            checked.set()

        await asyncio.wait_for(asyncio.gather(pauser(), builder()), WAIT)
        return seen

    assert asyncio.run(main()) == {"pauser": False, "builder": True}
    assert _records()


def test_a_task_started_inside_no_grad_holds_it_while_the_block_lasts():
    async def main() -> tuple[bool, bool]:
        started = asyncio.Event()
        block_done = asyncio.Event()
        seen: list[bool] = []

        async def child() -> None:
            seen.append(_records())  # the block that started it is open
            started.set()
            await block_done.wait()
            seen.append(_records())  # it has ended

        with no_grad():
            task = asyncio.create_task(child())
            await started.wait()
        block_done.set()
        await asyncio.wait_for(task, WAIT)
        return tuple(seen)

    assert asyncio.run(main()) == (False, True)


def test_nested_blocks_and_create_graph_inside_no_grad():
    x = Value(2.0)
    y = x * x * x  # built outside: its graph exists
    with no_grad():
        with no_grad():
            assert not is_recording()
        assert not is_recording()
        d = grad(y, x, create_graph=True)
        assert not d.is_leaf and grad(d, x) == 12.0  # d/dx 3x² = 6x
        assert not is_recording() and (x * x).is_leaf
    assert is_recording() and _records()
