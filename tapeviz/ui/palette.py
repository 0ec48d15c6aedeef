"""Terminal colours: the renderer's palette meanings, tuned to read on a dark terminal.

Each meaning keeps the colour it has in exported images (``tapeviz.render.styles``): green a
parameter, blue an input or constant, red the loss, orange a gradient, purple an update, yellow
the event at the cursor, grey what the timeline has not reached yet.
"""

from __future__ import annotations

from rich.style import Style

try:  # the renderer's shared palette, when present
    from ..render.styles import PALETTE as _SHARED
except ImportError:  # pragma: no cover - the renderer is part of the package
    _SHARED = {}

GRAD = _SHARED.get("grad", "#d9480f")
CURRENT_FILL = _SHARED.get("current.fill", "#fff2a8")

COLOURS: dict[str, str] = {
    "parameter": "#6fcf5f",
    "variable": "#b0b0b0",
    "constant": "#6fa8f0",
    "op": "#e0e0e0",
    "loss": "#f0605a",
    "group": "#d9b26a",
    "pending": "#5a5a5a",
    "edge": "#8a8a8a",
    "edge.pending": "#444444",
    "grad": "#ff8c42",
    "update": "#c77dff",
    "current": "#ffd43b",
    "selected": "#00d7d7",
    "cluster": "#6a6a6a",
    "forward": "#6fa8f0",
    "backward": "#ff8c42",
    "muted": "#8a8a8a",
    "nonfinite": "#ff4fb0",
}
"""Foreground colours by meaning."""

PHASE_COLOURS: dict[str, str] = {"forward": COLOURS["forward"], "backward": COLOURS["backward"], "update": COLOURS["update"]}

CURRENT_STYLE = Style(color="#1b1b1b", bgcolor=CURRENT_FILL, bold=True)
SELECTED_BORDER = Style(color=COLOURS["selected"], bold=True)


def fg(name: str, bold: bool = False, dim: bool = False) -> Style:
    return Style(color=COLOURS[name], bold=bold, dim=dim)


def diverging(value: float, scale: float) -> Style:
    """A cell style on a diverging scale: blue for negative, red for positive, dark at zero."""
    if scale <= 0 or value != value:  # zero scale or NaN
        return Style(color="#d0d0d0", bgcolor="#262626")
    t = max(-1.0, min(1.0, value / scale))
    base = (38, 38, 38)
    target = (214, 96, 77) if t > 0 else (67, 147, 195)
    k = abs(t) ** 0.7
    rgb = tuple(int(b + (c - b) * k) for b, c in zip(base, target))
    text = "#101010" if k > 0.65 else "#f0f0f0"
    return Style(color=text, bgcolor="#%02x%02x%02x" % rgb)
