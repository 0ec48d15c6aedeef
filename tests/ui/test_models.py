"""The UI's plain models: the timeline cursor, the chain-rule explanations, the graph states."""

from __future__ import annotations

import numpy as np
import pytest

from tapeviz.engine.events import BackwardStep, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.trace import event_node, snapshot
from tapeviz.ui.cursor import TimelineCursor
from tapeviz.ui.graph_model import build_spec, edge_states, node_states
from tapeviz.view import explain, learning_rate
from tapeviz.view.numbers import fmt


@pytest.fixture(scope="module")
def seed():
    return EXAMPLES["seed"].build()


def test_cursor_moves_clamp_and_jump_between_phases(seed) -> None:
    c = TimelineCursor(seed)
    assert c.index == 0 and c.at_start
    assert not c.step(-1) and c.index == 0
    assert c.last() and c.at_end and c.index == len(seed) - 1
    assert not c.step(1)
    c.first()
    c.next_boundary()
    assert seed.phase(c.index) == "backward" and seed.phase(c.index - 1) == "forward"
    c.next_boundary()
    assert seed.phase(c.index) == "update"
    c.step(2)
    c.prev_boundary()
    assert seed.phase(c.index) == "update" and seed.phase(c.index - 1) == "backward"
    c.prev_boundary()
    assert seed.phase(c.index) == "backward" and seed.phase(c.index - 1) == "forward"
    assert c.move_to(10_000) is True and c.index == len(seed) - 1


def test_cursor_sees_new_events_only_after_sync() -> None:
    trace = EXAMPLES["seed"].build()
    c = TimelineCursor(trace)
    n = c.length
    trace.train_more(1)
    c.last()
    assert c.index == n - 1  # still the old end
    c.sync()
    c.last()
    assert c.index == len(trace) - 1 > n - 1


def test_every_backward_step_states_the_chain_rule_with_the_traced_numbers(seed) -> None:
    for i, event in enumerate(seed.events):
        if not isinstance(event, BackwardStep):
            continue
        text = "\n".join(explain(seed, i).lines)
        sent = [g for g in event.input_grads if g is not None]
        assert sent, i
        for g in sent:
            # the number the line ends with is the largest sent gradient, taken from the event
            flat = np.asarray(g).reshape(-1)
            assert fmt(flat[np.argmax(np.abs(flat))]) in text, (i, text)


def test_elementwise_line_multiplies_upstream_by_local(seed) -> None:
    relu = next(i for i, e in enumerate(seed.events) if isinstance(e, BackwardStep) and e.op == "relu")
    event = seed.events[relu]
    line = next(line for line in explain(seed, relu).lines if "× local" in line)
    sent = np.asarray(event.input_grads[0])
    el = np.unravel_index(np.argmax(np.abs(sent)), sent.shape)
    assert f"upstream {fmt(event.upstream[el])}" in line and f"sent {fmt(sent[el])}" in line
    assert "local 1" in line  # the largest gradient passes where the relu was open


def test_matmul_line_sums_products_over_the_batch(seed) -> None:
    i = max(i for i, e in enumerate(seed.events) if isinstance(e, BackwardStep) and e.op == "matmul")
    lines = explain(seed, i).lines
    assert any("Σ_r" in line and "(10, 32)" in line for line in lines)  # xᵀ: x is 32×10
    assert any("(32 terms)" in line for line in lines)


def test_matmul_line_names_the_transposed_shapes(tmp_path) -> None:  # noqa: ANN001
    """x (3, 4) @ w (4, 2): ∂x = g · wᵀ with wᵀ (2, 4), ∂w = xᵀ · g with xᵀ (4, 3). The line once
    gave wᵀ and xᵀ their untransposed shapes."""
    from tapeviz.trace import run_program

    program = tmp_path / "dense.py"
    program.write_text(
        "import tapeviz.tf as tf\n"
        "x = tf.Variable(tf.ones([3, 4]), name='x')\n"
        "w = tf.Variable(tf.ones([4, 2]), name='w')\n"
        "with tf.GradientTape() as tape:\n"
        "    z = tf.reduce_sum(x @ w)\n"
        "gx, gw = tape.gradient(z, [x, w])\n"
    )
    trace = run_program(program).trace
    i = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op == "matmul")
    text = "\n".join(explain(trace, i).lines)
    assert "g (3, 2) · wᵀ (2, 4)" in text and "xᵀ (4, 3) · g (3, 2)" in text, text


