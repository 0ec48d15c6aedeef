"""The UI's slow work, as plain functions (no Textual import): the app runs them in thread
workers and posts what they return as messages.

Each returns an error text instead of raising, because a worker's exception has nowhere useful
to go; the app shows the text as a notification.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..engine.errors import TapevizError
from ..render.terminal_layout import (
    Canvas,
    LayoutUnavailable,
    TerminalLayout,
    layout_flow,
    layout_layered,
    layout_with_dot,
    rasterize,
)
from ..trace import Trace
from ..view import event_number
from .graph_model import BOXES, GraphSpec

DOT_MISSING = "Graphviz 'dot' was not found: the graph uses tapeviz's simple layered layout instead."


def lay_out(spec: GraphSpec, engine: str) -> tuple[TerminalLayout, Canvas, str]:
    """Lay out and rasterise ``spec``; the notice says when Graphviz was wanted but missing."""
    notice = ""
    if spec.detail in BOXES:  # the terminal-native layout, sized for the pane (no Graphviz)
        layout = layout_flow(spec.layout_input, spec.max_height, spec.max_width)
        canvas = rasterize(layout, spec.labels, cluster_titles={c: c.rsplit("/", 1)[-1] for c in spec.clusters})
        return layout, canvas, notice
    try:
        if engine == "layered":
            raise LayoutUnavailable("layered layout requested")
        layout = layout_with_dot(spec.layout_input)
    except LayoutUnavailable:
        layout = layout_layered(spec.layout_input)
        notice = DOT_MISSING if engine != "layered" else ""
    canvas = rasterize(layout, spec.labels, cluster_titles={c: c.rsplit("/", 1)[-1] for c in spec.clusters})
    return layout, canvas, notice


def train(trace: Trace, lock: threading.RLock, count: int) -> str:
    """Train ``count`` more iterations, holding ``lock`` while the trace grows; returns an error text."""
    from ..trace.budget import BudgetExceeded
    from .training import TrainingCancelled, check, running

    error = ""
    try:  # a cancel can arrive anywhere in here, even while waiting for the lock (training.py)
        running(lock, threading.current_thread())
        with lock:
            try:
                trace.train_more(count, checkpoint=lambda: check(lock))
            except TapevizError as exc:
                error = str(exc)
            except BudgetExceeded as exc:  # a step that records forever: keep what it recorded
                error = str(exc)
            except Exception as exc:  # the learner's train_step raised
                error = f"{type(exc).__name__}: {exc}"
            finally:
                running(lock, None)
            trace.events  # noqa: B018  (fold the new events while still holding the lock)
    except TrainingCancelled:
        running(lock, None)
        error = "cancelled: what the train step recorded so far is kept"
    return error


def export_image(trace: Trace, path: Path, index: int, collapsed: list[str]) -> tuple[Path, str]:
    """Render the view at event ``index`` to ``path``; returns the file written and an error text."""
    from ..render import render

    try:
        result = render(trace, path, at=event_number(index), collapse=collapsed)
    except (TapevizError, OSError, RuntimeError, ValueError) as exc:
        return path, str(exc)
    return (Path(result) if isinstance(result, (str, Path)) else path), ""


def save_trace(trace: Trace, path: Path) -> str:
    """Save ``trace`` to ``path``; returns an error text (empty on success)."""
    try:
        trace.save(path)
    except (TapevizError, OSError) as exc:
        return str(exc)
    return ""
