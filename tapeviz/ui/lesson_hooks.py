"""What a lesson step asks of the app: hide an open question's numbers, show a what-if's new
recording, fit or zoom the graph. A mixin, so app.py stays short."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .conceal import Concealer

if TYPE_CHECKING:
    from ..trace import Trace
    from .session import Session


class LessonHooks:
    """Methods for ``TapevizApp`` (which provides ``session``, the reactives and ``_draw``)."""

    session: Session
    set_reactive: Any

    def _draw(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def conceal(self, concealer: Concealer) -> None:
        """Hide the numbers ``concealer`` masks everywhere on screen (a lesson's open question)."""
        if concealer is not self.session.concealer:
            self.session.concealer = concealer
            self._draw()

    def use_trace(self, trace: Trace) -> None:
        """Show another recording of the program (a lesson's what-if): graph, timeline and
        inspector follow it; the cursor keeps its place as far as the new trace reaches."""
        with self.session.lock:
            self.session.replace_trace(trace)
        self.set_reactive(type(self).selected, None)
        self.set_reactive(type(self).index, self.session.index)
        self._draw()

    def fit_graph(self, fit: bool) -> None:
        """Show the whole graph (``fit``) or the boxes at full size (a lesson step's @graph)."""
        self.session.fit() if fit else self.session.detail()
        self._draw()
