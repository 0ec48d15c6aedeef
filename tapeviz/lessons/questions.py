"""Predict, then reveal: what a learner has done with each question, and what to show for it.

A wrong answer earns only a ``Hint:`` line; a second wrong answer, or asking to reveal, adds
the worked explanation as a ``Why:`` line. A right answer shows ``Right:`` and the ``Why:``.
This module holds the per-question state and turns it into those lines; ``LessonRun`` judges
the answers against the trace and feeds it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import numpy as np

from ..view.shown import Shown
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


# What an answer expression asks for, by the functions it calls (see ``quantity_of``).
QUANTITIES = {
    **dict.fromkeys(("grad", "sent", "upstream", "returned", "walk_grad"), "gradient"),
    **dict.fromkeys(("value", "before", "after"), "value"),
    **dict.fromkeys(("loss", "losses"), "loss"),
    **dict.fromkeys(("uses", "shape", "size", "len", "count", "calls", "iterations", "inputs"), "count"),
}
# Which screen positions could show each kind of answer ("any": every position; a number made
# of two quantities, such as a ratio of losses, could coincide with anything).
MASKED: dict[str, frozenset[Shown]] = {
    "gradient": frozenset({Shown.GRADIENT, Shown.OTHER}),
    "value": frozenset({Shown.INPUT, Shown.VALUE, Shown.LOSS, Shown.OTHER}),
    "loss": frozenset({Shown.VALUE, Shown.LOSS, Shown.OTHER}),
    "count": frozenset({Shown.SHAPE, Shown.OTHER}),
    # not the ops' derivative rules (∂out/∂a = 1 where a > 0 else 0): the same for every input,
    # what the learner works from; hiding their numbers garbles them
    "any": frozenset(Shown) - {Shown.RULE},
}
# What the learner works an answer out from, so it may equal the answer on screen: the
# program's inputs and the ops' derivative rules always; for a gradient, the forward values
# too (backprop multiplies them: the share ``b`` sends to ``a = x·y`` in ``c = a·b`` is ``a``).
GIVEN: dict[str, frozenset[Shown]] = {
    kind: frozenset({Shown.INPUT, Shown.RULE} | ({Shown.VALUE} if kind == "gradient" else set())) - MASKED[kind]
    for kind in MASKED
}


def quantity_of(expression: str) -> str:
    """What an answer expression asks for: ``gradient``, ``value``, ``loss``, ``count`` or ``any``.

    A count (``uses("x")``, ``size(value("w"))``, ``count(sent("relu", 0) == 0)``) is one whatever
    it counts. Otherwise the expression must read exactly one quantity (``grad("w")[1, 1]``,
    ``sqrt(sum(upstream("clip") ** 2))``; indexes do not count): two (``loss(1) / loss(2)``, a
    finite difference of values) make a new number that any position could show, so ``any``.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return "any"
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in QUANTITIES:
            found.append(QUANTITIES[node.func.id])  # its arguments name what it reads
            return
        if isinstance(node, ast.Subscript):
            visit(node.value)  # the index picks entries; it is not what is asked
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree.body)
    if found and found[0] == "count" and _outermost_call(tree.body) in QUANTITIES:
        return "count"
    return found[0] if len(found) == 1 else "any"


