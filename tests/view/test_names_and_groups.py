"""The learner's names on boxes, numbered unnamed inputs, and a collapsed scope's changing line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tapeviz.engine as E
from tapeviz.sources import load_source
from tapeviz.trace import record, snapshot
from tapeviz.view import box_line, build_graph, display_name
from tapeviz.view.events import node_label

PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "programs"


def test_ops_carry_the_learners_names_and_the_op() -> None:
    trace = load_source(str(PROGRAMS / "mlp_784.py"))
    graph = build_graph(trace, 0)
    titles = {n.title for n in graph.nodes}
    assert "logits = add" in titles and "loss = divide (loss)" in titles
    logits = next(n for n in graph.nodes if n.title == "logits = add")
    assert logits.name == "logits" and logits.label == "logits = add 16×10"
    assert node_label(trace, logits.output) == "logits = add"
    images = next(n for n in graph.nodes if n.kind == "constant" and n.detail.startswith("(16, 784)"))
    assert images.title == "images" == display_name(trace, images.output)


def test_two_unnamed_inputs_are_not_both_called_input() -> None:
    with record() as trace:
        w = E.Variable(np.ones((2, 2)), name="w")
        with E.GradientTape() as tape:
            loss = E.reduce_sum(E.matmul(E.constant(np.ones((3, 2))), w) + E.constant(np.ones((3, 2))))
        tape.gradient(loss, [w])
    inputs = [n.title for n in build_graph(trace, 0).nodes if n.kind == "constant"]
    assert len(inputs) == 2 and len(set(inputs)) == 2 and all(t.startswith("input") for t in inputs)


def test_a_collapsed_scope_shows_the_gradient_of_the_op_that_leaves_it() -> None:
    """``side`` is the scope's last op but feeds nothing: the box shows ``out``'s gradient."""
    with record() as trace:
        w = E.Variable(np.array([1.0, 2.0]), name="w")
        with E.GradientTape() as tape:
            with E.name_scope("block"):
                out = w * 3.0
                side = out + 1.0  # noqa: F841 - recorded, never used
            loss = E.reduce_sum(out * out)
        tape.gradient(loss, [w])
    graph = build_graph(trace, 0, ["block"])
    group = next(n for n in graph.nodes if n.kind == "group")
    assert group.output != group.members[-1]
    line = box_line(group, snapshot(trace, len(trace) - 1), "grads")
    assert line.startswith("∇ ") and line != "∇ ·"
