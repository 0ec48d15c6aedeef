"""Warnings that numpy raises inside tapeviz's ops (an overflow in ``exp``) point at the
learner's line and the event, not at tapeviz's own file where numpy noticed it."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

from .own_code import is_library_code
from .trace import Trace

__all__ = ["learner_warnings"]


def _learner_line(frame: Any) -> tuple[str, int] | None:
    """The first frame outward that is the learner's code: (file, line)."""
    while frame is not None:
        file = frame.f_code.co_filename
        path = str(Path(file).resolve()) if file and not file.startswith("<") else file
        if not is_library_code(frame.f_globals.get("__name__"), path) and "numpy" not in path.split("/"):
            return file, frame.f_lineno
        frame = frame.f_back
    return None


def learner_warnings(log: list[warnings.WarningMessage], trace: Trace) -> Any:
    """A ``warnings.showwarning`` (set inside ``catch_warnings(record=True)``) that adds to
    ``log`` as recording does, naming the learner's line and the event for warnings raised in
    library code: ``RuntimeWarning: overflow encountered in exp (line 7 of prog.py, event 3)``."""

    def show(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        found = _learner_line(sys._getframe(1))
        resolved = str(Path(filename).resolve()) if filename and not filename.startswith("<") else filename
        if found is not None and found[0] != filename and (is_library_code(None, resolved) or "numpy" in resolved):
            event = trace.count_unsynced() + 1  # the op being computed becomes the next event (numbered from 1)
            message = f"{message} (line {found[1]} of {Path(found[0]).name}, event {event})"
            filename, lineno = found
        log.append(warnings.WarningMessage(message, category, filename, lineno, file, line))

    return show
