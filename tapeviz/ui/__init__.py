"""tapeviz's terminal UI (Textual): step through a trace's forward pass, backward pass and updates.

``run_app(source)`` records or loads SOURCE (an example name, a ``.py`` program, a saved trace)
and runs :class:`TapevizApp`; a source that cannot be opened raises nothing at the user: it is
printed as one ``tapeviz: error: ...`` line and the exit code is 2.

How it fits together:

- :class:`Session` (``tapeviz.ui.session``, no Textual) is what the learner looks at: the cursor
  (a :class:`TimelineCursor`), values or gradients, collapsed scopes, the selection, and the
  caches. ``session.frame()`` is everything the widgets draw at one moment.
- The app's reactive attributes write through to the session: ``app.index`` (set it to move the
  cursor), ``app.mode``, ``app.selected``, ``app.collapsed``, ``app.playing``, ``app.busy``. Their
  watchers rebuild ``app.frame``; screens watch ``frame`` and draw it into their widgets; other
  code can ``watch(app, "index", ...)`` to follow the cursor.
- ``app.goto(index)`` and ``app.select_node(node_id)`` are the two calls a lesson makes.
- The widgets are reusable: ``compose_main_widgets(trace)`` yields the status line, graph pane,
  inspector, timeline and loss curve; ``watch_frames(screen)`` keeps them drawing the app's frame.
- Lesson mode is :class:`~tapeviz.ui.lesson_screen.LessonScreen`, the app's first screen when it
  is opened with ``lesson_app(run, store)``.
"""

from __future__ import annotations

import sys

from ..engine.errors import ProgramError, TapevizError
from ..trace.guards import printable
from .app import TapevizApp
from .cursor import TimelineCursor
from .graph_pane import GraphPane
from .inspector import Inspector
from .loss_curve import LossCurve
from .main_screen import MainScreen, compose_main_widgets, watch_frames
from .session import Frame, Session
from .status_line import StatusLine
from .timeline import Timeline


def load_app(source: str, **options: object) -> TapevizApp:
    """Record or load ``source`` and build the app; raises TapevizError with one clear line."""
    from ..sources import load_source

    try:
        trace = load_source(source)
    except ProgramError as exc:  # post-mortem: a program that failed opens on what it recorded
        trace = getattr(exc, "trace", None)
        if trace is None or len(trace) == 0:
            raise
        options.setdefault("start", len(trace) - 1)
    if len(trace) == 0:
        raise ProgramError(f"{source}: nothing was recorded (no op ran on a watched tensor or trainable variable)")
    return TapevizApp(trace, source=source, **options)  # type: ignore[arg-type]


def run_app(source: str) -> int:
    """Open the terminal UI on ``source``; returns the exit code (2 when it cannot be opened)."""
    try:
        app = load_app(source)
    except ProgramError as exc:
        print(f"tapeviz: error: {printable(str(exc))}", file=sys.stderr)
        if exc.details:
            print(printable(exc.details), file=sys.stderr)
        return 2
    except TapevizError as exc:
        print(f"tapeviz: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    from .crash import run_reporting

    return run_reporting(app)


__all__ = [
    "Frame", "GraphPane", "Inspector", "LossCurve", "MainScreen", "Session", "StatusLine", "TapevizApp",
    "Timeline", "TimelineCursor", "compose_main_widgets", "load_app", "run_app", "watch_frames",
]
