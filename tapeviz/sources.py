"""Where things come from: a SOURCE argument turned into a Trace (a built-in example name, a ``.py``
program, or a trace file), the lessons and examples shipped with tapeviz, and where the UI writes.
"""

from __future__ import annotations

import ast
import contextlib
import os
from pathlib import Path
from typing import Any

from .engine.errors import TapevizError
from .trace import Trace, TraceFileError, load_trace, run_program


def example_names() -> list[str]:
    """The built-in examples' names (``seed``, ``square``, ...)."""
    from .examples import EXAMPLES

    return sorted(EXAMPLES)


def bundled_examples() -> dict[str, Path]:
    """The example programs shipped in ``examples/`` (the clone's, or the wheel's bundled copy),
    by name: the file's stem (``keras_fit_adam``)."""
    folder = bundled_dir("examples")
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.py")) if not p.name.startswith(("_", "."))}


def _first_comment(path: Path) -> str:
    """A program's one-line description: the first sentence of its docstring or opening comment."""
    try:
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return ""
    words = doc.split()
    if not words:
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("#!") or (not line and not words):
                continue
            if not line.startswith("#"):
                break
            words += line.lstrip("#").split()
    joined = " ".join(words)
    for end in (". ", ": "):
        if end in joined:
            joined = joined[: joined.index(end) + 1]
    return joined.rstrip(":")


def example_listing() -> list[tuple[str, str]]:
    """Every example ``tapeviz open NAME`` takes, with one line each: the built-in examples, then
    the shipped example programs."""
    from .examples import EXAMPLES

    rows = [(name, EXAMPLES[name].title) for name in sorted(EXAMPLES)]
    rows += [(name, _first_comment(path)) for name, path in bundled_examples().items()]
    return rows


def find_example_program(spec: str) -> Path | None:
    """The shipped example program ``spec`` names, from anywhere: ``keras_fit_adam``,
    ``keras_fit_adam.py`` or ``examples/keras_fit_adam.py`` (the README's and the examples' own
    spelling, which works in the clone as a path and elsewhere through this)."""
    name = Path(spec)
    if name.suffix not in ("", ".py") or (len(name.parts) > 1 and name.parts[-2] != "examples"):
        return None
    return bundled_examples().get(name.stem if name.suffix == ".py" else name.name)


def load_source(spec: str, keep: Any = True) -> Trace:
    """Record or load what ``spec`` names; raise a TapevizError with one clear line if it cannot.

    ``keep``: how a ``.py`` program's long runs are bounded (``record(keep=...)``, trace/keep.py);
    True is the default policy, ``"all"`` keeps every iteration in full."""
    from .examples import EXAMPLES

    if spec in EXAMPLES:
        return EXAMPLES[spec].build()
    path = Path(spec)
    if not path.exists():
        path = find_example_program(spec) or path
    if path.suffix == ".py":
        run = run_program(path, keep=keep)
        if run.warnings:  # the UI shows them; printed during the run they would be lost
            run.trace.meta["warnings"] = run.warnings
        return run.trace
    if path.exists():
        return load_trace(path)
    names = ", ".join(sorted(EXAMPLES) + list(bundled_examples()))
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
    "LESSONS_ENV", "OUTPUT_DIR_NAME", "TapevizError", "bundled_dir", "bundled_examples", "default_output_dir",
    "example_listing", "example_names", "find_example_program",
    "lessons_folder", "load_source", "output_file",
]
