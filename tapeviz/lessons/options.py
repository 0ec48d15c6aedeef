"""Parsing the values of single directives: precisions, tolerances, what-if inputs, code ranges.

Kept apart from ``loader`` (which splits a file into steps) so each stays short.
"""

from __future__ import annotations

import re
from pathlib import Path

from .model import LessonError, Precision, Tolerance, WhatIf, Where

PRECISION_RE = re.compile(
    r"^(?:(\d+)\s*(sf|s\.f\.|sig(?:nificant)?\s+fig(?:ure)?s?|dp|d\.p\.|decimals?|decimal\s+places?)|(exact|whole))$"
)


def code_lines(spec: str, program_lines: list[str] | None, file: Path, lineno: int) -> list[str]:
    if program_lines is None:
        raise LessonError("@code shows lines of the lesson's own program; this lesson uses a built-in example", file, lineno)
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", spec.strip())
    if not m:
        raise LessonError(f"@code wants a line range like '3-7', not {spec!r}", file, lineno)
    a = int(m.group(1))
    b = int(m.group(2) or a)
    if not 1 <= a <= b <= len(program_lines):
        raise LessonError(f"@code {spec}: the program has lines 1-{len(program_lines)}", file, lineno)
    return ["```python", *program_lines[a - 1:b], "```"]


def tolerance_option(value: str, where: Where) -> Tolerance:
    v = value.strip()
    try:
        if v.endswith("%"):
            amount = float(v[:-1]) / 100
            kind = "rel"
        else:
            amount = float(v)
            kind = "abs"
    except ValueError:
        raise LessonError(f"@tolerance wants a number (absolute) or a percentage like '1%', not {value!r}", where.file, where.line) from None
    if not amount >= 0:
        raise LessonError("@tolerance cannot be negative", where.file, where.line)
    return Tolerance(kind, amount)


def precision_option(value: str, where: Where) -> Precision:
    """``3 sf``, ``4 dp`` (also spelled out: ``3 significant figures``) or ``exact``."""
    m = PRECISION_RE.match(" ".join(value.strip().lower().split()))
    if not m:
        raise LessonError(
            f"precision {value.strip()!r}: write '3 sf' (significant figures), '4 dp' (decimal places) or 'exact'",
            where.file, where.line,
        )
    if m.group(3):
        return Precision("exact")
    digits = int(m.group(1))
    if not 1 <= digits <= 8:
        raise LessonError("a precision has 1 to 8 digits", where.file, where.line)
    return Precision("sf" if m.group(2).startswith("s") else "dp", digits)


def split_answer(value: str, where: Where) -> tuple[str, Precision | None]:
    """``EXPR | 3 sf`` → the expression and its precision (None when not given)."""
    expr, sep, option = value.rpartition(" | ")
    if not sep:
        return value, None
    if not expr.strip():
        raise LessonError("@answer wants an expression before ' | '", where.file, where.line)
    return expr.strip(), precision_option(option, where)


def what_if_option(value: str, where: Where) -> WhatIf:
    name, sep, trial = value.partition(" | ")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or not trial.strip():
        raise LessonError(
            f"@what-if wants 'NAME | VALUE TO CHECK WITH' (NAME assigned in the program), not {value!r}",
            where.file, where.line,
        )
    return WhatIf(name, trial.strip(), where)


