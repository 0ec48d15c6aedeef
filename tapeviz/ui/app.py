"""The tapeviz app: keys and commands over a :class:`~tapeviz.ui.session.Session`.

The session (no Textual) holds what the learner looks at. The app's reactive attributes
(``index``, ``mode``, ``selected``, ``collapsed``, ``playing``, ``busy``) write through to it,
and their watchers build the new :class:`~tapeviz.ui.session.Frame` into the ``frame``
reactive, which the screens watch and draw. Slow work (layout, training, export, saving) runs
in thread workers that post a message when done; only training changes the trace, under the
session's lock.
"""

from __future__ import annotations

import dataclasses
import io
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import TextArea

from ..engine.errors import TapevizError
from ..trace import Trace
from . import jobs
from .command_palette import ClosingOnceCommandPalette
from .conceal import Concealer
from .graph_model import GraphSpec
from .graph_pane import GraphPane
from .help_screen import HelpScreen, help_rows
from .keys import BINDINGS, bindings_of, documented, help_of, palette_row
from .main_screen import MainScreen
from .matrix_screen import MatrixScreen
from .messages import Exported, LayoutReady, Replayed, ReplayProgress, Saved, Trained
from .messages_pane import MessagesPane, summary_line
from .palette import PROJECTOR_THEME, Colours, chosen_theme, install_themes
from .run_screen import RunScreen
from .session import Frame, Session
from .status_line import StatusLine
from .timeline import Timeline
from .training import TrainingCancelled, cancel, starting

RETRY_S = 0.03  # while training holds the trace, try drawing again this soon
SERVE_OUT_ENV = "TAPEVIZ_SERVE_OUT"  # set by ``tapeviz serve --out DIR`` for its sessions
MIME = {".png": "image/png", ".gif": "image/gif", ".tapeviz": "application/zip"}


EDITOR_KEYS_OF = frozenset({"next_event", "prev_event", "first_event", "last_event"})


