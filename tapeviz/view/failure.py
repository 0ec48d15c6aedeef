"""A program that failed, in words: the op it could not run, its inputs' shapes, and where.

The trace keeps the failure (``trace.meta["failure"]``, see ``tapeviz.trace.postmortem``); this
module names its pieces as everywhere else in the view: inputs by the program's names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..trace import Trace
from .names import node_short
from .numbers import shape_cross

__all__ = ["ProgramFailure", "failure_mark", "failure_sentence", "program_failure"]


@dataclass(frozen=True)
class ProgramFailure:
    """How the program failed: its error line, traceback lines, the failing line, and the op
    it was running (None when the error came from elsewhere) with its inputs ``(name, shape)``."""

    error: str
    traceback: list[str]
    file: str
    line: int
    op: str | None
    inputs: list[tuple[str, tuple[int, ...]]]

    @property
    def op_text(self) -> str:
        """``matmul(t (4, 2), w (3, 2))``: the failed op with its inputs' names and shapes."""
        if self.op is None:
            return ""
        return f"{self.op}({', '.join(f'{name} {shape}' for name, shape in self.inputs)})"


def program_failure(trace: Trace) -> ProgramFailure | None:
    """The failure the trace kept, or None when the program ran to its end."""
    found = trace.meta.get("failure")
    if not isinstance(found, dict):
        return None
    inputs = []
    for k, given in enumerate(found.get("inputs") or []):
        tensor = int(given.get("tensor") or 0)
        name = node_short(trace, tensor) if tensor in trace.graph.nodes else f"input {k + 1}"
        inputs.append((name, tuple(int(d) for d in given.get("shape") or ())))
    return ProgramFailure(
        error=str(found.get("error", "")), traceback=str(found.get("traceback", "")).splitlines(),
        file=str(found.get("file", "")), line=int(found.get("line") or 0),
        op=str(found["op"]) if found.get("op") else None, inputs=inputs,
    )


def failure_sentence(trace: Trace) -> str:
    """One line for the last event: ``✗ then matmul(t (4, 2), w (3, 2)) failed (line 13): …``."""
    failure = program_failure(trace)
    if failure is None:
        return ""
    what = f"then {failure.op_text} failed" if failure.op else "then the program failed"
    where = f" (line {failure.line})" if failure.line else ""
    reason = failure.error.split(": ", 1)[-1] if ": " in failure.error else failure.error
    return f"✗ {what}{where}: {reason}"


def failure_mark(trace: Trace) -> str:
    """A short mark for the graph: ``✗ matmul(t 4×2, w 3×2) failed · line 13``."""
    failure = program_failure(trace)
    if failure is None:
        return ""
    what = f"{failure.op}({', '.join(f'{n} {shape_cross(s)}' for n, s in failure.inputs)})" if failure.op else "the program"
    return f"✗ {what} failed" + (f" · line {failure.line}" if failure.line else "")
