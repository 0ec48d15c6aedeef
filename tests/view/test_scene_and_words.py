"""One scene model for images and the terminal; one describer per event kind; one number format."""

from __future__ import annotations

import typing

import numpy as np

from tapeviz.engine.events import Event
from tapeviz.examples import EXAMPLES
from tapeviz.trace import snapshot
from tapeviz.ui.graph_model import build_spec, node_states
from tapeviz.view import (
    build_graph,
    build_scene,
    describe_event,
    event_sentence,
    explain,
    node_state,
)
from tapeviz.view.events import DESCRIBERS
from tapeviz.view.numbers import compact, shape_cross, shape_text, summary, value_range


def test_image_and_terminal_draw_the_same_boxes_in_the_same_states() -> None:
    trace = EXAMPLES["seed"].build()
    for index in range(len(trace)):
        snap = snapshot(trace, index)
        scene = build_scene(trace, index, snap=snap)
        graph = build_graph(trace, snap.iteration)
        spec = build_spec(trace, snap.iteration)
        assert [n.id for n in scene.nodes] == [n.id for n in graph.nodes]
        assert list(spec.boxes) == [n.key for n in graph.nodes]  # the seed has no backward-pass ops
        words = node_states(spec, snap)
        for drawn, box in zip(scene.nodes, graph.nodes):
            state = node_state(box, snap)
            assert words[box.key] == state.word
            assert (drawn.current, drawn.pending, drawn.backward, drawn.updated) == (
                state.current, state.pending, state.reached, state.updated)
            assert drawn.current == (state.word == "current")


def test_a_collapsed_scope_is_one_box_for_both() -> None:
    trace = EXAMPLES["seed"].build()
    graph = build_graph(trace, 0, ["simple_model/dense"])
    group = next(n for n in graph.nodes if n.kind == "group")
    assert (group.id, group.key, group.title) == ("s0", "scope:simple_model/dense", "dense")
    assert group.detail == "3 ops · 2 parameters" and group.label == "dense ▸ 3 ops"
    spec = build_spec(trace, 0, frozenset({"simple_model/dense"}))
    assert spec.members["scope:simple_model/dense"] == group.members


def test_every_event_kind_has_one_describer() -> None:
    assert set(DESCRIBERS) == set(typing.get_args(Event))


def test_the_table_the_title_and_the_inspector_describe_the_same_event() -> None:
    trace = EXAMPLES["two-layer"].build()
    for index, event in enumerate(trace.events):
        what, where, numbers = describe_event(trace, event)
        sentence = event_sentence(trace, index)
        found = explain(trace, index, snapshot(trace, index).grads)
        phase = trace.phase(index)
        assert found.kind == phase  # the heading's colour class is the event's phase
        assert sentence.startswith("now: ") and len(sentence) <= 125
        assert what and found.title and found.lines
        if phase == "forward":
            assert found.title == f"forward: {what}" + (f" in {where}" if where else "")


def test_an_event_kind_the_view_does_not_know_is_named_not_dropped() -> None:
    class Future:
        pass

    trace = EXAMPLES["square"].build()
    assert describe_event(trace, Future()) == ("Future", "", "")  # type: ignore[arg-type]


def test_number_formats() -> None:
    assert shape_text((5,)) == "(5,)" and shape_text((32, 5), "int32") == "(32, 5) int32" and shape_text(()) == "scalar"
    assert shape_cross((32, 5)) == "32×5" and shape_cross(()) == "scalar"
    negative_zero = np.array(-0.0, dtype=np.float32)
    assert summary(negative_zero) == "-0" and summary(negative_zero, plain_zero=True) == "0"
    assert summary(np.arange(10, dtype=np.float32)) == "min 0 · mean 4.5 · max 9"
    assert compact(123456.0) == "1e+05" and compact(0.5) == "0.5"
    assert value_range(np.array([-1.5, 2.0])) == "-1.5‥2"


def test_a_collapsed_scope_of_one_op_says_one_op() -> None:
    import tapeviz.tf as tf
    from tapeviz.trace import Trace, record

    trace = Trace(title="one op in a scope")
    with record(trace):
        x = tf.Variable([1.0, 2.0], name="x")
        with tf.GradientTape() as tape:
            with tf.name_scope("double"):
                y = x * 2.0
            loss = tf.reduce_sum(y)
        tape.gradient(loss, x)
    group = next(n for n in build_graph(trace, 0, ["double"]).nodes if n.kind == "group")
    assert group.label == "double ▸ 1 op" and group.detail.startswith("1 op ·")
