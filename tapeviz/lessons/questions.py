"""Predict, then reveal: what a learner has done with each question, and what to show for it.

A wrong answer earns only a ``Hint:`` line; a second wrong answer, or asking to reveal, adds
the worked explanation as a ``Why:`` line. A right answer shows ``Right:`` and the ``Why:``.
This module holds the per-question state and turns it into those lines; ``LessonRun`` judges
the answers against the trace and feeds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .model import Precision

WRONG_BEFORE_WHY = 2  # wrong answers after which the worked explanation appears by itself
DEFAULT_HINT = "not yet. Look at the numbers this step shows and try again (or reveal the answer)."


@dataclass
class QuestionState:
    """One question's history in this sitting."""

    attempts: int = 0  # real answers given (not counting text that was not an answer at all)
    wrong: int = 0
    correct: bool = False
    revealed: bool = False  # the learner asked for the answer
    first_try: bool | None = None  # whether the first real answer was right
    last_given: str = ""
    invalid: str = ""  # why the last input was not an answer ("type a number ...")

    @property
    def open(self) -> bool:
        """Still waiting for an answer: neither answered right nor revealed."""
        return not self.correct and not self.revealed

    @property
    def shows_why(self) -> bool:
        return self.correct or self.revealed or self.wrong >= WRONG_BEFORE_WHY


@dataclass(frozen=True)
class Feedback:
    """The outcome of one typed answer, and the lines the pane shows for the question now."""

    correct: bool
    valid: bool
    attempt: int  # 1 for the first real answer
    lines: tuple[str, ...] = ()

    @property
    def first(self) -> bool:
        return self.valid and self.attempt == 1


def feedback_lines(state: QuestionState, right_text: str, hint: str, why: str) -> list[str]:
    """What the pane shows under a question, given its state (empty before any answer)."""
    lines: list[str] = []
    if state.invalid:
        lines.append(state.invalid)
    if state.correct:
        lines.append(f"Right: {right_text}.")
    elif state.revealed:
        lines.append(f"Answer: {right_text}.")
    elif state.wrong:
        said = f" (you said {state.last_given})" if state.last_given else ""
        lines.append(f"Hint: {hint or DEFAULT_HINT}{said}")
    if state.shows_why and why:
        lines.append(f"Why: {why}")
    return lines


@dataclass(frozen=True)
class Secret:
    """The numbers that would give a question's answer away, so a screen can hide them.

    ``values`` are the right answer (and, for arrays named by the answer, nothing more: a
    screen hides a number when it rounds like one of them at ``precision``). ``nodes`` are the
    ids of the nodes the answer expression names (e.g. ``grad("x")`` names x): their gradient
    entries are what the timeline and inspector would show.
    """

    values: tuple[float, ...]
    precision: Precision
    nodes: frozenset[int] = field(default_factory=frozenset)

    def gives_away(self, number: float) -> bool:
        """True when ``number`` shown on screen equals an answer at the question's precision."""
        if not np.isfinite(number):
            return False
        if self.precision.kind == "exact" and not float(number).is_integer():
            return False  # 2.5 does not give away a count of 3
        return any(self.precision.same(number, v) for v in self.values)

    def found_in(self, text: str) -> list[str]:
        """The numbers written in ``text`` that give the answer away."""
        return [m for m in numbers_in(text) if self.gives_away(float(m.replace("−", "-")))]


FENCE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
SUBSCRIPT_RE = re.compile(r"(?<=[\w\]])\[[^\[\]]*\]")


def prose(text: str) -> str:
    """A step's text without what cannot give an answer away: program listings (a question may
    ask for an input the program sets) and subscripts such as ``w[0, 0]``."""
    return SUBSCRIPT_RE.sub("[]", FENCE_RE.sub("", text))


NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers_in(text: str) -> list[str]:
    """Every decimal number written in a text (``6``, ``-0.0024``, ``1.5e-3``)."""
    return NUMBER_RE.findall(text)
