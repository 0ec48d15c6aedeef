"""The stepping widget: what ``tapeviz.step`` returns (ipywidgets, drawn by Graphviz's dot)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import graphviz
import ipywidgets as widgets

from ..engine.errors import TapevizError
from ..engine.events import BackwardStep
from ..trace import Trace
from ..view import describe_event
from ..view.chain_rule import chain_rule_lines

PHASES = ("forward", "backward", "update")


class Stepper(widgets.VBox):
    """Slider over the events (numbered from 1, as everywhere a person reads them), play/pause,
    one button per phase boundary, the event line, a backward step's chain rule (upstream × local
    = sent, with the traced numbers) and the graph as SVG at that event.

    ``number`` is the event shown (1..len(trace)); ``trace.events[number - 1]`` is its event.
    """

    def __init__(self, trace: Trace, *, collapse: Sequence[str] = (), rankdir: str = "TB", start: int = 1) -> None:
        if len(trace) == 0:
            raise TapevizError(f"{trace.title or 'the trace'}: nothing was recorded, so there is nothing to step through")
        self.trace = trace
        self.collapse = list(collapse)
        self.rankdir = rankdir
        self._svgs: dict[int, str] = {}
        n = len(trace)
        self.slider = widgets.IntSlider(value=1, min=1, max=n, step=1, description="event",
                                        continuous_update=False, layout=widgets.Layout(width="55%"))
        self.play = widgets.Play(value=1, min=1, max=n, step=1, interval=800, description="play / pause")
        # linked in the kernel (not only in the browser), so code and tests can drive play too
        self._play_link = widgets.link((self.play, "value"), (self.slider, "value"))
        phases = set(trace.phases)
        self.buttons = {
            ph: widgets.Button(description=ph, tooltip=f"go to where the {ph} phase begins",
                               disabled=ph not in phases, layout=widgets.Layout(width="auto"))
            for ph in PHASES
        }
        for ph, button in self.buttons.items():
            button.on_click(lambda _b, ph=ph: self.go_to_phase(ph))
        self.event_line = widgets.HTML()
        self.chain_rule = widgets.HTML()
        self.graph = widgets.HTML()
        self.slider.observe(self._moved, names="value")
        super().__init__([
            widgets.HBox([self.play, self.slider, *self.buttons.values()]), self.event_line, self.chain_rule, self.graph,
        ])
        self.number = max(1, min(int(start), n))
        self._show(self.number)

    @property
    def number(self) -> int:
        """The event shown, counted from 1."""
        return int(self.slider.value)

    @number.setter
    def number(self, value: int) -> None:
        self.slider.value = value

    def go_to_phase(self, phase: str) -> None:
        """Jump to where ``phase`` begins in the current iteration (else the next one that has it)."""
        trace = self.trace
        iteration = trace.iteration(self.number - 1)
        for it in [iteration, *range(iteration + 1, trace.iteration_count), *range(iteration)]:
            index = trace.first_of(phase, it)
            if index is not None:
                self.number = index + 1
                return

    def event_text(self, number: int) -> str:
        """``event k/N · phase · iteration i/I — what it did``: the line shown above the graph."""
        trace, index = self.trace, number - 1
        what, where, numbers = describe_event(trace, trace.events[index])
        head = (f"event {number}/{len(trace)} · {trace.phase(index)} · "
                f"iteration {trace.iteration(index) + 1}/{trace.iteration_count}")
        said = " ".join(part for part in (what, f"[{where}]" if where else "", numbers) if part)
        return f"{head} — {said}"

    def chain_rule_text(self, number: int) -> str:
        """The chain rule of event ``number`` when it is a backward step (else empty): the
        inspector's lines, from ``tapeviz.view.chain_rule``."""
        event = self.trace.events[number - 1]
        return "\n".join(chain_rule_lines(self.trace, event)) if isinstance(event, BackwardStep) else ""

    def svg(self, number: int) -> str:
        """The graph at event ``number`` as SVG text (cached: stepping back costs nothing)."""
        if number not in self._svgs:
            from ..render import to_graphviz

            graph = to_graphviz(self.trace, at=number, collapse=self.collapse, rankdir=self.rankdir)
            try:
                text = graph.pipe(format="svg", encoding="utf-8")
            except graphviz.ExecutableNotFound:
                text = ("<p>Graphviz's <code>dot</code> program is not installed, so here is the DOT text "
                        f"(apt-get install graphviz | brew install graphviz):</p><pre>{html.escape(graph.source)}</pre>")
            self._svgs[number] = text[text.find("<svg"):] if "<svg" in text else text
        return self._svgs[number]

    def _moved(self, change: dict) -> None:
        self._show(int(change["new"]))

    def _show(self, number: int) -> None:
        self.event_line.value = f"<b>{html.escape(self.event_text(number))}</b>"
        chain = self.chain_rule_text(number)
        self.chain_rule.value = f"<pre style=\"margin:0\">{html.escape(chain)}</pre>" if chain else ""
        self.graph.value = f'<div style="overflow:auto; max-height:80vh">{self.svg(number)}</div>'


__all__ = ["PHASES", "Stepper"]
