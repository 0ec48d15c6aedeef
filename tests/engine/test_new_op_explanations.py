"""The chain-rule data of reduce_prod, norm and band_part (what the UI writes out) agree with their VJPs."""

from __future__ import annotations

import numpy as np
import pytest

from tapeviz.engine import fastops
from tapeviz.engine.chain import ChainContext, Formula, Product
from tapeviz.engine.registry import REGISTRY, OpRecord
from tapeviz.engine.tensor import Tensor


def _contexts(name: str, x: np.ndarray, attrs: dict) -> list[ChainContext]:
    op = REGISTRY[name]
    out = np.asarray(op.forward(x, **attrs))
    g = np.random.default_rng(3).normal(size=out.shape)
    record = OpRecord(0, op, (Tensor._wrap(x),), Tensor._wrap(out), attrs, "")
    sent = np.asarray(op.vjp(fastops, g, record, (True,))[0])
    return [ChainContext(0, (x,), out, attrs, g, sent, el, ("x",)) for el in np.ndindex(x.shape)]


@pytest.mark.parametrize("attrs", [{"axis": 1}, {"axis": 0, "keepdims": True}, {}])
def test_reduce_prod_explains_each_element_as_upstream_times_the_others(attrs: dict) -> None:
    x = np.array([[2.0, 0.0, 3.0], [0.5, -1.5, 4.0]])
    for c in _contexts("reduce_prod", x, attrs):
        found = REGISTRY["reduce_prod"].explain(c)
        assert isinstance(found, Product)
        assert found.sent == c.sent[c.element]
        assert found.upstream * found.local == pytest.approx(found.sent)


@pytest.mark.parametrize("attrs", [{"axis": 0}, {"ord": "fro", "axis": (0, 1)}, {"keepdims": True}])
def test_euclidean_norm_explains_g_times_a_over_the_norm(attrs: dict) -> None:
    x = np.array([[3.0, -4.0, 1.0], [0.5, 2.0, -2.0]])
    for c in _contexts("norm", x, attrs):
        found = REGISTRY["norm"].explain(c)
        assert isinstance(found, Formula)
        g, a, n = found.numbers
        assert g * a / n == pytest.approx(found.sent)
        assert found.sent == c.sent[c.element]


def test_band_part_explains_inside_and_outside_the_band() -> None:
    x = np.arange(9.0).reshape(3, 3) + 1
    for c in _contexts("band_part", x, {"num_lower": 0, "num_upper": 1}):
        found = REGISTRY["band_part"].explain(c)
        inside = 0 <= c.element[1] - c.element[0] <= 1
        assert found.local.startswith("1" if inside else "0")
        assert found.sent == (c.upstream[c.element] if inside else 0.0)
