"""The UI session: what a learner is looking at in a trace, as a plain object (no Textual import).

A :class:`Session` holds the cursor (a :class:`TimelineCursor`), what the graph boxes show
(values or gradients), the collapsed scopes, the selected node, whether it is playing, what is
busy, and the caches (one graph spec per iteration and collapsed set, one terminal layout per
graph structure). The app turns key presses into calls here and renders :meth:`Session.frame`;
everything a widget draws at one moment is in that :class:`Frame`.

Only a training worker changes the trace. It holds ``session.lock`` while it appends, so a
frame is never built from a half-appended trace: :meth:`frame` returns None while it is busy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.events import Event, GradientStarted
from ..render.terminal_layout import Canvas, TerminalLayout
from ..sources import default_output_dir, output_file
from ..trace import Snapshot, Trace, event_node, snapshot
from ..view import Explanation, event_number, explain, loss_known
from .conceal import NO_SECRET, Concealer
from .cursor import TimelineCursor
from .graph_fit import choose, collapse_steps, outline_layout
from .graph_model import BOXES, OUTLINES, GraphSpec, build_spec, scope_chain

SPEEDS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05)  # seconds per event while playing
MODES = ("values", "grads")


MAX_TRIES = 6  # earlier what-if runs the loss pane keeps


@dataclass(frozen=True, eq=False)
class Frame:
    """Everything the widgets show at one moment (built under the trace lock, read-only after)."""

    trace: Trace
    index: int
    length: int
    snap: Snapshot
    spec: GraphSpec
    layout: tuple[TerminalLayout, Canvas] | None  # None: not laid out yet
    node: int | None  # the node the inspector shows
    explanation: Explanation
    mode: str
    playing: bool
    busy: str
    notice: str
    nonfinite_from: int | None
    iterations: int
    loss: float | None  # the loss of the cursor's iteration
    losses: tuple[float, ...]  # of every iteration so far
    # the trace's lists as they were when the frame was built: rows below ``length`` never change
    events: Sequence[Event] = ()
    phases: Sequence[str] = ()
    iterations_of: Sequence[int] = ()
    conceal: Concealer = NO_SECRET  # widgets pass the numbers they draw through it (lessons)
    zoom: str = "detail"  # the graph pane: "fit" the whole graph or show boxes in "detail"
    badges: Mapping[int, str] = field(default_factory=dict)  # node id -> a mark on its box (a lesson's @order)
    tries: tuple[tuple[str, tuple[float, ...]], ...] = ()  # earlier recordings' losses (what-ifs), oldest first

    def loss_node(self) -> int | None:
        """The node of the loss of the cursor's iteration: the first target of its ``gradient()``."""
        iteration, events, of = self.snap.iteration, self.events, self.iterations_of
        for k in range(self.index, self.length):
            if of[k] != iteration:
                break
            e = events[k]
            if isinstance(e, GradientStarted):
                return e.targets[0] if e.targets else None
        return None

    @property
    def loss_computed(self) -> bool:
        """True once the cursor has passed the op that computes the loss (``view.loss_known``, as
        image titles): the header and the loss pane show the iteration's loss from then on."""
        if self.loss is None:
            return False
        if self.snap.phase != "forward":
            return True  # the gradient() call, and with it the loss's node, is behind the cursor
        return loss_known(self.snap, self.loss_node())

    @property
    def selected_lid(self) -> str | None:
        """The layout id of the inspector's node in the graph, if it is drawn."""
        return self.spec.lid_of.get(self.node) if self.node is not None else None


