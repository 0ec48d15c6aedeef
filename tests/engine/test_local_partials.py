"""Every op's ``local`` partials agree with its VJP: Σ(g · local) over broadcast axes == VJP output."""

from __future__ import annotations

import numpy as np
import pytest

from tapeviz.engine import fastops
from tapeviz.engine.ops._common import sum_to
from tapeviz.engine.registry import REGISTRY, OpDef, OpRecord
from tapeviz.engine.tensor import Tensor

LOCAL_OPS = sorted(name for name, op in REGISTRY.items() if op.local is not None)
SHAPES = {
    1: [((2, 3),), ((),), ((4,),)],
    2: [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))],
    3: [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ())],
}
ATTRS = {"cast": {"dtype": "float64"}}


def _inputs(op: OpDef, shapes: tuple[tuple[int, ...], ...], rng: np.random.Generator) -> list[np.ndarray]:
    """Random float64 inputs away from kinks (0, ties); positive where the math needs it."""
    magnitude = [rng.uniform(0.5, 2.0, size=s) for s in shapes]
    if op.name == "where":
        return [rng.random(shapes[0]) > 0.5, magnitude[1], -magnitude[2]]
    if op.name == "clip_by_value":
        return [rng.uniform(-2.0, 2.0, size=shapes[0]), np.full(shapes[1], -0.5), np.full(shapes[2], 0.7)]
    if op.name in ("log", "sqrt", "power", "divide"):
        return magnitude
    signs = [rng.choice([-1.0, 1.0], size=s) for s in shapes]
    return [m * s + 0.01 * k for k, (m, s) in enumerate(zip(magnitude, signs))]  # +0.01·k: no ties


@pytest.mark.parametrize("name", LOCAL_OPS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_partials_agree_with_the_vjp(name: str, seed: int) -> None:
    op = REGISTRY[name]
    rng = np.random.default_rng(seed)
    attrs = ATTRS.get(name, {})
    for shapes in SHAPES[op.arity]:
        arrays = _inputs(op, shapes, rng)
        out = np.asarray(op.forward(*arrays, **attrs))
        g = rng.normal(size=out.shape)
        record = OpRecord(0, op, tuple(Tensor._wrap(a) for a in arrays), Tensor._wrap(out), attrs, "")
        needs = tuple(a.dtype.kind == "f" for a in arrays)
        sent = op.vjp(fastops, g, record, needs)
        local = op.local(*arrays, out, **attrs)
        assert len(local) == len(arrays)
        for k, (a, partial, vjp_out) in enumerate(zip(arrays, local, sent)):
            if partial is None:
                continue
            want = sum_to(g * np.broadcast_to(partial, out.shape), a.shape)
            # as the backward walk does: a gradient in the broadcast output shape is summed down
            got = 0 * want if vjp_out is None else sum_to(np.asarray(vjp_out), a.shape)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"{name} input {k} shapes {shapes}")


def test_the_elementwise_ops_are_all_checked() -> None:
    """The usual elementwise ops all declare ``local`` partials (so the UI can show real numbers)."""
    for name in ("add", "multiply", "divide", "power", "exp", "log", "relu", "sigmoid", "tanh", "where"):
        assert name in LOCAL_OPS
