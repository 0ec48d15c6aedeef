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


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _at_least(colour: Color, background: Color, foreground: Color, wanted: float) -> Color:
    """``colour`` moved toward ``foreground`` just enough to reach contrast ``wanted`` on ``background``."""
    step = 0
    while contrast(colour, background) < wanted and step < 20:
        colour = colour.blend(foreground, 0.1)
        step += 1
    return colour


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
        wanted = _number(variables.get("tapeviz-min-contrast"))
        if wanted:  # a theme that promises a contrast (the projector's): dim roles are brightened to it
            for role, colour in roles.items():
                if role != "current":  # (a fill: its text takes the contrasting colour)
                    roles[role] = _at_least(colour, background, foreground, wanted)
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


# ---- contrast (WCAG 2.x) and the projector theme ----------------------------------------------
PROJECTOR_THEME = "projector"
THEME_ENV = "TAPEVIZ_THEME"  # the theme the app opens with (``tapeviz serve --theme`` sets it for its sessions)
AA_TEXT = 4.5  # WCAG AA for text
AA_GRAPHICS = 3.0  # WCAG AA for the parts of controls (borders) that are not text

# What the app draws, as (what, foreground, background, minimum): CSS variables of the theme,
# "a N%" is a at N% opacity over the background below it, "role:x" a colour of ``Colours``.
# Border titles are drawn in the border's colour, so an unfocused border (``$primary 50%`` in
# app.tcss) is held to the text minimum.
CONTRAST_PAIRS: tuple[tuple[str, str, str, float], ...] = (
    ("text", "foreground", "background", AA_TEXT),
    ("text on a surface", "foreground", "surface", AA_TEXT),
    ("status line", "foreground", "panel", AA_TEXT),
    ("muted text", "foreground 60%", "background", AA_TEXT),
    ("pane border and title", "primary 50%", "background", AA_TEXT),
    ("focused border and title", "accent", "background", AA_TEXT),
    ("messages border", "warning 60%", "background", AA_TEXT),
    ("notice line", "text-warning", "panel", AA_TEXT),
    ("footer key", "footer-key-foreground", "footer-background", AA_TEXT),
    ("footer words", "footer-description-foreground", "footer-background", AA_TEXT),
    ("accent text", "text-accent", "background", AA_TEXT),
    ("success text", "text-success", "background", AA_TEXT),
    ("error text", "text-error", "background", AA_TEXT),
    ("scrollbar", "scrollbar", "scrollbar-background", AA_GRAPHICS),
    *((f"graph: {role}", f"role:{role}", "background", AA_TEXT) for role in
      ("loss", "parameter", "constant", "grad", "update", "selected", "highlight", "current-line", "variable",
       "edge", "group", "muted", "cluster", "pending")),
)

# Black and white with saturated hues that all stay readable on black: a room's projector washes
# dark colours out, so nothing here is dimmer than 4.5:1 against the background.
_PROJECTOR_COLOURS = {
    "primary": "#FFFFFF", "secondary": "#7FD4FF", "accent": "#FFD700", "warning": "#FFD060",
    "error": "#FF6B6B", "success": "#5CFF7A", "foreground": "#FFFFFF", "background": "#000000",
    "surface": "#000000", "panel": "#1A1A1A",
}


def projector_theme():  # noqa: ANN201  (textual.theme.Theme)
    """The high-contrast theme for a projector (the default of ``tapeviz serve``)."""
    from textual.theme import Theme

    c = _PROJECTOR_COLOURS
    return Theme(
        name=PROJECTOR_THEME, dark=True, primary=c["primary"], secondary=c["secondary"], accent=c["accent"],
        warning=c["warning"], error=c["error"], success=c["success"], foreground=c["foreground"],
        background=c["background"], surface=c["surface"], panel=c["panel"],
        variables={
            "tapeviz-min-contrast": str(AA_TEXT),
            "footer-background": c["panel"], "footer-key-foreground": c["accent"],
            "footer-description-foreground": c["foreground"], "text-muted": "#C8C8C8",
            "text-primary": c["secondary"], "text-secondary": "#E0A8FF", "text-accent": c["accent"],
            "text-warning": c["warning"], "text-error": c["error"], "text-success": c["success"],
            "scrollbar": "#BFBFBF", "scrollbar-background": c["background"], "scrollbar-hover": "#FFFFFF",
            "scrollbar-active": c["accent"], "border": c["accent"], "border-blurred": "#A0A0A0",
            "block-cursor-background": c["accent"], "block-cursor-foreground": c["background"],
            "input-cursor-background": c["foreground"], "input-cursor-foreground": c["background"],
        },
    )


def luminance(colour: Color) -> float:
    """WCAG relative luminance of an opaque colour."""
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def theme_colour(variables: Mapping[str, str], spec: str, below: Color, colours: Colours | None = None) -> Color:
    """A colour a ``CONTRAST_PAIRS`` entry names, flattened onto ``below``."""
    if spec.startswith("role:"):
        assert colours is not None
        return colours.roles[spec[5:]]
    name, _, percent = spec.partition(" ")
    colour = _colour(variables, name, below)
    if percent:
        colour = below.blend(colour, float(percent.rstrip("%")) / 100)
    return colour


def theme_variables(theme) -> dict[str, str]:  # noqa: ANN001  (textual.theme.Theme)
    """A theme's CSS variables as the app sees them: the generated colour system, then its own."""
    return {**theme.to_color_system().generate(), **theme.variables}


def contrast_report(variables: Mapping[str, str]) -> list[tuple[str, float, float]]:
    """(what, ratio, minimum) for every pair of ``CONTRAST_PAIRS`` under one theme's variables."""
    colours = Colours.from_variables(variables)
    background = Color.parse(variables.get("background", "#121212"))
    out = []
    for what, fg, bg, minimum in CONTRAST_PAIRS:
        back = theme_colour(variables, bg, background)
        out.append((what, contrast(theme_colour(variables, fg, back, colours), back), minimum))
    return out


def theme_names() -> list[str]:
    """Every theme the app offers: Textual's built-in ones and the projector's."""
    return sorted({*BUILTIN_THEMES, PROJECTOR_THEME})


def install_themes(app) -> None:  # noqa: ANN001  (textual.app.App, before it runs)
    """Offer the projector theme (the palette's "Change theme" lists it)."""
    app.register_theme(projector_theme())


def chosen_theme() -> str | None:
    """The theme ``$TAPEVIZ_THEME`` asks for, when it names one (else None: Textual's default)."""
    import os

    name = os.environ.get(THEME_ENV, "").strip()
    return name if name in theme_names() else None
