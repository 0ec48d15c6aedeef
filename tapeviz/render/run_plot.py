"""The run view as an image: the loss over every iteration, each weight's gradient norm and update
norm over time (log scale), the kept iterations marked (``tapeviz export-run``). Drawn with Pillow
(the optional ``gif`` extra), from ``view.run_view.RunData``: every number comes from the trace.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..view.numbers import counted
from ..view.run_view import RunData, bucket_means, columns
from .errors import PillowMissing

WIDTH, PANEL, MARGIN_L, MARGIN_R, MARGIN_T = 1100, 220, 80, 250, 40
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def run_plot_png(data: RunData, path: Path, title: str = "") -> Path:
    """Write the run's plots to ``path`` (a PNG) atomically; returns the path."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise PillowMissing() from None
    panels = [("loss", [("loss", data.losses)], False)]
    for stat, word in (("grad_norm", "gradient norm |dL/dw|"), ("update_norm", "update norm |w_after - w_before|")):
        panels.append((f"{word} per weight (log scale)",
                       [(w, data.summary.series(("weight", w, stat))) for w in data.weights()], True))
    height = MARGIN_T + len(panels) * (PANEL + 50) + 20
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN_L, 10), f"{title}  {counted(data.iterations, 'iteration')}, {len(data.kept):,} kept in full "
              "(ticks under the loss)", fill="black", font=font)
    plot_w = WIDTH - MARGIN_L - MARGIN_R
    cols = columns(0, data.iterations, plot_w)
    # each column at the middle of its iterations, on the same axis as the ticks: a run shorter
    # than the plot is wide spreads over all of it (not one pixel per iteration at the left)
    xs = [MARGIN_L + (r.start + r.stop) / 2 / max(1, data.iterations) * plot_w for r in cols]
    for k, (name, series_list, log) in enumerate(panels):
        top = MARGIN_T + k * (PANEL + 50)
        _panel(draw, font, top, plot_w, name, xs, [(n, bucket_means(s, cols)) for n, s in series_list], log)
        if k == 0:  # the kept iterations, one tick each
            for it in data.kept:
                x = MARGIN_L + (it + 0.5) / max(1, data.iterations) * plot_w
                draw.line([(x, top + PANEL + 2), (x, top + PANEL + 8)], fill=(200, 0, 0))
        draw.text((MARGIN_L, top + PANEL + 10), f"iteration 1 … {data.iterations:,}", fill="gray", font=font)
    tmp = path.with_name(f".{path.name}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(path)
    return path


def _panel(draw: object, font: object, top: int, plot_w: int, title: str, xs: list[float],
           lines: list[tuple[str, list[float]]], log: bool) -> None:
    def tr(v: float) -> float:
        return math.log10(v) if log else v

    values = [tr(v) for _, vs in lines for v in vs if math.isfinite(v) and (v > 0 or not log)]
    draw.rectangle([MARGIN_L, top, MARGIN_L + plot_w, top + PANEL], outline="gray")  # type: ignore[attr-defined]
    draw.text((MARGIN_L, top - 14), title, fill="black", font=font)  # type: ignore[attr-defined]
    if not values:
        draw.text((MARGIN_L + 10, top + 10), "nothing recorded", fill="gray", font=font)  # type: ignore[attr-defined]
        return
    lo, hi = min(values), max(values)
    span = hi - lo if hi - lo > 1e-12 else 1.0
    for label, v in ((hi, hi), (lo, lo)):
        shown = 10 ** label if log else label
        y = top + (hi - v) / span * PANEL
        draw.text((4, y - 6), f"{shown:.3g}", fill="gray", font=font)  # type: ignore[attr-defined]
    for k, (name, vs) in enumerate(lines):
        colour = COLOURS[k % len(COLOURS)]
        points: list[tuple[float, float]] = []
        for x, v in zip(xs, vs):
            if math.isfinite(v) and (v > 0 or not log):
                points.append((x, top + (hi - tr(v)) / span * PANEL))
            else:
                _line(draw, points, colour)
                points = []
        _line(draw, points, colour)
        draw.text((MARGIN_L + plot_w + 10, top + 4 + 13 * k), name[-38:], fill=colour, font=font)  # type: ignore[attr-defined]


def _line(draw: object, points: list[tuple[float, float]], colour: tuple[int, int, int]) -> None:
    if len(points) > 1:
        draw.line(points, fill=colour, width=2)  # type: ignore[attr-defined]
    elif points:
        x, y = points[0]  # a lone value (a run of one iteration, or one between gaps): a dot to see
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)  # type: ignore[attr-defined]


__all__ = ["run_plot_png"]
