"""The run view (key ``r``): the loss over every iteration and, per weight, the gradient and
update norms over time, with a cursor on one iteration; Enter opens that iteration's tape.

A bounded recording (``tapeviz save --keep``) keeps every array only for some iterations; the
others have their summary here. The marks under the loss curve show the kept ones; Enter on a
summarised iteration has the app replay it in full (trace/replay.py), or says in one line why it
cannot be replayed and stays on its summary.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen
from textual.widgets import Static

from ..trace import Trace
from ..view.run_view import RunData, bucket_means, column_of, columns, run_data, window
from .keys import key
from .messages_pane import plain_text
from .palette import Colours

BLOCKS = " ▁▂▃▄▅▆▇█"
BARS = "▁▂▃▄▅▆▇█"
PLOT_ROWS = 8


def area_rows(values: list[float], rows: int) -> tuple[list[str], float, float]:
    """A filled area plot of ``values`` (one per column), ``rows`` high, top row first; NaN
    columns are left blank. Returns the rows and the scale's (low, high)."""
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    span = hi - lo if hi - lo > 1e-12 else 1.0
    heights = [None if not math.isfinite(v) else 1 + round((v - lo) / span * (rows * 8 - 1)) for v in values]
    lines = []
    for row in range(rows - 1, -1, -1):
        line = []
        for h in heights:
            if h is None:
                line.append(" ")
            else:
                line.append(BLOCKS[max(0, min(8, h - row * 8))])
        lines.append("".join(line))
    return lines, lo, hi


def log_sparkline(values: list[float]) -> tuple[str, float, float]:
    """One line of bars on a log scale (norms span orders of magnitude); ``·`` where none."""
    logs = [math.log10(v) if math.isfinite(v) and v > 0 else float("nan") for v in values]
    finite = [v for v in logs if math.isfinite(v)]
    if not finite:
        return "·" * len(values), float("nan"), float("nan")
    lo, hi = min(finite), max(finite)
    span = hi - lo if hi - lo > 1e-9 else 1.0
    bars = "".join(BARS[min(7, int((v - lo) / span * 7 + 0.5))] if math.isfinite(v) else "·" for v in logs)
    return bars, 10 ** lo, 10 ** hi


def run_text(data: RunData, cursor: int, zoom: int, width: int, colours: Colours) -> Text:
    """The whole run view as one text: header, loss plot with the cursor, kept marks, norms."""
    width = max(10, width)
    start, stop = window(data.iterations, cursor, zoom)
    cols = columns(start, stop, width)
    here = column_of(cols, cursor)
    losses = data.losses
    text = Text(no_wrap=True, overflow="crop")
    loss_here = float(losses[cursor]) if cursor < len(losses) else float("nan")
    kept_note = ("kept in full (" + ", ".join(data.reasons.get(cursor, [])) + "): Enter opens its tape"
                 if data.is_kept(cursor) else
                 "summarised: Enter replays it in full (the program runs again up to it)")
    text.append(f"iteration {cursor + 1:,} of {data.iterations:,}", colours.fg("highlight", bold=True))
    text.append(f"   loss {loss_here:.4g}   " if math.isfinite(loss_here) else "   loss —   ")
    text.append(kept_note + "\n", colours.fg("muted"))
    text.append(f"loss over iterations {start + 1:,}–{stop:,} ({len(cols)} columns of "
                f"{max(len(r) for r in cols):,} at most; zoom {2 ** zoom}×)\n", colours.fg("muted"))
    rows, lo, hi = area_rows(bucket_means(losses, cols), PLOT_ROWS)
    for k, line in enumerate(rows):
        _cursor_line(text, line, here, colours.fg("loss"), colours)
        label = f" {hi:.4g}" if k == 0 else f" {lo:.4g}" if k == len(rows) - 1 else ""
        text.append(label + "\n", colours.fg("muted"))
    marks = "".join("▲" if any(data.is_kept(it) for it in _kept_in(data, r)) else " " for r in cols)
    _cursor_line(text, marks, here, colours.fg("forward"), colours)
    text.append(" ▲ kept in full\n", colours.fg("muted"))
    text.append("\ngradient and update norms per weight (log scale; · none)\n", colours.fg("muted", bold=True))
    name_width = min(28, max((len(w) for w in data.weights()), default=4))
    for weight in data.weights():
        for stat, role, word in (("grad_norm", "backward", "∇"), ("update_norm", "update", "Δ")):
            series = data.summary.series(("weight", weight, stat))
            bars, slo, shi = log_sparkline(bucket_means(series, cols))
            value = float(series[cursor]) if cursor < len(series) else float("nan")
            text.append(f"{_short(weight, name_width):<{name_width}} {word} ", colours.fg(role))
            _cursor_line(text, bars, here, colours.fg(role), colours)
            text.append(f" {value:.3g} ({slo:.2g}–{shi:.2g})\n" if math.isfinite(value) else "\n",
                        colours.fg("muted"))
    relus = data.dead_fraction_ops()
    if relus:
        text.append("\nfraction of zeros after each ReLU (dead units)\n", colours.fg("muted", bold=True))
        for op in relus:
            series = data.summary.series(("op", op, "zeros"))
            means = bucket_means(series, cols)
            bars = "".join(BARS[min(7, int(v * 7 + 0.5))] if math.isfinite(v) else "·" for v in means)
            value = float(series[cursor]) if cursor < len(series) else float("nan")
            text.append(f"{_short(op, name_width):<{name_width}} 0 ", colours.fg("op"))
            _cursor_line(text, bars, here, colours.fg("op"), colours)
            text.append(f" {value:.0%}\n" if math.isfinite(value) else "\n", colours.fg("muted"))
    return text


