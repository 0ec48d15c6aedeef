"""What the graph pane's fit view draws: the most detailed drawing of the graph that fits the pane.

Plain functions (no Textual import). Boxes first: every op as a box (``layout_flow``, sized for
the pane), then the same with scopes folded (innermost first, the cursor's scope kept open while
that still fits); the outline (one line per op) only when no box drawing fits. A candidate that
cannot fit by a cheap lower bound is skipped without laying it out. Before settling for the
outline, ``Session.view_spec`` runs the same choice once more with every input inside its op's
box (a small graph's, and the selected one's, which are otherwise boxes of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..render.terminal_layout import Canvas, TerminalLayout, layout_outline
from ..trace import Trace
from ..view import scope_chain
from .graph_model import BOXES, OUTLINES, GraphSpec, min_size, outline_rows

Size = tuple[int, int]
Laid = tuple[TerminalLayout, Canvas]


def collapse_steps(trace: Trace, iteration: int, keep_open: frozenset[str] = frozenset()) -> list[frozenset[str]]:
    """Scope sets to collapse, finest first: every scope at the deepest level, then one level
    up, ...; a set that would fold every op of the iteration into one box is left out. Each
    level is tried first without the ``keep_open`` scopes (those of the current event's node),
    so that the fit view shows the op the cursor is on when that still fits."""
    gnodes = trace.graph.nodes
    ids = trace.graph.iteration_nodes(iteration)
    ops = [gnodes[i] for i in ids if gnodes[i].kind == "op"]
    scopes = {s for i in ids for s in scope_chain(gnodes[i].scope)}
    steps: list[frozenset[str]] = []
    levels: list[frozenset[str]] = []
    for depth in range(max((s.count("/") for s in scopes), default=-1), -1, -1):
        level = frozenset(s for s in scopes if s.count("/") == depth)
        if any(all(n.scope == s or n.scope.startswith(s + "/") for n in ops) for s in level):
            continue
        levels.append(level)
    far: frozenset[str] = frozenset()
    for level in levels:  # the scopes away from the cursor, innermost first, adding up
        if level - keep_open:
            far = far | (level - keep_open)
            if far not in steps:
                steps.append(far)
    for level in levels:  # then whole levels, the cursor's scope too
        if level not in steps:
            steps.append(level)
    return steps


def fits(layout: TerminalLayout, size: Size) -> bool:
    return layout.width <= size[0] and layout.height <= size[1]


def outline_layout(spec: GraphSpec) -> Laid:
    """The outline drawing of ``spec`` (quick: no layout engine)."""
    return layout_outline(outline_rows(spec))


def choose(
    specs: Callable[[frozenset[str], str], GraphSpec],
    collapsed: frozenset[str],
    steps: list[frozenset[str]],
    layouts: Mapping[str, Laid],
    size: Size,
) -> GraphSpec:
    """The first candidate that fits ``size``, or the one to lay out next to find out (its
    layout is not in ``layouts`` yet); with nothing fitting, the last outline tried.

    Boxes first: every op a box (values as heatmaps, then as one line), then the same with the
    scopes away from the cursor folded, innermost first; only then the outline (one line per
    op), folded the same way. ``specs(collapsed, detail)`` builds (or returns the cached) spec;
    outline specs must already be in ``layouts``."""
    candidates = [frozenset(), *steps]
    for extra in candidates:
        for detail in BOXES:
            spec = specs(collapsed | extra, detail)
            width, height = min_size(spec)
            if width > size[0] or height > size[1]:
                continue
            found = layouts.get(spec.key)
            if found is None or fits(found[0], size):
                return spec
    last: GraphSpec | None = None
    for extra in candidates:
        for detail in OUTLINES:
            spec = last = specs(collapsed | extra, detail)
            if fits(layouts[spec.key][0], size):
                return spec
    assert last is not None
    return last
