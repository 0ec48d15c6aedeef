"""Stepping through a trace in Jupyter: ``tapeviz.step(source_or_trace)`` returns an ipywidgets
widget (slider over the events numbered from 1, play/pause, phase buttons, the graph as SVG with
its event line). ipywidgets is optional: ``pip install "tapeviz[jupyter]"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..engine.errors import TapevizError

if TYPE_CHECKING:
    from .stepper import Stepper


def step(source_or_trace: Any, *, collapse: Sequence[str] = (), rankdir: str = "TB", start: int = 1) -> Stepper:
    """A widget that steps through ``source_or_trace`` (a Trace, an example name, a .py program or a
    saved trace file); ``start`` is the event number shown first (1 = the first event)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        raise TapevizError("tapeviz.step needs ipywidgets: pip install \"tapeviz[jupyter]\"") from None
    from ..trace import Trace
    from .stepper import Stepper

    if isinstance(source_or_trace, Trace):
        trace = source_or_trace
    else:
        from ..sources import load_source

        trace = load_source(str(source_or_trace))
    return Stepper(trace, collapse=collapse, rankdir=rankdir, start=start)


__all__ = ["step"]
