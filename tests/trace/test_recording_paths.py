"""The recording's fast paths give what the plain ones give.

``Trace._fold`` is ``_localize`` then ``_append`` written out in one loop; ``quick_init`` builds
events through their slots; a module's names are copied once while they bind the same objects.
Each is checked here against the path it stands in for, on programs that exercise the corners
of line capture and naming (one line run twice with other variables, loops, a lambda, nested
functions, a global the loop rebinds, a thread, a gradient of a gradient).
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapeviz.engine as E
import tapeviz.tf as tf
from tapeviz.engine import events as ev
from tapeviz.trace import Trace, record, run_program
from tapeviz.trace.graph import Edge
from tapeviz.trace.sites import SiteRecorder

CORNERS = Path(__file__).resolve().parents[1] / "data" / "programs" / "site_corners.py"


def _same(a: Any, b: Any) -> bool:
    """Equal field by field, arrays by identity (an event carries the engine's own arrays)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a is b
    return type(a) is type(b) and a == b


def _graph_state(trace: Trace) -> tuple[Any, ...]:
    g = trace.graph
    return (
        [dataclasses.astuple(n) for n in g.nodes.values()],
        [(e.src, e.dst, e.index) for e in g.edges],
        dict(g._by_iteration), dict(g._role_counts),
        trace.phases, trace.iterations, trace.losses,
    )


def _a_training_loop() -> None:
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32), name="w")
    x = tf.constant(np.array([[1.0, 2.0]], np.float32))
    for _ in range(3):
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape() as tape:
                h = tf.matmul(x, w, name="logits")
                loss = tf.reduce_sum(h * h + h)  # h feeds two ops: a GradientAccumulated
            (g,) = tape.gradient(loss, [w])
            gg = tf.reduce_sum(g * g)  # recorded by the outer tape after the inner backward pass
        outer.gradient(gg, [w])
        w.assign_sub(g * 0.1)


PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "programs"


@pytest.mark.parametrize("program", [None, "custom_gradient.py", "fit_updates.py", "attention_block.py"])
def test_the_fold_gives_the_events_and_graph_of_localize_then_append(program: str | None) -> None:
    raw: list[ev.Event] = []
    E.subscribe(raw.append)
    try:
        if program is None:
            with record() as folded:
                _a_training_loop()
        else:
            folded = run_program(PROGRAMS / program).trace
    finally:
        E.unsubscribe(raw.append)
    reference = Trace()
    for e in raw:
        reference._append(reference._localize(e))
    assert len(folded.events) == len(reference.events) == len(raw)
    for got, want in zip(folded.events, reference.events):
        assert _same(got, want), (got, want)
    assert _graph_state(folded) == _graph_state(reference)
    if program is None:
        assert {type(e).__name__ for e in raw} == {
            "OpRecorded", "GradientStarted", "BackwardStep", "GradientAccumulated", "GradientsReturned",
            "VariableAssigned"}
        assert any(isinstance(e, ev.OpRecorded) and len(e.tapes) == 2 for e in raw)  # on two tapes
        assert any(isinstance(e, ev.OpRecorded) and e.name == "logits" for e in folded.events)
        assert folded.iteration_count == 6  # (each forward after a backward: one more)
    if program == "custom_gradient.py":
        assert any(isinstance(e, ev.OpRecorded) and e.grad_fn_of for e in folded.events)


def test_quick_init_builds_what_the_dataclass_init_builds() -> None:
    for cls in (ev.TensorRef, ev.OpRecorded, ev.GradientStarted, ev.BackwardStep, ev.GradientAccumulated,
                ev.GradientsReturned, ev.VariableAssigned, Edge):
        fields = dataclasses.fields(cls)
        plain = dataclasses.make_dataclass(  # the same fields, with dataclasses' own __init__
            cls.__name__, [(f.name, f.type, f) for f in fields], frozen=True, slots=True)
        assert str(inspect.signature(cls)) == str(inspect.signature(plain))
        args = [object() for _ in fields]
        for made, reference in ((cls(*args), plain(*args)), (cls(**{f.name: a for f, a in zip(fields, args)}),
                                                              plain(*args))):
            assert [getattr(made, f.name) for f in fields] == [getattr(reference, f.name) for f in fields]
        required = [f for f in fields if f.default is dataclasses.MISSING]
        made, reference = cls(*args[:len(required)]), plain(*args[:len(required)])
        assert [getattr(made, f.name) for f in fields] == [getattr(reference, f.name) for f in fields]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, fields[0].name, 1)
        with pytest.raises(TypeError):
            cls()


