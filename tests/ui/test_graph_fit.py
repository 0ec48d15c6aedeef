"""The fit view's choice of drawing, the outline drawing, and parallel edges (no Textual)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tapeviz.engine as E
from tapeviz.examples import EXAMPLES
from tapeviz.sources import load_source
from tapeviz.trace import record
from tapeviz.ui import jobs
from tapeviz.ui.graph_model import build_spec
from tapeviz.ui.session import Session

PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "programs"
PANES = {"120x40": (64, 27), "80x24": (38, 14)}  # the graph pane's cells at those terminal sizes


def _fit(session: Session, size: tuple[int, int]):  # noqa: ANN202
    """The fit view's frame once every layout it asks for is there (as the app's worker does)."""
    session.pane_size = size
    for _ in range(10):
        frame = session.frame()
        if frame.layout is not None:
            return frame
        layout, canvas, _ = jobs.lay_out(frame.spec, "layered")
        session.store_layout(frame.spec.key, layout, canvas)
    raise AssertionError("the fit view kept asking for layouts")


def test_the_seed_fits_whole_at_both_sizes() -> None:
    trace = EXAMPLES["seed"].build()
    every = set(trace.graph.iteration_nodes(0))
    for size in PANES.values():
        frame = _fit(Session(trace, layout_engine="layered"), size)
        layout, canvas = frame.layout
        assert layout.width <= size[0] and layout.height <= size[1]
        assert not frame.spec.collapsed and set(frame.spec.lid_of) == every
        assert set(frame.spec.boxes) <= set(layout.nodes)  # every node has a place to click
        text = str(canvas)
        assert "loss = divide" in text and "x′ = relu" in text  # (dense1 rebinds x: its output is x′)


def test_the_detail_view_keeps_full_boxes() -> None:
    session = Session(EXAMPLES["seed"].build(), layout_engine="layered")
    session.pane_size = PANES["80x24"]
    assert session.toggle_view() == "detail" and session.frame().spec.detail == "full"


def test_a_graph_that_cannot_fit_starts_with_scopes_collapsed() -> None:
    trace = load_source(str(PROGRAMS / "attention_block.py"))
    ops = [n for n in trace.graph.nodes.values() if n.kind == "op" and n.iteration == 0]
    assert len(ops) >= 38
    session = Session(trace, layout_engine="layered")
    frame = _fit(session, PANES["120x40"])
    # the other scopes fold; the one of the current event's op (attention) stays open
    assert frame.spec.collapsed >= {"feed_forward", "norm1", "norm2"} and "attention" not in frame.spec.collapsed
    assert frame.layout[0].height <= PANES["120x40"][1]
    norm1 = next(n for n in ops if n.scope == "norm1")
    session.goto(trace.graph.nodes[norm1.id].event)  # the view follows the cursor into norm1
    frame = _fit(session, PANES["120x40"])
    assert "norm1" not in frame.spec.collapsed and "attention" in frame.spec.collapsed
    # once the learner collapses or expands, the fit view keeps what they chose
    session.selected = next(n for n in ops if n.scope == "feed_forward").id
    assert session.toggle_collapse() == "expanded feed_forward"
    assert "feed_forward" not in _fit(session, PANES["120x40"]).spec.collapsed


def test_the_mlp_is_whole_at_120x40_and_by_layers_at_80x24() -> None:
    trace = load_source(str(PROGRAMS / "mlp_784.py"))
    wide = _fit(Session(trace, layout_engine="layered"), PANES["120x40"])
    assert not wide.spec.collapsed and "logits = add 16×10" in str(wide.layout[1])
    narrow = _fit(Session(trace, layout_engine="layered"), PANES["80x24"])
    # by layers, the first one (the cursor's, at event 1) open
    assert {"sequential/dense_1", "sequential/dense_2"} <= narrow.spec.collapsed
    assert "sequential/dense" not in narrow.spec.collapsed


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
