"""Parallel edges (``x * x``: one tensor feeding both inputs of an op) get a route each."""

from __future__ import annotations

import shutil

import pytest

from tapeviz.render.terminal_layout import (
    LayoutInput,
    LayoutNode,
    layout_layered,
    layout_with_dot,
    rasterize,
)

ENGINES = [layout_layered]
if shutil.which("dot") is not None:
    ENGINES.append(layout_with_dot)


@pytest.mark.parametrize("engine", ENGINES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_each_parallel_edge_has_its_own_port_and_arrowhead(engine, rankdir: str) -> None:
    """Boxes as the UI sizes them (a label and a summary line: two cells on every side)."""
    nodes = [
        LayoutNode.for_label("x", ["x", "()"]),
        LayoutNode.for_label("mul", ["multiply", "()"]),
    ]
    layout = engine(LayoutInput(nodes, [("x", "mul"), ("x", "mul")], rankdir=rankdir))
    first, second = layout.edges
    assert (first.tail, first.head) == (second.tail, second.head) == ("x", "mul")
    assert first.points[0] != second.points[0]  # two ports on x
    assert first.points[-1] != second.points[-1]  # two arrowheads at mul
    assert not set(first.cells()) & set(second.cells())  # the lines never touch
    arrow = "▼" if rankdir == "TB" else "►"
    assert str(rasterize(layout)).count(arrow) == 2


def test_a_side_with_fewer_cells_than_edges_shares_ports() -> None:
    """A one-line box in LR has one cell on its left and right sides: the edges share it."""
    nodes = [LayoutNode.for_label("x", ["x"]), LayoutNode.for_label("mul", ["multiply"])]
    first, second = layout_layered(LayoutInput(nodes, [("x", "mul"), ("x", "mul")], rankdir="LR")).edges
    assert first.points == second.points