def _names_and_lines(trace: Trace) -> tuple[Any, ...]:
    g = trace.graph
    return (
        sorted(trace.sites.items()), sorted(trace.update_sites.items()), sorted(trace.tensor_names.items()),
        {n: (g.user_name(n), g.program_name(n)) for n in g.nodes}, trace.threads,
    )


def test_a_module_copied_once_names_every_tensor_as_fresh_copies_do(monkeypatch: pytest.MonkeyPatch) -> None:
    cached = run_program(CORNERS).trace
    monkeypatch.setattr(SiteRecorder, "_copy_globals", lambda self, names: names.copy())
    fresh = run_program(CORNERS).trace
    assert len(cached.events) == len(fresh.events)
    for a, b in zip(cached.events, fresh.events):  # (other arrays: the two runs computed their own)
        assert type(a) is type(b) and getattr(a, "op", None) == getattr(b, "op", None)
    assert _names_and_lines(cached) == _names_and_lines(fresh)
    g = cached.graph
    shift_reads = [e for e in cached.events if isinstance(e, ev.OpRecorded) and e.op == "add"
                   and cached.sites[e.op_id].function == "shifted"]
    # the global the loop rebinds: the first tensor in the first two steps, the new one in the next two
    assert [g.user_name(e.inputs[1].id) for e in shift_reads] == ["SHIFT"] * 4
    read = [e.inputs[1].id for e in shift_reads]
    assert read[0] == read[1] != read[2] == read[3]
    assert [g.user_name(e.output.id) for e in shift_reads] == ["moved"] * 4


def test_the_corner_program_keeps_its_lines_and_names() -> None:
    trace = run_program(CORNERS).trace
    lines = CORNERS.read_text().splitlines()
    g = trace.graph
    ops = [e for e in trace.events if isinstance(e, ev.OpRecorded)]
    for e in ops:  # every op points at a line of the program that can run it
        site = trace.sites[e.op_id]
        assert site.file == str(CORNERS) and 1 <= site.line <= len(lines)
    by_function = {trace.sites[e.op_id].function for e in ops}
    assert {"inner", "layer", "step", "<lambda>", "shifted", "worker", "<module>"} <= by_function
    first = [e for e in ops if trace.iteration(trace.events.index(e)) == 0]
    # the one line run twice with other variables: layer(data, w) then layer(h1, w)
    assert [g.user_name(e.output.id) for e in first if e.op == "relu"] == ["h1", "h2"]
    # the loop's line names each run's result h2, told apart from the other tensors bound to h2
    loop = [g.user_name(e.output.id) for e in first if e.op == "add" and trace.sites[e.op_id].function == "step"]
    assert [g.program_name(e.output.id) for e in first if e in ops and e.op == "add"
            and trace.sites[e.op_id].function == "step"] == ["h2", "h2"]
    assert len(set(loop)) == 2 and "h2" not in loop
    assert [name for _, name in trace.threads] == ["MainThread", "worker"]
    updates = [trace.update_sites[i].line for i, e in enumerate(trace.events) if isinstance(e, ev.VariableAssigned)]
    assert {lines[k - 1].strip() for k in updates} == {"w.assign_sub(g[0] * 0.01)", "b.assign_sub(g[1] * 0.01)"}


def test_threads_that_end_one_after_another_keep_their_own_names() -> None:
    """A finished thread's ident is often given to the next thread: the trace tells threads apart
    by the thread itself, so each short-lived worker's ops stay under its own name."""
    import threading

    x = tf.Variable(2.0, name="x")

    def work() -> None:
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)

    trace = Trace()
    with record(trace):
        for k in range(12):  # one at a time: each ends before the next starts
            worker = threading.Thread(target=work, name=f"worker{k}")
            worker.start()
            worker.join()
    assert [name for _, name in trace.threads] == [f"worker{k}" for k in range(12)]
