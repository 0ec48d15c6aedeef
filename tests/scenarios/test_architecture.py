"""The layers point one way (ARCHITECTURE.md): read every module's import statements and check them.

This reads the source, not which modules happen to be loaded, so an import inside a function
counts as much as one at the top of a file, and so does reaching a module by its name as a string
(``sys.modules["tapeviz.keras"]``, ``sys.modules.get(...)``, ``importlib.import_module(...)``,
``__import__(...)``): a layer that needs one above it gets a hook registered from above instead.
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


def _is_sys_modules(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules" and isinstance(node.value, ast.Name) \
        and node.value.id in ("sys", "_sys")


def _by_name(node: ast.AST) -> ast.expr | None:
    """The module-name argument when ``node`` reaches a module by a string: ``sys.modules[name]``,
    ``sys.modules.get(name)``, ``importlib.import_module(name)``, ``import_module(name)``, ``__import__(name)``."""
    if isinstance(node, ast.Subscript) and _is_sys_modules(node.value):
        return node.slice
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("get", "pop", "setdefault") and _is_sys_modules(func.value):
        return node.args[0]
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return node.args[0] if name in ("import_module", "__import__") else None


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import statement in ``path`` (its text: ``source``),
    and of every module it reaches by a constant string."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found: list[tuple[int, str]] = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        arg = _by_name(node)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((node.lineno, arg.value))
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            found.append((node.lineno, str(arg.values[0].value).rstrip(".")))  # f"tapeviz.keras.{x}"
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
    problems = _layer_problems(path)
    assert not problems, f"{path.relative_to(PACKAGE)}: " + "; ".join(problems)


@pytest.mark.parametrize("reach", [
    'keras = sys.modules.get("tapeviz.keras.backend")',
    'keras = sys.modules["tapeviz.keras"]',
    'keras = importlib.import_module("tapeviz.keras.backend")',
    'keras = import_module(f"tapeviz.ui.{name}")',
    'keras = __import__("tapeviz.render")',
])
def test_a_module_reached_by_its_name_counts_as_an_import(reach: str) -> None:
    """The check above sees a dependency by ``sys.modules`` or ``import_module`` as an import."""
    source = f"import importlib\nimport sys\n\ndef f(name):\n    {reach}\n"
    problems = _layer_problems(PACKAGE / "trace" / "runner.py", source)
    assert problems and problems[0].startswith("line 5: trace imports tapeviz."), problems


def _layer_problems(path: Path, source: str | None = None) -> list[str]:
    part = _part(path)
    allowed = ALLOWED.get(part)
    assert allowed is not None, f"{part}: a new part of tapeviz needs its row in ALLOWED"
    forbidden = FORBIDDEN_THIRD_PARTY.get(part, set())
    problems = []
    for line, module in _imports(path, source):
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
    return problems


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

