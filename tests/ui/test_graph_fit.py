"""The fit view's choice of drawing, the outline drawing, and parallel edges (no Textual)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tapeviz.engine as E
from tapeviz.examples import EXAMPLES
from tapeviz.sources import load_source
from tapeviz.trace import record
from tapeviz.ui import jobs
from tapeviz.ui.graph_model import BOXES, build_spec
from tapeviz.ui.session import Session

PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "programs"
PANES = {"120x40": (76, 27), "80x24": (58, 14), "200x60": (104, 47)}  # the graph pane's cells at those terminal sizes (measured in the app; 200x60 with the source pane shown, as it is by default)


def _fit(session: Session, size: tuple[int, int]):  # noqa: ANN202
    """The fit view's frame once every layout it asks for is there (as the app's worker does)."""
    session.pane_size = size
    for _ in range(40):
        frame = session.frame()
        if frame.layout is not None:
            return frame
        layout, canvas, _ = jobs.lay_out(frame.spec, "layered")
        session.store_layout(frame.spec.key, layout, canvas)
    raise AssertionError("the fit view kept asking for layouts")


def test_the_seed_is_drawn_as_boxes_at_every_size() -> None:
    trace = EXAMPLES["seed"].build()
    every = set(trace.graph.iteration_nodes(0))
    ops = {i for i in every if trace.graph.nodes[i].kind == "op"}
    for name, size in PANES.items():
        frame = _fit(Session(trace, layout_engine="layered"), size)
        layout, canvas = frame.layout
        assert layout.width <= size[0] and layout.height <= size[1]
        assert frame.spec.detail in BOXES, name
        text = str(canvas)
        if name == "80x24":  # the cursor's scope open, the others folded into one box each
            assert "matmul 32×5" in text and "← kernel 10×5" in text and "dense_1 ▸ 3 ops" in text
            assert "simple_model/dense" not in frame.spec.collapsed
            continue
        # all nine ops are boxes; kernels, biases, the labels and the constant are inside them
        assert not frame.spec.collapsed and set(frame.spec.lid_of) == every
        assert {frame.spec.lid_of[i] for i in ops} <= set(layout.nodes)
        assert len(layout.nodes) == len(ops) + 1  # and the program's input x
        assert "← kernel 10×5" in text and "← bias 2" in text and "loss = divide" in text and "x′ = relu" in text


def test_inputs_are_boxes_of_their_own_in_the_detail_view() -> None:
    session = Session(EXAMPLES["seed"].build(), layout_engine="layered")
    session.pane_size = PANES["80x24"]
    session.toggle_view()
    spec = session.frame().spec
    assert spec.detail == "boxes" and not spec.inputs and len(spec.nodes) == 16


def test_the_detail_view_keeps_full_boxes() -> None:
    session = Session(EXAMPLES["seed"].build(), layout_engine="layered")
    session.pane_size = PANES["80x24"]
    assert session.toggle_view() == "detail" and session.frame().spec.max_height is None


def test_a_graph_that_cannot_fit_is_drawn_as_boxes_with_scopes_folded() -> None:
    trace = load_source(str(PROGRAMS / "attention_block.py"))
    ops = [n for n in trace.graph.nodes.values() if n.kind == "op" and n.iteration == 0]
    assert len(ops) >= 38
    session = Session(trace, layout_engine="layered")
    frame = _fit(session, PANES["120x40"])
    assert frame.spec.detail in BOXES and frame.spec.collapsed >= {"feed_forward", "norm1", "norm2"}
    assert frame.layout[0].height <= PANES["120x40"][1] and frame.layout[0].width <= PANES["120x40"][0]
    assert set(frame.spec.lid_of) >= {n.id for n in ops}  # every op is in some box
    # once the learner collapses or expands, the fit view keeps what they chose
    session.selected = next(n for n in ops if n.scope == "feed_forward").id
    assert session.toggle_collapse() == "expanded feed_forward"
    assert "feed_forward" not in _fit(session, PANES["120x40"]).spec.collapsed


def test_the_mlp_is_boxes_at_120x40_and_folded_at_80x24() -> None:
    trace = load_source(str(PROGRAMS / "mlp_784.py"))
    wide = _fit(Session(trace, layout_engine="layered"), PANES["120x40"])
    assert wide.spec.detail in BOXES and "matmul 16×128" in str(wide.layout[1])
    assert "sequential/dense" not in wide.spec.collapsed  # the cursor's layer stays open
    narrow = _fit(Session(trace, layout_engine="layered"), PANES["80x24"])
    # 14 rows hold no layer of it open: each layer one box, the loss's ops still boxes
    assert narrow.spec.detail in BOXES and narrow.spec.collapsed
    assert "dense ▸ 3 ops" in str(narrow.layout[1]) and "loss = divide" in str(narrow.layout[1])


def test_parallel_edges_get_a_route_each() -> None:
    with record() as trace:
        x = E.Variable(np.array(3.0), name="x")
        with E.GradientTape() as tape:
            y = x * x
        tape.gradient(y, [x])
    spec = build_spec(trace, 0)
    assert len(spec.edges) == 2 and spec.edges[0] == spec.edges[1]
    layout, canvas, _ = jobs.lay_out(spec, "layered")
    assert len(layout.edges) == 2 and str(canvas).count("▼") == 2
