"""The projector theme: every text and border the app draws at WCAG AA contrast or better, focus
shown by shape as well as colour; the contrast of every built-in theme computed the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from tapeviz.ui.palette import (
    AA_TEXT,
    CONTRAST_PAIRS,
    PROJECTOR_THEME,
    Colours,
    contrast,
    contrast_report,
    projector_theme,
    theme_variables,
)
from tests.support.ui_helpers import make_app, settle

# Themes whose colours are the terminal's own ANSI palette: nothing fixed to measure.
TERMINAL_COLOURED = {"ansi-dark", "ansi-light"}


def test_contrast_is_wcag() -> None:
    black, white = Color.parse("#000000"), Color.parse("#FFFFFF")
    assert contrast(black, white) == pytest.approx(21.0)
    assert contrast(white, white) == pytest.approx(1.0)
    assert contrast(Color.parse("#767676"), white) == pytest.approx(4.54, abs=0.01)  # the known AA grey


@pytest.mark.parametrize("name", sorted(set(BUILTIN_THEMES) - TERMINAL_COLOURED))
def test_every_builtin_theme_is_measured(name: str) -> None:
    report = contrast_report(theme_variables(BUILTIN_THEMES[name]))
    assert [what for what, _, _ in report] == [what for what, *_ in CONTRAST_PAIRS]
    assert all(1.0 <= ratio <= 21.0 for _, ratio, _ in report)
    assert dict((w, r) for w, r, _ in report)["text"] >= AA_TEXT  # every theme's plain text is readable


def test_the_projector_theme_meets_aa_everywhere() -> None:
    report = contrast_report(theme_variables(projector_theme()))
    failing = [(what, round(ratio, 2), minimum) for what, ratio, minimum in report if ratio < minimum]
    assert not failing, failing
    # the default theme is what issue 26 saw: pane borders and titles far below AA on a projector
    default = dict((w, r) for w, r, _ in contrast_report(theme_variables(BUILTIN_THEMES["textual-dark"])))
    assert default["pane border and title"] < 3


def test_projector_roles_stay_apart() -> None:
    colours = Colours.from_variables(theme_variables(projector_theme()))
    roles = ["op", "loss", "parameter", "constant", "grad", "update", "selected"]
    hexes = [colours.hex(r) for r in roles]
    assert len(set(hexes)) == len(roles), dict(zip(roles, hexes))  # each meaning its own colour
    assert contrast(colours.roles["pending"], colours.background) >= AA_TEXT
    assert colours.roles["pending"] != colours.roles["op"]  # not computed yet still looks dimmer


async def test_the_app_opens_in_the_projector_theme_and_shows_focus_by_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAPEVIZ_THEME", PROJECTOR_THEME)
    app = make_app("two-layer", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == PROJECTOR_THEME and app.has_class("-projector")
        assert PROJECTOR_THEME in app.available_themes  # the palette's "Change theme" offers it
        inspector, timeline = app.screen.query_one("#inspector"), app.screen.query_one("#timeline")
        inspector.focus()
        await pilot.pause()
        assert inspector.styles.border_top[0] == "heavy" and timeline.styles.border_top[0] == "round"
        assert app.colours.background == Color.parse("#000000")
        app.theme = "textual-dark"
        await pilot.pause()
        await pilot.pause()
        assert not app.has_class("-projector") and inspector.styles.border_top[0] == "round"


async def test_an_unknown_theme_name_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAPEVIZ_THEME", "no-such-theme")
    app = make_app("square", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
