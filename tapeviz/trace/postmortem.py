"""A program that failed can still be looked at: what the trace keeps of the failure.

``keep_failure`` puts into ``trace.meta["failure"]`` the error's one line, the program's own
traceback, the program's line that failed and, when the failure came from an op tapeviz ran,
that op with its inputs (shapes, dtypes, and the trace's ids of those it already holds). The
events recorded before the error stay in the trace; the view tells the story from there.
"""

from __future__ import annotations

from typing import Any

from ..engine import registry
from ..engine.tensor import Tensor
from .trace import Trace

__all__ = ["keep_failure"]


def _failed_op(exc: BaseException) -> tuple[str, tuple[Tensor, ...]] | None:
    """The op tapeviz was running when ``exc`` was raised (its innermost ``apply``), if any."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is registry.apply.__code__:
            found = tb.tb_frame
        tb = tb.tb_next
    if found is None:
        return None
    op, inputs = found.f_locals.get("op"), found.f_locals.get("inputs")
    if op is None or not isinstance(inputs, tuple):
        return None
    return str(getattr(op, "name", op)), tuple(t for t in inputs if isinstance(t, Tensor))


def keep_failure(trace: Trace, exc: BaseException, filename: str, headline: str, details: str) -> None:
    """Record in ``trace.meta["failure"]`` how the program at ``filename`` failed."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    len(trace)  # (folds the events recorded so far, so their tensors have the trace's ids)
    failure: dict[str, Any] = {"error": headline, "traceback": details, "file": filename, "line": line,
                               "kind": type(exc).__name__}
    op = _failed_op(exc)
    if op is not None:
        known = trace._tensor_ids._map  # engine id -> the trace's id, for tensors it already holds
        failure["op"] = op[0]
        failure["inputs"] = [
            {"shape": list(t._value.shape), "dtype": t._value.dtype.name, "tensor": known.get(t._id, 0)}
            for t in op[1]
        ]
    trace.meta["failure"] = failure
