"""Where things come from: a SOURCE argument turned into a Trace (a built-in example name, a ``.py``
program, or a trace file), the lessons and examples shipped with tapeviz, and where the UI writes.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from .engine.errors import TapevizError
from .trace import Trace, TraceFileError, load_trace, run_program


def example_names() -> list[str]:
    from .examples import EXAMPLES

    return sorted(EXAMPLES)


def load_source(spec: str, keep: Any = True) -> Trace:
    """Record or load what ``spec`` names; raise a TapevizError with one clear line if it cannot.

    ``keep``: how a ``.py`` program's long runs are bounded (``record(keep=...)``, trace/keep.py);
    True is the default policy, ``"all"`` keeps every iteration in full."""
    from .examples import EXAMPLES

    if spec in EXAMPLES:
        return EXAMPLES[spec].build()
    path = Path(spec)
    if path.suffix == ".py":
        run = run_program(path, keep=keep)
        if run.warnings:  # the UI shows them; printed during the run they would be lost
            run.trace.meta["warnings"] = run.warnings
        return run.trace
    if path.exists():
        return load_trace(path)
    names = ", ".join(sorted(EXAMPLES))
    raise TraceFileError(
        f"{spec}: no such file, and not a built-in example (examples: {names}; or give a .py program or a saved trace)"
    )


LESSONS_ENV = "TAPEVIZ_LESSONS"
OUTPUT_DIR_NAME = "tapeviz-out"
_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The shipped folder ``name`` (``lessons`` or ``examples``).

    A built wheel carries it inside the package as ``tapeviz/_bundled/NAME`` (setup.py maps the
    repository's top-level folder there at build time); a clone or an editable install reads the
    repository's own folder beside the package.
    """
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def lessons_folder(given: str | os.PathLike[str] | None = None) -> Path:
    """The lessons folder: ``given`` (``--dir``), else ``$TAPEVIZ_LESSONS``, else the shipped lessons."""
    if given:
        return Path(given)
    from_env = os.environ.get(LESSONS_ENV, "").strip()
    return Path(from_env) if from_env else bundled_dir("lessons")


def default_output_dir() -> Path:
    """Where the UI's exports and saves go: ``./tapeviz-out/`` (this repository's .gitignore lists it)."""
    return Path.cwd() / OUTPUT_DIR_NAME


def output_file(folder: str | os.PathLike[str], name: str) -> Path:
    """``folder/name``, creating ``folder`` first when it is missing.

    A folder that cannot be created is left to the writer, whose one-line error names it.
    """
    target = Path(folder)
    with contextlib.suppress(OSError):
        target.mkdir(parents=True, exist_ok=True)
    return target / name


__all__ = [
    "LESSONS_ENV", "OUTPUT_DIR_NAME", "TapevizError", "bundled_dir", "default_output_dir", "example_names",
    "lessons_folder", "load_source", "output_file",
]
