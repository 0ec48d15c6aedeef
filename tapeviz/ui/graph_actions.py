"""The graph pane's view keys on the app: fit/detail (``z``), panning (Shift+arrows), and the
pane's size, which the fit view chooses its drawing by. A mixin, so app.py stays short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .graph_pane import GraphPane

if TYPE_CHECKING:
    from textual.screen import Screen

    from .session import Session


class GraphViewActions:
    """Actions for ``TapevizApp`` (which provides ``session``, ``screen`` and ``_draw``)."""

    session: Session
    screen: Screen

    def _draw(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def on_graph_pane_resized(self, message: GraphPane.Resized) -> None:
        if self.session.pane_size != (message.width, message.height):
            self.session.pane_size = (message.width, message.height)
            self._draw()

    def action_toggle_fit(self) -> None:
        """Switch the graph pane between the whole graph (fit) and full-size boxes (detail)."""
        self.session.toggle_view()
        self._draw()

    def _pan(self, dx: int, dy: int) -> None:
        for pane in self.screen.query(GraphPane):
            pane.pan(dx, dy)

    def action_pan_left(self) -> None:
        self._pan(-1, 0)

    def action_pan_right(self) -> None:
        self._pan(1, 0)

    def action_pan_up(self) -> None:
        self._pan(0, -1)

    def action_pan_down(self) -> None:
        self._pan(0, 1)
