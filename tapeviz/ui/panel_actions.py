"""The app's actions for the main screen's panels: source (``o``), messages (``m``), full matrix (``v``).

A mixin of :class:`~tapeviz.ui.app.TapevizApp`, so the keys and the command palette reach them
from any screen (under the help or the palette too) while the panels belong to the main screen.
"""

from __future__ import annotations

from textual.app import App

from .main_screen import MainScreen
from .matrix_screen import MatrixScreen


class PanelActions:
    """``toggle_source``, ``toggle_messages`` and ``view_matrix``, for an App with ``frame``/``colours``."""

    def _main_screen(self) -> MainScreen | None:
        app: App = self  # type: ignore[assignment]
        return next((s for s in reversed(app.screen_stack) if isinstance(s, MainScreen)), None)

    def action_toggle_source(self) -> None:
        """Show or hide the program's text beside the graph."""
        screen = self._main_screen()
        if screen is not None:
            screen.toggle_source()

    def action_toggle_messages(self) -> None:
        """Show or hide the program's warnings, output and NaN/inf findings."""
        screen = self._main_screen()
        if screen is not None:
            screen.toggle_messages()

    def action_view_matrix(self) -> None:
        """Every number of the selected tensor in a scrollable view."""
        app: App = self  # type: ignore[assignment]
        frame = getattr(app, "frame", None)
        if frame is not None and not isinstance(app.screen, MatrixScreen):
            app.push_screen(MatrixScreen(frame, app.colours))  # type: ignore[attr-defined]
