"""The chain-rule data of conv2d, the pools, gather and cumsum (what the inspector writes out) add up
to what their VJPs sent, for every element; and the inspector shows it for a recorded conv2d."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine import fastops
from tapeviz.engine.chain import ChainContext, SumOfProducts
from tapeviz.engine.events import BackwardStep
from tapeviz.engine.registry import REGISTRY, OpRecord
from tapeviz.engine.tensor import Tensor
from tapeviz.trace import record
from tapeviz.view.chain_rule import chain_rule_lines

RNG = np.random.default_rng(5)


def _every_element(name: str, arrays: list[np.ndarray], attrs: dict, names: tuple[str, ...]) -> None:
    """For each input k and each element: the explanation's terms sum to what the VJP sent."""
    op = REGISTRY[name]
    out = np.asarray(op.forward(*arrays, **attrs))
    g = RNG.normal(size=out.shape)
    rec = OpRecord(0, op, tuple(Tensor._wrap(a) for a in arrays), Tensor._wrap(out), attrs, "")
    needs = tuple(a.dtype.kind == "f" for a in arrays)
    sent = op.vjp(fastops, g, rec, needs)
    for k, s in enumerate(sent):
        if s is None or not needs[k]:
            continue
        s = np.asarray(s)
        for el in np.ndindex(arrays[k].shape):
            found = op.explain(ChainContext(k, tuple(arrays), out, attrs, g, s, el, names))
            assert isinstance(found, SumOfProducts), (name, k, el)
            assert found.sent == s[el]
            assert sum(a * b for a, b in found.terms) == pytest.approx(found.sent, abs=1e-9), (name, k, el)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [(1, 1), (2, 1)])
def test_conv2d_explains_the_transposed_convolution_and_the_correlation(padding: str, strides: tuple) -> None:
    x, f = RNG.normal(size=(2, 4, 5, 2)), RNG.normal(size=(3, 2, 2, 3))
    _every_element("conv2d", [x, f], {"strides": strides, "padding": padding}, ("x", "kernel"))


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pools_explain_where_each_window_sent_g(name: str, padding: str) -> None:
    x = RNG.permutation(2 * 5 * 4 * 2).reshape(2, 5, 4, 2).astype(np.float64)
    _every_element(name, [x], {"ksize": (2, 3), "strides": (2, 1), "padding": padding}, ("x",))


def test_gather_and_cumsum_explain_their_sums() -> None:
    _every_element("gather", [RNG.normal(size=(4, 3)), np.array([3, 0, 3])], {"axis": 0}, ("params", "indices"))
    _every_element("cumsum", [RNG.normal(size=(3, 4))], {"axis": 1, "exclusive": True, "reverse": True}, ("x",))


def test_the_inspector_writes_out_a_conv2d_backward_step() -> None:
    x = tf.constant(RNG.normal(size=(1, 4, 4, 1)).astype(np.float32))
    kernel = tf.Variable(RNG.normal(size=(3, 3, 1, 2)).astype(np.float32), name="kernel")
    with record() as trace:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, kernel, strides=1, padding="SAME", name="features")
            loss = tf.reduce_sum(y * y)
        tape.gradient(loss, [x, kernel])
    step = next(e for e in trace.events if isinstance(e, BackwardStep) and e.op == "conv2d")
    lines = chain_rule_lines(trace, step)
    text = "\n".join(lines)
    assert "the transposed convolution of g" in text and "the correlation of" in text
    assert any(line.startswith("∂L/∂kernel[") for line in lines)


def test_a_convolution_box_shows_its_kernel_and_a_pool_box_its_window() -> None:
    from tapeviz.render import dot_source

    x = tf.constant(RNG.normal(size=(1, 6, 6, 2)).astype(np.float32))
    kernel = tf.Variable(RNG.normal(size=(3, 2, 2, 4)).astype(np.float32), name="kernel")
    with record() as trace:
        with tf.GradientTape() as tape:
            y = tf.nn.conv2d(x, kernel, strides=[1, 2, 1, 1], padding="VALID")
            p = tf.nn.max_pool2d(y, ksize=2, strides=2, padding="SAME")
            loss = tf.reduce_sum(p)
        tape.gradient(loss, kernel)
    dot = dot_source(trace)
    assert "3×2 kernel · strides 2×1 · VALID" in dot
    assert "2×2 window · stride 2 · SAME" in dot
