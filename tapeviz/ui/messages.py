"""What the app's thread workers report back: one message each, handled on the UI thread."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from ..render.terminal_layout import Canvas, TerminalLayout


class LayoutReady(Message):
    """A graph structure (``key``) is laid out; ``notice`` says when Graphviz was missing."""

    def __init__(self, key: str, layout: TerminalLayout, canvas: Canvas, notice: str) -> None:
        super().__init__()
        self.key, self.layout, self.canvas, self.notice = key, layout, canvas, notice


class Trained(Message):
    """Training finished: the trace had ``before`` events; ``error`` is empty on success."""

    def __init__(self, before: int, error: str) -> None:
        super().__init__()
        self.before, self.error = before, error


class Exported(Message):
    """An image was written to ``path`` (or not: ``error``)."""

    def __init__(self, path: Path, error: str) -> None:
        super().__init__()
        self.path, self.error = path, error


class Saved(Message):
    """The trace was saved to ``path`` (or not: ``error``)."""

    def __init__(self, path: Path, error: str) -> None:
        super().__init__()
        self.path, self.error = path, error


class Replayed(Message):
    """A summarised iteration was recorded again (``trace``), or could not be (``error``)."""

    def __init__(self, run: object, iteration: int, trace: object, error: str) -> None:
        super().__init__()
        self.run, self.iteration, self.trace, self.error = run, iteration, trace, error


class ReplayProgress(Message):
    """How far a replay has got (``text`` for the status line)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
