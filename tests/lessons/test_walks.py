"""The wrong backward walks of lesson 14, against gradients worked out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapeviz.lessons import lesson_folder_default
from tapeviz.lessons.resolve import Resolver
from tapeviz.lessons.walks import walk, walk_functions
from tapeviz.lessons.whatif import run_with
from tapeviz.trace import run_program

PROGRAM = lesson_folder_default() / "14-when-backprop-goes-wrong" / "program.py"


def by_hand(x: float, y: float) -> dict[str, dict[str, float]]:
    """L = c − x, c = a·b, b = a + y, a = x·y: the three walks' gradients, derived on paper."""
    a = x * y
    b = a + y
    right_a = b + a  # c sends b, b sends its gradient a
    return {
        "right": {"multiply#0": right_a, "x": right_a * y - 1, "y": a + right_a * x},
        # breadth-first: a passes on before b's share arrives, so a used only b
        "order": {"multiply#0": b, "x": b * y - 1, "y": b * x + a},
        # = instead of +=: each tensor keeps only the last share that arrived
        "assign": {"multiply#0": a, "x": a * y, "y": a * x},
    }


@pytest.mark.parametrize(("x", "y"), [(3.0, 2.0), (1.5, -2.0), (-0.5, 4.0)])
def test_walks_match_the_hand_derivation(x: float, y: float) -> None:
    trace = run_with(Path(PROGRAM), {"x": x, "y": y}).trace
    resolver = Resolver(trace)
    f = walk_functions(trace, resolver)
    expected = by_hand(x, y)
    for how, grads in expected.items():
        for node, value in grads.items():
            assert float(f["walk_grad"](node, how)) == pytest.approx(value, rel=1e-5), (how, node)
    # the right walk is what the tape itself returned
    returned = trace.events[resolver.calls(0)[0].end].grads
    assert [float(g) for g in returned] == pytest.approx([expected["right"]["x"], expected["right"]["y"]], rel=1e-5)
    assert f["first_wrong"]("assign") == "a"  # named as the program names it
    assert f["walk_order"]("right") == "L, c, b, a"
    assert f["first_wrong"]("right") == "none"


def test_orders_and_table() -> None:
    trace = run_program(PROGRAM).trace
    resolver = Resolver(trace)
    call = resolver.calls(0)[0]
    right, wrong = walk(trace, "right", call.start, call.end), walk(trace, "order", call.start, call.end)
    names = lambda w: [trace.graph.nodes[n].key for n in w.order]  # noqa: E731
    assert names(right) == ["subtract#0", "multiply#1", "add#0", "multiply#0"]
    assert names(wrong).index("multiply#0") < names(wrong).index("add#0")
    table = walk_functions(trace, resolver)["walk_table"]("order").splitlines()
    assert table[0].split()[:2] == ["tensor", "right"]
    assert len({re.match(r"\S+\s+\S+", line).end() for line in table[1:]}) == 1  # type: ignore[union-attr]  # right-aligned
    assert len({len(table[0])} | {re.match(r"\S+\s+\S+\s+\S+", line).end() for line in table[1:]}) == 1  # type: ignore[union-attr]  # the walk's column too, under its heading
    assert sum("✗" in line for line in table) == 3  # a, x and y


def test_unknown_walk() -> None:
    trace = run_program(PROGRAM).trace
    with pytest.raises(ValueError, match="one of right, order, assign"):
        walk(trace, "sideways", 0, len(trace) - 1)