def _kept_in(data: RunData, r: range) -> list[int]:
    import bisect

    a, b = bisect.bisect_left(data.kept, r.start), bisect.bisect_left(data.kept, r.stop)
    return data.kept[a:b]


def _cursor_line(text: Text, line: str, here: int, style: object, colours: Colours) -> None:
    text.append(line[:here], style)  # type: ignore[arg-type]
    text.append(line[here:here + 1] or " ", colours.on("highlight"))
    text.append(line[here + 1:], style)  # type: ignore[arg-type]


def _short(name: str, width: int) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


class RunScreen(ModalScreen[int | None]):
    """The run view; dismisses with the iteration to open (kept, or summarised and replayable), or None."""

    BINDINGS = [
        key("right,l", "move(1)", "next", "Next column", "move the cursor one column (iterations) right",
            priority=True),
        key("left,h", "move(-1)", "prev", "Previous column", "move the cursor one column left", priority=True),
        key("shift+right", "move(10)", "+10", "Ten columns right", "move the cursor ten columns right", show=False),
        key("shift+left", "move(-10)", "-10", "Ten columns left", "move the cursor ten columns left", show=False),
        key("home", "edge(0)", "first", "First iteration", "first iteration", show=False, priority=True),
        key("end", "edge(1)", "last", "Last iteration", "last iteration", show=False, priority=True),
        key("plus,equals_sign", "zoom(1)", "zoom in", "Zoom in", "zoom in: half as many iterations, around the cursor"),
        key("minus", "zoom(-1)", "zoom out", "Zoom out", "zoom out: twice as many iterations"),
        key("enter", "open", "open", "Open iteration",
            "open the cursor's iteration in the tape view (a summarised one is replayed in full)"),
        Binding("escape,r,q", "close", "close", show=True),
    ]

    OWN_KEYS_OF = ("next_event", "prev_event", "first_event", "last_event", "faster", "slower", "pan")
    """App actions bound (with priority) to keys this screen uses itself."""

    def __init__(self, trace: Trace, iteration: int, colours: Colours) -> None:
        super().__init__()
        self.trace = trace
        self.data = run_data(trace)
        self.cursor = min(max(0, iteration), max(0, self.data.iterations - 1))
        self.zoom = 0
        self.colours = colours
        self._body: Text | None = None

    def compose(self) -> ComposeResult:
        with ScrollableContainer(id="run-box"):
            yield Static("", id="run-body")

    def on_mount(self) -> None:
        box = self.query_one("#run-box")
        box.border_title = "run view (←→ iteration · +/- zoom · Enter opens its tape · Esc closes)"
        box.focus()
        self.refresh_plot()

    def on_resize(self) -> None:
        self.refresh_plot()

    def _width(self) -> int:
        """Plot columns: the box (95% of the screen, border and padding) less the names and numbers."""
        return max(10, int((self.size.width or 80) * 0.95) - 4 - 28 - 4 - 24)

    def refresh_plot(self) -> None:
        self._body = run_text(self.data, self.cursor, self.zoom, self._width(), self.colours)
        self.query_one("#run-body", Static).update(self._body)

    @property
    def text(self) -> str:
        """What the view shows, as plain text (for tests; made when asked, not on every key)."""
        return plain_text(self._body, width=10_000) if self._body is not None else ""

    def _cols(self) -> list[range]:
        return columns(*window(self.data.iterations, self.cursor, self.zoom), self._width())

    def action_move(self, step: int) -> None:
        cols = self._cols()
        if not cols:
            return
        k = min(max(0, column_of(cols, self.cursor) + step), len(cols) - 1)
        if k == column_of(cols, self.cursor) and step:  # at the window's edge: move by one iteration
            self.cursor = min(max(0, self.cursor + (1 if step > 0 else -1) * len(cols[k])), self.data.iterations - 1)
        else:
            self.cursor = cols[k].start
        self.refresh_plot()

    def action_edge(self, end: int) -> None:
        self.cursor = self.data.iterations - 1 if end else 0
        self.refresh_plot()

    def action_zoom(self, step: int) -> None:
        most = max(0, math.ceil(math.log2(max(1, self.data.iterations))))
        self.zoom = min(max(0, self.zoom + step), most)
        self.refresh_plot()

    def action_open(self) -> None:
        """A kept iteration: its tape. A summarised one: the app replays it (trace/replay.py);
        where that cannot be done, one line says why and the view stays on its summary."""
        if not self.data.is_kept(self.cursor):
            from ..trace.replay import replay_problem

            problem = replay_problem(self.trace, self.cursor)
            if problem:
                self.app.notify(f"{problem}; its summary is shown here", severity="warning", timeout=8)
                return
        if self.is_active:
            self.dismiss(self.cursor)

    def action_close(self) -> None:
        if self.is_active:
            self.dismiss(None)


__all__ = ["RunScreen", "area_rows", "log_sparkline", "run_text"]
