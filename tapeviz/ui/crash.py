"""An honest end for the terminal UI: a crash is one line, a report file and a non-zero exit.

Textual prints an unhandled exception as a long traceback with locals, and ``App.run()``
returns None, so a crashed UI used to exit 0 like a learner pressing ``q``. ``run_reporting``
writes Textual's full report to a file, prints one ``tapeviz: error:`` line naming it, and
returns exit code 1 (the learner's own mistakes keep exit code 2, before the UI opens).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EXIT_CRASH = 1

__all__ = ["EXIT_CRASH", "crash_line", "run_reporting", "write_report"]


def write_report(renderables: list[Any], error: BaseException | None) -> Path | None:
    """Textual's error renderables (tracebacks) as plain text in a new file; None if unwritable."""
    from rich.console import Console

    try:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", prefix=f"tapeviz-crash-{stamp}-", suffix=".txt", delete=False,
        )
        with handle:
            console = Console(file=handle, width=120, color_system=None, force_terminal=False, legacy_windows=False)
            console.print(f"tapeviz terminal UI crash: {crash_line(error)}\n")
            for renderable in renderables:
                console.print(renderable)
        return Path(handle.name)
    except OSError:
        return None


def crash_line(error: BaseException | None) -> str:
    """``ValueError: All-NaN slice encountered``: the exception in one line."""
    if error is None:
        return "unknown error"
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def run_reporting(app: Any, **run_options: Any) -> int:
    """``app.run()`` with an unhandled exception reported as one line plus a report file;
    returns the exit code (0, the app's own non-zero return code, or ``EXIT_CRASH``)."""
    original = app._print_error_renderables

    def report() -> None:
        error = getattr(app, "_exception", None)
        renderables = list(app._exit_renderables)
        if error is None and not renderables:
            return
        if error is None:  # a panic with a message of the app's own: Textual prints it
            original()
            return
        app._exit_renderables.clear()
        where = write_report(renderables, error)
        said = f" (full report: {where})" if where is not None else ""
        print(f"tapeviz: error: the terminal UI crashed: {crash_line(error)}{said}", file=sys.stderr)

    app._print_error_renderables = report  # Textual calls it once the screen is restored
    from .training import finish_or_exit

    result = app.run(**run_options)
    code = EXIT_CRASH if getattr(app, "_exception", None) is not None else app.return_code or int(result or 0)
    finish_or_exit(code)  # a train step that would not stop must not keep the process alive
    return code
