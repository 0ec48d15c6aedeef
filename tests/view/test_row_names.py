"""Event rows (``tapeviz events``, the timeline) name tensors as the learner's program does,
else by a short name under their layer, and never print one name for two nodes of a row."""

from __future__ import annotations

import numpy as np

import tapeviz.tf as tf
from tapeviz.engine.events import OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.trace import Trace, record
from tapeviz.view import describe_event, event_sentence, explain
from tapeviz.view.names import row_names


def _op_row(trace: Trace, output_name: str) -> tuple[str, str, str]:
    """The row of the op whose output the learner named ``output_name``."""
    found = [e for e in trace.events if isinstance(e, OpRecorded) and trace.graph.user_name(e.output.id) == output_name]
    return describe_event(trace, found[-1])


def test_seed_rows_use_the_programs_names_and_short_layer_names() -> None:
    trace = EXAMPLES["seed"].build()
    rows = [describe_event(trace, e) for e in trace.events]
    first = trace.events[0]
    assert rows[0][2].startswith("(x (32, 10), dense/kernel (10, 5)) → (32, 5)")
    assert trace.graph.user_name(first.inputs[0].id) == "x"  # SimpleModel.call(self, x)
    relu = trace.first_of("forward") + 2
    # x = self.dense1(x) rebinds x: dense1's output is told apart from the batch as x′
    assert rows[relu][0] == "x′ = relu" and rows[relu + 1][2].startswith("(x′ (32, 5), dense_1/kernel (5, 2))")
    loss_at = trace.first_of("backward") - 1
    assert rows[loss_at][0] == "loss = divide"
    assert rows[loss_at + 1] == ("gradient()", "", "target loss, seed 1")
    updates = [r for e, r in zip(trace.events, rows) if isinstance(e, VariableAssigned)]
    assert updates[0][1] == "simple_model/dense" and updates[0][2].startswith("dense/kernel: ")
    for what, _, numbers in rows:  # the scope column keeps the path; a node is never named by it
        assert "simple_model/" not in what + numbers and "#" not in what + numbers


def test_seed_fixed_names_the_labels() -> None:
    """The labels are float there, so the loss uses the learner's tensor itself, bound to ``labels``."""
    trace = EXAMPLES["seed-fixed"].build()
    row = next(describe_event(trace, e) for e in trace.events
               if isinstance(e, OpRecorded) and e.op == "softmax_cross_entropy_with_logits")
    assert row[2].startswith("(labels (32, 2), predictions (32, 2))")


def test_the_inspector_and_image_title_use_the_same_names() -> None:
    trace = EXAMPLES["seed"].build()
    update = next(i for i, e in enumerate(trace.events) if isinstance(e, VariableAssigned))
    found = explain(trace, update)
    assert found.title == "update: assign_sub on dense/kernel"
    assert found.lines[0].startswith("dense/kernel[")
    assert "dense/kernel.assign_sub" in event_sentence(trace, update)
    assert explain(trace, 0).title == "forward: matmul in simple_model/dense"


def test_two_nodes_with_one_name_in_a_row_are_told_apart() -> None:
    """``x`` is the batch and, after ``x = relu(...)``, the layer's output ``x′``: both feed one op."""
    with record() as trace:
        x = tf.constant(np.ones((2, 3), np.float32))
        batch = x
        w = tf.Variable(np.ones((3, 3), np.float32), name="w")
        with tf.GradientTape() as tape:
            with tf.name_scope("layer"):
                x = tf.nn.relu(tf.matmul(x, w))
            total = tf.reduce_sum(x * batch)
        tape.gradient(total, w)
    assert trace.graph.user_name(next(e.output.id for e in trace.events if isinstance(e, OpRecorded) and e.op == "relu")) == "x′"
    multiply = next(e for e in trace.events if isinstance(e, OpRecorded) and e.op == "multiply")
    names = row_names(trace, [r.id for r in multiply.inputs])
    assert names == ["x′", "x"], names
    assert describe_event(trace, multiply)[2].startswith("(x′ (2, 3), x (2, 3))")


def test_two_results_of_one_line_are_told_apart() -> None:
    """Two results of one line in a loop: the same name, op and scope; h and h′, never an id."""
    with record() as trace:
        w = tf.Variable([2.0, 3.0], name="w")
        outs = []
        with tf.GradientTape() as tape:
            for _ in range(2):
                h = w * w
                outs.append(h)
            total = outs[0] + outs[1]
        tape.gradient(total, w)
    add = next(e for e in trace.events if isinstance(e, OpRecorded) and e.op == "add")
    names = row_names(trace, [r.id for r in add.inputs])
    assert names == ["h", "h′"], names
    assert row_names(trace, [add.inputs[0].id, add.inputs[0].id]) == ["h", "h"]  # one node twice: one name
    assert _op_row(trace, "total")[0] == "total = add"


def test_a_variable_tf_named_variable_goes_by_the_learners_name_in_formulas() -> None:
    with record() as trace:
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
    assert explain(trace, 0).lines[0] == "out = multiply(x scalar, x scalar) → scalar"
    assert describe_event(trace, trace.events[0])[2].startswith("(x (), x ())")  # one node twice
