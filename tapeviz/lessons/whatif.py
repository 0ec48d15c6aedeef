"""What if: run a lesson's program again with one of its inputs changed.

The program is never edited on disk. Its source is read, the literal that a top-level
``NAME = ...`` assignment gives (or the first argument of the call it makes, as in
``x = tf.Variable(3.0, name="x")``) is replaced on the same line, and the changed source runs
from a temporary copy with the same file name. Line numbers stay the same, so ``@code`` ranges
and source sites keep matching.
"""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.errors import TapevizError
from ..trace import run_program
from ..trace.runner import ProgramRun


class WhatIfError(TapevizError):
    """A what-if value the program cannot take, or a NAME the program does not assign."""


@dataclass(frozen=True)
class Slot:
    """Where NAME's changeable literal sits in the source: its text and 1-based span."""

    name: str
    text: str
    value: Any
    line: int
    col: int
    end_line: int
    end_col: int


def find_slot(source: str, name: str) -> Slot:
    """The literal of the first top-level assignment to ``name`` (or its call's first argument)."""
    tree = ast.parse(source)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            node = stmt.value
            if isinstance(node, ast.Call) and node.args:
                node = node.args[0]
            try:
                value = ast.literal_eval(node)
            except ValueError:
                raise WhatIfError(f"what-if {name}: its value {ast.unparse(node)!r} is not a literal") from None
            segment = ast.get_source_segment(source, node) or ast.unparse(node)
            return Slot(name, segment, value, node.lineno, node.col_offset, node.end_lineno or node.lineno,
                        node.end_col_offset or 0)
    raise WhatIfError(f"what-if {name}: the program has no top-level assignment 'NAME = ...' to {name!r}")


def parse_value(text: str, like: Any, name: str) -> Any:
    """The learner's new value: a literal of the same kind (and shape) as the program's own."""
    cleaned = text.strip().replace("−", "-")
    lowered = cleaned.lower()
    if isinstance(like, bool):
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise WhatIfError(f"{name} is True or False, not {text.strip()!r}")
    from .limits import MAX_TYPED, parse_limited
    from .values import ExpressionError

    try:
        value = ast.literal_eval(parse_limited(cleaned, MAX_TYPED, f"the value for {name}"))
    except ExpressionError as exc:
        raise WhatIfError(str(exc)) from None
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        raise WhatIfError(f"{name}: {text.strip()[:40]!r} is not a value like {like!r}") from None
    if isinstance(like, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise WhatIfError(f"{name} is a number, not {text.strip()!r}")
        return float(value) if isinstance(like, float) else value
    if isinstance(like, (list, tuple)):
        if _shape(value) != _shape(like):
            raise WhatIfError(f"{name} needs the same shape as {like!r}")
        return value
    raise WhatIfError(f"{name}: values of type {type(like).__name__} cannot be changed here")


def _shape(v: Any) -> tuple[int, ...] | None:
    if isinstance(v, bool) or isinstance(v, (int, float)):
        return ()
    if isinstance(v, (list, tuple)) and v:
        inner = {_shape(x) for x in v}
        if len(inner) == 1 and None not in inner:
            return (len(v), *inner.pop())
    return None


def changed_source(source: str, slot: Slot, value: Any) -> str:
    """``source`` with the slot's literal replaced on its own line(s), line count kept."""
    lines = source.splitlines(keepends=True)
    first, last = lines[slot.line - 1], lines[slot.end_line - 1]
    # col offsets are UTF-8 byte offsets
    head = first.encode()[: slot.col].decode()
    tail = last.encode()[slot.end_col:].decode()
    extra = "\n" * (slot.end_line - slot.line)
    lines[slot.line - 1: slot.end_line] = [head + repr(value) + tail + extra]
    return "".join(lines)


def run_with(program: Path, overrides: dict[str, Any]) -> ProgramRun:
    """Run ``program`` with each NAME in ``overrides`` given the new value."""
    source = program.read_text(encoding="utf-8")
    for name, value in overrides.items():
        source = changed_source(source, find_slot(source, name), value)
    with tempfile.TemporaryDirectory(prefix="tapeviz-whatif-") as tmp:
        copy = Path(tmp) / program.name
        copy.write_text(source, encoding="utf-8")
        run = run_program(copy)
    # the copy is gone: name the lesson's own program (same lines; only the changed literal differs)
    run.trace.meta["source"] = str(program)
    run.trace.meta["what_if"] = {name: repr(value) for name, value in overrides.items()}
    return run
