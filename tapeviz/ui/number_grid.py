"""Arrays as coloured number grids (Rich ``Text``) on a diverging scale (numbers: ``tapeviz.view.numbers``)."""

from __future__ import annotations

import os
from collections.abc import Collection

import numpy as np
from rich.style import Style
from rich.text import Text

from ..view.heatmap import glyph, half_block_rows, heatmap
from ..view.numbers import cell_text
from .palette import Colours

MAX_ROWS = 40
MAX_COLS = 12
CELL = 8  # characters per number, separator included


def grid(array: np.ndarray, colours: Colours, *, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS,
         mark: tuple[int, ...] | None = None, keep_cols: Collection[int] = ()) -> Text:
    """A grid of the array's numbers, each on a background coloured by sign and size.

    Scalars are one cell, vectors one row (wrapped), matrices rows × columns; higher ranks show
    their first matrix. ``mark`` underlines one element (the one a chain-rule line talks about).
    A matrix wider than ``max_cols`` shows its first columns and ``… +N``; the columns in
    ``keep_cols`` (the ones a lesson's question asks about) are never elided: those past the
    first block follow below it, under a line naming them (``[:, 2]``).
    """
    a = np.asarray(array)
    out = Text(no_wrap=True, overflow="ignore")
    if a.dtype.kind == "b":
        a = a.astype(np.float32)
    if a.dtype.kind not in "fiu":
        out.append(str(a))
        return out
    f = a.astype(np.float64, copy=False)
    finite = f[np.isfinite(f)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    note = ""
    if f.ndim == 0:
        rows = f.reshape(1, 1)
        index = lambda r, c: ()  # noqa: E731
    elif f.ndim == 1:
        width = min(max_cols, max(1, f.shape[0]))
        n_rows = -(-f.shape[0] // width)
        pad = np.full(n_rows * width, np.nan)
        pad[: f.shape[0]] = f
        rows = pad.reshape(n_rows, width)
        index = lambda r, c: (r * width + c,)  # noqa: E731
    else:
        lead = f.shape[:-2]
        if lead:
            note = f"showing [{', '.join('0' for _ in lead)}, :, :] of shape {f.shape}"
        rows = f.reshape(-1, *f.shape[-2:])[0]
        index = (lambda r, c: (0,) * len(lead) + (r, c)) if lead else (lambda r, c: (r, c))  # noqa: E731
    n_rows, n_cols = rows.shape
    show_rows, show_cols = min(n_rows, max_rows), min(n_cols, max_cols)
    extra = sorted({int(c) for c in keep_cols if show_cols <= int(c) < n_cols}) if f.ndim >= 2 else []
    hidden = n_cols - show_cols - len(extra)
    blocks = [list(range(show_cols))] + [extra[k:k + max(max_cols, 1)] for k in range(0, len(extra), max(max_cols, 1))]
    for b, block in enumerate(blocks):
        if b:
            out.append("\n[:, " + ", ".join(map(str, block)) + "]", colours.fg("muted"))
        for r in range(show_rows):
            if r or b:
                out.append("\n")
            for c in block:
                v = rows[r, c]
                if f.ndim == 1 and r * rows.shape[1] + c >= f.shape[0]:
                    break
                style = colours.diverging(float(v), scale)
                if mark is not None and index(r, c) == tuple(mark):
                    style = style + colours.current
                out.append(cell_text(v).rjust(CELL - 1), style)
                out.append(" ")
            if b == 0 and hidden > 0:
                out.append(f"… +{hidden}", colours.fg("muted"))
    if show_rows < n_rows:
        out.append(f"\n… {n_rows - show_rows} more rows", colours.fg("muted"))
    if note:
        out.append("\n" + note, colours.fg("muted"))
    return out


def heat_block(array: np.ndarray, colours: Colours, max_cols: int, max_rows: int = 8) -> Text:
    """The whole tensor as a heatmap of half-block cells (two rows per line, sampled evenly when
    larger), on the same diverging scale as the grid, with its range; without colours (NO_COLOR)
    a sign/size glyph per cell (``·`` about zero, ``+``/``#`` positive, ``-``/``=`` negative)."""
    mono = bool(os.environ.get("NO_COLOR"))
    hm = heatmap(array, max_rows=max_rows if mono else 2 * max_rows, max_cols=max(1, max_cols))
    out = Text()
    if hm.empty:
        return out
    wide = max(1, min(4, max_cols // hm.cols))  # characters per tensor column
    if mono:
        for row in hm.levels:
            out.append("".join(glyph(v) * wide for v in row) + "\n")
    else:
        for cells in half_block_rows(hm):
            for top, bottom, has_bottom in cells:
                fg = colours.roles["nonfinite"].rich_color if top is None else colours.diverging(top, 1.0).bgcolor
                if not has_bottom:
                    bg = colours.background.rich_color
                elif bottom is None:
                    bg = colours.roles["nonfinite"].rich_color
                else:
                    bg = colours.diverging(bottom, 1.0).bgcolor
                out.append("▀" * wide, style=Style(color=fg, bgcolor=bg))
            out.append("\n")
    sampled = f" ({hm.sampling()}, spread evenly)" if hm.sampled else ""
    out.append(f"colour scale {hm.legend()}{sampled}", style=colours.fg("muted"))
    return out
