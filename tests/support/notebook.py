"""Run a guide's cells one after another in one namespace, as a notebook does, and record each.

For each cell: what it printed, the repr of its last line when that is an expression (what a
notebook displays) and, if it raised, the exception's type and its builtin base classes. The
reference script (tests/data/make_guides_tf_reference.py) runs the cells with TensorFlow; the
guide tests run the same cells with ``tapeviz.tf``. Standard library only: TensorFlow's Python
imports this file too.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import re
from typing import Any

__all__ = ["run_cell", "run_cells", "same_text"]


def _builtin_bases(exc: BaseException) -> list[str]:
    """The builtin exception classes ``exc`` is an instance of (ValueError, TypeError, ...)."""
    return sorted({c.__name__ for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c} - {"object"})


def run_cell(code: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Execute ``code`` in ``namespace``: its printed text, the displayed value and any error."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    result: dict[str, Any] = {"stdout": "", "display": None, "error": None}
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102  (the project's own guide programs)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307
                if value is not None:
                    result["display"] = repr(value)
        except Exception as exc:  # noqa: BLE001  (a cell's error is data to compare)
            result["error"] = {"type": type(exc).__name__, "bases": _builtin_bases(exc), "message": str(exc)}
    result["stdout"] = out.getvalue()
    return result


def run_cells(cells: dict[str, str], tf: Any) -> dict[str, dict[str, Any]]:
    """Every cell in order (dicts keep insertion order) in one namespace holding ``tf``."""
    namespace: dict[str, Any] = {"tf": tf, "__name__": "__main__"}
    return {name: run_cell(code, namespace) for name, code in cells.items()}


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def same_text(got: str, want: str, rtol: float = 2e-6, atol: float = 1e-6) -> bool:
    """Equal printed text, numbers compared within float32 rounding, spacing ignored.

    TensorFlow and numpy may round a float32 result a few units in the last place apart
    (another summation order, another ``pow``); numpy then pads columns differently.
    """
    words_got, words_want = _NUMBER.split(got), _NUMBER.split(want)
    if [" ".join(w.split()) for w in words_got] != [" ".join(w.split()) for w in words_want]:
        return False
    for a, b in zip(_NUMBER.findall(got), _NUMBER.findall(want)):
        x, y = float(a), float(b)
        if abs(x - y) > atol + rtol * abs(y):
            return False
    return True
