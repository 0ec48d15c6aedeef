"""tapeviz's terminal UI (Textual): step through a trace's forward pass, backward pass and updates.

``run_app(source)`` records or loads SOURCE (an example name, a ``.py`` program, a saved trace)
and runs :class:`TapevizApp`; a source that cannot be opened raises nothing at the user: it is
printed as one ``tapeviz: error: ...`` line and the exit code is 2.

The small API a lesson (or any other screen) uses to drive the app:

- ``app.goto(index)`` moves the cursor to an event index; ``app.index`` reads it.
- ``app.select_node(node_id)`` shows a trace node in the inspector (``None``: follow the cursor).
- Every cursor move posts :class:`CursorMoved` (``index``, ``phase``, ``iteration``) to the active
  screen, and calls the callbacks given to ``app.add_cursor_listener(fn)``.
- The widgets are reusable: ``compose_main_widgets(trace)`` yields the status line, graph pane,
  inspector, timeline and loss curve with the ids the app fills (``#status``, ``#graph``,
  ``#inspector``, ``#timeline``, ``#loss``). A screen that yields them is kept up to date by the
  app's ``refresh_view()``, which only touches the widgets present on the current screen.
- :class:`TimelineCursor` (``tapeviz.ui.cursor``) is the plain cursor model, with no Textual.
"""

from __future__ import annotations

import sys

from ..engine.errors import ProgramError, TapevizError
from .app import CursorMoved, TapevizApp
from .cursor import TimelineCursor
from .graph_pane import GraphPane
from .inspector import Inspector
from .loss_curve import LossCurve
from .main_screen import MainScreen, compose_main_widgets
from .status_line import StatusLine
from .timeline import Timeline


def load_app(source: str, **options: object) -> TapevizApp:
    """Record or load ``source`` and build the app; raises TapevizError with one clear line."""
    from ..sources import load_source

    trace = load_source(source)
    if len(trace) == 0:
        raise ProgramError(f"{source}: nothing was recorded (no op ran on a watched tensor or trainable variable)")
    return TapevizApp(trace, source=source, **options)  # type: ignore[arg-type]


def run_app(source: str) -> int:
    """Open the terminal UI on ``source``; returns the exit code (2 when it cannot be opened)."""
    try:
        app = load_app(source)
    except ProgramError as exc:
        print(f"tapeviz: error: {exc}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return 2
    except TapevizError as exc:
        print(f"tapeviz: error: {exc}", file=sys.stderr)
        return 2
    result = app.run()
    return int(result or 0)


__all__ = [
    "CursorMoved", "GraphPane", "Inspector", "LossCurve", "MainScreen", "StatusLine", "TapevizApp",
    "Timeline", "TimelineCursor", "compose_main_widgets", "load_app", "run_app",
]
