"""The tapeviz app: a cursor over a recorded trace, keys, and workers for slow work.

State lives here (cursor, selection, what the graph shows, collapsed scopes); widgets get it
pushed down through ``show`` methods and report clicks up with messages. Layout, training,
export and saving run in thread workers; only the training worker changes the trace, and it
holds ``trace_lock`` while it does, so the UI never reads a half-appended trace.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from ..engine.errors import TapevizError
from ..render.terminal_layout import LayoutUnavailable, layout_layered, layout_with_dot, rasterize
from ..trace import Snapshot, Trace, event_node, snapshot
from .command_palette import ClosingOnceCommandPalette
from .cursor import TimelineCursor
from .explain import explain
from .graph_model import GraphSpec, build_spec, scope_chain
from .graph_pane import GraphPane
from .help_screen import HelpScreen
from .inspector import Inspector
from .loss_curve import LossCurve
from .main_screen import MainScreen
from .status_line import StatusLine
from .timeline import Timeline

SPEEDS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05)  # seconds per event while playing
MAX_PROGRAM_WARNINGS = 4  # shown as notifications when the app starts
DOT_MISSING = "Graphviz 'dot' was not found: the graph uses tapeviz's simple layered layout instead."


class CursorMoved(Message):
    """Posted to the active screen whenever the cursor moves (lessons listen for it)."""

    def __init__(self, index: int, phase: str, iteration: int) -> None:
        super().__init__()
        self.index = index
        self.phase = phase
        self.iteration = iteration


class TapevizApp(App[int]):
    """Step through a trace: forward pass, backward pass, SGD updates."""

    CSS_PATH = "app.tcss"
    TITLE = "tapeviz"

    BINDINGS = [
        Binding("right,l", "next_event", "next", key_display="→", priority=True),
        Binding("left,h", "prev_event", "prev", key_display="←", priority=True),
        Binding("home", "first_event", "first", show=False, priority=True),
        Binding("end", "last_event", "last", show=False, priority=True),
        Binding("right_square_bracket", "next_phase", "phase", key_display="]"),
        Binding("left_square_bracket", "prev_phase", "phase back", key_display="[", show=False),
        Binding("space", "play", "play"),
        Binding("plus,equals_sign", "faster", "faster", show=False),
        Binding("minus", "slower", "slower", show=False),
        Binding("t", "train", "train"),
        Binding("g", "toggle_grads", "val/grad"),
        Binding("c", "collapse", "collapse"),
        Binding("tab", "next_node", "node", key_display="tab", priority=True),
        Binding("shift+tab", "prev_node", "previous node", show=False, priority=True),
        Binding("e", "export", "export"),
        Binding("s", "save", "save"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    ACTION_HELP: dict[str, tuple[str, str]] = {
        "next_event": ("Next event", "Move the cursor one event forward (→ or l)"),
        "prev_event": ("Previous event", "Move the cursor one event back (← or h)"),
        "first_event": ("First event", "Jump to the first event (Home)"),
        "last_event": ("Last event", "Jump to the last event (End)"),
        "next_phase": ("Next phase", "Jump to the next phase boundary (])"),
        "prev_phase": ("Previous phase", "Jump back to the previous phase boundary ([)"),
        "play": ("Play / pause", "Step through the events automatically (space)"),
        "faster": ("Play faster", "Shorter pause between events while playing (+)"),
        "slower": ("Play slower", "Longer pause between events while playing (-)"),
        "train": ("Train one more iteration", "Run forward, backward and the SGD update again and append it (t)"),
        "toggle_grads": ("Show values / gradients", "Switch what the graph boxes show (g)"),
        "collapse": ("Collapse / expand scope", "Draw the selected node's scope as one box, or open it again (c)"),
        "next_node": ("Select next node", "Select the next node for the inspector (Tab)"),
        "prev_node": ("Select previous node", "Select the previous node (Shift+Tab)"),
        "export": ("Export image", "Write the current view as a PNG through the renderer (e)"),
        "save": ("Save trace", "Save the recorded trace to a file (s)"),
        "help": ("Help", "Keys and colours (?)"),
    }

    def __init__(
        self,
        trace: Trace,
        *,
        source: str = "",
        out_dir: str | Path | None = None,
        layout_engine: str = "auto",
        start: int = 0,
    ) -> None:
        super().__init__()
        if len(trace) == 0:
            raise TapevizError(f"{source or trace.title or 'the trace'}: nothing was recorded, so there is nothing to show")
        self.trace = trace
        self.source = source or trace.title
        self.out_dir = Path(out_dir) if out_dir is not None else Path.cwd()
        self.layout_engine = layout_engine  # "auto" (dot, else layered) or "layered"
        self.trace_lock = threading.RLock()
        self.cursor = TimelineCursor(trace, start)
        self.mode = "values"
        self.collapsed: set[str] = set()
        self.selected: int | None = None  # explicit selection; None follows the cursor
        self.playing = False
        self.speed = 2
        self.busy = ""
        self.layout_notice = ""
        self.last_export: Path | None = None
        self.last_save: Path | None = None
        self.snap: Snapshot | None = None
        self.spec: GraphSpec | None = None
        self._layouts: dict[str, tuple[object, object]] = {}
        self._specs: dict[tuple[int, frozenset[str]], GraphSpec] = {}
        self._pending_layout: str | None = None
        self._train_pending = 0
        self._training = False
        self._exporting = False
        self._play_timer = None
        self._refresh_retry = None
        self._posted_index = -1
        self._listeners: list[Callable[[int], None]] = []
        self.last_refresh_s = 0.0

    # ---- screens ------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return MainScreen(self.trace)

    def on_mount(self) -> None:
        self.title = f"tapeviz — {self.source}"
        # What the program warned about (the article's pitfalls, for one) would otherwise be
        # lost: printed while it ran, before the screen existed.
        for text in list(self.trace.meta.get("warnings", []))[:MAX_PROGRAM_WARNINGS]:
            self.notify(str(text), title="the program warned", severity="warning", timeout=15)

    def pop_screen(self) -> AwaitComplete:
        """Pop the top screen, but never the last one: a late ``dismiss()`` (a screen closed
        twice by keys queued before it closed) must not empty the stack and stop the app."""
        if len(self.screen_stack) <= 1:
            self.log.warning("ignored a request to pop the last screen")
            return AwaitComplete.nothing()
        return super().pop_screen()

    def action_command_palette(self) -> None:
        """Open the command palette (one that closes at most once; see command_palette.py)."""
        if self.use_command_palette and not ClosingOnceCommandPalette.is_open(self):
            self.push_screen(ClosingOnceCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """The palette's theme picker, with the same close-once palette."""
        from textual.theme import ThemeProvider

        self.push_screen(ClosingOnceCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def on_screen_resume(self) -> None:
        self.refresh_view()

    # ---- the small API lessons use ---------------------------------------------------------
    def goto(self, index: int) -> None:
        """Move the cursor to event ``index`` (clamped) and redraw."""
        self.cursor.move_to(index)
        self.selected = None
        self.refresh_view()

    def select_node(self, node_id: int | None) -> None:
        """Show node ``node_id`` in the inspector (None: follow the cursor)."""
        self.selected = node_id
        self.refresh_view()

    def add_cursor_listener(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(index)`` after every cursor move (besides the CursorMoved message)."""
        self._listeners.append(callback)

    @property
    def index(self) -> int:
        return self.cursor.index

    @property
    def selected_node(self) -> int | None:
        """The node the inspector shows: the explicit selection or the event's own node."""
        if self.selected is not None:
            return self.selected
        return event_node(self.trace, self.cursor.index)

    # ---- drawing ------------------------------------------------------------------------
    def _widget(self, kind: type, selector: str):  # noqa: ANN202
        found = self.screen.query(selector)
        return found.first() if found else None

    def _sync_widgets(self) -> None:
        """Re-read the trace after it grew (trace lock held)."""
        self.cursor.sync()
        timeline = self._widget(Timeline, "#timeline")
        if timeline is not None:
            timeline.sync()

    def refresh_view(self) -> None:
        """Push the state at the cursor into every widget on the current screen."""
        if not self.trace_lock.acquire(blocking=False):  # training is appending: try again soon
            if self._refresh_retry is None:
                self._refresh_retry = self.set_timer(0.03, self._retry_refresh)
            return
        try:
            started = time.perf_counter()
            self._refresh_locked()
            self.last_refresh_s = time.perf_counter() - started
        finally:
            self.trace_lock.release()

    def _retry_refresh(self) -> None:
        self._refresh_retry = None
        self.refresh_view()

    def _refresh_locked(self) -> None:
        trace, index = self.trace, self.cursor.index
        snap = self.snap = snapshot(trace, index)
        spec = self._spec_for(snap.iteration)
        graph = self._widget(GraphPane, "#graph")
        node = self.selected_node
        if graph is not None:
            cached = self._layouts.get(spec.key)
            if cached is None:
                if graph.spec is None or graph.spec.key != spec.key:
                    graph.set_message("laying out the graph…")
                self._request_layout(spec)
            else:
                if graph.spec is not spec:
                    graph.set_layout(spec, *cached)  # type: ignore[arg-type]
                graph.show(snap, spec.lid_of.get(node) if node is not None else None, self.mode)
        inspector = self._widget(Inspector, "#inspector")
        if inspector is not None:
            inspector.show(trace, snap, node, explain(trace, index, snap.grads))
        timeline = self._widget(Timeline, "#timeline")
        if timeline is not None:
            timeline.set_cursor(index)
        status = self._widget(StatusLine, "#status")
        if status is not None:
            status.show(
                phase=snap.phase, index=index, length=self.cursor.length, iteration=snap.iteration,
                iterations=trace.iteration_count, loss=trace.loss_at(snap.iteration), mode=self.mode,
                playing=self.playing, busy=self.busy, nonfinite_from=self._nonfinite_from(index),
            )
        loss = self._widget(LossCurve, "#loss")
        if loss is not None:
            loss.show(trace.losses, snap.iteration)
        notice = self._widget(Static, "#notice")
        if notice is not None and getattr(notice, "_shown", None) != self.layout_notice:
            notice._shown = self.layout_notice  # type: ignore[attr-defined]  # update only on change: no layout pass per step
            notice.update(self.layout_notice)
            notice.set_class(bool(self.layout_notice), "-shown")
        if index != self._posted_index:
            self._posted_index = index
            self.screen.post_message(CursorMoved(index, snap.phase, snap.iteration))
            for listener in list(self._listeners):
                listener(index)

    def _spec_for(self, iteration: int) -> GraphSpec:
        key = (iteration, frozenset(self.collapsed))
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = build_spec(self.trace, iteration, frozenset(self.collapsed))
        self.spec = spec
        return spec

    # ---- layout worker --------------------------------------------------------------------
    def _request_layout(self, spec: GraphSpec) -> None:
        if self._pending_layout == spec.key:
            return
        self._pending_layout = spec.key
        self._layout_worker(spec, self.layout_engine)

    @work(thread=True, exclusive=True, group="layout", exit_on_error=False)
    def _layout_worker(self, spec: GraphSpec, engine: str) -> None:
        notice = ""
        try:
            if engine == "layered":
                raise LayoutUnavailable("layered layout requested")
            layout = layout_with_dot(spec.nodes, spec.edges, spec.clusters)
        except LayoutUnavailable:
            layout = layout_layered(spec.nodes, spec.edges, spec.clusters)
            notice = DOT_MISSING if engine != "layered" else ""
        canvas = rasterize(layout, spec.labels, cluster_titles={c: c.rsplit("/", 1)[-1] for c in spec.clusters})
        self.call_from_thread(self._layout_ready, spec.key, layout, canvas, notice)

    def _layout_ready(self, key: str, layout: object, canvas: object, notice: str) -> None:
        self._layouts[key] = (layout, canvas)
        if self._pending_layout == key:
            self._pending_layout = None
        if notice:
            self.layout_notice = notice
        self.refresh_view()

    @property
    def layout_ready(self) -> bool:
        """True once the graph at the cursor is drawn (tests wait for this)."""
        return self.spec is not None and self.spec.key in self._layouts

    # ---- moving -------------------------------------------------------------------------
    def _moved(self, moved: bool) -> None:
        if moved:
            self.selected = None
            self.refresh_view()

    def action_next_event(self) -> None:
        self._moved(self.cursor.step(1))

    def action_prev_event(self) -> None:
        self._moved(self.cursor.step(-1))

    def action_first_event(self) -> None:
        self._moved(self.cursor.first())

    def action_last_event(self) -> None:
        self._moved(self.cursor.last())

    def action_next_phase(self) -> None:
        self._moved(self.cursor.next_boundary())

    def action_prev_phase(self) -> None:
        self._moved(self.cursor.prev_boundary())

    def on_timeline_event_clicked(self, message: Timeline.EventClicked) -> None:
        self._moved(self.cursor.move_to(message.index))

    def on_graph_pane_node_clicked(self, message: GraphPane.NodeClicked) -> None:
        self.select_node(message.node_id)

    def _nonfinite_from(self, index: int) -> int | None:
        """The first event that produced a NaN or infinity, once the cursor has reached it."""
        first = self.trace.first_nonfinite
        return first if first is not None and first <= index else None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry names and errors from the learner's program (a scope called
        ``[@click=app.quit]``, an error text ending in ``[/]``): always show them literally."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ---- playing ------------------------------------------------------------------------
    def action_play(self) -> None:
        if self.playing:
            self._stop_playing()
        else:
            if self.cursor.at_end:
                self.cursor.first()
            self.playing = True
            self._play_timer = self.set_interval(SPEEDS[self.speed], self._tick)
        self.refresh_view()

    def _stop_playing(self) -> None:
        self.playing = False
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None

    def _tick(self) -> None:
        if not self.cursor.step(1):
            self._stop_playing()
        self.selected = None
        self.refresh_view()

    def _set_speed(self, speed: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, speed))
        if self.playing and self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = self.set_interval(SPEEDS[self.speed], self._tick)
        self.notify(f"{1 / SPEEDS[self.speed]:g} events per second", timeout=1.5)

    def action_faster(self) -> None:
        self._set_speed(self.speed + 1)

    def action_slower(self) -> None:
        self._set_speed(self.speed - 1)

    # ---- graph view ---------------------------------------------------------------------
    def action_toggle_grads(self) -> None:
        self.mode = "grads" if self.mode == "values" else "values"
        self.refresh_view()

    def action_collapse(self) -> None:
        node_id = self.selected_node
        node = self.trace.graph.nodes.get(node_id) if node_id is not None else None
        if node is None:
            return
        for scope in scope_chain(node.scope):
            if scope in self.collapsed:
                self.collapsed.discard(scope)
                self.notify(f"expanded {scope}", timeout=2)
                break
        else:
            if not node.scope:
                self.notify("this node is not inside a scope (a layer or the loss)", timeout=3)
                return
            self.collapsed.add(node.scope)
            self.notify(f"collapsed {node.scope} into one box (c again to expand)", timeout=2)
        self.refresh_view()

    def _cycle_node(self, step: int) -> None:
        spec, current = self.spec, self.selected_node
        if spec is None or not spec.order:
            return
        lid = spec.lid_of.get(current) if current is not None else None
        pos = spec.order.index(lid) if lid in spec.order else -1
        nxt = spec.order[(pos + step) % len(spec.order)]
        self.select_node(spec.members[nxt][-1])

    def action_next_node(self) -> None:
        self._cycle_node(1)

    def action_prev_node(self) -> None:
        self._cycle_node(-1)

    # ---- training -----------------------------------------------------------------------
    def action_train(self) -> None:
        if self.trace.trainer is None:
            self.notify("This trace cannot train more: it was loaded from a file, or the program has no "
                        "train_step() function.", severity="warning", timeout=5)
            return
        self._train_pending += 1
        self._start_training()

    def _start_training(self) -> None:
        if self._training or self._exporting or not self._train_pending:
            return
        count, self._train_pending = self._train_pending, 0
        self._training = True
        self.busy = f"training {count} iteration(s)…"
        self.refresh_view()
        self._train_worker(count)

    @work(thread=True, group="train", exit_on_error=False)
    def _train_worker(self, count: int) -> None:
        error = ""
        before = len(self.trace)
        with self.trace_lock:
            try:
                self.trace.train_more(count)
            except TapevizError as exc:
                error = str(exc)
            except Exception as exc:  # the learner's train_step raised
                error = f"{type(exc).__name__}: {exc}"
            self.trace.events  # noqa: B018  (fold the new events while still holding the lock)
        self.call_from_thread(self._trained, before, error)

    def _trained(self, before: int, error: str) -> None:
        self._training = False
        self.busy = ""
        with self.trace_lock:
            self._sync_widgets()
            losses = self.trace.losses
            count = self.trace.iteration_count
        if error:
            self.notify(f"training failed: {error}", severity="error", timeout=8)
        elif len(self.trace) > before:
            self.cursor.move_to(before)
            self.selected = None
            change = f"loss {losses[-1]:.4f}" + (f" (was {losses[-2]:.4f})" if len(losses) > 1 else "") if losses else ""
            self.notify(f"trained: now {count} iterations; {change}", timeout=4)
        self.refresh_view()
        self._start_training()

    @property
    def training(self) -> bool:
        return self._training or bool(self._train_pending)

    # ---- export and save ---------------------------------------------------------------------
    def _slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(self.source).stem or "trace").strip("-") or "trace"

    def action_export(self) -> None:
        if self._training:
            self.notify("wait for training to finish, then export", severity="warning", timeout=3)
            return
        try:
            from ..render import render  # noqa: F401
        except ImportError:
            self.notify("export is not available: the image renderer (tapeviz.render.render) is missing",
                        severity="error", timeout=6)
            return
        path = self.out_dir / f"{self._slug()}-event{self.cursor.index + 1}.png"
        self._exporting = True
        self.busy = "exporting…"
        self.refresh_view()
        self._export_worker(path, self.cursor.index, sorted(self.collapsed))

    @work(thread=True, group="export", exit_on_error=False)
    def _export_worker(self, path: Path, index: int, collapsed: list[str]) -> None:
        from ..render import render

        error, written = "", path
        try:
            try:
                result = render(self.trace, path, at=index, collapse=collapsed)
            except TypeError:  # a renderer without the collapse option
                result = render(self.trace, path, at=index)
            if isinstance(result, (str, Path)):
                written = Path(result)
        except (TapevizError, OSError, RuntimeError, ValueError) as exc:
            error = str(exc)
        self.call_from_thread(self._exported, written, error)

    def _exported(self, path: Path, error: str) -> None:
        self._exporting = False
        self.busy = ""
        if error:
            self.notify(f"export failed: {error}", severity="error", timeout=8)
        else:
            self.last_export = path
            self.notify(f"exported {path}", title="image written", timeout=6)
        self.refresh_view()
        self._start_training()

    def action_save(self) -> None:
        if self._training:
            self.notify("wait for training to finish, then save", severity="warning", timeout=3)
            return
        self._save_worker(self.out_dir / f"{self._slug()}.tapeviz")

    @work(thread=True, group="save", exit_on_error=False)
    def _save_worker(self, path: Path) -> None:
        error = ""
        try:
            self.trace.save(path)
        except (TapevizError, OSError) as exc:
            error = str(exc)
        self.call_from_thread(self._saved, path, error)

    def _saved(self, path: Path, error: str) -> None:
        if error:
            self.notify(f"save failed: {error}", severity="error", timeout=8)
        else:
            self.last_save = path
            self.notify(f"saved the trace to {path}", title="trace saved", timeout=6)

    # ---- help and commands ---------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action, (title, help_text) in self.ACTION_HELP.items():
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))
