"""Numbers and shapes as text, in the few forms a picture needs (one module, so they agree).

* ``summary``: an array in one phrase (tables, timeline, image labels): a scalar, up to four
  entries, or ``min · mean · max``.
* ``fmt`` / ``pfmt``: one number with four significant digits (explanations, chain-rule lines).
* ``compact`` / ``value_range``: at most six characters per number (terminal graph boxes).
* ``cell_text`` / ``stats_line``: seven-character grid cells and their min/mean/max line.
* ``shape_text`` (``(32, 5)``) and ``shape_cross`` (``32×5``, for tight terminal boxes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


# ---- shapes --------------------------------------------------------------------------------
def shape_text(shape: Sequence[int], dtype: str = "float32") -> str:
    """``(32, 5)``, ``(5,)`` or ``scalar``; a dtype other than float32 is appended."""
    text = "scalar" if len(shape) == 0 else "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return text if dtype == "float32" else f"{text} {dtype}"


def shape_cross(shape: Sequence[int]) -> str:
    """``32×5`` or ``scalar``: the narrow form for terminal boxes and inspector facts."""
    return "×".join(str(d) for d in shape) if len(shape) else "scalar"


def shape_of(array: np.ndarray) -> str:
    """An array's shape as in a formula: ``(32, 5)``, ``(5)`` or ``scalar``."""
    return "(" + ", ".join(str(d) for d in array.shape) + ")" if array.shape else "scalar"


# ---- one array in a phrase -----------------------------------------------------------------
def summary(value: np.ndarray | None, *, plain_zero: bool = False) -> str:
    """A short text for an array: a scalar's value, a few entries, or min/mean/max.

    ``plain_zero`` shows negative zeros as ``0`` (images, where ``-0`` only puzzles).
    """
    if value is None:
        return "None"
    if plain_zero and value.dtype.kind == "f":
        value = value + value.dtype.type(0.0)
    if value.size == 1:
        return f"{float(value.reshape(())):.4g}" if value.dtype.kind == "f" else str(value.reshape(()).item())
    if value.size <= 4:
        return "[" + ", ".join(f"{float(v):.3g}" for v in value.reshape(-1)) + "]"
    if value.dtype.kind == "b":
        return f"{int(value.sum())}/{value.size} true"
    return f"min {value.min():.3g} · mean {value.mean():.3g} · max {value.max():.3g}"


def update_text(before: np.ndarray, after: np.ndarray) -> str:
    """A parameter's change in one line: small tensors entry by entry, larger ones by mean and max |Δ|."""
    if before.size <= 4 or before.shape != after.shape:  # a changed shape has no entry-wise Δ
        return f"{summary(before, plain_zero=True)} → {summary(after, plain_zero=True)}"
    delta = float(np.max(np.abs(np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64))))
    return f"mean {float(before.mean()):.3g} → {float(after.mean()):.3g} · |Δ| ≤ {delta:.2g}"


def nonfinite(value: np.ndarray | None) -> bool:
    """True when a float array holds a NaN or an infinity."""
    return value is not None and value.dtype.kind == "f" and not bool(np.isfinite(value).all())


# ---- single numbers ------------------------------------------------------------------------
def _outside(x: float, big: float, exponent: str) -> str | None:
    """``nan``, ``0``, or ``x`` in exponent form when ``|x| ≥ big`` or ``|x| < 0.001``; None
    when ``x`` is an ordinary number its caller writes out itself."""
    if x != x:
        return "nan"
    if x == 0:
        return "0"
    return f"{x:{exponent}}" if abs(x) >= big or abs(x) < 1e-3 else None


def fmt(x: float) -> str:
    """A number in a short, stable form (4 significant digits)."""
    x = float(x)
    return _outside(x, 1e4, ".3e") or f"{x:.4g}"


def entry(array: np.ndarray, element: tuple[int, ...]) -> str:
    """``fmt`` of one element of ``array``; ``empty`` for an array with no elements."""
    a = np.asarray(array)
    return fmt(a[element]) if a.size else "empty"


def abs_max(array: np.ndarray) -> str:
    """``fmt`` of the largest magnitude in ``array`` (NaN when it holds one); ``empty`` for none."""
    a = np.asarray(array)
    return fmt(np.max(np.abs(a))) if a.size else "empty"


def pfmt(x: float) -> str:
    """Like ``fmt`` but negative numbers in parentheses, for products and sums of products."""
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def compact(x: float) -> str:
    """A number in at most 6 characters."""
    x = float(x)
    return _outside(x, 1000, ".0e") or (f"{x:.3g}" if abs(x) < 1 else f"{x:.4g}")[:6]


def _no_range(a: np.ndarray, empty: str, of: str) -> str | None:
    """The text of an array that has no numeric range (empty, or booleans as a count); None else."""
    if a.size == 0:
        return empty
    return f"{int(a.sum())}{of}{a.size} true" if a.dtype.kind == "b" else None


def value_range(a: np.ndarray) -> str:
    """An array as ``lo‥hi`` in compact numbers (one value alone, booleans as a count)."""
    if a.size == 1 and a.dtype.kind != "b":
        return compact(float(a.reshape(())))
    return _no_range(a, "[]", "/") or f"{compact(float(a.min()))}‥{compact(float(a.max()))}"


def cell_text(x: float) -> str:
    """A number for a grid cell: at most 7 characters."""
    x = float(x)
    return _outside(x, 1e4, ".1e") or (f"{x:.4f}" if abs(x) < 10 else f"{x:.2f}")[:7]


def stats_line(a: np.ndarray) -> str:
    """``min · mean · max`` of an array in grid-cell numbers."""
    found = _no_range(a, "empty", " of ")
    if found is not None:
        return found
    f = a.astype(np.float64, copy=False)
    return f"min {cell_text(f.min())} · mean {cell_text(f.mean())} · max {cell_text(f.max())}"


# ---- elements and text ---------------------------------------------------------------------
def index_text(element: tuple[int, ...]) -> str:
    """``[2,0]`` for an element of an array (empty for a scalar)."""
    return "[" + ",".join(str(i) for i in element) + "]" if element else ""


def largest(array: np.ndarray) -> tuple[int, ...]:
    """The element with the largest magnitude (the first one on ties): the one worth showing."""
    a = np.asarray(array)
    if a.ndim == 0 or a.size == 0:
        return ()
    flat = np.abs(a.astype(np.float64, copy=False)).reshape(-1)
    flat = np.where(np.isnan(flat), -1.0, flat)  # NaN never wins, and an all-NaN array gives its first
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(flat)), a.shape))


def counted(n: int, word: str) -> str:
    """``3 ops``, ``1 op``: a count and its noun, plural unless it is one."""
    return f"{n:,} {word}{'s' * (n != 1)}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "abs_max", "cell_text", "clip", "compact", "counted", "entry", "fmt", "index_text", "largest", "nonfinite", "pfmt", "shape_cross", "shape_of",
    "shape_text", "stats_line", "summary", "update_text", "value_range",
]
