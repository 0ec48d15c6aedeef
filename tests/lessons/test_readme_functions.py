"""lessons/README.md lists every function a lesson expression may call, and no other: the list is
read off the evaluator (its functions, the walk functions, the ops registered with a lesson name)."""

from __future__ import annotations

import re

from tapeviz.engine.registry import REGISTRY
from tapeviz.lessons.answers import Evaluator
from tapeviz.lessons.resolve import Resolver
from tapeviz.lessons.walks import walk_functions
from tapeviz.sources import load_source
from tests.support.paths import REPO


def _readme_table() -> list[str]:
    text = (REPO / "lessons" / "README.md").read_text(encoding="utf-8")
    start = text.index("| function | value |")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return rows


def _names(cell: str) -> set[str]:
    """``value(P)``, ``sum mean max`` → {value, sum, mean, max}: each backticked call or word."""
    return {word for code in re.findall(r"`([^`]*)`", cell) for word in re.findall(r"([A-Za-z_]\w*)(?:\([^)]*\))?", code)
            if not word.isupper()}


def test_the_readme_lists_exactly_the_evaluators_functions() -> None:
    trace = load_source("square")
    resolver = Resolver(trace)
    functions = set(Evaluator(trace, resolver).functions) | set(walk_functions(trace, resolver))
    listed = set().union(*(_names(cell) for cell in _readme_table()))
    assert not functions - listed, f"lessons/README.md: add {sorted(functions - listed)} to the function table"
    assert not listed - functions, f"lessons/README.md: {sorted(listed - functions)} are no lesson functions"


def test_the_ops_row_is_the_registrys_lesson_names() -> None:
    ops = {op.lesson for op in REGISTRY.values() if op.lesson}
    (row,) = [cell for cell in _readme_table() if "abs" in _names(cell)]
    assert _names(row) == ops, f"lessons/README.md ops row: {' '.join(sorted(ops))}"
