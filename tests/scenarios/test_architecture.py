"""The layers point one way (DESIGN.md): read every module's import statements and check them.

This reads the source, not which modules happen to be loaded, so an import inside a function
counts as much as one at the top of a file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tapeviz

PACKAGE = Path(tapeviz.__file__).resolve().parent

# Which tapeviz parts each part may import. A part is a subpackage, or a top-level module.
ALLOWED: dict[str, set[str]] = {
    "engine": set(),
    "keras": {"engine"},
    "tf": {"engine", "keras"},
    "trace": {"engine"},
    "view": {"engine", "trace"},
    "render": {"engine", "trace", "view"},
    "examples": {"engine", "keras", "tf", "trace"},
    "lessons": {"engine", "keras", "tf", "trace", "view", "examples", "sources"},
    "sources": {"engine", "trace", "examples"},
    "ui": {"engine", "trace", "view", "render", "lessons", "examples", "sources"},
    "jupyter": {"engine", "trace", "view", "render", "examples", "sources"},
    "cli": {"__init__", "engine", "keras", "tf", "trace", "view", "render", "ui", "lessons", "examples", "sources", "jupyter"},
    "__init__": {"engine", "trace", "view", "render", "sources", "jupyter"},
    "__main__": {"cli"},
}

# Third-party packages a part must not import (the engine: nothing but numpy and the stdlib).
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "engine": {"*"},
    "keras": {"textual", "graphviz", "PIL"},
    "tf": {"textual", "graphviz", "PIL"},
    "trace": {"textual", "rich", "graphviz", "PIL"},
    "view": {"textual", "rich", "graphviz", "PIL"},
    "render": {"textual"},
    "lessons": {"textual"},
    "examples": {"textual", "rich", "graphviz"},
}
ENGINE_THIRD_PARTY = {"numpy"}


PARTS = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} | {
    p.stem for p in PACKAGE.glob("*.py")
}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement in ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if not node.module:  # `from . import a, b`: each name may be a module
                    found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
                    continue
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path: Path) -> None:
    part = _part(path)
    allowed = ALLOWED.get(part)
    assert allowed is not None, f"{part}: a new part of tapeviz needs its row in ALLOWED"
    forbidden = FORBIDDEN_THIRD_PARTY.get(part, set())
    problems = []
    for line, module in _imports(path):
        top, _, rest = module.partition(".")
        if top == "tapeviz":
            target = rest.split(".")[0] if rest else "__init__"
            if target not in PARTS:  # `from tapeviz import __version__`: a name, not a module
                target = "__init__"
            if target != part and target not in allowed:
                problems.append(f"line {line}: {part} imports tapeviz.{target}")
        elif top in sys.stdlib_module_names or top == "__future__":
            continue
        elif "*" in forbidden and top not in ENGINE_THIRD_PARTY:
            problems.append(f"line {line}: {part} imports {top} (only numpy and the stdlib)")
        elif top in forbidden:
            problems.append(f"line {line}: {part} imports {top}")
    assert not problems, f"{path.relative_to(PACKAGE)}: " + "; ".join(problems)


@pytest.mark.parametrize("name", ["engine", "trace", "view", "render", "lessons", "tf", "keras"])
def test_imports_without_textual(name: str) -> None:
    """What does not draw a terminal UI must not need Textual to import."""
    code = (
        "import sys\n"
        "sys.modules['textual'] = None\n"  # any `import textual...` now raises ImportError
        f"import tapeviz.{name}\n"
        "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules if sys.modules[m])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]

