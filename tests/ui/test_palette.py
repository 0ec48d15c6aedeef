"""Theme colours: every built-in theme gives readable, distinct colours for each meaning."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from tapeviz.ui.palette import Colours

MEANINGS = ["op", "parameter", "constant", "loss", "grad", "update", "highlight", "current-line", "selected"]
THEMES = sorted(name for name in BUILTIN_THEMES if not name.startswith("ansi"))  # ansi: the terminal's own colours


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours_of(theme: str) -> Colours:
    return Colours.from_variables(BUILTIN_THEMES[theme].to_color_system().generate())


@pytest.mark.parametrize("theme", THEMES)
def test_every_meaning_reads_on_the_theme_background(theme: str) -> None:
    c = colours_of(theme)
    for role in MEANINGS:
        assert contrast(c.roles[role], c.background) >= 3.0, (theme, role, c.roles[role].hex, c.background.hex)
    assert contrast(c.roles["muted"], c.background) >= 2.0  # dim on purpose, still visible
    fill = c.roles["current"]  # the current box's label: text on a fill
    assert contrast(fill.get_contrast_text(1.0), fill) >= 4.5


@pytest.mark.parametrize("theme", THEMES)
def test_meanings_keep_different_colours(theme: str) -> None:
    c = colours_of(theme)
    hues = [c.roles[r].hex for r in ("loss", "parameter", "constant", "grad", "update")]
    assert len(set(hues)) == len(hues), (theme, hues)


def test_light_theme_is_drawn_dark_on_light() -> None:
    """The inspector's node heading (the op colour) was light grey on light grey on textual-light."""
    c = colours_of("textual-light")
    assert c.background.brightness > 0.7 and c.roles["op"].brightness < 0.3
    cell = c.diverging(0.0, 1.0)  # a zero in a number grid sits on the theme's own background
    assert cell.bgcolor is not None and cell.bgcolor.triplet is not None
    assert Color(*cell.bgcolor.triplet).hex == c.background.hex
