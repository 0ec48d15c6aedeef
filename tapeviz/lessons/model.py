"""The lesson format as plain data: a lesson is front matter plus a list of short steps.

Nothing here knows about traces or the UI. Every piece remembers the file and line it came
from, so an error found later (a pointer that does not resolve, an answer that cannot be
computed) can still name the exact place in ``lesson.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..engine.errors import TapevizError


class LessonError(TapevizError):
    """A lesson that cannot be read, resolved or checked; the message names file and line."""

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None) -> None:
        self.file = Path(file) if file is not None else None
        self.line = line
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class Where:
    """A place in a lesson file (1-based line)."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question; ``condition`` is true for the right one(s)."""

    label: str
    condition: str
    where: Where


@dataclass(frozen=True)
class Tolerance:
    """How close a typed number must be: ``abs`` or ``rel`` (a fraction of the right answer)."""

    kind: str  # "abs" or "rel"
    amount: float

    def accepts(self, given: float, correct: float) -> bool:
        limit = self.amount if self.kind == "abs" else self.amount * abs(correct)
        return abs(given - correct) <= max(limit, 1e-9)

    def describe(self) -> str:
        return f"±{self.amount:g}" if self.kind == "abs" else f"±{self.amount * 100:g}%"


DEFAULT_TOLERANCE = Tolerance("rel", 0.005)


@dataclass(frozen=True)
class Precision:
    """How precisely a number question is answered: ``sf`` significant figures, ``dp`` decimal
    places, or ``exact`` (a whole number). A typed answer is right when it rounds to the same
    value as the right answer at this precision."""

    kind: str  # "sf", "dp" or "exact"
    digits: int = 0

    def round(self, value: float) -> Decimal:
        """``value`` rounded half away from zero at this precision (Decimal: no binary surprises)."""
        d = Decimal(repr(float(value)))
        if self.kind == "exact":
            return d.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if self.kind == "dp":
            return d.quantize(Decimal(1).scaleb(-self.digits), rounding=ROUND_HALF_UP)
        if d == 0:
            return Decimal(0)
        exponent = d.adjusted() - self.digits + 1
        rounded = d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        if rounded.adjusted() > d.adjusted():  # 9.99 -> 10.0: keep the same number of figures
            rounded = d.quantize(Decimal(1).scaleb(exponent + 1), rounding=ROUND_HALF_UP)
        return rounded

    def same(self, given: float, correct: float) -> bool:
        return self.round(given) == self.round(correct)

    def text(self, value: float) -> str:
        """``value`` written at this precision (``-0.0024``, ``6.00``, ``12``)."""
        r = self.round(value)
        return format(r, "f") if r != 0 or self.kind != "sf" else "0"

    def describe(self) -> str:
        """The phrase appended to the question: "to 3 significant figures"."""
        if self.kind == "exact":
            return "as a whole number"
        unit = "significant figure" if self.kind == "sf" else "decimal place"
        return f"to {self.digits} {unit}{'' if self.digits == 1 else 's'}"


@dataclass(frozen=True)
class Question:
    """A question whose right answer is an expression over the trace, never a typed value."""

    prompt: str
    where: Where
    answer: str | None = None  # expression, for number questions
    answer_where: Where | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE
    choices: tuple[Choice, ...] = ()
    precision: Precision | None = None  # declared with ``@answer: EXPR | 3 sf``


    @property
    def kind(self) -> str:
        return "choice" if self.choices else "number"


@dataclass(frozen=True)
class Pointer:
    """A stable name for an event or node (``backward of layer1/matmul``) and where it was written."""

    text: str
    where: Where


@dataclass(frozen=True)
class WhatIf:
    """``@what-if: NAME | TRY``: the learner changes the value the program gives NAME.

    NAME is a top-level assignment of the lesson's program; its value (or, for a call such as
    ``tf.Variable(3.0)``, the call's first argument) must be a literal. TRY is the value the
    checker records with, so every text after it is checked against a changed program too.
    """

    name: str
    trial: str
    where: Where


@dataclass(frozen=True)
class Write:
    """``@write: RULE | FUNCTION``: the learner writes RULE, the backward rule of the program's
    ``@tf.custom_gradient`` FUNCTION, as ``def RULE(x, dy): return …`` (numpy arrays in and out).

    ``reference`` is a right rule's return expression (``@rule:``), ``wrong`` known-wrong ones
    (``@wrong:``): the checker proves the reference passes the finite-difference check and every
    wrong one fails it, so the check is known to tell them apart.
    """

    rule: str
    function: str
    where: Where
    reference: str = ""
    reference_where: Where | None = None
    wrong: tuple[tuple[str, Where], ...] = ()


@dataclass(frozen=True)
class Table:
    """``@table: OP, OP, …``: the learner fills in upstream, local and sent for every input of
    each op (one row per op input that received a gradient), each row checked as it is entered."""

    ops: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class Step:
    """One short screen of a lesson."""

    index: int  # 0-based
    title: str
    text: str  # Markdown with {{ expression }} placeholders
    where: Where
    goto: Pointer | None = None  # the cursor moves here when the step opens
    select: Pointer | None = None  # node to select (default: the goto event's node)
    question: Question | None = None
    action: Pointer | None = None  # "step until the cursor reaches this event"
    explain: str = ""  # revealed after the answer or the action
    explain_where: Where | None = None
    hint: str = ""
    what_if: WhatIf | None = None  # the learner may change one input of the program here
    view: str | None = None  # what the graph boxes show when the step opens: values | gradients
    graph: str | None = None  # how the graph pane draws when the step opens: fit | detail
    order: tuple[str, ...] = ()  # @order: walks whose visiting order the graph's boxes are numbered by
    write: Write | None = None  # @write: the learner writes a backward rule in an editor
    table: Table | None = None  # @table: the learner fills in the backward pass, row by row

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class Lesson:
    """A parsed ``lesson.md``: what to record and the steps to walk through."""

    id: str  # folder name, e.g. "01-first-tape"
    number: int
    slug: str
    title: str
    summary: str
    file: Path
    program: Path | None  # a program in the lesson's folder, or
    example: str | None  # a built-in example name
    iterations: int
    steps: tuple[Step, ...]
    program_where: Where | None = None

    @property
    def folder(self) -> Path:
        return self.file.parent

    @property
    def source_name(self) -> str:
        return self.example if self.example else (self.program.name if self.program else "?")


@dataclass
class LessonEntry:
    """One folder of the lessons directory: a parsed lesson, or the error that stopped it."""

    id: str
    number: int
    slug: str
    folder: Path
    lesson: Lesson | None = None
    error: LessonError | None = None

    @property
    def ok(self) -> bool:
        return self.lesson is not None

    @property
    def title(self) -> str:
        return self.lesson.title if self.lesson else f"(broken) {self.slug}"


@dataclass
class CheckResult:
    """What the headless check found for one lesson."""

    id: str
    ok: bool
    message: str
    step: int | None = None  # 1-based step number of the failure
    where: Where | None = None
    details: list[str] = field(default_factory=list)
