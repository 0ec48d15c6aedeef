"""A tensor as a small picture: a grid of numbers scaled to [-1, 1], for half-block heatmaps.

Pure numpy (no Textual, no Rich): the terminal pane, the inspector, images or a notebook each
turn the levels into their own colours. A level is the value divided by the largest finite
magnitude, so 0 stays 0 (a diverging scale: the sign is the hue, the size the strength);
NaN and infinities have no level (``None``) and are counted. Arrays larger than the picture are
sampled evenly (rows and columns kept whole), so a dead row after ReLU stays a dead row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numbers import compact

WEAK = 0.15  # below this level a cell reads as zero in the glyph form
STRONG = 0.6  # from this level a cell reads as large in the glyph form


@dataclass(frozen=True)
class Heatmap:
    """``levels[r][c]`` in [-1, 1] (None: NaN or infinite) for the sampled rows and columns."""

    levels: tuple[tuple[float | None, ...], ...]
    lo: float  # smallest finite value (0 when there is none)
    hi: float  # largest finite value
    scale: float  # the magnitude that maps to level ±1
    shape: tuple[int, ...]  # of the whole tensor
    row_index: tuple[int, ...]  # which rows of the 2-D view are shown
    col_index: tuple[int, ...]
    nonfinite: int  # NaN/inf entries in the whole tensor

    @property
    def rows(self) -> int:
        return len(self.levels)

    @property
    def cols(self) -> int:
        return len(self.levels[0]) if self.levels else 0

    @property
    def empty(self) -> bool:
        return not self.levels or not self.levels[0]

    @property
    def sampled(self) -> bool:
        """True when some rows or columns are left out."""
        rows, cols = _as_2d_shape(self.shape)
        return self.rows < rows or self.cols < cols

    def sampling(self) -> str:
        """What was left out, in words: ``16 of 32 rows``, ``16 of 784 columns`` (empty: nothing)."""
        rows, cols = _as_2d_shape(self.shape)
        said = [f"{self.rows} of {rows} rows"] if self.rows < rows else []
        said += [f"{self.cols} of {cols} columns"] if self.cols < cols else []
        return ", ".join(said)

    def legend(self) -> str:
        """The range the colours stand for: ``lo‥hi`` (``!`` appended when NaN/inf are in it)."""
        text = compact(self.lo) if self.lo == self.hi else f"{compact(self.lo)}‥{compact(self.hi)}"
        return text + (" !" if self.nonfinite else "")


def _as_2d_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    cols = shape[-1]
    return int(np.prod(shape[:-1])), cols


def _pick(n: int, most: int) -> np.ndarray:
    """Up to ``most`` indices spread evenly over ``range(n)`` (first and last included)."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def heatmap(array: object, max_rows: int = 8, max_cols: int = 16) -> Heatmap:
    """The picture of ``array`` (any shape; a scalar is 1×1, a vector one row, more than two
    dimensions fold into rows) with at most ``max_rows`` × ``max_cols`` cells."""
    a = np.asarray(array)
    shape = tuple(int(d) for d in a.shape)
    if a.dtype.kind == "c":
        a = np.abs(a)
    try:
        a = a.astype(np.float64)
    except (TypeError, ValueError):
        return Heatmap((), 0.0, 0.0, 0.0, shape, (), (), 0)
    rows, cols = _as_2d_shape(shape)
    if a.size == 0 or rows == 0 or cols == 0:
        return Heatmap((), 0.0, 0.0, 0.0, shape, (), (), 0)
    grid = a.reshape(rows, cols)
    finite = np.isfinite(grid)
    bad = int(grid.size - np.count_nonzero(finite))
    if bad == grid.size:
        lo = hi = scale = 0.0
    else:
        good = grid[finite]
        lo, hi = float(good.min()), float(good.max())
        scale = max(abs(lo), abs(hi))
    ri, ci = _pick(rows, max(1, max_rows)), _pick(cols, max(1, max_cols))
    part = grid[np.ix_(ri, ci)]
    ok = np.isfinite(part)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(ok, part / scale if scale > 0 else 0.0, 0.0)
    levels = tuple(
        tuple(float(scaled[r, c]) if ok[r, c] else None for c in range(part.shape[1]))
        for r in range(part.shape[0])
    )
    return Heatmap(levels, lo, hi, scale, shape, tuple(int(i) for i in ri), tuple(int(i) for i in ci), bad)


def glyph(level: float | None) -> str:
    """One character for a level where there is no colour: ``·`` about zero, ``+``/``#``
    positive (small/large), ``-``/``=`` negative, ``!`` NaN or infinite."""
    if level is None:
        return "!"
    if abs(level) < WEAK:
        return "·"
    if level > 0:
        return "#" if level >= STRONG else "+"
    return "=" if level <= -STRONG else "-"


def half_block_rows(hm: Heatmap) -> list[list[tuple[float | None, float | None, bool]]]:
    """The heatmap as text rows of half-block cells: ``(top level, bottom level, has_bottom)``
    per cell, two tensor rows per text row (the last one alone when the count is odd)."""
    out: list[list[tuple[float | None, float | None, bool]]] = []
    for r in range(0, hm.rows, 2):
        top = hm.levels[r]
        bottom = hm.levels[r + 1] if r + 1 < hm.rows else None
        out.append([(top[c], bottom[c] if bottom else None, bottom is not None) for c in range(hm.cols)])
    return out


__all__ = ["Heatmap", "glyph", "half_block_rows", "heatmap"]
