"""Predict, then reveal: hide the numbers on screen that would give a question's answer away.

A :class:`Concealer` is built from a lesson step's ``Secret`` (the answer's values and its
precision) and carried by every :class:`~tapeviz.ui.session.Frame`; the widgets pass the text
they draw through it. A number that rounds like the answer at the question's precision is
replaced by as many ``?`` as it has characters, so boxes, grids, columns and the styles of a
Rich ``Text`` or a ``Strip`` keep their widths. With no secret (outside lessons, or once the
question is answered or revealed) it returns its input unchanged.
"""

from __future__ import annotations

import re
from typing import Protocol

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

# the same numbers the lesson checker reads (tapeviz.lessons.questions.NUMBER_RE)
NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


class SecretLike(Protocol):
    """What the UI needs of ``tapeviz.lessons.questions.Secret`` (the UI never imports lessons)."""

    def gives_away(self, number: float) -> bool: ...


class Concealer:
    """Masks the numbers that give a secret away; the identity when ``secret`` is None."""

    def __init__(self, secret: SecretLike | None = None) -> None:
        self.secret = secret

    def __bool__(self) -> bool:
        return self.secret is not None

    def _mask(self, match: re.Match[str]) -> str:
        text = match.group(0)
        assert self.secret is not None
        try:
            hidden = self.secret.gives_away(float(text.replace("−", "-")))
        except (ValueError, OverflowError):
            hidden = False
        return "?" * len(text) if hidden else text

    def __call__(self, text: str) -> str:
        """``text`` with every giveaway number masked (same length)."""
        if self.secret is None or not text:
            return text
        return NUMBER_RE.sub(self._mask, text)

    def text(self, text: Text) -> Text:
        """A Rich ``Text`` masked in place of its characters, keeping its spans."""
        plain = self(text.plain)
        if plain != text.plain:
            text = text.copy()
            text.plain = plain  # same length: the styles stay where they were
        return text

    def strip(self, strip: Strip) -> Strip:
        """A rendered line masked segment by segment (a number never spans two segments here)."""
        if self.secret is None:
            return strip
        segments = [Segment(self(s.text), s.style, s.control) if not s.control else s for s in strip]
        return Strip(segments, strip.cell_length)


NO_SECRET = Concealer()
