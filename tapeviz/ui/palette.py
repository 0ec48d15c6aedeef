"""Terminal colours by meaning, taken from the app's theme (its CSS variables).

Each meaning keeps the role it has in exported images (``tapeviz.render.styles``): a parameter,
an input or constant, the loss, a gradient, an update, the event at the cursor, what the
timeline has not reached yet. The hue comes from the theme, so every built-in theme — light
ones included — draws the graph and the inspector in colours readable on its own background.
A theme may give two roles the same colour (``textual-dark``'s accent is its warning colour):
then a role takes its next candidate (or the one furthest from the others), so the
meanings stay apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.style import Style
from textual.color import Color
from textual.theme import BUILTIN_THEMES

# role -> theme variables to try, in order: the first one far enough from the roles before it
# ("a+b" is the two mixed half and half: a theme with four hues still gets a purple and a cyan)
CANDIDATES: dict[str, tuple[str, ...]] = {
    "loss": ("text-error",),
    "parameter": ("text-success",),
    "constant": ("text-primary", "text-secondary"),
    "grad": ("text-warning", "text-accent"),
    "update": ("text-accent", "text-error+text-primary", "text-secondary"),
    "selected": ("text-secondary", "text-primary+text-success", "foreground"),
}
FILLS = {"current": "accent-lighten-3"}  # a fill behind the current box's label (text contrasts with it)
DISTINCT = 60  # wanted RGB distance between two roles' colours
MUTED = {"variable": 0.25, "edge": 0.45, "group": 0.35, "muted": 0.45, "cluster": 0.6, "pending": 0.65}


def _colour(variables: Mapping[str, str], name: str, background: Color) -> Color:
    if "+" in name:
        a, b = name.split("+", 1)
        return _colour(variables, a, background).blend(_colour(variables, b, background), 0.5)
    value = variables.get(name, "")
    try:
        colour = Color.parse(value)
    except Exception:  # "auto 87%" and the like: the theme's foreground
        colour = Color.parse(variables.get("foreground", "#e0e0e0"))
    return background + colour  # flatten any alpha onto the background


def _distance(a: Color, b: Color) -> float:
    return ((a.r - b.r) ** 2 + (a.g - b.g) ** 2 + (a.b - b.b) ** 2) ** 0.5


@dataclass(frozen=True)
class Colours:
    """The colours of one theme, as Rich styles for the Line-API widgets."""

    background: Color
    foreground: Color
    roles: dict[str, Color] = field(default_factory=dict)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Colours:
        background = Color.parse(variables.get("background", "#121212"))
        foreground = _colour(variables, "foreground", background)
        roles: dict[str, Color] = {"op": foreground}
        chosen: list[Color] = []
        for role, names in CANDIDATES.items():
            options = [_colour(variables, n, background) for n in names]
            spread = [min((_distance(c, o) for o in chosen), default=DISTINCT) for c in options]
            far = [c for c, d in zip(options, spread) if d >= DISTINCT]
            pick = far[0] if far else options[spread.index(max(spread))]
            roles[role] = pick
            chosen.append(pick)
        for role, name in FILLS.items():
            roles[role] = _colour(variables, name, background)
        roles["highlight"] = _colour(variables, "text-accent", background)  # the fill's hue as readable text
        # the current box's border and edges: the fill's colour where it stands out from the
        # background (dark themes), else its readable text variant (light themes)
        fill = roles["current"]
        roles["current-line"] = fill if abs(fill.brightness - background.brightness) >= 0.35 else roles["highlight"]
        for role, amount in MUTED.items():
            roles[role] = foreground.blend(background, amount)
        roles["forward"], roles["backward"] = roles["constant"], roles["grad"]
        roles["nonfinite"] = roles["loss"]
        return cls(background, foreground, roles)

    @classmethod
    def default(cls) -> Colours:
        """The colours of Textual's default theme (for rendering outside a running app)."""
        return cls.from_variables(BUILTIN_THEMES["textual-dark"].to_color_system().generate())

    def hex(self, role: str) -> str:
        return self.roles[role].hex

    def fg(self, role: str, bold: bool = False, dim: bool = False, italic: bool = False) -> Style:
        return Style(color=self.roles[role].rich_color, bold=bold, dim=dim, italic=italic)

    def on(self, role: str, bold: bool = True) -> Style:
        """Text in the contrasting colour on a fill of ``role``'s colour (a badge, the cursor)."""
        fill = self.roles[role]
        return Style(color=fill.get_contrast_text(1.0).rich_color, bgcolor=fill.rich_color, bold=bold)

    @property
    def current(self) -> Style:
        return self.on("current")

    @property
    def text(self) -> Style:
        return Style(color=self.foreground.rich_color)

    def diverging(self, value: float, scale: float) -> Style:
        """A number cell on a diverging scale from the theme's background: negative toward the
        constant colour, positive toward the loss colour; the digits contrast with the cell."""
        if scale <= 0 or value != value:  # zero scale or NaN
            return Style(color=self.foreground.rich_color, bgcolor=self.background.rich_color)
        t = max(-1.0, min(1.0, value / scale))
        target = self.roles["loss"] if t > 0 else self.roles["constant"]
        cell = self.background.blend(target, abs(t) ** 0.7 * 0.85)
        return Style(color=cell.get_contrast_text(1.0).rich_color, bgcolor=cell.rich_color)
