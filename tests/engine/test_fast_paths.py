"""The engine's fast paths give bit-for-bit the results of the plain numpy / recorded versions."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import tapeviz.engine as E
from tapeviz.engine.events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    TensorRef,
    VariableAssigned,
)
from tapeviz.engine.registry import REGISTRY
from tapeviz.trace import record
from tests.support.random_programs import Program, programs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, axis",
    [((), None), ((7,), None), ((7,), 0), ((32, 10), None), ((32, 10), -1), ((32, 10), 0),
     ((3, 4, 5), (0, 2)), ((0,), None), ((0, 3), 0), ((3, 0), 1)],
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_mean_forward_is_numpy_mean(dtype: type, shape: tuple[int, ...], axis: object, keepdims: bool) -> None:
    a = (np.random.default_rng(0).normal(size=shape) * 100).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mean of an empty slice warns in numpy
        want = np.asarray(np.mean(a, axis=axis, keepdims=keepdims, dtype=a.dtype))
        got = np.asarray(REGISTRY["reduce_mean"].forward(a, axis=axis, keepdims=keepdims))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_reduce_mean_of_a_large_float32_array_is_numpy_mean() -> None:
    a = np.random.default_rng(1).normal(size=(1 << 24) + 3).astype(np.float32)
    assert REGISTRY["reduce_mean"].forward(a) == np.mean(a, dtype=np.float32)
    assert E.reduce_mean(E.constant(a)).numpy() == np.mean(a, dtype=np.float32)


def _gradients(program: Program, arrays: list[np.ndarray], *, recorded_backward: bool) -> list[np.ndarray]:
    xs = [E.constant(a) for a in arrays]
    with E.GradientTape() as tape:
        tape.watch(xs)
        y = E.reduce_sum(program.run(*xs))
    if recorded_backward:  # a tape is active, so the backward pass runs on the recording API
        with E.GradientTape():
            grads = tape.gradient(y, xs, unconnected_gradients="zero")
    else:  # no tape: the backward pass runs on fastops (plain arrays)
        grads = tape.gradient(y, xs, unconnected_gradients="zero")
    for g in grads:
        assert isinstance(g, E.Tensor) and not np.asarray(g).flags.writeable
    return [np.asarray(g) for g in grads]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(programs())
def test_fast_backward_equals_recorded_backward(program: Program) -> None:
    arrays = program.inputs()
    fast = _gradients(program, arrays, recorded_backward=False)
    slow = _gradients(program, arrays, recorded_backward=True)
    for f, s in zip(fast, slow):
        assert f.dtype == s.dtype and f.shape == s.shape
        np.testing.assert_array_equal(f, s)


def test_backward_event_arrays_are_read_only() -> None:
    w = E.Variable(np.ones((3, 2), np.float32))
    x = E.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    with record() as trace:
        with E.GradientTape() as tape:
            h = E.matmul(x, w)
            loss = E.reduce_mean(h * h + h)  # h feeds two ops: a GradientAccumulated event
        tape.gradient(loss, [w])
    arrays = []
    for e in trace.events:
        if isinstance(e, BackwardStep):
            arrays += [e.upstream, *(g for g in e.input_grads if g is not None)]
        elif isinstance(e, GradientAccumulated):
            arrays += [e.before, e.added, e.total]
    assert any(isinstance(e, GradientAccumulated) for e in trace.events)
    assert arrays and not any(a.flags.writeable for a in arrays)


def test_op_events_show_each_input_as_it_was_when_the_op_ran() -> None:
    v = E.Variable(np.array([1.0, 2.0], np.float32))
    x = E.constant(np.array([3.0, 4.0], np.float32))
    events = []
    E.subscribe(events.append)
    try:
        with E.GradientTape(persistent=True):
            y = v * x
            v.assign_add(np.array([10.0, 10.0], np.float32))
            z = v * y
            w = y + z
    finally:
        E.unsubscribe(events.append)
    ops = [e for e in events if isinstance(e, OpRecorded)]
    assert [e.op for e in ops] == ["multiply", "multiply", "add"]
    np.testing.assert_array_equal(ops[0].inputs[0].value, [1.0, 2.0])  # v before the assign
    np.testing.assert_array_equal(ops[1].inputs[0].value, [11.0, 12.0])  # v after it
    assert ops[0].inputs[0].variable == ops[1].inputs[0].variable == v.path
    # y is the output of the first op and an input of the next two: the same id and array each time
    assert ops[0].output.id == ops[1].inputs[1].id == ops[2].inputs[0].id
    assert ops[0].output.value is ops[1].inputs[1].value is np.asarray(y)
    assert ops[2].output.id == w.id and ops[1].output.id == z.id
    assert not ops[0].output.value.flags.writeable


@pytest.mark.parametrize("shape, axis", [((), 0), ((), -1), ((3,), 0), ((3,), 1), ((3,), -1), ((2, 3), -2), ((2, 3), 2)])
def test_fastops_expand_dims_is_numpy_expand_dims(shape: tuple[int, ...], axis: int) -> None:
    from tapeviz.engine import fastops

    a = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    got, want = fastops.expand_dims(a, axis), np.expand_dims(a, axis)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    with pytest.raises(np.exceptions.AxisError):
        fastops.expand_dims(a, len(shape) + 1)


def test_assign_add_and_sub_store_a_read_only_array_the_caller_cannot_reach() -> None:
    v = E.Variable(np.array([1.0, 2.0], np.float32))
    delta = np.array([0.5, 0.5], np.float32)
    v.assign_add(delta)
    stored = np.asarray(v)
    assert not stored.flags.writeable and stored is not delta
    v.assign_sub(E.constant(delta))
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert not np.asarray(v).flags.writeable
    delta[:] = 100.0  # the caller's array is not the variable's
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def _same(a: object, b: object) -> bool:
    """Field-by-field equality of events, arrays compared by identity (they are shared by reference)."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)  # type: ignore[arg-type]
        )
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a is b
    return type(a) is type(b) and a == b


