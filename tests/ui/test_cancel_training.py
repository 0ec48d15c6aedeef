"""``t`` on a train step that never returns: Esc cancels it, ``q`` quits (issue 27, item 7)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tapeviz.trace import run_program
from tapeviz.trace.budget import Budget, BudgetExceeded
from tapeviz.ui import load_app, training
from tests.support.ui_helpers import settle

FOREVER = textwrap.dedent('''
    import tapeviz.tf as tf
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x)

    def train_step():
        while True:  # never returns{extra}
            with tf.GradientTape() as t:
                z = x * x
''')


@pytest.fixture(autouse=True)
def no_training_outlives_its_test():
    """A failing test must not leave a train step recording forever in this process (it once
    filled the machine's memory and the whole suite was killed)."""
    yield
    threads = [t for t in list(training._threads.values()) if t is not None]
    for key in list(training._threads):
        training._cancelled.add(key)
    for thread in threads:
        if thread.is_alive() and thread.ident is not None:
            import ctypes

            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                       ctypes.py_object(training.TrainingCancelled))
        thread.join(10)
    training._threads.clear()
    training._cancelled.clear()


async def wait_until(pilot, condition, rounds: int = 300) -> bool:  # noqa: ANN001
    for _ in range(rounds):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


async def train_then_escape(pilot, app, after: float = 0.2) -> bool:  # noqa: ANN001
    """``t``, wait until training runs, let it run ``after`` seconds, Esc: did training stop?"""
    await settle(pilot)
    await pilot.press("t")
    assert await wait_until(pilot, lambda: app.training)
    await pilot.pause(after)
    await pilot.press("escape")
    return await wait_until(pilot, lambda: not app.training)


async def test_escape_cancels_a_train_step_that_never_returns(tmp_path: Path) -> None:
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra=""))
    app = load_app(str(program), layout_engine="layered", out_dir=tmp_path)
    before = len(app.trace)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await train_then_escape(pilot, app)
        await settle(pilot)
        assert len(app.trace) > before  # what the step recorded before it was cancelled is kept
        await pilot.press("right")  # the UI answers again
    assert app._exception is None


def test_q_quits_while_training_runs_forever(tmp_path: Path) -> None:
    """In a real process: ``t`` then ``q`` ends the process (it stayed at 100% CPU)."""
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra="\n        pass"))
    script = textwrap.dedent(f'''
        import sys
        from tapeviz.ui import load_app
        from tapeviz.ui.crash import run_reporting

        app = load_app({str(program)!r}, layout_engine="layered")

        async def keys(pilot):
            await pilot.pause(0.5)
            await pilot.press("t")
            await pilot.pause(0.5)
            await pilot.press("q")

        sys.exit(run_reporting(app, headless=True, size=(100, 30), auto_pilot=keys))
    ''')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


async def test_escape_at_once_cancels_even_before_the_thread_runs(tmp_path: Path) -> None:
    """Esc pressed in the same breath as ``t``: the worker's thread may not have started yet (on
    a busy machine it can take a while); the cancel waits for it instead of being lost."""
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra=""))
    app = load_app(str(program), layout_engine="layered", out_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with app.session.lock:  # the thread cannot begin the step while the UI holds the trace
            await pilot.press("t", "escape")
            assert app.training
        assert await wait_until(pilot, lambda: not app.training)
        await pilot.press("right")
    assert app._exception is None


def test_a_cancel_before_the_thread_registers_is_kept() -> None:
    lock = object()
    assert not training.cancel(lock)  # nothing training: nothing to cancel
    training.starting(lock)
    assert training.cancel(lock)
    with pytest.raises(training.TrainingCancelled):
        training.running(lock, __import__("threading").current_thread())
    training.running(lock, None)
    assert not training.cancel(lock)


def test_a_train_step_that_records_forever_stops_at_the_budget(tmp_path: Path) -> None:
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra=""))
    trace = run_program(program).trace
    before = len(trace)
    with pytest.raises(BudgetExceeded, match="budget is 200 events"):
        trace.train_more(1, limit=Budget(events=200))
    assert len(trace) == 200  # what it recorded up to the budget stays, and the trace is whole
    assert trace.events[before:]


GC_BUSY = textwrap.dedent('''
    import gc
    import tapeviz.tf as tf
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x)

    def busy_callback(phase, info):  # Python code run inside every garbage collection
        total = 0
        for i in range(20000):
            total += i

    gc.callbacks.append(busy_callback)

    def train_step():
        while True:
            with tf.GradientTape() as t:
                z = x * x
            gc.collect()
''')


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed cancels
async def test_a_cancel_swallowed_by_a_gc_callback_still_stops_the_step(tmp_path: Path) -> None:
    """CI once failed here: the cancel landed inside a garbage-collection callback (hypothesis
    registers one), where Python ignores exceptions, and training ran on. Most of this step's time
    is spent inside such a callback, so the asynchronous cancel is almost always swallowed; the
    step stops at the next op it records instead."""
    import gc

    program = tmp_path / "gc_busy.py"
    program.write_text(GC_BUSY)
    app = load_app(str(program), layout_engine="layered", out_dir=tmp_path)
    callbacks = list(gc.callbacks)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert await train_then_escape(pilot, app, after=0.3)
        assert app._exception is None
    finally:
        gc.callbacks[:] = callbacks


def test_a_checkpoint_that_raises_ends_the_step_and_keeps_what_it_recorded(tmp_path: Path) -> None:
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra=""))
    trace = run_program(program).trace
    before, calls = len(trace), []

    def checkpoint() -> None:
        calls.append(1)
        if len(calls) > 7:
            raise training.TrainingCancelled

    with pytest.raises(training.TrainingCancelled):
        trace.train_more(1, checkpoint=checkpoint)
    assert len(trace) == before + 7  # the seven events filed before it raised stay
    assert trace._checkpoint is None  # the next recording runs without it


def test_code_run_under_a_trace_function_still_runs_after_a_cancel() -> None:
    """A cancelled step once left CPython's eval breaker set for good (a "drop the pending
    cancel" call), and the next lesson rule checked under a trace function spun forever."""
    script = textwrap.dedent('''
        import threading, time
        from tapeviz.lessons.rules import compile_rule
        from tapeviz.ui import training

        lock = object()
        training.starting(lock)

        def step():
            try:
                training.running(lock, threading.current_thread())
                while True:
                    training.check(lock)  # a step that records stops at its next event
            except training.TrainingCancelled:
                pass
            finally:
                training.running(lock, None)

        thread = threading.Thread(target=step)
        thread.start()
        time.sleep(0.2)
        training.cancel(lock)
        thread.join(10)
        compile_rule("def rule(x, dy):\\n    return dy\\n", "rule")
        print("ok")
    ''')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_second_esc_sends_no_second_exception() -> None:
    """Esc pressed twice: one cancel is sent. A second could land after the handlers that caught
    the first, in the worker's own code, and the UI would wait for a result that never comes."""
    import threading
    import time

    lock, caught, done = object(), [], threading.Event()

    def step() -> None:
        training.running(lock, threading.current_thread())
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                while time.monotonic() < deadline:
                    time.sleep(0.001)
            except training.TrainingCancelled:
                caught.append(1)
        done.set()

    training.starting(lock)
    thread = threading.Thread(target=step)
    thread.start()
    time.sleep(0.2)
    assert training.cancel(lock)
    time.sleep(0.2)
    assert training.cancel(lock)  # still training: True, but nothing more is sent
    done.wait(5)
    training.running(lock, None)
    thread.join(5)
    assert caught == [1]
