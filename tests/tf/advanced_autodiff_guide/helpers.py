"""What the advanced-autodiff-guide tests share: TF's printed output per cell, and a capture."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

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


@contextlib.contextmanager
def capture() -> Iterator[io.StringIO]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        yield out