def test_trace_localizes_each_event_kind_like_dataclasses_replace() -> None:
    from tapeviz.trace.trace import Trace

    w = E.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
    x = E.constant(np.array([[1.0, 2.0]], np.float32))
    raw: list = []
    E.subscribe(raw.append)
    try:
        with E.GradientTape() as tape:
            h = E.matmul(x, w)
            loss = E.reduce_sum(h * h + h)  # h feeds two ops: GradientAccumulated
        (g,) = tape.gradient(loss, [w])
        w.assign_sub(g * 0.1)
    finally:
        E.unsubscribe(raw.append)
    kinds = {type(e).__name__ for e in raw}
    assert kinds == {"OpRecorded", "GradientStarted", "BackwardStep", "GradientAccumulated", "GradientsReturned",
                     "VariableAssigned"}
    trace, reference = Trace(), Trace()
    for e in raw:
        got = trace._localize(e)
        t = reference._tensor_ids
        if isinstance(e, OpRecorded):  # what _localize did with dataclasses.replace
            want = dataclasses.replace(
                e, op_id=reference._op_ids(e.op_id), inputs=tuple(_local(r, t) for r in e.inputs),
                output=_local(e.output, t), tapes=tuple(reference._tape_ids(i) for i in e.tapes),
                grad_fn_of=reference._op_ids(e.grad_fn_of))
        elif isinstance(e, BackwardStep):
            want = dataclasses.replace(
                e, tape_id=reference._tape_ids(e.tape_id), op_id=reference._op_ids(e.op_id),
                output_id=t(e.output_id), input_ids=tuple(t(i) for i in e.input_ids))
        elif isinstance(e, GradientAccumulated):
            want = dataclasses.replace(e, tape_id=reference._tape_ids(e.tape_id), tensor_id=t(e.tensor_id))
        elif isinstance(e, (GradientStarted, GradientsReturned)):
            want = dataclasses.replace(
                e, tape_id=reference._tape_ids(e.tape_id), targets=tuple(t(i) for i in e.targets),
                sources=tuple(t(i) for i in e.sources))
        else:
            assert isinstance(e, VariableAssigned)
            want = dataclasses.replace(e, variable_id=t(e.variable_id))
        assert _same(got, want), (got, want)


def _local(r: TensorRef, ids) -> TensorRef:  # noqa: ANN001
    return TensorRef(ids(r.id), r.value, r.variable, r.trainable)
