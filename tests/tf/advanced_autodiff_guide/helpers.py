"""What the advanced-autodiff-guide tests share: TF's stored run per cell, and the guide's cells
(``cells.py``, the ones the reference script ran) run under tapeviz as a notebook runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .cells import CELLS as GUIDE_CELLS
from .cells import namespace as fresh_namespace
from .cells import run_cell

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "advanced_autodiff_tf_reference.json").read_text(encoding="utf-8")
)
CELLS: dict[str, dict] = REFERENCE["cells"]


def printed(cell_id: str) -> str:
    """What TensorFlow 2.21 printed for the cell."""
    return CELLS[cell_id]["printed"]


def shown(cell_id: str) -> str | None:
    """The repr of the cell's last expression, as the notebook showed it under TensorFlow."""
    return CELLS[cell_id]["value"]


class Notebook:
    """The guide's cells under ``import tapeviz.tf as tf``, run in order in one namespace as a
    notebook runs them, as far as a test asks (``upto``): a test reads the cells' results and the
    namespace at that point, then checks what the guide says of them."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = fresh_namespace(tf)  # tf, and plt standing in for matplotlib
        self.results: dict[str, dict[str, Any]] = {}
        self._next = 0

    def upto(self, cell_id: str) -> dict[str, Any]:
        """Run every cell not run yet up to ``cell_id``; its result (printed, value, error)."""
        ids = [i for i, _ in GUIDE_CELLS]
        assert cell_id in ids, f"no cell {cell_id} in the guide"
        while cell_id not in self.results:
            name, code = GUIDE_CELLS[self._next]
            self.results[name] = run_cell(code.strip("\n"), self.namespace)
            self._next += 1
        return self.results[cell_id]

    def printed(self, cell_id: str) -> str:
        found = self.upto(cell_id)
        assert found["error"] is None, f"cell {cell_id} raised {found.get('_exception')!r}"
        return found["printed"]

    def shown(self, cell_id: str) -> str | None:
        found = self.upto(cell_id)
        assert found["error"] is None, f"cell {cell_id} raised {found.get('_exception')!r}"
        return found["value"]

    def __getitem__(self, name: str) -> Any:
        return self.namespace[name]


def same_as_tensorflow(notebook: Notebook, *cell_ids: str) -> None:
    """Each cell printed and showed what TensorFlow did."""
    for cell_id in cell_ids:
        assert notebook.printed(cell_id) == printed(cell_id), cell_id
        assert notebook.shown(cell_id) == shown(cell_id), cell_id
