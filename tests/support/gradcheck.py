"""Central finite differences in float64: the independent reference for every gradient."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import tapeviz.engine as E


def numeric_grads(fn: Callable[..., E.Tensor], arrays: Sequence[np.ndarray], projection: np.ndarray, eps: float = 1e-6) -> list[np.ndarray]:
    """∂ sum(fn(*arrays) · projection) / ∂ arrays[k], by central differences."""

    def scalar(values: Sequence[np.ndarray]) -> float:
        out = fn(*[E.constant(v) for v in values])
        return float(np.sum(np.asarray(out, dtype=np.float64) * projection))

    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a, dtype=np.float64)
        for idx in np.ndindex(a.shape):
            plus = [v.copy() for v in arrays]
            minus = [v.copy() for v in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            g[idx] = (scalar(plus) - scalar(minus)) / (2 * eps)
        grads.append(g)
    return grads


def tape_grads(fn: Callable[..., E.Tensor], arrays: Sequence[np.ndarray], projection: np.ndarray) -> list[np.ndarray | None]:
    tensors = [E.constant(a) for a in arrays]
    with E.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        out = fn(*tensors)
        target = E.reduce_sum(out * E.constant(projection))
    grads = tape.gradient(target, tensors)
    return [None if g is None else np.asarray(g) for g in grads]


def check_grads(fn: Callable[..., E.Tensor], arrays: Sequence[np.ndarray], seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Assert the tape's gradients match finite differences for a random projection of the output."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    out_shape = np.asarray(fn(*[E.constant(a) for a in arrays])).shape
    projection = np.random.default_rng(seed).normal(size=out_shape)
    expected = numeric_grads(fn, arrays, projection)
    got = tape_grads(fn, arrays, projection)
    for k, (g, want) in enumerate(zip(got, expected)):
        assert g is not None, f"input {k}: tape gave None"
        assert g.shape == want.shape, f"input {k}: gradient shape {g.shape}, expected {want.shape}"
        np.testing.assert_allclose(g, want, rtol=rtol, atol=atol, err_msg=f"input {k}")
