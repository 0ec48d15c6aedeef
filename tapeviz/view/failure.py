"""A program that failed, in words: the op it could not run, its inputs' shapes, and where.

The trace keeps the failure (``trace.meta["failure"]``, see ``tapeviz.trace.postmortem``); this
module names its pieces as everywhere else in the view: inputs by the program's names.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from ..trace import Trace
from .names import node_short
from .numbers import shape_cross

__all__ = ["FAILED_BOX", "ProgramFailure", "failed_box_lines", "failure_mark", "failure_sentence", "program_failure"]

FAILED_BOX = "failed"
"""The id of the failed op's box in a drawing (terminal and image): no trace node has it."""
_WHERE_RE = re.compile(r"^.*?:\d+: ")  # the ``file:line: `` a ProgramError's line starts with


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
    tensors: tuple[int, ...] = ()  # the inputs' trace node ids, where the trace holds them (else 0)

    @property
    def reason(self) -> str:
        """The error's one line without the file and line it starts with:
        ``InvalidArgumentError: matmul: (4, 2) @ (3, 2): inner dimensions 2 and 3 differ``."""
        return _WHERE_RE.sub("", self.error, count=1) if self.line else self.error

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
    inputs, tensors = [], []
    for k, given in enumerate(found.get("inputs") or []):
        tensor = int(given.get("tensor") or 0)
        known = tensor in trace.graph.nodes
        name = node_short(trace, tensor) if known else f"input {k + 1}"
        inputs.append((name, tuple(int(d) for d in given.get("shape") or ())))
        tensors.append(tensor if known else 0)
    return ProgramFailure(
        error=str(found.get("error", "")), traceback=str(found.get("traceback", "")).splitlines(),
        file=str(found.get("file", "")), line=int(found.get("line") or 0),
        op=str(found["op"]) if found.get("op") else None, inputs=inputs, tensors=tuple(tensors),
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


def failed_box_lines(failure: ProgramFailure, width: int = 26, reason_lines: int = 3) -> tuple[str, list[str], list[str]]:
    """What the failed op's box says, in the terminal and in images: its title
    (``✗ matmul failed · line 13``), its inputs with their shapes (``← t 4×2``), and the
    error's one line wrapped to ``width`` in at most ``reason_lines`` lines (the last cut with
    an ellipsis). Readable without colour: the ✗ and the word "failed" say it."""
    title = f"✗ {failure.op or 'the program'} failed" + (f" · line {failure.line}" if failure.line else "")
    inputs = [f"← {name} {shape_cross(shape)}" for name, shape in failure.inputs]
    kind, sep, message = failure.reason.partition(": ")
    if not sep or " " in kind:  # not ``SomeError: message``
        kind, message = "", failure.reason
    if failure.op and message.startswith(failure.op + ": "):
        message = message[len(failure.op) + 2:]  # the title names the op already
    wrapped = textwrap.wrap(message, width) or [""]
    if len(wrapped) > reason_lines:
        wrapped = wrapped[:reason_lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return title, inputs, ([f"{kind}:"] if kind else []) + wrapped
