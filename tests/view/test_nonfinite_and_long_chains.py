"""NaN, infinities, empty arrays and long chains are data the view shows, never a crash.

A learner's program that takes ``sqrt(-1)`` or a learning rate of 1e30 is exactly the case
tapeviz promises to flag, so every view function (words, explanations, scenes, DOT text, the
terminal graph model and the UI session's frame) must describe it. Random programs mix NaN,
±inf, huge and empty inputs; a long chain checks that graph walks are loops, not recursion.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tapeviz.engine as E
import tapeviz.view as view
from tapeviz.render.dot import dot_source
from tapeviz.trace import Trace, record
from tapeviz.ui.graph_model import build_spec, min_size, outline_rows
from tapeviz.ui.session import Session
from tapeviz.view import numbers
from tapeviz.view.events import explain as view_explain_with_chain_rule

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e-30, 2.0, -1.0]

UNARY = {
    "sqrt": E.sqrt, "log": E.log, "exp": E.exp, "negative": E.negative, "relu": E.relu,
    "sigmoid": E.sigmoid, "tanh": E.tanh, "square": E.square, "abs": E.abs,
    "softmax": lambda x: E.softmax(x) if x.size and x.ndim else x,  # empty: a ShapeError, rightly
    "reduce_sum": lambda x: E.reduce_sum(x, keepdims=True) + E.zeros_like(x),
    "reduce_max": lambda x: (E.reduce_max(x, keepdims=True) + E.zeros_like(x)) if x.size else x,
}
BINARY = {"add": E.add, "subtract": E.subtract, "multiply": E.multiply, "divide": E.divide, "maximum": E.maximum}


@st.composite
def nonfinite_programs(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[str, int]], float]:
    shape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 3), (0,), (2, 0)]))
    size = int(np.prod(shape))
    values = draw(st.lists(st.sampled_from(SPECIAL), min_size=size, max_size=size))
    steps = draw(st.lists(st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 5)), min_size=1, max_size=8))
    lr = draw(st.sampled_from([0.01, 1e30, np.inf, np.nan]))
    return np.array(values, dtype=np.float32).reshape(shape), steps, lr


def record_program(x0: np.ndarray, steps: list[tuple[str, int]], lr: float) -> Trace:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with record(title="fuzz") as trace:
            x = E.Variable(x0, name="x")
            with E.GradientTape() as tape:
                pool = [x * 1.0]
                for op, k in steps:
                    a = pool[k % len(pool)]
                    pool.append(UNARY[op](a) if op in UNARY else BINARY[op](a, pool[-1]))
                loss = E.reduce_sum(pool[-1])
            g = tape.gradient(loss, x)
            if g is not None:
                x.assign_sub(E.constant(np.float32(lr)) * g)
    return trace


def look_at_every_event(trace: Trace) -> None:
    """Everything a learner can see of ``trace``: words, explanations, images, terminal boxes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inf - inf warns in numpy and is shown as nan, rightly
        for i, event in enumerate(trace.events):
            view.describe_event(trace, event)
            view.event_sentence(trace, i)
            view.explain(trace, i)
            scene = view.build_scene(trace, i)
            assert scene.title["headline"]
            view_explain_with_chain_rule(trace, i)
            dot_source(trace, at=i + 1)
        session = Session(trace)
        for i in range(len(trace)):
            session.goto(i)
            frame = session.frame()
            assert frame is not None and frame.index == i
            spec = frame.spec
            min_size(spec)
            outline_rows(build_spec(trace, frame.snap.iteration, detail="outline"))
            for lid in spec.boxes:
                view.box_line(spec.boxes[lid], frame.snap, "values")
                view.box_line(spec.boxes[lid], frame.snap, "grads")


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@FUZZ
@given(nonfinite_programs())
def test_random_programs_with_nan_inf_and_empty_arrays_are_shown(program: tuple[np.ndarray, list[tuple[str, int]], float]) -> None:
    look_at_every_event(record_program(*program))


def test_sqrt_of_negatives_steps_to_the_nan_gradient() -> None:
    """The issue's case: ``sqrt([-1, -4])``, then the backward step whose gradient is all NaN."""
    trace = record_program(np.array([-1.0, -4.0], dtype=np.float32), [("sqrt", 0)], 0.01)
    look_at_every_event(trace)
    assert any(numbers.nonfinite(g) for e in trace.events for g in getattr(e, "input_grads", ()) or ())


@pytest.mark.parametrize("values", [
    [np.nan, np.nan], [np.inf, -np.inf], [np.nan, np.inf], [], [[]], [[np.nan], [np.nan]], [1e308, -1e308],
])
def test_number_texts_take_any_array(values: list) -> None:
    a = np.array(values, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        where = numbers.largest(a)
        assert where == () if a.size == 0 else len(where) == a.ndim
        numbers.summary(a)
        numbers.stats_line(a)
        numbers.value_range(a)
        if a.size:
            numbers.update_text(a, a[::-1] if a.ndim == 1 else a)


def test_largest_skips_nan_but_keeps_infinity() -> None:
    assert numbers.largest(np.array([np.nan, 3.0, -7.0])) == (2,)
    assert numbers.largest(np.array([1.0, np.nan, -np.inf])) == (2,)
    assert numbers.largest(np.full((2, 2), np.nan)) == (0, 0)


def chain_trace(n: int) -> Trace:
    with record(title="chain") as trace:
        x = E.Variable(1.0, name="x")
        with E.GradientTape() as tape:
            y = x
            for _ in range(n):
                y = y * 1.0001
        tape.gradient(y, x)
    return trace


def test_a_chain_deeper_than_the_recursion_limit_is_laid_out_and_stepped() -> None:
    """Graph walks are loops: a chain longer than Python's recursion limit (set low here, so the
    test stays fast) still gives a size, a frame at every phase and DOT text."""
    old = sys.getrecursionlimit()
    n = 600
    trace = chain_trace(n)
    sys.setrecursionlimit(300)  # below the chain's length: any recursive walk over it fails
    try:
        spec = build_spec(trace, 0)
        width, height = min_size(spec)
        assert height >= n * 3  # every box is at least three rows, each one under the last
        session = Session(trace)
        for i in (0, 1, n, n + 1, len(trace) - 1):
            session.goto(i)
            assert session.frame() is not None
        assert dot_source(trace, at=len(trace)).count("->") >= n
    finally:
        sys.setrecursionlimit(old)


async def test_the_ui_steps_through_nan_gradients_and_back(tmp_path) -> None:  # noqa: ANN001
    """The issue's crash: stepping onto the all-NaN backward step (event 5), then back."""
    from tapeviz.ui import TapevizApp
    from tests.support.ui_helpers import settle

    trace = record_program(np.array([-1.0, -4.0], dtype=np.float32), [("sqrt", 0)], 0.01)
    app = TapevizApp(trace, source="nan", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key in ["right"] * len(trace) + ["left"] * len(trace) + ["g", "end", "home"]:
            await pilot.press(key)
        await pilot.pause()
        assert app.index == 0
    assert app._exception is None and app.return_code in (None, 0)