class Session:
    """Cursor, view options, selection and caches over one trace."""

    def __init__(self, trace: Trace, *, source: str = "", out_dir: str | Path | None = None,
                 layout_engine: str = "auto", start: int = 0) -> None:
        self.trace = trace
        self.source = source or trace.title
        self.out_dir = Path(out_dir) if out_dir is not None else default_output_dir()
        self.layout_engine = layout_engine  # "auto" (dot, else layered) or "layered"
        self.lock = threading.RLock()
        self.cursor = TimelineCursor(trace, start)
        self.mode = "values"
        self.collapsed: frozenset[str] = frozenset()
        self.selected: int | None = None  # explicit selection; None follows the cursor
        self.playing = False
        self.speed = 2  # an index into SPEEDS
        self.busy = ""  # what a worker is doing, for the status line
        self.notice = ""  # a lasting one-line notice (the layout fell back)
        self.spec: GraphSpec | None = None  # the spec of the last frame
        self._specs: dict[tuple, GraphSpec] = {}  # (iteration, collapsed, detail, pane size, expanded leaves, compact)
        self.view = "fit"  # the graph pane: "fit" (the whole graph, detail chosen by size) or "detail"
        self.pane_size: tuple[int, int] | None = None  # the graph pane's cells, once known
        self.auto_collapse = True  # the fit view may collapse scopes until the learner collapses one
        self._layouts: dict[str, tuple[TerminalLayout, Canvas]] = {}
        self.pending_layout: str | None = None
        self.mode_chosen = False  # the learner pressed g: the graph no longer follows the phase
        self.source_shown: bool | None = None  # the learner's o; None: shown when the terminal is wide
        self.tries: list[tuple[str, tuple[float, ...]]] = []  # earlier recordings' losses (a lesson's what-ifs)
        self.concealer: Concealer = NO_SECRET  # a lesson question's giveaway numbers, masked
        self.badges: dict[int, str] = {}  # node id -> a mark on its box (a lesson step's @order)

    # ---- reading --------------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self.cursor.index

    @property
    def selected_node(self) -> int | None:
        """The node the inspector shows: the explicit selection or the event's own node."""
        if self.selected is not None:
            return self.selected
        return event_node(self.trace, self.cursor.index)

    @property
    def layout_ready(self) -> bool:
        """True once the graph of the last frame is laid out."""
        return self.spec is not None and self.spec.key in self._layouts

    def nonfinite_from(self, index: int) -> int | None:
        """The first event that produced a NaN or infinity, once the cursor has reached it."""
        first = self.trace.first_nonfinite
        return first if first is not None and first <= index else None

    def spec_for(self, iteration: int, collapsed: frozenset[str] | None = None, detail: str = "full",
                 compact: bool = False) -> GraphSpec:
        """The (cached) spec of one drawing. Box drawings (``BOXES``) are sized for the pane in
        the fit view; the detail view draws every input as a box of its own, in one column.
        ``compact``: every input that feeds one op inside that op's box, the selected one and
        those of a small graph too (what the fit view tries before the outline)."""
        collapsed = self.collapsed if collapsed is None else collapsed
        fit = self.view == "fit" and detail in BOXES
        size = self.pane_size if fit else None
        expanded = self.expanded_leaves() if fit and not compact else frozenset()
        key = (iteration, collapsed, detail, size, expanded, compact)
        spec = self._specs.get(key)
        if spec is None:
            height, width = (size[1], size[0]) if size is not None else (None, None)
            spec = self._specs[key] = build_spec(
                self.trace, iteration, collapsed, detail, max_height=height, max_width=width,
                inline=fit or detail not in BOXES, expanded=expanded, inline_small=compact,
            )
            if detail in OUTLINES and spec.key not in self._layouts:  # quick: laid out here
                self._layouts[spec.key] = outline_layout(spec)
        return spec

    def expanded_leaves(self) -> frozenset[int]:
        """The input drawn as a box of its own although it feeds one op (``inlined_leaves``):
        the one the learner selected or a lesson step points at, so the selection shows."""
        node = self.trace.graph.nodes.get(self.selected) if self.selected is not None else None
        return frozenset({node.id}) if node is not None and node.kind != "op" else frozenset()

    def view_spec(self, iteration: int) -> GraphSpec:
        """The spec the graph pane draws: full boxes in the detail view; in the fit view the most
        detailed drawing that fits the pane (scopes collapsed first if the learner has not)."""
        if self.view != "fit":
            return self.spec_for(iteration, detail="boxes")
        if self.pane_size is None:  # not measured yet: the outline costs nothing to lay out
            return self.spec_for(iteration, detail="outline")
        steps = collapse_steps(self.trace, iteration, self._open_here()) if self.auto_collapse else []
        spec = choose(lambda c, d: self.spec_for(iteration, c, d), self.collapsed, steps, self._layouts, self.pane_size)
        if spec.detail in OUTLINES:
            # no drawing with the selected input (or a small graph's inputs) as boxes of their
            # own fits: boxes with them inside their op's box still beat the outline
            inside = choose(lambda c, d: self.spec_for(iteration, c, d, compact=True), self.collapsed, steps,
                            self._layouts, self.pane_size)
            if inside.detail in BOXES:
                return inside
        return spec

    def _open_here(self) -> frozenset[str]:
        """The scopes around the node the inspector shows (the fit view keeps them open if it can)."""
        node = self.trace.graph.nodes.get(self.selected_node) if self.selected_node is not None else None
        return frozenset(scope_chain(node.scope)) if node is not None else frozenset()

    def toggle_view(self) -> str:
        """Switch the graph pane between the fit view and the detail view; returns the new one."""
        self.view = "detail" if self.view == "fit" else "fit"
        return self.view

    def frame(self) -> Frame | None:
        """The frame at the cursor, or None while a training worker is appending to the trace."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            trace, index = self.trace, self.cursor.index
            snap = snapshot(trace, index)
            spec = self.spec = self.view_spec(snap.iteration)
            return Frame(
                trace=trace, index=index, length=self.cursor.length, snap=snap, spec=spec,
                layout=self._layouts.get(spec.key), node=self.selected_node,
                explanation=explain(trace, index, snap.grads), mode=self.mode, playing=self.playing,
                busy=self.busy, notice=self.concealer(self.notice), nonfinite_from=self.nonfinite_from(index),
                iterations=trace.meta.get("run_iterations") or trace.iteration_count, loss=trace.loss_at(snap.iteration), losses=tuple(trace.losses),
                events=trace.events, phases=trace.phases, iterations_of=trace.iterations,
                conceal=self.concealer, zoom=self.view, badges=self.badges, tries=tuple(self.tries),
            )
        finally:
            self.lock.release()

    # ---- the layout cache -----------------------------------------------------------------
    def wants_layout(self, spec: GraphSpec) -> bool:
        """True (once) when ``spec`` has no layout and none is being computed for it."""
        if spec.key in self._layouts or self.pending_layout == spec.key:
            return False
        self.pending_layout = spec.key
        return True

    def store_layout(self, key: str, layout: TerminalLayout, canvas: Canvas, notice: str = "") -> None:
        self._layouts[key] = (layout, canvas)
        if self.pending_layout == key:
            self.pending_layout = None
        if notice:
            self.notice = notice

    # ---- changing what is shown -----------------------------------------------------------
    def move(self, moved: bool) -> bool:
        """After a cursor move: a moved cursor shows its own event's node again."""
        if moved:
            self.selected = None
        return moved

    def goto(self, index: int) -> bool:
        return self.move(self.cursor.move_to(index))

    def select(self, node_id: int | None) -> None:
        self.selected = node_id

    def toggle_mode(self) -> str:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        return self.mode

    def fit(self) -> None:
        """The graph pane shows the whole graph at once (a lesson step can ask for it)."""
        self.view = "fit"

    def detail(self) -> None:
        """The graph pane shows boxes at full size, scrolled to the selection."""
        self.view = "detail"

    def replace_trace(self, trace: Trace, remember: bool = True) -> None:
        """Show another recording of the same program (a lesson's what-if): the cursor keeps
        its place as far as the new trace reaches; selection and graph specs start again.
        The caller holds ``lock``."""
        old = self.trace
        if remember and old.losses:  # the loss pane keeps each try, as TF Playground keeps its runs
            said = ", ".join(f"{k}={v}" for k, v in (old.meta.get("what_if") or {}).items()) or "first run"
            self.tries = [*self.tries, (said, tuple(old.losses))][-MAX_TRIES:]
        self.trace = trace
        self.cursor = TimelineCursor(trace, min(self.cursor.index, len(trace) - 1))
        self.selected = None
        self.spec = None
        self._specs.clear()

    def toggle_collapse(self) -> str:
        """Collapse the selected node's scope into one box, or expand the collapsed scope it is in.

        Returns what happened, in words, for a notification.
        """
        node_id = self.selected_node
        node = self.trace.graph.nodes.get(node_id) if node_id is not None else None
        if node is None:
            return ""
        if self.spec is not None:  # what is drawn: the fit view may have collapsed scopes itself
            self.collapsed = self.collapsed | self.spec.collapsed
        for scope in scope_chain(node.scope):
            if scope in self.collapsed:
                self.auto_collapse = False  # the learner chose: the fit view keeps it open
                self.collapsed = self.collapsed - {scope}
                return f"expanded {scope}"
        if not node.scope:
            return "this node is not inside a scope (a layer or the loss)"
        self.auto_collapse = False
        self.collapsed = self.collapsed | {node.scope}
        return f"collapsed {node.scope} into one box (c again to expand)"

    def cycle_node(self, step: int) -> bool:
        """Select the next (``step=1``) or previous (``-1``) box of the graph in Tab order."""
        spec, current = self.spec, self.selected_node
        if spec is None or not spec.order:
            return False
        lid = spec.lid_of.get(current) if current is not None else None
        pos = spec.order.index(lid) if lid in spec.order else -1
        self.selected = spec.members[spec.order[(pos + step) % len(spec.order)]][-1]
        return True

    def follow_phase(self) -> str:
        """Gradients in the backward pass, values elsewhere, unless the learner chose with g."""
        if not self.mode_chosen:
            self.mode = "grads" if self.trace.phases[self.cursor.index] == "backward" else "values"
        return self.mode

    def set_speed(self, speed: int) -> float:
        """Clamp and set the play speed; returns the seconds per event."""
        self.speed = max(0, min(len(SPEEDS) - 1, speed))
        return SPEEDS[self.speed]

    @property
    def interval(self) -> float:
        return SPEEDS[self.speed]

    def synced(self) -> None:
        """Re-read the trace after a training worker appended to it (lock held by the caller)."""
        self.cursor.sync()

    # ---- files ----------------------------------------------------------------------------
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(self.source).stem or "trace").strip("-") or "trace"

    def export_path(self) -> Path:
        """Where ``e`` writes: ./tapeviz-out/ unless the app was given a folder (created on demand)."""
        return output_file(self.out_dir, f"{self.slug()}-event{event_number(self.cursor.index)}.png")

    def save_path(self) -> Path:
        return output_file(self.out_dir, f"{self.slug()}.tapeviz")
