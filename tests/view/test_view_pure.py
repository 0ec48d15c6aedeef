"""The view layer imports and works with Textual, rich and graphviz unavailable."""

from __future__ import annotations

import subprocess
import sys

POISONED = """
import sys
for name in ("textual", "rich", "graphviz"):
    sys.modules[name] = None  # any `import name` (or of a submodule) now raises ImportError
import tapeviz.engine as E
import tapeviz.view as view
from tapeviz.trace import record

x = E.Variable([1.0, 2.0], name="x")
with record(title="pure") as trace:
    with E.GradientTape() as tape:
        with E.name_scope("f"):
            y = E.reduce_sum(x * x)
    g = tape.gradient(y, x)
    x.assign_sub(0.1 * g)
for i in range(len(trace)):
    scene = view.build_scene(trace, i)
    view.explain(trace, i)
    view.describe_event(trace, trace.events[i])
graph = view.build_graph(trace, 0, ["f"])
assert [n.kind for n in graph.nodes] == ["parameter", "group"], graph.nodes
print(len(trace), scene.title["headline"])
print(sorted(m for m in ("textual", "rich", "graphviz") if sys.modules.get(m) is not None))
"""


def test_view_imports_and_draws_without_textual_rich_or_graphviz() -> None:
    out = subprocess.run([sys.executable, "-c", POISONED], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    first, loaded = out.stdout.strip().splitlines()
    n, headline = first.split(" ", 1)
    assert headline == f"pure · iteration 1 · update · event {n} of {n} · loss 5"  # numbered from 1
    assert loaded == "[]"


def test_view_modules_do_not_import_render_or_ui() -> None:
    """Layers point one way: view reads the trace and the engine, never render or ui."""
    from pathlib import Path

    import tapeviz.view

    for path in Path(tapeviz.view.__file__).parent.glob("*.py"):
        text = path.read_text()
        for banned in ("from ..render", "from ..ui", "import textual", "import rich", "import graphviz", "from ..report"):
            assert banned not in text, f"{path.name}: {banned}"


def test_every_exported_name_exists() -> None:
    """``from tapeviz.view import *`` works: each name in ``__all__`` is bound (cached_graph was not)."""
    import tapeviz.view

    assert [name for name in tapeviz.view.__all__ if not hasattr(tapeviz.view, name)] == []