def _outermost_call(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None


@dataclass(frozen=True)
class Secret:
    """The numbers that would give a question's answer away, so a screen can hide them.

    ``values`` are the right answer (a screen hides a number when it rounds like one of them at
    ``precision``), ``kind`` what it is (``quantity_of`` its expression): a screen hides only
    the positions that could show that kind (``masks``), so a gradient question leaves the input
    values on show. ``nodes`` are the ids of the nodes the answer expression names (e.g.
    ``grad("x")`` names x).
    """

    values: tuple[float, ...]
    precision: Precision
    nodes: frozenset[int] = field(default_factory=frozenset)
    kind: str = "any"
    # numbers that give the answer in one step (``LessonRun.secret``): the mean, sum or norm
    # of the tensor an asked entry belongs to, a sum of gradient shares that includes the asked
    # one, the last share of an asked sum. Hidden wherever the answer is, as they are shown
    # (``shows``: a number written with k significant digits is ``d`` rounded to k).
    derived: tuple[float, ...] = ()
    # numbers the learner already knows (earlier answers): never hidden again
    known: tuple[float, ...] = ()

    def masks(self, shown: Shown) -> bool:
        """Whether a position showing ``shown`` could give this answer away."""
        return shown in MASKED.get(self.kind, MASKED["any"])

    @property
    def givens(self) -> frozenset[Shown]:
        """The positions that may show this answer without giving it away (``GIVEN``): the
        rendered-screen check searches everything else."""
        return GIVEN.get(self.kind, frozenset())

    def equals(self, number: float) -> bool:
        """True when ``number`` equals an answer at the question's precision."""
        if not np.isfinite(number):
            return False
        if self.precision.kind == "exact" and not float(number).is_integer():
            return False  # 2.5 does not give away a count of 3
        return any(self.precision.same(number, v) for v in self.values)

    def shows(self, token: str) -> bool:
        """True when the number written as ``token`` gives the answer away: it equals the answer
        at the question's precision, or it is one of the ``derived`` numbers as written; and it
        is not a number the learner already knows (``known``)."""
        try:
            number = float(token.replace("−", "-"))
        except (ValueError, OverflowError):
            return False
        if any(written_as(token, k) for k in self.known):
            return False
        if self.kind == "count" and "." in token:
            return False  # a count is written as a whole number: 2.0000 is a value
        return self.equals(number) or any(written_as(token, d) for d in self.derived)

    def gives_away(self, number: float, shown: Shown = Shown.OTHER) -> bool:
        """True when ``number``, drawn where the screen shows ``shown``, gives the answer away."""
        return self.masks(shown) and self.equals(number)

    def found_in(self, text: str) -> list[str]:
        """The numbers written in ``text`` that equal the answer, wherever they stand."""
        return [m for m in numbers_in(text) if self.shows(m)]

    def derivations(self, numbers: list[str], tensor: tuple[tuple[float, ...], tuple[float, ...]]) -> list[str]:
        """What in ``numbers`` (written numbers) gives the answer in one step from the asked
        tensor: its mean or sum as written (``tensor[0]``) plus, minus or twice minus one of its
        entries as written (``tensor[1]``): 2·mean − min of two entries is their max. As texts
        (``"2·0.3219 − 0.1756"``)."""
        aggregates, entries = tensor
        tokens = list(dict.fromkeys(numbers))
        means = [t for t in tokens if any(written_as(t, v) for v in aggregates)]
        parts = [t for t in tokens if any(written_as(t, v) for v in entries)]
        found: list[str] = []
        for a_text in means:
            a = float(a_text.replace("−", "-"))
            for b_text in parts:
                if b_text == a_text or any(written_as(b_text, k) or written_as(a_text, k) for k in self.known):
                    continue
                b = float(b_text.replace("−", "-"))
                for value, said in ((a + b, f"{a_text} + {b_text}"), (a - b, f"{a_text} − {b_text}"),
                                    (2 * a - b, f"2·{a_text} − {b_text}")):
                    if self.equals(value):
                        found.append(said)
        return found


FENCE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
SUBSCRIPT_RE = re.compile(r"(?<=[\w\]])\[[^\[\]]*\]")


def prose(text: str) -> str:
    """A step's text without what cannot give an answer away: program listings (a question may
    ask for an input the program sets) and subscripts such as ``w[0, 0]``."""
    return SUBSCRIPT_RE.sub("[]", FENCE_RE.sub("", text))


NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def written_as(token: str, value: float) -> bool:
    """Whether ``token`` (a number as written on screen) is ``value`` shown with as many
    significant digits as ``token`` has: ``0.3219`` is 0.321875, ``45.00`` is 45; a whole
    number without a point (``6``) must be exact, so a box's ``6`` is not 6.4."""
    try:
        number = float(token.replace("−", "-"))
    except (ValueError, OverflowError):
        return False
    if not np.isfinite(value):
        return False
    mantissa = token.lstrip("-−").split("e")[0]
    if "." not in mantissa:
        return abs(number - value) <= 1e-9 * max(1.0, abs(value))
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1
    if value == 0:
        return number == 0
    scale = 10.0 ** (np.floor(np.log10(abs(value))) - digits + 1)
    return abs(number - value) <= 0.5 * scale * (1 + 1e-9)


def numbers_in(text: str) -> list[str]:
    """Every decimal number written in a text (``6``, ``-0.0024``, ``1.5e-3``)."""
    return NUMBER_RE.findall(text)
