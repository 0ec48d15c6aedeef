"""The plain name each line of a program assigns its result to (read from the program's text)."""

from __future__ import annotations

import ast

_RETURN = ""  # marks a line that returns a value: its caller's line names the result


def _names_by_line(text: str) -> dict[int, str]:
    """Line -> the plain name its statement assigns, or ``_RETURN`` for ``return <value>``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    out: dict[int, str] = {}
    for node in ast.walk(tree):
        name: str | None = None
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            name = node.targets[0].id  # type: ignore[attr-defined]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            name = node.target.id if node.value is not None else None
        elif isinstance(node, ast.Return) and node.value is not None:
            name = _RETURN
        if name is not None:
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                out[line] = name
    return out
