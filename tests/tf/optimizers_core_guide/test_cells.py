"""Each cell of the optimizers-guide programs under tapeviz against TensorFlow 2.21's stored run."""

from __future__ import annotations

from typing import Any

import pytest

import tapeviz.tf as tf
from tests.support.guide_check import check_cell, reference
from tests.support.notebook import run_cells
from tests.tf.optimizers_core_guide.cells import CELLS, OUT_OF_SCOPE

TF = reference()["optimizers_core"]


@pytest.fixture(scope="module")
def ran() -> dict[str, dict[str, Any]]:
    return run_cells(CELLS, tf)


def test_reference_covers_every_cell() -> None:
    assert list(TF) == list(CELLS)


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the 0.1 runs overflow to NaN, as the guide shows
def test_cell_matches_tensorflow(ran: dict[str, dict[str, Any]], name: str) -> None:
    check_cell(ran[name], TF[name], name, OUT_OF_SCOPE.get(name))


def test_the_runs_end_as_the_guide_describes(ran: dict[str, dict[str, Any]]) -> None:
    """Plain descent with 0.1 explodes; momentum with 0.01 and Adam with 0.1 settle at x* = −9/8."""
    assert "gradient is NaN at step 6" in ran["gradient_descent_runs"]["stdout"]
    assert "(80, '-1.12500')" in ran["momentum_runs"]["display"]
    assert "(1156, '-1.12500')" in ran["adam_runs"]["display"]
