"""Bounds on what a lesson expression or a learner's typed text may cost.

A learner can paste anything into the answer or what-if box, and a lesson file is text anyone
can write: ``9**9**9**9`` would compute for ever, ``"a" * 10**10`` or ``[0] * 10**9`` would
take the machine's memory, ten thousand ``-`` signs overflow the parser. Every expression is
therefore parsed with a bounded length and nesting depth, big integer powers and products and
long sequences are refused before they are computed, and an evaluation has a time budget.
"""

from __future__ import annotations

import ast
import math
import re
import time
from typing import Any

import numpy as np

from .values import ExpressionError

__all__ = [
    "MAX_DEPTH", "MAX_EXPRESSION", "MAX_INT_BITS", "MAX_ITEMS", "MAX_SECONDS", "MAX_TYPED", "Deadline",
    "check_binop", "check_size", "parse_limited", "small_spec",
]

MAX_TYPED = 300  # characters of a learner's answer or what-if value
MAX_EXPRESSION = 2000  # characters of one expression in a lesson file
MAX_DEPTH = 40  # nesting of an expression's syntax tree
MAX_INT_BITS = 10_000  # an integer result larger than this (about 3,000 digits) is refused
MAX_ITEMS = 1_000_000  # elements of a string, list or array an expression may make
MAX_SECONDS = 2.0  # one evaluation


def parse_limited(source: str, limit: int, what: str) -> ast.Expression:
    """``source`` parsed as one expression, refused (ExpressionError, one line) when longer than
    ``limit`` characters or nested deeper than ``MAX_DEPTH``; a SyntaxError passes through."""
    if len(source) > limit:
        raise ExpressionError(f"{what} is {len(source)} characters long; at most {limit} are read")
    try:
        tree = ast.parse(source, mode="eval")
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{what} is nested too deeply to read") from None
    stack = [(tree.body, 1)]
    while stack:  # a loop, not recursion: the depth is what is being checked
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"{what} is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _bits(x: Any) -> int:
    return x.bit_length() if isinstance(x, int) and not isinstance(x, bool) else 0


def _length(x: Any) -> int | None:
    if isinstance(x, (str, list, tuple)):
        return len(x)
    return None


def check_binop(op: type, a: Any, b: Any) -> None:
    """Refuse ``a op b`` before computing it when the result would be huge: an integer power
    or product over ``MAX_INT_BITS`` bits, a repeated sequence over ``MAX_ITEMS`` items."""
    if op is ast.Pow and _bits(a) > 1 and isinstance(b, int) and not isinstance(b, bool) and b > 0:
        if b > MAX_INT_BITS or (_bits(a) - 1) * b > MAX_INT_BITS:
            raise ExpressionError(f"{_digits(a)} ** {_digits(b)} is too large a number to compute")
    if op is ast.Pow and isinstance(a, (np.ndarray, np.generic)) and isinstance(b, int) and abs(b) > MAX_INT_BITS:
        raise ExpressionError(f"the exponent {_digits(b)} is too large")
    if op is ast.Mult:
        if _bits(a) + _bits(b) > MAX_INT_BITS:
            raise ExpressionError("the product is too large a number to compute")
        for seq, times in ((a, b), (b, a)):
            n = _length(seq)
            if n is not None and isinstance(times, int) and n * max(times, 0) > MAX_ITEMS:
                raise ExpressionError(f"a sequence of {n} × {_digits(times)} items is too long (at most {MAX_ITEMS})")
    if op is ast.Add and (n := _length(a)) is not None and (m := _length(b)) is not None and n + m > MAX_ITEMS:
        raise ExpressionError(f"a sequence of {n + m} items is too long (at most {MAX_ITEMS})")


def _digits(x: Any) -> str:
    if isinstance(x, int) and not isinstance(x, bool) and _bits(x) > 64:
        return f"a {int(_bits(x) * math.log10(2)) + 1}-digit number"
    return repr(x)


def check_size(value: Any) -> Any:
    """``value`` unless it is a string, sequence or array longer than ``MAX_ITEMS``."""
    n = value.size if isinstance(value, np.ndarray) else _length(value)
    if n is not None and n > MAX_ITEMS:
        raise ExpressionError(f"a value of {n} items is too large (at most {MAX_ITEMS})")
    if _bits(value) > MAX_INT_BITS:
        raise ExpressionError("a number too large to compute")
    return value


def small_spec(spec: Any) -> Any:
    """A format spec for ``fmt()`` with no width or precision over 999 (a string, not a bomb)."""
    if isinstance(spec, str) and any(len(run) > 3 for run in re.findall(r"[0-9]+", spec)):
        raise ExpressionError(f"format {spec[:20]!r}: widths and precisions go up to 999")
    return spec


class Deadline:
    """The time budget of one evaluation: ``check()`` raises once ``MAX_SECONDS`` have passed."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.end = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise ExpressionError(f"the expression took longer than {self.seconds:g} s to compute")
