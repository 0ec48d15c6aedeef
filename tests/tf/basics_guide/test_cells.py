"""Each cell of the basics-guide programs under tapeviz against TensorFlow 2.21's stored run."""

from __future__ import annotations

import os
from typing import Any

import pytest

import tapeviz.tf as tf
from tests.support.guide_check import check_cell, reference
from tests.support.notebook import run_cells
from tests.tf.basics_guide.cells import CELLS, DIFFERENT, OUT_OF_SCOPE

TF = reference()["basics"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """All cells in order in one namespace, as a notebook runs them (in a scratch folder)."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("basics"))
    try:
        tf.keras.utils.set_random_seed(22)
        return run_cells(CELLS, tf)
    finally:
        os.chdir(here)


def test_reference_covers_every_cell() -> None:
    assert list(TF) == list(CELLS)
    assert reference()["tensorflow"] == "2.21.0"


@pytest.mark.parametrize("name", [n for n in CELLS if n not in DIFFERENT])
def test_cell_matches_tensorflow(ran: dict[str, dict[str, Any]], name: str) -> None:
    check_cell(ran[name], TF[name], name, OUT_OF_SCOPE.get(name))


def test_tf_function_runs_its_python_body_on_every_call(ran: dict[str, dict[str, Any]]) -> None:
    """TF prints 'tracing' only when it traces a new signature; tapeviz has no graph, so every call prints."""
    got, want = ran["tf_function_same_signature"], TF["tf_function_same_signature"]
    assert want["stdout"] == "" and got["stdout"] == "tracing\n"
    assert got["display"] == want["display"]


@pytest.mark.parametrize("name", ["variable_assign", "variable_assign_add"])
def test_assign_returns_the_variable_itself(ran: dict[str, dict[str, Any]], name: str) -> None:
    got, want = ran[name], TF[name]
    assert got["display"] == want["display"].replace("'UnreadVariable'", "'Variable:0'")
