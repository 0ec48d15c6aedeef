"""The lesson format as plain data: a lesson is front matter plus a list of short steps.

Nothing here knows about traces or the UI. Every piece remembers the file and line it came
from, so an error found later (a pointer that does not resolve, an answer that cannot be
computed) can still name the exact place in ``lesson.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..engine.errors import TapevizError


class LessonError(TapevizError):
    """A lesson that cannot be read, resolved or checked; the message names file and line."""

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None) -> None:
        self.bare = message
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
class Directive:
    """A ``@name: value`` line (value may continue on indented lines) inside a step."""

    name: str
    value: str
    where: Where


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
class Question:
    """A question whose right answer is an expression over the trace, never a typed value."""

    prompt: str
    where: Where
    answer: str | None = None  # expression, for number questions
    answer_where: Where | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE
    choices: tuple[Choice, ...] = ()

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "number"


@dataclass(frozen=True)
class Pointer:
    """A stable name for an event or node (``backward of layer1/matmul``) and where it was written."""

    text: str
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

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def interactive(self) -> bool:
        return self.question is not None or self.action is not None


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
