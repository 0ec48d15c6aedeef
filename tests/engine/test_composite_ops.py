"""meshgrid (composed of recorded reshape + broadcast_to) and the value tests that record nothing."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E
from tests.support.gradcheck import check_grads


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_matches_numpy_and_its_gradient_matches_finite_differences(indexing: str) -> None:
    x, y, z = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5]), np.array([4.0, 5.0, 6.0, 7.0])
    for got, want in zip(E.meshgrid(x, y, z, indexing=indexing), np.meshgrid(x, y, z, indexing=indexing)):
        np.testing.assert_array_equal(np.asarray(got), want)

    def weighted(a: E.Tensor, b: E.Tensor, c: E.Tensor) -> E.Tensor:
        gx, gy, gz = E.meshgrid(a, b, c, indexing=indexing)
        return gx * gy + E.sin(gz) * gx

    check_grads(weighted, [x, y, z])


def test_meshgrid_rejects_other_indexing() -> None:
    with pytest.raises(ValueError, match="'xy' or 'ij'"):
        E.meshgrid([1.0], [2.0], indexing="yx")


def test_nan_and_inf_tests_are_never_recorded() -> None:
    x = E.constant(np.array([np.nan, np.inf, -1.0]))
    with E.GradientTape() as tape:
        tape.watch(x)
        flags = [E.is_nan(x), E.is_inf(x), E.is_finite(x)]
    assert [np.asarray(f).tolist() for f in flags] == [[True, False, False], [False, True, False], [False, False, True]]
    assert tape._records == []


def test_reduce_prod_gradient_with_zeros_is_the_product_of_the_others() -> None:
    x = E.constant(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]]))
    with E.GradientTape() as tape:
        tape.watch(x)
        y = E.reduce_sum(E.reduce_prod(x, axis=1))
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)), [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])


def test_singular_matrix_is_one_clear_error() -> None:
    singular = E.constant(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(E.TapevizError, match="inv: input of shape \\(2, 2\\) is not invertible"):
        E.inv(singular)
    with pytest.raises(E.TapevizError, match="solve: matrix"):
        E.solve(singular, E.constant(np.ones((2, 1))))
