"""Turn a SOURCE argument into a Trace: a built-in example name, a ``.py`` program, or a trace file."""

from __future__ import annotations

from pathlib import Path

from .engine.errors import TapevizError
from .trace import Trace, TraceFileError, load_trace, run_program


def example_names() -> list[str]:
    from .examples import EXAMPLES

    return sorted(EXAMPLES)


def load_source(spec: str) -> Trace:
    """Record or load what ``spec`` names; raise a TapevizError with one clear line if it cannot."""
    from .examples import EXAMPLES

    if spec in EXAMPLES:
        return EXAMPLES[spec].build()
    path = Path(spec)
    if path.suffix == ".py":
        run = run_program(path)
        if run.warnings:  # the UI shows them; printed during the run they would be lost
            run.trace.meta["warnings"] = run.warnings
        return run.trace
    if path.exists():
        return load_trace(path)
    names = ", ".join(sorted(EXAMPLES))
    raise TraceFileError(
        f"{spec}: no such file, and not a built-in example (examples: {names}; or give a .py program or a saved trace)"
    )


__all__ = ["TapevizError", "example_names", "load_source"]