def test_update_shows_before_learning_rate_gradient_after(seed) -> None:
    i = next(i for i, e in enumerate(seed.events) if isinstance(e, VariableAssigned) and e.trainable)
    event = seed.events[i]
    snap = snapshot(seed, i)
    grad = snap.grads[event.variable_id]
    assert learning_rate(seed, event.before, event.after, grad) == pytest.approx(0.01, rel=1e-3)
    text = "\n".join(explain(seed, i, snap.grads).lines)
    assert "after = before − lr × gradient" in text and "0.01 ×" in text


def test_primary_node_is_the_op_or_the_weight(seed) -> None:
    for i, event in enumerate(seed.events):
        node = event_node(seed, i)
        if isinstance(event, VariableAssigned):
            assert node == event.variable_id
        elif isinstance(event, BackwardStep):
            assert node == event.output_id


def test_graph_states_follow_the_cursor(seed) -> None:
    spec = build_spec(seed, 0)
    assert len({n.id for n in spec.nodes}) == len(spec.nodes)
    first = node_states(spec, snapshot(seed, 0))
    assert "current" in first.values() and "pending" in first.values()
    end_forward = seed.last_of("forward")
    states = node_states(spec, snapshot(seed, end_forward))
    assert "pending" not in {s for lid, s in states.items() if spec.kinds[lid] in ("op", "loss")}
    mid_backward = seed.first_of("backward") + 4
    assert "grad" in edge_states(spec, snapshot(seed, mid_backward)).values()
    after_update = node_states(spec, snapshot(seed, seed.last_of("update")))
    assert list(after_update.values()).count("updated") >= 3


def test_layout_ids_are_the_same_in_every_iteration() -> None:
    trace = EXAMPLES["seed"].build()
    trace.train_more(2)
    keys = {build_spec(trace, it).key for it in range(3)}
    assert len(keys) == 1


def test_collapsing_a_scope_draws_it_as_one_box(seed) -> None:
    spec = build_spec(seed, 0, frozenset({"simple_model/dense"}))
    assert "scope:simple_model/dense" in spec.kinds
    assert not any(lid.startswith("simple_model/dense/") for lid in spec.kinds)
    full = build_spec(seed, 0)
    assert len(spec.nodes) < len(full.nodes)


def test_sparkline_marks_nonfinite_losses() -> None:
    from tapeviz.ui.loss_curve import sparkline

    assert sparkline([1.0, float("nan"), 0.5, float("inf")], 10) == "█!▁!"
    assert sparkline([float("-inf")], 10) == "!"
    assert sparkline([2.0, float("nan")], 10) == "▄!"


def test_a_given_output_gradient_is_the_seed_not_one(tmp_path) -> None:  # noqa: ANN001
    from tapeviz.engine.events import GradientStarted
    from tapeviz.trace import run_program

    program = tmp_path / "seeded.py"
    program.write_text(
        "import tapeviz.tf as tf\n"
        "x = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name='x')\n"
        "with tf.GradientTape(persistent=True) as tape:\n"
        "    z = x * 2.0\n"
        "g = tape.gradient(z, x, output_gradients=tf.constant([[1.0, -1.0], [0.5, 2.0]]))\n"
        "ones = tape.gradient(z, x)\n"
    )
    trace = run_program(program).trace
    given, default = (i for i, e in enumerate(trace.events) if isinstance(e, GradientStarted))
    assert "output_gradients=…): the seed is the given upstream gradient" in "\n".join(explain(trace, given).lines)
    text = "\n".join(explain(trace, default).lines)
    assert "the seed ∂L/∂L = 1 (ones" in text and "given upstream" not in text
