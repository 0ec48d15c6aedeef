"""The app's actions for the main screen's panels: source (``o``), messages (``m``), full matrix (``v``),
the timeline's search (``/``, and the palette's "go to event…").

A mixin of :class:`~tapeviz.ui.app.TapevizApp`, so the keys and the command palette reach them
from any screen (under the help or the palette too) while the panels belong to the main screen.
"""

from __future__ import annotations

from textual.app import App

from .main_screen import MainScreen
from .matrix_screen import MatrixScreen
from .timeline import Timeline


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

    def action_search_timeline(self) -> None:
        """Search the timeline's rows by name, op, scope or phase (``/``); see timeline.py."""
        app: App = self  # type: ignore[assignment]
        for timeline in app.screen.query(Timeline):
            timeline.start_search()
            return

    def action_go_to_event(self) -> None:
        """The same prompt, for an event number."""
        self.action_search_timeline()

    def action_view_matrix(self) -> None:
        """Every number of the selected tensor in a scrollable view."""
        app: App = self  # type: ignore[assignment]
        frame = getattr(app, "frame", None)
        if frame is not None and not isinstance(app.screen, MatrixScreen):
            app.push_screen(MatrixScreen(frame, app.colours))  # type: ignore[attr-defined]
