"""What a listener sees of ``@custom_gradient``: one op forward, and in its backward step the
ops its gradient function ran (``OpRecorded.grad_fn_of``); the trace, its file and the view's
words and images carry them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tapeviz.engine as E
from tapeviz.engine.events import BackwardStep, OpRecorded
from tapeviz.render.dot import dot_source
from tapeviz.trace import load_trace, record, save_trace
from tapeviz.view import build_graph, describe_event, event_sentence, explain

X = [1.0, 2.0]
CLIPPED = np.array([3.0, 8.0]) * 0.5 / np.sqrt(73.0)  # the upstream y = w·x = [3, 8], clipped to length 0.5


@E.custom_gradient
def clip_gradients(y):
    def backward(dy):
        norm = E.sqrt(E.reduce_sum(dy * dy))
        return dy * 0.5 / E.maximum(norm, 0.5)

    return y, backward


def _clip_program() -> E.Tensor:
    w = E.Variable([3.0, 4.0], name="w")
    with E.GradientTape() as tape:
        y = clip_gradients(w * E.constant(X))
        loss = E.reduce_sum(y * y) / 2
    return tape.gradient(loss, w)


def _custom(trace) -> OpRecorded:  # noqa: ANN001
    (op,) = [e for e in trace.events if isinstance(e, OpRecorded) and e.op == "custom_gradient"]
    return op


def test_the_gradient_function_ops_come_just_before_the_custom_op_backward_step() -> None:
    with record() as trace:
        grad = _clip_program()
    np.testing.assert_allclose(grad.numpy(), CLIPPED * X, rtol=1e-6)
    custom = _custom(trace)
    assert dict(custom.attrs) == {"f": "clip_gradients", "grad_fn": "backward"}
    inner = [i for i, e in enumerate(trace.events) if isinstance(e, OpRecorded) and e.grad_fn_of == custom.op_id]
    assert [trace.events[i].op for i in inner] == ["multiply", "reduce_sum", "sqrt", "multiply", "maximum", "divide"]
    (step,) = [i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op_id == custom.op_id]
    assert inner == list(range(step - len(inner), step))  # together, right before the step they made
    for i in inner:
        e = trace.events[i]
        assert e.tapes == () and e.in_backward and e.scope == "clip_gradients.backward"
        assert trace.phase(i) == "backward"
    np.testing.assert_allclose(trace.events[step].upstream, [3.0, 8.0])
    np.testing.assert_allclose(trace.events[step].input_grads[0], CLIPPED, rtol=1e-6)
    np.testing.assert_allclose(trace.events[inner[-1]].output.value, CLIPPED, rtol=1e-6)  # the divide made it


def test_without_a_listener_nothing_is_announced_and_the_gradient_is_the_same() -> None:
    seen: list[object] = []
    grad = _clip_program()
    E.subscribe(seen.append)
    E.unsubscribe(seen.append)
    np.testing.assert_allclose(grad.numpy(), CLIPPED * X, rtol=1e-6)
    assert not seen


def test_an_outer_tape_records_the_gradient_function_ops_for_a_second_derivative() -> None:
    @E.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x

        return x * x * x, grad

    x = E.constant(2.0)
    with record() as trace:
        with E.GradientTape() as outer:
            outer.watch(x)
            with E.GradientTape() as inner:
                inner.watch(x)
                y = cube(x)
            dy = inner.gradient(y, x)
        d2y = outer.gradient(dy, x)
    assert float(dy) == 12.0 and float(d2y) == 12.0  # 3x², 6x at x = 2
    custom = _custom(trace)
    ran = [e for e in trace.events if isinstance(e, OpRecorded) and e.grad_fn_of == custom.op_id]
    assert all(e.in_backward for e in ran)
    # dy·3 reads no watched tensor: only announced; the products with x are recorded by the outer tape
    assert [e.tapes for e in ran] == [(), (1,), (1,)]


def test_a_persistent_tape_differentiates_its_own_custom_gradient() -> None:
    @E.custom_gradient
    def square(x):
        return x * x, lambda dy: dy * 2.0 * x

    x = E.constant(3.0)
    with E.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = square(x)
        dy = tape.gradient(y, x)
    assert float(dy) == 6.0
    assert float(tape.gradient(dy, x)) == 2.0
    assert float(tape.gradient(y, x)) == 6.0  # asked again: persistent


def test_variables_read_by_the_function_are_inputs_of_the_custom_op() -> None:
    v = E.Variable(3.0, name="v")

    @E.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            return dy * v, [dy * x * 100.0]

        return v * x, grad

    x = E.constant(2.0)
    with record() as trace:
        with E.GradientTape() as tape:
            tape.watch(x)
            y = scaled(x)
        gx, gv = tape.gradient(y, [x, v])
    assert (float(gx), float(gv)) == (3.0, 200.0)
    custom = _custom(trace)
    assert [r.variable for r in custom.inputs] == [None, "v"]


def test_the_trace_file_keeps_which_custom_op_ran_each_op(tmp_path: Path) -> None:
    with record() as trace:
        _clip_program()
    path = save_trace(trace, tmp_path / "clip.tvz") or tmp_path / "clip.tvz"
    loaded = load_trace(path)
    assert [getattr(e, "grad_fn_of", None) for e in loaded.events] == [getattr(e, "grad_fn_of", None) for e in trace.events]


def test_the_view_names_the_function_and_its_gradient_function() -> None:
    with record() as trace:
        _clip_program()
    custom = _custom(trace)
    step = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op_id == custom.op_id)
    assert describe_event(trace, custom)[0] == "y = clip_gradients [∇ backward]"  # as the graph's box names it
    assert describe_event(trace, trace.events[step])[0] == "∂ clip_gradients [∇ backward]"
    sentence = event_sentence(trace, step)
    assert sentence == "now: ∂ clip_gradients — backward() ran 6 ops: ∇ [3, 8] became [0.176, 0.468] to multiply"
    lines = explain(trace, step).lines
    assert any(line.strip().startswith("divide(") for line in lines)
    assert explain(trace, step - 1).title == "custom gradient backward() of clip_gradients: divide"
    box = next(n for n in build_graph(trace, 0).nodes if n.ops and trace.graph.nodes[n.output].op == "custom_gradient")
    # the learner's name for the result comes first (``y = ...``), as on every op box
    assert box.title.removeprefix("y = ").removesuffix(" (loss)") == "clip_gradients [∇ backward]"
    dot = dot_source(trace, step + 1)
    assert "clip_gradients [∇ backward]" in dot and "clip_gradients.backward" in dot
    titles = {n.title for n in build_graph(trace, 0).nodes}
    assert "dy" in titles  # the upstream the gradient function was given, by the learner's name for it
