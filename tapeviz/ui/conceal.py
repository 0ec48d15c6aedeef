"""Predict, then reveal: hide the numbers on screen that would give a question's answer away.

A :class:`Concealer` is built from a lesson step's ``Secret`` (the answer's values, its
precision and what kind of quantity it is) and carried by every
:class:`~tapeviz.ui.session.Frame`; the widgets pass the text they draw through it and say what
that text shows (a :class:`~tapeviz.view.shown.Shown`: an input's value, an op's value, a
gradient, the loss, structure, or a mix). A number is replaced by as many ``?`` as it has
characters when it rounds like the answer at the question's precision *and* stands where the
asked kind of quantity is shown: a question about x's gradient hides gradients, not the value of
x the learner works from. Widths are kept, so boxes, grids, columns and the styles of a Rich
``Text`` or a ``Strip`` stay where they were. With no secret (outside lessons, or once the
question is answered or revealed) it returns its input unchanged.
"""

from __future__ import annotations

import re
from typing import Protocol

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from ..view.shown import Shown

# the same numbers the lesson checker reads (tapeviz.lessons.questions.NUMBER_RE)
NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


class SecretLike(Protocol):
    """What the UI needs of ``tapeviz.lessons.questions.Secret`` (the UI never imports lessons)."""

    def masks(self, shown: Shown) -> bool: ...

    @property
    def givens(self) -> frozenset[Shown]: ...

    def equals(self, number: float) -> bool: ...


class Concealer:
    """Masks the numbers that give a secret away; the identity when ``secret`` is None.

    ``also`` hides the numbers of more kinds of position than the secret asks for: the
    rendered-screen check hides the inputs' values with it, which may coincide with an answer."""

    def __init__(self, secret: SecretLike | None = None, also: frozenset[Shown] = frozenset()) -> None:
        self.secret = secret
        self.also = also

    def __bool__(self) -> bool:
        return self.secret is not None

    def hides(self, shown: Shown) -> bool:
        """Whether numbers drawn as ``shown`` are candidates for hiding."""
        return self.secret is not None and (shown in self.also or self.secret.masks(shown))

    def __call__(self, text: str, shown: Shown = Shown.OTHER) -> str:
        """``text`` with every giveaway number masked (same length); ``shown``: what it shows."""
        if not text or not self.hides(shown):
            return text
        secret = self.secret
        assert secret is not None

        def mask(match: re.Match[str]) -> str:
            number = match.group(0)
            try:
                hidden = secret.equals(float(number.replace("−", "-")))
            except (ValueError, OverflowError):
                hidden = False
            return "?" * len(number) if hidden else number

        return NUMBER_RE.sub(mask, text)

    def text(self, text: Text, shown: Shown = Shown.OTHER) -> Text:
        """A Rich ``Text`` masked in place of its characters, keeping its spans."""
        plain = self(text.plain, shown)
        if plain != text.plain:
            text = text.copy()
            text.plain = plain  # same length: the styles stay where they were
        return text

    def strip(self, strip: Strip, shown: Shown = Shown.OTHER) -> Strip:
        """A rendered line masked segment by segment (a number never spans two segments here)."""
        if not self.hides(shown):
            return strip
        segments = [Segment(self(s.text, shown), s.style, s.control) if not s.control else s for s in strip]
        return Strip(segments, strip.cell_length)


NO_SECRET = Concealer()
