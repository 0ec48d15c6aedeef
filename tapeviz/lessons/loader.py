"""Read ``lessons/NN-slug/lesson.md`` files into ``Lesson`` objects.

The format (documented with an example in ``lessons/README.md``)::

    ---
    title: Your first tape
    program: program.py          (or  example: square)
    ---
    ## A step title
    @goto: backward of power
    @select: x                   (the node the text talks about; default: the @goto event's)
    Markdown text with {{ grad("x") }} placeholders.
    @ask: What is dy/dx?
    @answer: grad("x")

``@select`` names the node the step talks about with a pointer (``x``, ``input 0 of add``,
``backward of add``): a bare event (``end of forward``) is rejected here, a name the recording
does not have when the lesson is recorded (``LessonRun.open``). Every error names the file and line. ``discover()`` never raises for one broken lesson: the
entry carries the error and the others still load.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from .model import (
    DEFAULT_TOLERANCE,
    Choice,
    Lesson,
    LessonEntry,
    LessonError,
    Pointer,
    Precision,
    Question,
    Step,
    Table,
    Tolerance,
    WhatIf,
    Where,
    Write,
)
from .options import code_lines, split_answer, tolerance_option, what_if_option

FOLDER_RE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)$")
DIRECTIVE_RE = re.compile(r"^@([a-z][a-z-]*)\s*:\s?(.*)$")
FRONT_KEYS = ("title", "summary", "program", "example", "iterations")
WALKS = ("right", "order", "assign")  # the backward walks of tapeviz.lessons.walks (HOW), for @order
SCREEN_WORDS = {"view": ("values", "gradients"), "graph": ("fit", "detail")}  # @view, @graph
DIRECTIVES = (
    "goto", "select", "ask", "answer", "tolerance", "choice", "do", "explain", "hint", "code", "what-if", "view", "graph",
    "order", "write", "rule", "wrong", "table",
)
LESSON_FILE = "lesson.md"


def discover(directory: Path | str) -> list[LessonEntry]:
    """Every ``NN-slug`` folder of ``directory``, parsed; broken lessons carry their error."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LessonError("no such lessons folder", directory)
    entries: list[LessonEntry] = []
    for folder in sorted(directory.iterdir()):
        m = FOLDER_RE.match(folder.name)
        if not folder.is_dir() or not m:
            continue
        entry = LessonEntry(folder.name, int(m.group(1)), m.group(2), folder)
        try:
            entry.lesson = load_lesson(folder)
        except LessonError as exc:
            entry.error = exc
        entries.append(entry)
    entries.sort(key=lambda e: (e.number, e.id))
    return entries


