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

import numpy as np
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from ..view.shown import Shown

# the same numbers the lesson checker reads (tapeviz.lessons.questions.NUMBER_RE)
NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
NONE_RE = re.compile(r"\bNone\b")  # a gradient that will not come: evidence too
# an index after a name: the numbers in ``w[0, 1]`` or ``∂L/∂add[1,0]`` pick an entry
INDEX_RE = re.compile(r"(?<=[\w\]])\[[\d,\s:]*\]")
# a chain-rule product: with one of its three numbers hidden, the other two give it back
PRODUCT_RE = re.compile(r"upstream (\S+) × local (\S+) = sent (\S+)")
PICTURE_CHECK_LIMIT = 4096  # entries of a tensor checked one by one before its heatmap is shown
# a shape as the timeline writes it, ``(2,)`` or ``(16, 128)``: structure, not a computed number
SHAPE_TUPLE_RE = re.compile(r"\((?:\d+, )*\d+,?\)")


class SecretLike(Protocol):
    """What the UI needs of ``tapeviz.lessons.questions.Secret`` (the UI never imports lessons)."""

    def masks(self, shown: Shown) -> bool: ...

    @property
    def givens(self) -> frozenset[Shown]: ...

    @property
    def nodes(self) -> frozenset[int]: ...

    def equals(self, number: float) -> bool: ...

    def shows(self, token: str) -> bool: ...


class Concealer:
    """Masks the numbers that give a secret away; the identity when ``secret`` is None.

    ``also`` hides the numbers of more kinds of position than the secret asks for: the
    rendered-screen check hides the inputs' values with it, which may coincide with an answer."""

    def __init__(self, secret: SecretLike | None = None, also: frozenset[Shown] = frozenset(),
                 ahead: tuple[SecretLike, ...] = (), keep: dict[int, frozenset[int]] | None = None) -> None:
        self.secret = secret
        self.also = also
        # node id -> the columns of its matrix a lesson step asks about: a number grid that
        # elides columns keeps these (hiding replaces numbers, never the asked column)
        self.keep = keep or {}
        # the secrets of the questions just ahead, hidden too: the next question's answer is
        # often on screen already while this one is open (a gradient the same step computed)
        self.ahead = ahead if secret is not None else ()
        # hides_picture's verdicts: every repaint asks again for the same arrays of the trace
        # (the array is kept in the entry, so its id is not reused while the entry lives)
        self._pictures: dict[tuple[int, Shown, int | None], tuple[object, bool]] = {}

    def __bool__(self) -> bool:
        return self.secret is not None

    def _secrets(self, shown: Shown) -> list[SecretLike]:
        secrets = [s for s in (self.secret, *self.ahead) if s is not None]
        return [s for s in secrets if shown in self.also or s.masks(shown)]

    def hides(self, shown: Shown) -> bool:
        """Whether numbers drawn as ``shown`` are candidates for hiding."""
        return bool(self._secrets(shown))

    def hides_picture(self, array: object, shown: Shown, node: int | None = None) -> bool:
        """Whether a picture of ``array`` (a box's heatmap) could give a secret away: it stands
        where the asked kind shows, and it is the tensor a question names (``node``) or holds a
        number that rounds like an answer. A tensor too large to check entry by entry counts."""
        secrets = self._secrets(shown)
        if not secrets:
            return False
        if node is not None and any(node in s.nodes for s in secrets):
            return True
        key = (id(array), shown, node)
        known = self._pictures.get(key)
        if known is not None and known[0] is array:
            return known[1]
        flat = np.asarray(array, dtype=np.float64).reshape(-1)
        hidden = flat.size > PICTURE_CHECK_LIMIT or any(
            s.equals(v) for s in secrets for v in (float(x) for x in flat[np.isfinite(flat)]))
        self._pictures[key] = (array, hidden)
        return hidden

    def __call__(self, text: str, shown: Shown = Shown.OTHER) -> str:
        """``text`` with every giveaway number masked (same length); ``shown``: what it shows."""
        if not text:
            return text
        secrets = self._secrets(shown)
        if not secrets:
            return text

        indices = [m.span() for m in INDEX_RE.finditer(text)]

        def mask(match: re.Match[str]) -> str:
            number = match.group(0)
            if any(a < match.start() < b for a, b in indices):
                return number  # an index (∂L/∂add[1, 0]) names an entry, it is not one
            hidden = any(s.shows(number) for s in secrets)
            return "?" * len(number) if hidden else number

        masked = NUMBER_RE.sub(mask, text)
        if masked != text:
            masked = PRODUCT_RE.sub(_whole_product_if_part_hidden, masked)
        return masked

    def ahead_of_cursor(self, text: str) -> str:
        """An event after the cursor while a question is open: its names stay, every number
        (and every ``None``) becomes ``·`` (no look-ahead: what the backward pass will compute
        is not shown yet)."""
        if self.secret is None or not text:
            return text
        shapes = [m.span() for m in SHAPE_TUPLE_RE.finditer(text)]

        def dot(match: re.Match[str]) -> str:
            if any(a < match.start() < b for a, b in shapes):
                return match.group(0)  # a shape stays legible: it is known before the op runs
            return "·" * len(match.group(0))

        return NONE_RE.sub("····", NUMBER_RE.sub(dot, text))

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


def _whole_product_if_part_hidden(match: re.Match[str]) -> str:
    """``upstream ? × local 6 = sent 6`` gives the ? as 6 / 6: hide all three numbers then."""
    parts = match.groups()
    if not any("?" in p for p in parts):
        return match.group(0)
    hidden = [NUMBER_RE.sub(lambda m: "?" * len(m.group(0)), p) for p in parts]
    return "upstream {} × local {} = sent {}".format(*hidden)


NO_SECRET = Concealer()
