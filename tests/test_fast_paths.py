"""The engine's fast paths give bit-for-bit the results of the plain numpy / recorded versions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.registry import REGISTRY


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, axis",
    [((), None), ((7,), None), ((7,), 0), ((32, 10), None), ((32, 10), -1), ((32, 10), 0),
     ((3, 4, 5), (0, 2)), ((0,), None), ((0, 3), 0), ((3, 0), 1)],
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_mean_forward_is_numpy_mean(dtype: type, shape: tuple[int, ...], axis: object, keepdims: bool) -> None:
    a = (np.random.default_rng(0).normal(size=shape) * 100).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mean of an empty slice warns in numpy
        want = np.asarray(np.mean(a, axis=axis, keepdims=keepdims, dtype=a.dtype))
        got = np.asarray(REGISTRY["reduce_mean"].forward(a, axis=axis, keepdims=keepdims))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_reduce_mean_of_a_large_float32_array_is_numpy_mean() -> None:
    a = np.random.default_rng(1).normal(size=(1 << 24) + 3).astype(np.float32)
    assert REGISTRY["reduce_mean"].forward(a) == np.mean(a, dtype=np.float32)
    assert E.reduce_mean(E.constant(a)).numpy() == np.mean(a, dtype=np.float32)