def find_entry(entries: list[LessonEntry], ident: str) -> LessonEntry:
    """The lesson named by a number (``7``, ``07``), a slug (``softmax``) or a folder name."""
    ident = ident.strip().rstrip("/")
    ident = Path(ident).name if "/" in ident else ident
    for entry in entries:
        if ident in (entry.id, entry.slug):
            return entry
    if ident.isdigit():
        for entry in entries:
            if entry.number == int(ident):
                return entry
    matches = [e for e in entries if e.slug.startswith(ident)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(e.id for e in entries) or "none"
    raise LessonError(f"no lesson {ident!r} (lessons: {known})")


def load_lesson(folder: Path | str) -> Lesson:
    """Parse one lesson folder; raise LessonError naming file and line on any problem."""
    folder = Path(folder)
    file = folder / LESSON_FILE
    m = FOLDER_RE.match(folder.name)
    if not m:
        raise LessonError("a lesson folder is named NN-slug, e.g. 01-first-tape", folder)
    try:
        text = read_bounded(file, MAX_LESSON_BYTES)
    except FileNotFoundError:
        raise LessonError(f"no {LESSON_FILE} in this lesson folder", folder) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read: {exc}", file) from None
    return parse_lesson(text, file, folder.name, int(m.group(1)), m.group(2))


MAX_LESSON_BYTES = 1 << 20  # a lesson.md or its program.py: real ones are a few KiB


def read_bounded(file: Path, limit: int) -> str:
    """The text of ``file`` if it is a regular file of at most ``limit`` bytes; LessonError if
    it is a FIFO, device or folder (reading a FIFO would wait for ever) or larger."""
    info = file.stat()  # FileNotFoundError passes through
    if not stat.S_ISREG(info.st_mode):
        raise LessonError("not a regular file (a folder, FIFO or device): cannot be a lesson", file)
    if info.st_size > limit:
        raise LessonError(f"{info.st_size} bytes, over the {limit}-byte limit for a lesson file", file)
    with open(file, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise LessonError(f"over the {limit}-byte limit for a lesson file", file)
    return data.decode("utf-8")


def parse_lesson(text: str, file: Path, ident: str, number: int, slug: str) -> Lesson:
    lines = text.splitlines()
    front, body_start = _front_matter(lines, file)
    title = front.get("title")
    if title is None:
        raise LessonError("front matter has no 'title:'", file, 1)
    program = example = None
    program_where = None
    if ("program" in front) == ("example" in front):
        raise LessonError("front matter needs exactly one of 'program: file.py' or 'example: NAME'", file, 1)
    if "program" in front:
        value, line = front["program"]
        program_where = Where(file, line)
        program = file.parent / value
        if not program.is_file():
            raise LessonError(f"program {value!r} not found in {file.parent}", file, line)
    else:
        value, line = front["example"]
        program_where = Where(file, line)
        example = value
    iterations = 1
    if "iterations" in front:
        value, line = front["iterations"]
        if not value.isdigit() or not 1 <= int(value) <= 50:
            raise LessonError(f"iterations must be a whole number from 1 to 50, not {value!r}", file, line)
        iterations = int(value)
    try:
        program_lines = read_bounded(program, MAX_LESSON_BYTES).splitlines() if program else None
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read the program: {exc}", file, program_where.line if program_where else 1) from None
    steps = _steps(lines, body_start, file, program_lines, title[0])
    if not steps:
        raise LessonError("the lesson has no steps (start each with a '## Title' line)", file, body_start + 1)
    return Lesson(
        id=ident, number=number, slug=slug, title=title[0], summary=front.get("summary", ("", 0))[0],
        file=file, program=program, example=example, iterations=iterations, steps=tuple(steps),
        program_where=program_where,
    )


def _front_matter(lines: list[str], file: Path) -> tuple[dict[str, tuple[str, int]], int]:
    if not lines or lines[0].strip() != "---":
        raise LessonError("a lesson starts with front matter: a line '---', 'key: value' lines, then '---'", file, 1)
    found: dict[str, tuple[str, int]] = {}
    for i in range(1, len(lines)):
        raw = lines[i]
        line = raw.strip()
        if line == "---":
            return found, i + 1
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not re.fullmatch(r"[a-z_]+", key):
            raise LessonError(f"malformed front matter line {raw!r}: expected 'key: value'", file, i + 1)
        if key not in FRONT_KEYS:
            raise LessonError(f"unknown front matter key {key!r} (known: {', '.join(FRONT_KEYS)})", file, i + 1)
        if key in found:
            raise LessonError(f"front matter key {key!r} given twice", file, i + 1)
        if not value:
            raise LessonError(f"front matter key {key!r} has no value", file, i + 1)
        found[key] = (value, i + 1)
    raise LessonError("front matter is not closed: no second '---' line", file, 1)


class _StepBuilder:
    def __init__(self, title: str, where: Where) -> None:
        self.title = title
        self.where = where
        self.text: list[str] = []
        self.directives: list[tuple[str, str, Where]] = []

    def has_content(self) -> bool:
        return any(t.strip() for t in self.text) or bool(self.directives)


def _steps(lines: list[str], start: int, file: Path, program_lines: list[str] | None, lesson_title: str) -> list[Step]:
    builders: list[_StepBuilder] = []
    intro = _StepBuilder(lesson_title, Where(file, start + 1))
    current = intro
    fence: str | None = None
    i = start
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        stripped = raw.strip()
        if fence is not None:
            current.text.append(raw)
            if stripped.startswith(fence):
                fence = None
            i += 1
            continue
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fence = stripped[:3]
            current.text.append(raw)
            i += 1
            continue
        if raw.startswith("## "):
            current = _StepBuilder(raw[3:].strip(), Where(file, lineno))
            if not current.title:
                raise LessonError("a step heading '## ' needs a title", file, lineno)
            builders.append(current)
            i += 1
            continue
        if raw.startswith("# "):  # the lesson's own H1 title: shown from the front matter instead
            i += 1
            continue
        if raw.startswith("@"):
            m = DIRECTIVE_RE.match(raw)
            if not m:
                raise LessonError(
                    f"malformed directive {raw.strip()!r}: expected '@name: value' (write '\\@' for a literal @)",
                    file, lineno,
                )
            name, value = m.group(1), m.group(2).strip()
            if name not in DIRECTIVES:
                raise LessonError(f"unknown directive @{name} (known: {', '.join('@' + d for d in DIRECTIVES)})", file, lineno)
            # continuation: following indented lines (blank lines inside are kept as paragraph breaks)
            parts = [value] if value else []
            j = i + 1
            while j < len(lines):
                nxt = lines[j]
                if nxt.startswith(("  ", "\t")) and nxt.strip():
                    parts.append(nxt.strip())
                    j += 1
                elif not nxt.strip():
                    k = j
                    while k < len(lines) and not lines[k].strip():
                        k += 1
                    if k < len(lines) and lines[k].startswith(("  ", "\t")) and parts:
                        parts.append("")
                        j = k
                    else:
                        break
                else:
                    break
            full = _join_paragraphs(parts)
            if name == "code":
                current.text.extend(code_lines(full, program_lines, file, lineno))
            else:
                if not full:
                    raise LessonError(f"directive @{name} has no value", file, lineno)
                current.directives.append((name, full, Where(file, lineno)))
            i = j
            continue
        current.text.append(raw[1:] if raw.startswith("\\@") else raw)
        i += 1
    if fence is not None:
        raise LessonError("a code block (```) is never closed", file, len(lines))
    if intro.has_content():
        if intro.directives:
            name, _, where = intro.directives[0]
            raise LessonError(f"directive @{name} before the first step heading ('## Title')", where.file, where.line)
        builders.insert(0, intro)
    return [_build_step(k, b) for k, b in enumerate(builders)]


EVENT_ONLY_RE = re.compile(r"^(start|end)(\s+of\s+.+)?$")


def _node_pointer(text: str, where: Where) -> str:
    """A @select value: a pointer to a node (``x``, ``backward of add``), not to a bare event."""
    core = " ".join(text.split())
    if EVENT_ONLY_RE.match(core):
        raise LessonError(
            f"@select names a node ('x', 'multiply#1', 'input 0 of add', 'backward of add'), "
            f"not an event such as {core!r}", where.file, where.line,
        )
    return core


def _join_paragraphs(parts: list[str]) -> str:
    out: list[str] = []
    para: list[str] = []
    for p in parts:
        if p == "":
            if para:
                out.append(" ".join(para))
            para = []
        else:
            para.append(p)
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)


def _build_step(index: int, b: _StepBuilder) -> Step:
    seen: dict[str, Where] = {}
    goto = select = action = None
    ask: tuple[str, Where] | None = None
    answer: tuple[str, Where] | None = None
    tolerance: Tolerance | None = None
    tolerance_where: Where | None = None
    choices: list[Choice] = []
    explain = ""
    explain_where = None
    hint = ""
    precision: Precision | None = None
    what_if: WhatIf | None = None
    view = graph = None
    order: tuple[str, ...] = ()
    write: tuple[str, str, Where] | None = None
    reference: tuple[str, Where] | None = None
    wrongs: list[tuple[str, Where]] = []
    table: Table | None = None
    for name, value, where in b.directives:
        if name not in ("choice", "wrong") and name in seen:
            raise LessonError(f"@{name} given twice in step {index + 1} (first at line {seen[name].line})", where.file, where.line)
        seen[name] = where
        if name == "goto":
            goto = Pointer(value, where)
        elif name == "select":
            select = Pointer(_node_pointer(value, where), where)
        elif name == "do":
            action = Pointer(value, where)
        elif name == "ask":
            ask = (value, where)
        elif name == "answer":
            expr, precision = split_answer(value, where)
            answer = (expr, where)
        elif name == "what-if":
            what_if = what_if_option(value, where)
        elif name == "tolerance":
            tolerance = tolerance_option(value, where)
            tolerance_where = where
        elif name == "choice":
            label, sep, condition = value.partition(" | ")
            if not sep or not label.strip() or not condition.strip():
                raise LessonError(f"@choice wants 'label | condition', not {value!r}", where.file, where.line)
            choices.append(Choice(label.strip(), condition.strip(), where))
        elif name == "explain":
            explain, explain_where = value, where
        elif name == "hint":
            hint = value
        elif name == "write":
            rule, sep, function = value.partition("|")
            rule, function = rule.strip(), function.strip()
            if not sep or not rule.isidentifier() or not function.isidentifier():
                raise LessonError(
                    f"@write wants 'RULE | FUNCTION' (the rule's name, the custom-gradient function's), not {value!r}",
                    where.file, where.line,
                )
            write = (rule, function, where)
        elif name == "rule":
            reference = (value, where)
        elif name == "wrong":
            wrongs.append((value, where))
        elif name == "table":
            ops = tuple(p.strip() for p in value.split(",") if p.strip())
            if not ops:
                raise LessonError("@table names the ops whose rows the learner fills in: '@table: square, add'",
                                  where.file, where.line)
            table = Table(ops, where)
        elif name == "order":
            order = tuple(w for w in re.split(r"[\s,]+", value.strip().lower()) if w)
            bad = [w for w in order if w not in WALKS]
            if not order or bad:
                raise LessonError(
                    f"@order names walks ({', '.join(WALKS)}), not {value.strip()!r}", where.file, where.line,
                )
        elif name in ("view", "graph"):
            word = value.strip().lower()
            allowed = SCREEN_WORDS[name]
            if word not in allowed:
                raise LessonError(f"@{name} is one of {', '.join(allowed)}, not {value.strip()!r}", where.file, where.line)
            view, graph = (word, graph) if name == "view" else (view, word)
    question = None
    if ask is None:
        for name in ("answer", "choice", "tolerance", "hint") if write is None and table is None else ("answer", "choice", "tolerance"):
            if name in seen:
                w = seen[name]
                raise LessonError(f"@{name} without an @ask in step {index + 1}", w.file, w.line)
    else:
        prompt, where = ask
        if answer and choices:
            raise LessonError("a question has either @answer (a number) or @choice lines, not both", where.file, where.line)
        if not answer and not choices:
            raise LessonError("@ask needs an @answer expression or at least two @choice lines", where.file, where.line)
        if choices and len(choices) < 2:
            raise LessonError("a multiple-choice question needs at least two @choice lines", where.file, where.line)
        if choices and tolerance_where is not None:
            raise LessonError("@tolerance only applies to number questions", tolerance_where.file, tolerance_where.line)
        question = Question(
            prompt=prompt, where=where, answer=answer[0] if answer else None,
            answer_where=answer[1] if answer else None, tolerance=tolerance or DEFAULT_TOLERANCE,
            choices=tuple(choices), precision=precision,
        )
    if what_if is not None and action is not None:
        raise LessonError("@what-if is a step of its own: no @do beside it", what_if.where.file, what_if.where.line)
    if what_if is not None and question is None:
        raise LessonError(
            "@what-if asks for a prediction first: add an @ask with an @answer (or @choice lines), judged on the "
            "program run again with the new value", what_if.where.file, what_if.where.line,
        )
    written = None
    if write is None:
        for name in ("rule", "wrong"):
            if name in seen:
                w = seen[name]
                raise LessonError(f"@{name} belongs to a @write step", w.file, w.line)
    else:
        rule, function, where = write
        if reference is None or not wrongs:
            raise LessonError(
                "@write needs a right rule (@rule: EXPR over x and dy) and at least one known-wrong one "
                "(@wrong: EXPR): the checker proves the first passes and the others fail", where.file, where.line,
            )
        written = Write(rule, function, where, reference[0], reference[1], tuple(wrongs))
    for kind, at in (("@write", written.where if written else None), ("@table", table.where if table else None)):
        if at is not None and (question is not None or action is not None or what_if is not None):
            raise LessonError(f"{kind} is a step of its own: no @ask, @do or @what-if beside it", at.file, at.line)
    if written is not None and table is not None:
        raise LessonError("@write and @table are steps of their own: one per step", table.where.file, table.where.line)
    if explain and question is None and action is None and written is None and table is None:
        raise LessonError("@explain is revealed after an @ask or a @do; this step has neither", explain_where.file, explain_where.line)  # type: ignore[union-attr]
    text = "\n".join(b.text).strip("\n")
    return Step(
        index=index, title=b.title, text=text, where=b.where, goto=goto, select=select,
        question=question, action=action, explain=explain, explain_where=explain_where, hint=hint,
        what_if=what_if, view=view, graph=graph, order=order, write=written, table=table,
    )


__all__ = ["discover", "find_entry", "load_lesson", "parse_lesson"]
