"""The ops added for issue 14 against TensorFlow 2.21: the same programs, values stored once.

tests/data/make_ops_tf_reference.py ran each program with real TensorFlow and stored the
programs with their results in ops_tf_reference.json; here each runs under ``tapeviz.tf``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapeviz.tf as tf

DATA = json.loads((Path(__file__).parents[1] / "data" / "ops_tf_reference.json").read_text())


def _compare(got: Any, want: Any, where: str) -> None:
    if isinstance(want, dict) and "dtype" not in want:
        assert sorted(map(str, got)) == sorted(want), where
        for key, value in got.items():
            _compare(value, want[str(key)], f"{where}[{key}]")
        return
    if isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{where}[{i}]")
        return
    if isinstance(want, str):
        assert got == want, where
        return
    arr = np.asarray(got)
    assert arr.dtype.name == want["dtype"], where
    assert list(arr.shape) == want["shape"], where
    expected = np.array([np.nan if v is None else v for v in want["value"]], dtype=np.float64)
    if arr.dtype.kind == "f":
        np.testing.assert_allclose(arr.astype(np.float64).ravel(), expected, rtol=2e-6, atol=1e-6, err_msg=where)
    else:
        assert arr.ravel().tolist() == [type(arr.ravel().tolist()[0])(v) for v in want["value"]], where


def test_reference_was_made_with_tensorflow_2_21() -> None:
    assert DATA["tensorflow"] == "2.21.0"


@pytest.mark.parametrize("name", sorted(DATA["cases"]))
def test_same_values_as_tensorflow(name: str) -> None:
    scope: dict[str, Any] = {"tf": tf}
    exec(DATA["common"] + DATA["cases"][name], scope)  # noqa: S102  (the stored programs of this project)
    _compare(scope["out"], DATA["results"][name], name)