class TapevizApp(App[int]):
    """Step through a trace: forward pass, backward pass, SGD updates."""

    CSS_PATH = ["app.tcss", "lesson_screen.tcss"]
    TITLE = "tapeviz"

    BINDINGS = BINDINGS

    index: var[int] = var(0, init=False)
    """The event at the cursor (0-based); setting it moves the cursor, clamped to the trace."""
    mode: var[str] = var("values", init=False)
    """What the graph boxes show: ``values`` or ``grads``."""
    selected: var[int | None] = var(None, init=False)
    """The node picked for the inspector; None follows the event at the cursor."""
    collapsed: var[frozenset[str]] = var(frozenset(), init=False)
    """Scopes drawn as one box."""
    playing: var[bool] = var(False, init=False)
    """Stepping by itself, one event every ``session.interval`` seconds."""
    busy: var[str] = var("", init=False)
    """What a worker is doing, in words (shown in the status line)."""
    frame: var[Frame | None] = var(None, init=False, always_update=True)
    """What the screens draw: rebuilt from the session by the watchers above."""
    colours: var[Colours] = var(Colours.default, init=False)
    """The current theme's colours by meaning."""

    def __init__(self, trace: Trace, *, source: str = "", out_dir: str | Path | None = None,
                 layout_engine: str = "auto", start: int = 0,
                 first_screen: Callable[[], Screen] | None = None, palette_key: str = "ctrl+p") -> None:
        self.COMMAND_PALETTE_BINDING = palette_key  # read by App.__init__ (lessons use ctrl+p for a step back)
        super().__init__()
        install_themes(self)  # the projector theme beside Textual's; $TAPEVIZ_THEME applied at start
        if name := chosen_theme():
            self.theme = name
        if len(trace) == 0:
            raise TapevizError(f"{source or trace.title or 'the trace'}: nothing was recorded, so there is nothing to show")
        self.session = Session(trace, source=source, out_dir=out_dir, layout_engine=layout_engine, start=start)
        self._first_screen = first_screen
        self.set_reactive(TapevizApp.index, self.session.index)
        self.set_reactive(TapevizApp.mode, self.session.follow_phase())
        self.last_export: Path | None = None
        self.last_save: Path | None = None
        self._train_pending = 0
        self._training = False
        self._exporting = False
        self._replaying = False
        self._run_trace: Trace | None = None  # while a replayed iteration is shown: the run it is from
        self._play_timer = None
        self._retry = None
        self.last_refresh_s = 0.0
        self._session_folder: Path | None = None  # in a browser: where this session's files are made

    # ---- screens ------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return self._first_screen() if self._first_screen is not None else MainScreen(self.trace)

    def on_mount(self) -> None:
        self.title = f"tapeviz — {self.session.source}"
        self.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())
        self._theme_changed()
        self._draw()
        # What the program warned about or printed is kept in the messages panel (m); one
        # short line says so instead of toasts that cover the graph and vanish.
        if said := summary_line(self.trace, output=self._first_screen is None):  # a lesson's prints: no toast
            self.notify(said, severity="warning", timeout=8)
        run = self.trace.run
        if run is not None and run.iterations > len(run.kept):  # a bounded long run (trace/keep.py)
            self.notify(f"{run.iterations:,} iterations, {len(run.kept):,} kept in full, the rest summarised: "
                        "r shows the whole run", timeout=8)
        if isinstance(failed := self.trace.meta.get("failure"), dict):  # post-mortem: the events before the error
            self.notify(f"The program failed: {failed.get('error', '')} (m: its traceback)", severity="error", timeout=12)

    def watch_theme(self, name: str) -> None:
        """``-projector``: app.tcss shows focus by shape as well as colour in the projector theme."""
        self.set_class(name == PROJECTOR_THEME, "-projector")

    def _theme_changed(self) -> None:
        self.colours = Colours.from_variables(self.theme_variables or self.get_css_variables())

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

    # ---- reading ------------------------------------------------------------------------
    @property
    def trace(self) -> Trace:
        return self.session.trace

    @property
    def cursor(self):  # noqa: ANN201
        return self.session.cursor

    @property
    def selected_node(self) -> int | None:
        """The node the inspector shows: the explicit selection or the event's own node."""
        return self.session.selected_node

    @property
    def spec(self) -> GraphSpec | None:
        return self.session.spec

    @property
    def layout_ready(self) -> bool:
        """True once the graph at the cursor is drawn (tests wait for this)."""
        return self.session.layout_ready

    @property
    def training(self) -> bool:
        return self._training or bool(self._train_pending)

    @property
    def idle(self) -> bool:
        """No worker running or queued and the frame drawn (tests and the soak wait for this)."""
        return not (self.training or self._exporting or self._replaying or self._retry is not None or len(self.workers))

    # ---- the small API lessons use ------------------------------------------------------
    def goto(self, index: int) -> None:
        """Move the cursor to event ``index`` (clamped) and show its own node."""
        self.selected = None
        self.index = index

    def select_node(self, node_id: int | None) -> None:
        """Show node ``node_id`` in the inspector (None: follow the cursor)."""
        self.selected = node_id

    def conceal(self, concealer: Concealer) -> None:
        """Hide the numbers ``concealer`` masks everywhere on screen (a lesson's open question)."""
        if concealer is not self.session.concealer:
            self.session.concealer = concealer
            self._draw()
            for pane in self.screen.query(MessagesPane):  # the program's printed output too
                pane.show(self.trace, self.colours, concealer)

    def use_trace(self, trace: Trace) -> None:
        """Show another recording of the program (a lesson's what-if): graph, timeline and
        inspector follow it; the cursor keeps its place as far as the new trace reaches."""
        with self.session.lock:
            self.session.replace_trace(trace)
        self.set_reactive(TapevizApp.selected, None)
        self.set_reactive(TapevizApp.index, self.session.index)
        self._draw()

    def fit_graph(self, fit: bool) -> None:
        """Show the whole graph (``fit``) or the boxes at full size (a lesson step's @graph)."""
        self.session.fit() if fit else self.session.detail()
        self._draw()

    # ---- reactives: write through to the session, then draw ---------------------------------
    def validate_index(self, index: int) -> int:
        self.session.cursor.move_to(index)
        return self.session.index

    def watch_index(self) -> None:
        self.session.selected = None  # a moved cursor shows its own event's node
        self.set_reactive(TapevizApp.selected, None)
        self.set_reactive(TapevizApp.mode, self.session.follow_phase())  # gradients in the backward pass
        self._draw()

    def watch_mode(self, mode: str) -> None:
        self.session.mode = mode
        self._draw()

    def watch_selected(self, node_id: int | None) -> None:
        self.session.select(node_id)
        self._draw()

    def watch_collapsed(self, collapsed: frozenset[str]) -> None:
        self.session.collapsed = collapsed
        self._draw()

    def watch_playing(self, playing: bool) -> None:
        self.session.playing = playing
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        if playing:
            self._play_timer = self.set_interval(self.session.interval, self._tick)
        self._draw()

    def watch_busy(self, busy: str) -> None:
        self.session.busy = busy
        frame = self.frame
        if frame is None:
            self._draw()
            return
        # Only the status line says what a worker is doing. Rebuilding and redrawing every widget
        # for it (several times a second while a replay reports progress, under the run view)
        # took the GIL from the worker: a replay of iteration 9,995 ran 3.7 s in the UI, 2.9 s alone.
        frame = dataclasses.replace(frame, busy=busy)
        self.set_reactive(TapevizApp.frame, frame)
        for screen in self.screen_stack:
            for status in screen.query(StatusLine):
                status.show(frame, self.colours)

    def watch_colours(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """Build the frame at the cursor; while training holds the trace, try again soon."""
        started = time.perf_counter()
        frame = self.session.frame()
        if frame is None:
            if self._retry is None:
                self._retry = self.set_timer(RETRY_S, self._retry_draw)
            return
        if frame.layout is None and self.session.wants_layout(frame.spec):
            self._layout_worker(frame.spec, self.session.layout_engine)
        self.frame = frame
        self.last_refresh_s = time.perf_counter() - started  # what bench/bench_ui.py reports

    def _retry_draw(self) -> None:
        self._retry = None
        self._draw()

    # ---- moving -------------------------------------------------------------------------
    def action_next_event(self) -> None:
        self.index += 1

    def action_prev_event(self) -> None:
        self.index -= 1

    def action_first_event(self) -> None:
        self.index = 0

    def action_last_event(self) -> None:
        self.index = self.session.cursor.length - 1

    def action_next_phase(self) -> None:
        cursor = self.session.cursor
        if cursor.next_boundary():
            self.index = cursor.index

    def action_prev_phase(self) -> None:
        cursor = self.session.cursor
        if cursor.prev_boundary():
            self.index = cursor.index

    def on_timeline_event_clicked(self, message: Timeline.EventClicked) -> None:
        self.index = message.index

    def on_graph_pane_node_clicked(self, message: GraphPane.NodeClicked) -> None:
        self.selected = message.node_id


    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry names and errors from the learner's program (a scope called
        ``[@click=app.quit]``, an error text ending in ``[/]``): always show them literally."""
        message = self.session.concealer(message)  # a lesson question's giveaway numbers stay hidden
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ---- playing ------------------------------------------------------------------------
    def action_play(self) -> None:
        if not self.playing and self.session.cursor.at_end:
            self.index = 0
        self.playing = not self.playing

    def _tick(self) -> None:
        if self.session.cursor.at_end:
            self.playing = False
        else:
            self.index += 1

    def _set_speed(self, speed: int) -> None:
        seconds = self.session.set_speed(speed)
        if self.playing:
            self.mutate_reactive(TapevizApp.playing)  # restart the timer at the new speed
        self.notify(f"{1 / seconds:g} events per second", timeout=1.5)

    def action_faster(self) -> None:
        self._set_speed(self.session.speed + 1)

    def action_slower(self) -> None:
        self._set_speed(self.session.speed - 1)

    # ---- graph view ---------------------------------------------------------------------
    def action_toggle_grads(self) -> None:
        self.session.mode_chosen = True  # from now on the graph shows what the learner chose
        self.mode = "grads" if self.mode == "values" else "values"

    def action_collapse(self) -> None:
        said = self.session.toggle_collapse()
        if said:
            self.notify(said, timeout=2 if said.startswith(("collapsed", "expanded")) else 3)
        # drawn here, not by the watcher: expanding a scope the fit view folded by itself leaves
        # the set as it was (empty), and the reactive would not call its watcher
        self.set_reactive(TapevizApp.collapsed, self.session.collapsed)
        self._draw()

    def action_toggle_fit(self) -> None:
        """Switch the graph pane between the whole graph (fit) and full-size boxes (detail)."""
        self.session.toggle_view()
        self._draw()

    def on_graph_pane_resized(self, message: GraphPane.Resized) -> None:
        """The fit view chooses its drawing by the pane's size."""
        if self.session.pane_size != (message.width, message.height):
            self.session.pane_size = (message.width, message.height)
            self._draw()

    def action_view_matrix(self) -> None:
        """Every number of the selected tensor in a scrollable view."""
        if self.frame is not None and not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen(self.frame, self.colours))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run view moves its own cursor with the keys that step events elsewhere: the app's
        priority bindings of those keys step aside while it is in front."""
        if isinstance(self.screen, RunScreen) and action in RunScreen.OWN_KEYS_OF:
            return False
        if action in EDITOR_KEYS_OF and isinstance(self.focused, TextArea):
            return False  # a lesson's rule editor: arrows, Home and End move its cursor, not the events'
        return True

    def action_run_view(self) -> None:
        """The whole run: loss and per-weight norms over every iteration (run_screen.py)."""
        if self.frame is None or isinstance(self.screen, RunScreen):
            return
        here = self.frame.snap.iteration
        run = self._run_trace or self.trace  # a replayed iteration is shown: its run
        self.push_screen(RunScreen(run, here, self.colours), self._run_view_closed(run))

    def _run_view_closed(self, run: Trace) -> Callable[[int | None], None]:
        """What the run view's choice does: a kept iteration opens in the run's own trace, a
        summarised one is replayed (trace/replay.py)."""
        def opened(iteration: int | None) -> None:
            if iteration is None:
                return
            if run.is_summarised(iteration):
                self._start_replay(run, iteration)
                return
            if self._run_trace is not None:  # back from a replayed iteration to the run's own trace
                self._show_trace(run)
                self._run_trace = None
            span = self.trace.iteration_range(iteration)
            if span:
                self.goto(span.start)

        return opened

    # ---- replaying a summarised iteration (trace/replay.py) ------------------------------
    def _show_trace(self, trace: Trace) -> None:
        """Show ``trace`` in place of the one on screen (not a what-if: the loss pane keeps no try)."""
        with self.session.lock:
            self.session.replace_trace(trace, remember=False)
        self.set_reactive(TapevizApp.selected, None)
        self.set_reactive(TapevizApp.index, self.session.index)
        self._draw()

    def _start_replay(self, run: Trace, iteration: int) -> None:
        if self._replaying or self.training:
            self.notify("busy: wait for what is running to finish", severity="warning", timeout=4)
            return
        self._replaying = True
        self.busy = f"replaying iteration {iteration + 1:,}…"
        self._replay_worker(run, iteration)

    @work(thread=True, exclusive=True, group="replay", exit_on_error=False)
    def _replay_worker(self, run: Trace, iteration: int) -> None:
        from ..trace.replay import replay

        shown = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - shown[0] >= 0.25:  # a few updates a second, not one per iteration
                shown[0] = now
                # a message, not call_from_thread: the replay does not wait for the screen to draw
                self.post_message(ReplayProgress(f"replaying iteration {iteration + 1:,}: {done:,} of {total:,} iterations run"))

        try:
            one, error = replay(run, iteration, progress), ""
        except TapevizError as exc:
            one, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001  (a worker's exception has nowhere useful to go)
            one, error = None, f"replaying iteration {iteration + 1} failed: {type(exc).__name__}: {exc}"
        self.post_message(Replayed(run, iteration, one, error))

    def on_replay_progress(self, message: ReplayProgress) -> None:
        if self._replaying:
            self.busy = message.text

    def on_replayed(self, message: Replayed) -> None:
        self._replaying = False
        self.busy = ""
        if message.error or not isinstance(message.trace, Trace):  # say why, and show its summary
            self.notify(message.error, severity="warning", timeout=12)
            if not isinstance(self.screen, RunScreen):
                run = message.run
                self.push_screen(RunScreen(run, message.iteration, self.colours),  # type: ignore[arg-type]
                                 self._run_view_closed(run))  # type: ignore[arg-type]
            return
        self._run_trace = message.run  # type: ignore[assignment]
        self._show_trace(message.trace)
        self.goto(0)
        self.notify(f"iteration {message.iteration + 1:,} replayed in full (it was summarised in the run; "
                    "r goes back to the run)", timeout=6)

    def action_next_node(self) -> None:
        if self.session.cycle_node(1):
            self.selected = self.session.selected

    def action_prev_node(self) -> None:
        if self.session.cycle_node(-1):
            self.selected = self.session.selected

    # ---- workers ------------------------------------------------------------------------
    # Not exclusive: a thread cannot be stopped, so cancelling a layout only marked it cancelled
    # while it ran on, and its result arrived all the same. It did mark it: when the fit view's
    # second try (a narrower drawing) started from the first try's LayoutReady before that
    # worker had returned, the first counted as cancelled and workers.wait_for_complete() raised.
    # A layout no longer wanted is kept under its key, ready if the view comes back to it.
    @work(thread=True, group="layout", exit_on_error=False)
    def _layout_worker(self, spec: GraphSpec, engine: str) -> None:
        self.post_message(LayoutReady(spec.key, *jobs.lay_out(spec, engine)))

    def on_layout_ready(self, message: LayoutReady) -> None:
        self.session.store_layout(message.key, message.layout, message.canvas, message.notice)
        self._draw()

    def action_cancel_training(self) -> None:
        """Esc: stop a train step that is running (what it recorded so far stays)."""
        if cancel(self.session.lock):
            self.notify("cancelling training…", timeout=3)

    async def action_quit(self) -> None:
        """``q`` always quits, cancelling a train step that is running (see training.py)."""
        cancel(self.session.lock)
        self.exit()

    def action_train(self) -> None:
        if self._replaying:  # the replay listens to every engine event: training now would join it
            self.notify("replaying an iteration: train when it is shown", severity="warning", timeout=4)
            return
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
        starting(self.session.lock)  # an Esc from now on cancels it, even before the thread runs
        self._train_worker(count)

    @work(thread=True, group="train", exit_on_error=False)
    def _train_worker(self, count: int) -> None:
        before = len(self.trace)
        try:
            error = jobs.train(self.trace, self.session.lock, count)
        except TrainingCancelled:  # a cancel that landed as the step was already ending
            error = "cancelled: what the train step recorded so far is kept"
        self.post_message(Trained(before, error))

    def on_trained(self, message: Trained) -> None:
        self._training = False
        with self.session.lock:
            self.session.synced()
            losses, count, grown = self.trace.losses, self.trace.iteration_count, len(self.trace) > message.before
        if message.error:
            self.notify(f"training failed: {message.error}", severity="error", timeout=8)
        elif grown:
            self.index = message.before  # the first event of the new iteration
            change = f"loss {losses[-1]:.4f}" + (f" (was {losses[-2]:.4f})" if len(losses) > 1 else "") if losses else ""
            self.notify(f"trained: now {count} iterations; {change}", timeout=4)
        self.busy = ""
        self._draw()  # the trace grew even where the cursor did not move
        self._start_training()

    # In a terminal files are written to ./tapeviz-out/ (or the app's folder) and a toast says where.
    # In a browser (tapeviz serve) the file is delivered to the student's browser as a download
    # and nothing is left on the server: it is made in a private temporary folder, removed once
    # read, unless the server was started with --out DIR; then a copy stays in this session's own
    # folder (DIR/session-1a2b3c/), so sessions never write over each other.
    def _to_browser(self) -> bool:
        """In a browser: files go to this session's own folder (set once), then to the browser."""
        if not self.is_web:
            return False
        if self._session_folder is None:
            kept = os.environ.get(SERVE_OUT_ENV, "").strip()
            if kept:
                folder = Path(kept) / f"session-{secrets.token_hex(3)}"
                folder.mkdir(parents=True, exist_ok=True)
            else:
                folder = Path(tempfile.mkdtemp(prefix="tapeviz-session-"))
            self._session_folder = folder
            self.session.out_dir = folder  # never ./tapeviz-out/ on the server
        return True

    def _deliver(self, path: Path, what: str) -> None:
        """Send ``path`` to the browser as a download; keep it only in a ``--out`` folder."""
        data = path.read_bytes()
        kept = bool(os.environ.get(SERVE_OUT_ENV, "").strip())
        if not kept:
            path.unlink(missing_ok=True)
        self.deliver_binary(io.BytesIO(data), save_filename=path.name,
                            mime_type=MIME.get(path.suffix, "application/octet-stream"), name=path.name)
        where = f"; a copy is kept on the server in {path}" if kept else ""
        self.notify(f"{what} {path.name}: your browser downloads it{where}", title="sent to your browser",
                    timeout=6)

    def on_unmount(self) -> None:
        """A private temporary folder goes with the session."""
        folder = self._session_folder
        if folder is not None and not os.environ.get(SERVE_OUT_ENV, "").strip():
            shutil.rmtree(folder, ignore_errors=True)

    # ---- export (e), the iteration as frames (E), save (s): files reach the person who asked --------------------------------------------------------------------------
    def _answer_first(self, what: str) -> bool:
        """A lesson's question is still open (this step's or one ahead): a file would show the
        answer the screen hides."""
        if not self.session.concealer:
            return False
        self.notify(f"{what} would show a number this lesson asks you to work out: answer that question "
                    "first (or reveal it)", severity="warning", timeout=5)
        return True

    def _must_wait(self, job: str, what: str) -> bool:
        """Training holds the trace, or a lesson's question is open: say why ``job`` waits."""
        if self._training:
            self.notify(f"wait for training to finish, then {job}", severity="warning", timeout=3)
            return True
        return self._answer_first(what)

    def action_export(self) -> None:
        if self._must_wait("export", "the image"):
            return
        self._exporting = True
        self.busy = "exporting…"
        self._to_browser()
        path = self.session.export_path()
        self._export_worker(path, self.index, sorted(self.collapsed))

    @work(thread=True, group="export", exit_on_error=False)
    def _export_worker(self, path: Path, index: int, collapsed: list[str]) -> None:
        self.post_message(Exported(*jobs.export_image(self.trace, path, index, collapsed)))

    def on_exported(self, message: Exported) -> None:
        self._exporting = False
        if self._announce(message, "export", "exported", f"exported {message.path}", "image written"):
            self.last_export = message.path
        self.busy = ""
        self._start_training()

    # ---- the iteration as frames (E) ---------------------------------------------------------
    def action_export_iteration(self) -> None:
        """Every event of the cursor's iteration: an animated GIF (with Pillow), else numbered PNGs."""
        if self._training or self._exporting:
            self.notify("wait for training or the export to finish", severity="warning", timeout=3)
            return
        if self._answer_first("the frames"):
            return
        web = self._to_browser()
        iteration = self.trace.iteration(self.index)
        gif = _have_pillow()
        if web and not gif:
            self.notify("sending an iteration needs Pillow on the server: pip install 'tapeviz[gif]'",
                        severity="error", timeout=8)
            return
        name = f"{self.session.slug()}-iteration{iteration + 1}"
        path = self.session.export_path().with_name(name + (".gif" if gif else ""))
        self._exporting = True
        self.busy = f"drawing iteration {iteration + 1}…"
        self._frames_worker(path, list(self.trace.iteration_range(iteration)), sorted(self.collapsed))

    @work(thread=True, group="export", exit_on_error=False)
    def _frames_worker(self, path: Path, events: list[int], collapsed: list[str]) -> None:
        from ..engine.errors import TapevizError
        from ..render.frames import write_frames, write_gif

        error = ""
        try:
            if path.suffix == ".gif":
                write_gif(self.trace, path, events, collapsed)
            else:
                write_frames(self.trace, path, events, collapsed)
        except (TapevizError, OSError, RuntimeError, ValueError) as exc:
            error = str(exc)
        self.post_message(Exported(path, error))

    # ---- save (s) ----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self._must_wait("save", "the saved trace"):
            return
        self._to_browser()
        self._save_worker(self.session.save_path())

    @work(thread=True, group="save", exit_on_error=False)
    def _save_worker(self, path: Path) -> None:
        self.post_message(Saved(path, jobs.save_trace(self.trace, path)))

    def on_saved(self, message: Saved) -> None:
        if self._announce(message, "save", "saved the trace", f"saved the trace to {message.path}", "trace saved"):
            self.last_save = message.path

    def _announce(self, message: Exported | Saved, job: str, done: str, note: str, title: str) -> bool:
        """How writing ``message.path`` went, told to the person who asked: the error, the file sent
        to their browser (served), or ``note`` (in a terminal). True when the file was written."""
        if message.error:
            self.notify(f"{job} failed: {message.error}", severity="error", timeout=8)
            return False
        if self.is_web:
            self._deliver(message.path, done)
        else:
            self.notify(note, title=title, timeout=6)
        return True

    # ---- help and commands ---------------------------------------------------------------
    def action_help(self) -> None:
        """The keys of the screen in front (its own first, then the app's) and the colours."""
        if not isinstance(self.screen, HelpScreen):
            rows = help_rows(bindings_of(type(self.screen)), self.BINDINGS,
                             palette=palette_row(self.COMMAND_PALETTE_BINDING))
            self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands, then every documented key of ``screen`` and of the app by name."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for node, bindings in ((screen, bindings_of(type(screen))), (self, self.BINDINGS)):
            for binding in documented(bindings):
                title, what = help_of(binding)
                if binding.action not in seen:
                    seen.add(binding.action)
                    yield SystemCommand(title, what, partial(self.run_action, binding.action, node))
        if hasattr(screen, "action_go_to_event"):
            yield SystemCommand("Go to event…", "type an event number (as the timeline numbers them): the cursor goes there",
                                partial(self.run_action, "go_to_event", screen))


def _have_pillow() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True
