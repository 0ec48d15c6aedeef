"""The terminal-native layout (layout_flow): boxes in ranks one row apart, columns that fit a height."""

from __future__ import annotations

import sys

import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.render.terminal_layout import LayoutInput, LayoutNode, layout_flow, rasterize
from tapeviz.ui.graph_model import build_spec


def _no_overlaps(layout) -> None:  # noqa: ANN001
    boxes = list(layout.nodes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    for route in layout.edges:  # no edge runs through a box
        for x, y in route.cells()[1:-1]:
            assert not any(b.contains_point(x, y) for b in boxes)


def test_a_chain_is_one_column_one_row_apart() -> None:
    nodes = [LayoutNode(f"n{i}", 9, 3) for i in range(4)]
    layout = layout_flow(LayoutInput(nodes, [(f"n{i}", f"n{i + 1}") for i in range(3)]))
    ys = [layout.nodes[f"n{i}"].y for i in range(4)]
    assert [b - a for a, b in zip(ys, ys[1:])] == [4, 4, 4]  # a 3-row box and one row for the arrow
    assert layout.width == 9 and layout.height == 15
    text = str(rasterize(layout))
    assert text.count("▼") == 3 and "┬" in text


def test_a_long_chain_wraps_into_columns_that_fit_the_height() -> None:
    nodes = [LayoutNode(f"n{i}", 7, 3) for i in range(12)]
    layout = layout_flow(LayoutInput(nodes, [(f"n{i}", f"n{i + 1}") for i in range(11)]), max_height=20)
    assert layout.height <= 20 and layout.width > 7
    _no_overlaps(layout)
    assert all(len(r.points) >= 2 for r in layout.edges)


@pytest.mark.parametrize("size", [(76, 27), (61, 27), (136, 45)])
def test_the_seed_with_its_inputs_inside_fits_the_pane(size: tuple[int, int]) -> None:
    trace = EXAMPLES["seed"].build()
    spec = build_spec(trace, 0, detail="boxes-narrow", max_width=size[0], max_height=size[1])
    assert len(spec.nodes) == 10  # nine ops and the program's input x; kernels, biases, labels inside
    layout = layout_flow(spec.layout_input, spec.max_height, spec.max_width)
    assert layout.width <= size[0] and layout.height <= size[1]
    _no_overlaps(layout)
    text = str(rasterize(layout, spec.labels))
    assert "← kernel 10×5" in text and "← bias 2" in text and "x 32×10" in text


def test_a_chain_of_thousands_needs_no_recursion() -> None:
    n = 3000
    nodes = [LayoutNode(f"n{i}", 5, 3) for i in range(n)]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        layout = layout_flow(LayoutInput(nodes, [(f"n{i}", f"n{i + 1}") for i in range(n - 1)]))
    finally:
        sys.setrecursionlimit(limit)
    assert layout.height == 4 * n - 1


def test_a_pane_a_few_columns_short_gets_one_blank_column_between_boxes() -> None:
    """Four unconnected 10-wide boxes in one rank: 46 columns with two blank columns between
    boxes, 43 with one. A 44-column pane takes the tighter row rather than stacking them."""
    nodes = [LayoutNode(f"n{i}", 10, 3) for i in range(4)]
    roomy = layout_flow(LayoutInput(nodes, []), max_height=3, max_width=46)
    tight = layout_flow(LayoutInput(nodes, []), max_height=3, max_width=44)
    assert (roomy.width, roomy.height) == (46, 3)
    assert tight.width <= 44 and tight.height == 3
    _no_overlaps(tight)
    assert len({b.y for b in tight.nodes.values()}) == 1  # still one row
