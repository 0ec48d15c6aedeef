"""Values in lesson expressions: a learner's typed number, answers as scalars, text for values,
and the small helpers the expression functions share (no Textual, no trace access)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.registry import OpDef

__all__ = [
    "ExpressionError", "array_of", "as_scalar", "comparable", "first_index", "format_value", "format_with",
    "numpy_function", "op_function", "parse_number", "plain", "truth",
]


class ExpressionError(ValueError):
    """An expression that does not parse or cannot be computed from the trace."""


_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def parse_number(text: str) -> float:
    """A learner's typed number: ``6``, ``-0.25``, ``1e-3``, or plain arithmetic like ``2*3`` or ``1/4``."""
    source = text.strip().replace("−", "-").replace("×", "*").replace("·", "*")
    if not source:
        raise ExpressionError("type a number")
    from .limits import MAX_TYPED, parse_limited

    try:
        tree = parse_limited(source, MAX_TYPED, "the answer")
    except SyntaxError:
        raise ExpressionError(f"{text.strip()!r} is not a number") from None

    def ev(n: ast.AST) -> float:
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return float(n.value)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BinOp) and type(n.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
            return float(_ARITHMETIC[type(n.op)](ev(n.left), ev(n.right)))
        raise ExpressionError(f"{text.strip()!r} is not a number")

    try:
        return ev(tree.body)
    except (ArithmeticError, OverflowError):
        raise ExpressionError(f"{text.strip()!r} cannot be computed") from None


def as_scalar(value: Any) -> float:
    """A finite float from an expression's value, or ExpressionError."""
    if value is None:
        raise ExpressionError("the answer is None (that gradient does not exist)")
    if isinstance(value, (bool, np.bool_)):
        raise ExpressionError("the answer is true/false, not a number")
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "iuf":
        raise ExpressionError(f"the answer must be one number, got shape {arr.shape} ({arr.dtype.name})")
    v = float(arr.reshape(()))
    if not math.isfinite(v):
        raise ExpressionError(f"the answer is {v}, not a finite number")
    return v


def format_value(value: Any) -> str:
    """How a value appears in lesson text: 4 significant digits, short arrays in full."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value):
        return "(" + ", ".join(str(int(v)) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    arr = np.asarray(value)
    if arr.dtype.kind == "b":
        return format_value(bool(arr)) if arr.size == 1 else str(arr.tolist()).replace("True", "true").replace("False", "false")
    if arr.size == 1:
        v = arr.reshape(()).item()
        return str(v) if isinstance(v, int) else _g(v)
    if arr.size <= 12 and arr.ndim <= 2:
        if arr.ndim == 1:
            return "[" + ", ".join(_g(float(v)) for v in arr) + "]"
        return "[" + ", ".join("[" + ", ".join(_g(float(v)) for v in row) + "]" for row in arr) + "]"
    return f"{arr.shape} array: min {_g(float(arr.min()))}, mean {_g(float(arr.mean()))}, max {_g(float(arr.max()))}"


def _g(v: float) -> str:
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def format_with(x: Any, spec: str) -> str:
    arr = np.asarray(x)
    if arr.size == 1:
        return format(float(arr.reshape(())), spec)
    return "[" + ", ".join(format(float(v), spec) for v in arr.reshape(-1)) + "]"


def array_of(x: Any) -> np.ndarray:
    if x is None:
        raise ExpressionError("None has no value (that gradient does not exist)")
    if isinstance(x, str):
        raise ExpressionError(f"{x!r} is text; to use a node's value write value({x!r})")
    return np.asarray(x)


def comparable(x: Any) -> Any:
    if isinstance(x, (tuple, list)) and all(isinstance(v, (int, float, np.number)) for v in x):
        return x  # shapes compare as tuples
    if isinstance(x, str):
        return x
    if isinstance(x, np.ndarray):
        return x.astype(np.float64) if x.dtype.kind == "f" else x
    return x


def plain(x: Any) -> Any:
    arr = np.asarray(x)
    if arr.ndim == 0:
        v = arr.item()
        return v
    return arr


def numpy_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(x: Any, axis: Any = None) -> Any:
        a = array_of(x)
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        return plain(fn(a) if axis is None else fn(a, axis=axis))

    wrapped.__name__ = fn.__name__
    return wrapped


def first_index(mask: Any) -> int:
    """Index of the first true entry of a 1-D condition, e.g. the first row whose labels sum to 0."""
    m = np.asarray(array_of(mask)).reshape(-1)
    hits = np.flatnonzero(m)
    if hits.size == 0:
        raise ExpressionError("first(...): no entry satisfies the condition")
    return int(hits[0])


def op_function(op: OpDef) -> Callable[..., Any]:
    """A registered op as a lesson function: its forward on the arrays (floats as float64)."""

    def call(*args: Any, **attrs: Any) -> Any:
        arrays = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in map(array_of, args)]
        return plain(op.forward(*arrays, **attrs))

    call.__name__ = op.lesson or op.name
    return call


def truth(v: Any) -> bool:
    """A condition's truth: None is false, a whole array is ambiguous (say all() or any())."""
    if v is None:
        return False
    arr = np.asarray(v) if not isinstance(v, (tuple, list, str)) else None
    if arr is not None and arr.size != 1:
        raise ExpressionError("a condition on a whole array is ambiguous: use all(...) or any(...)")
    return bool(v if arr is None else arr.reshape(()))
