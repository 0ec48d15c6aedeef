"""DOT text from a trace at an event: no Graphviz binary needed for any test here."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import tapeviz.engine as E
from tapeviz.engine.events import BackwardStep, OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.render import RenderError, dot_source, resolve_at, to_graphviz
from tapeviz.render.dot import build_scene, html_escape, quote
from tapeviz.render.styles import PALETTE
from tapeviz.trace import Trace, record, snapshot

NODE_LINE = re.compile(r"^\s+(n\d+|s\d+) \[", re.M)


def seed() -> Trace:
    if "seed" not in EXAMPLES:
        pytest.skip("the seed example is not available")
    return EXAMPLES["seed"].build()


def node_line(src: str, node: str) -> str:
    match = re.search(rf"^\s+{node} \[.*$", src, re.M)
    assert match, f"{node} not drawn"
    return match.group(0)


def odd_names() -> Trace:
    """Variables and scopes whose names need escaping in DOT and HTML-like labels."""
    with record(title='odd <names> & "quotes"') as trace:
        a = E.Variable(2.0, name="<lambda>")
        b = E.Variable(3.0, name="a&b", path='a&b/say "hi"')
        c = E.Variable(1.0, name="back\\slash")
        with E.GradientTape() as tape:
            with E.name_scope("a&b"):
                y = a * b
            with E.name_scope("back\\slash"):
                z = y + c
        grads = tape.gradient(z, [a, b, c])
        for v, g in zip([a, b, c], grads):
            v.assign_sub(0.1 * g)
    return trace


# ---- structure -----------------------------------------------------------------------------
def test_seed_node_and_edge_counts() -> None:
    trace = seed()
    src = dot_source(trace)
    # 7 leaves (input batch, 2 kernels, 2 biases, labels, the batch size 32) and 9 ops
    assert len(NODE_LINE.findall(src)) == 16
    # --at update stops on the last parameter assignment, not on the optimizer's step counter
    update = trace.events[resolve_at(trace, "update")]
    assert isinstance(update, VariableAssigned) and update.trainable and update.name.endswith("dense_1/bias")
    assert src.count('id="f_') == 15  # forward edges: one per op input
    assert src.count('id="g_') == 11  # gradient edges at the end: every input that received one
    assert src.count("subgraph cluster_") == 4  # simple_model, dense, dense_1, categorical_crossentropy
    # and before the backward pass there is no gradient edge at all
    assert 'id="g_' not in dot_source(trace, "forward")


def test_counts_follow_the_graph_for_every_event() -> None:
    trace = EXAMPLES["two-layer"].build()
    graph = trace.graph
    for i in range(len(trace)):
        src = dot_source(trace, i + 1)  # event numbers count from 1; snapshot takes the list index
        snap = snapshot(trace, i)
        assert len(NODE_LINE.findall(src)) == len(graph.iteration_nodes(0))
        assert src.count('id="f_') == len(graph.iteration_edges(0))
        assert src.count('id="g_') == len(snap.grad_edges)


def test_to_graphviz_source_is_the_dot_text() -> None:
    trace = EXAMPLES["two-layer"].build()
    g = to_graphviz(trace, at="backward")
    assert g.source == dot_source(trace, "backward")
    assert type(g).__name__ == "Digraph"


def test_same_trace_same_text_byte_for_byte() -> None:
    a, b = EXAMPLES["two-layer"].build(), EXAMPLES["two-layer"].build()
    for at in (1, 6, "forward", "backward", "update", "end"):
        assert dot_source(a, at) == dot_source(b, at) == dot_source(a, at)
    assert dot_source(a, 4, collapse=["layer1"], rankdir="LR") == dot_source(b, 4, collapse=["layer1"], rankdir="LR")


# ---- the cursor ----------------------------------------------------------------------------
def test_resolve_at_words_and_numbers() -> None:
    trace = EXAMPLES["two-layer"].build()
    n = len(trace)
    first_b, last_b = trace.first_of("backward"), trace.last_of("backward")
    assert resolve_at(trace, "end") == resolve_at(trace, None) == n - 1
    assert resolve_at(trace, "forward") == trace.last_of("forward") == first_b - 1
    assert resolve_at(trace, "backward") == (first_b + last_b) // 2
    assert trace.phase(resolve_at(trace, "backward")) == "backward"
    assert resolve_at(trace, "update") == trace.last_of("update")
    # people count events from 1 (the UI, `tapeviz events`); resolve_at gives the list index
    assert resolve_at(trace, "7") == resolve_at(trace, 7) == 6
    assert resolve_at(trace, 1) == resolve_at(trace, -n) == 0
    assert resolve_at(trace, n) == resolve_at(trace, -1) == n - 1
    for bad in (0, "0", n + 1, -n - 1, "bogus", "1.5", 2.0):
        with pytest.raises(RenderError):
            resolve_at(trace, bad)
    square = EXAMPLES["square"].build()
    with pytest.raises(RenderError, match="no update phase"):
        resolve_at(square, "update")


def test_the_event_at_the_cursor_is_highlighted() -> None:
    trace = EXAMPLES["two-layer"].build()
    nodes = trace.graph.nodes
    relu = next(i for i, e in enumerate(trace.events) if isinstance(e, OpRecorded) and e.op == "relu")
    relu_id = trace.events[relu].output.id
    src = dot_source(trace, relu + 1)
    highlighted = re.findall(rf'^\s+(n\d+) \[.*fillcolor="{PALETTE["current.fill"]}"', src, re.M)
    assert highlighted == [f"n{relu_id}"]
    assert f"event {relu + 1} of {len(trace)}" in src and "forward pass" in src
    # ops after relu are not computed yet: grey and dashed, without a value row
    later = [n for n in nodes.values() if n.kind == "op" and n.event is not None and n.event > relu]
    assert later
    for node in later:
        line = node_line(src, f"n{node.id}")
        assert PALETTE["pending.fill"] in line and "dashed" in line and "min " not in line
    # a backward step highlights the op and the inputs it sent gradient to, and those gradient edges
    step = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op == "matmul")
    event = trace.events[step]
    src = dot_source(trace, step + 1)
    receivers = {f"n{i}" for i, g in zip(event.input_ids, event.input_grads) if g is not None}
    highlighted = set(re.findall(rf'^\s+(n\d+) \[.*fillcolor="{PALETTE["current.fill"]}"', src, re.M))
    assert highlighted == receivers | {f"n{event.output_id}"}
    for r in receivers:
        assert re.search(rf'{r} -> n{event.output_id} \[id="g_[^\]]*penwidth=3.0', src)


def test_gradients_and_updates_appear_when_reached() -> None:
    trace = EXAMPLES["two-layer"].build()
    w1 = trace.graph.find("layer1/w")[0].id
    assert "∇" not in node_line(dot_source(trace, "forward"), f"n{w1}")
    end = dot_source(trace, "end")
    line = node_line(end, f"n{w1}")
    assert "∇ min" in line and "→" in line and PALETTE["update"] in line
    assign = next(i for i, e in enumerate(trace.events) if isinstance(e, VariableAssigned))
    before = node_line(dot_source(trace, assign), f"n{w1}")  # event number `assign` is the one before it
    assert "→" not in before
    assert "loss 1.056" in end and "update · event" in end


def test_a_backward_step_puts_its_chain_rule_in_the_tooltips() -> None:
    """The op the backward pass goes through and its gradient edges say upstream × local = sent
    in their tooltips, with the numbers of the view's chain rule (the inspector's)."""
    from tapeviz.view.chain_rule import chain_rule

    trace = seed()
    index = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op == "relu")
    event = trace.events[index]
    (step,) = chain_rule(trace, event)
    assert step.kind == "product" and step.short() == step.lines()[0] and "× local" in step.short()
    src = dot_source(trace, index + 1)
    assert f"chain rule: {step.short()}" in node_line(src, f"n{event.output_id}")
    edge = re.search(rf"^\s+n{step.input_id} -> n{event.output_id} \[id=\"g_.*$", src, re.M)
    assert edge and f"tooltip={quote(step.short())}" in edge.group(0)
    assert step.short() not in dot_source(trace, index)  # the event before: another step, another rule


def test_show_values_or_grads_only() -> None:
    trace = EXAMPLES["two-layer"].build()
    grads_only = dot_source(trace, "end", show="grads")
    values_only = dot_source(trace, "end", show="values")
    assert "∇ min" in grads_only and "mean 0.0383" not in grads_only
    assert "∇ min" not in values_only and "mean 0.0383" in values_only
    with pytest.raises(RenderError):
        dot_source(trace, show="everything")
    with pytest.raises(RenderError):
        dot_source(trace, rankdir="diagonal")


# ---- collapsing ----------------------------------------------------------------------------
def test_collapsed_scope_is_one_box() -> None:
    trace = seed()
    full = dot_source(trace, "end")
    src = dot_source(trace, "end", collapse=["dense"])  # matches simple_model/dense, not dense_1
    box = node_line(src, "s0")
    assert "shape=tab" in box and "<B>dense</B>" in box and "3 ops · 2 parameters" in box
    assert "2 parameters updated" in box
    # matmul, add, relu, kernel and bias fold into the box; the program's batch x stays outside
    assert len(NODE_LINE.findall(src)) == len(NODE_LINE.findall(full)) - 5 + 1
    assert re.search(r"s0 -> n\d+ \[id=\"f_s0_", src) and re.search(r"s0 -> n\d+ \[id=\"g_s0_", src)
    assert "dense_1" in src
    # nested: collapsing the model folds both layers (and the inner name is then redundant)
    both = dot_source(trace, "end", collapse=["simple_model", "dense_1"])
    assert len(re.findall(r"^\s+s\d+ \[", both, re.M)) == 1
    assert "<B>simple_model</B>" in both and "6 ops · 4 parameters" in both
    # the box shows what the scope hands on: the logits the loss reads, not the unused softmax
    assert "out (32, 2) min -4.23" in both and "out (32, 2) min 0.0125" not in both
    with pytest.raises(RenderError, match="no such scope"):
        dot_source(trace, collapse=["nope"])


def test_collapse_before_the_scope_ran_is_grey() -> None:
    trace = EXAMPLES["two-layer"].build()
    box = node_line(dot_source(trace, 1, collapse=["loss"]), "s0")
    assert PALETTE["pending.fill"] in box


# ---- escaping ------------------------------------------------------------------------------
def test_every_label_is_escaped() -> None:
    trace = odd_names()
    for at in range(1, len(trace) + 1):
        src = dot_source(trace, at)
        assert "<B>&lt;lambda&gt;</B>" in src
        assert "say &quot;hi&quot;" in src
        assert "<B>back\\slash</B>" in src
        assert "a&amp;b" in src
        assert "odd &lt;names&gt; &amp; &quot;quotes&quot;" in src
        # inside HTML-like labels no raw specials survive; in quoted strings quotes are escaped
        for label in re.findall(r"label=<(.*?)>[ \]]", src):
            assert "<lambda>" not in label and "a&b" not in label
        assert 'tooltip="a&b/say \\"hi\\" · parameter scalar"' in src
        assert 'tooltip="back\\\\slash · parameter scalar"' in src


def test_escape_helpers() -> None:
    assert html_escape('<a & "b">') == "&lt;a &amp; &quot;b&quot;&gt;"
    assert quote('say "hi" \\ there') == '"say \\"hi\\" \\\\ there"'
    assert quote("ends with \\") == '"ends with \\\\"'


# ---- the scene behind the text --------------------------------------------------------------
def test_scene_rows_match_the_trace_numbers() -> None:
    trace = EXAMPLES["square"].build()
    scene = build_scene(trace, len(trace) - 1)  # a list index: the last event
    rows = {n.id: n.rows for n in scene.nodes}
    x = trace.graph.find("x")[0].id
    power = trace.graph.find("power")[0].id
    assert rows[f"n{x}"]["value"] == "3" and rows[f"n{x}"]["grad"] == "∇ 6"
    assert rows[f"n{power}"]["value"] == "9" and rows[f"n{power}"]["title"] == "y = power (loss)"
    assert "loss 9" in scene.title["headline"]


def test_render_package_does_not_import_textual() -> None:
    code = "import tapeviz, tapeviz.render, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nonfinite_values_are_marked_where_they_appear(tmp_path) -> None:
    import tapeviz.engine as E
    from tapeviz.render.dot import dot_source
    from tapeviz.render.styles import PALETTE
    from tapeviz.trace import record

    x = E.Variable([1.0, 0.0], name="x")
    with record() as trace:
        with E.GradientTape() as tape:
            y = E.log(x)  # log(0) = -inf
            z = E.reduce_sum(y * 2.0)
        tape.gradient(z, x)
    first = dot_source(trace, at=1)
    assert "NaN/inf produced here (the first in the trace)" in first
    assert first.count(PALETTE["nonfinite"]) >= 2  # the log node's border and the legend
    clean = dot_source(trace, at=2)
    assert "NaN/inf produced here" not in clean
