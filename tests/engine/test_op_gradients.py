"""Every registered differentiable op against central finite differences (float64, hypothesis shapes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapeviz.engine as E
from tapeviz.engine.registry import REGISTRY
from tests.support.gradcheck import check_grads

dims = st.integers(1, 3)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together: b drops leading dims and/or has some dims set to 1."""
    a = draw(shapes)
    keep = draw(st.integers(0, len(a)))
    b = list(a[len(a) - keep:])
    for i in range(len(b)):
        if draw(st.booleans()):
            b[i] = 1
    if draw(st.booleans()):
        return tuple(b), a
    return a, tuple(b)


def values(shape: tuple[int, ...], seed: int, low: float = -2.0, high: float = 2.0, away_from_zero: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.uniform(low, high, size=shape)
    if away_from_zero:  # keep clear of kinks (|x|, relu, max) where derivatives jump
        v = np.where(np.abs(v) < 0.2, np.sign(v + 1e-12) * 0.2 + v, v)
    return v


seeds = st.integers(0, 2**16)
Case = tuple[Callable[..., E.Tensor], list[np.ndarray]]


def binary(fn: Callable, positive_b: bool = False, distinct: bool = False) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        sa, sb = draw(broadcast_pair())
        seed = draw(seeds)
        a = values(sa, seed)
        b = values(sb, seed + 1, 0.5, 2.0) if positive_b else values(sb, seed + 1)
        if distinct:  # maximum/minimum: values on two interleaved grids, so no element ties
            rng = np.random.default_rng(seed)
            a = rng.choice([-1.0, 0.0, 1.0, 2.0], size=sa) + rng.uniform(-0.1, 0.1, size=sa)
            b = rng.choice([-1.5, -0.5, 0.5, 1.5], size=sb)
        return fn, [a, b]

    return make


def unary(fn: Callable, low: float = -2.0, high: float = 2.0, away_from_zero: bool = False) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        return fn, [values(draw(shapes), draw(seeds), low, high, away_from_zero)]

    return make


def reduction(fn: Callable, distinct: bool = False) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
        axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
        keepdims = draw(st.booleans())
        x = values(shape, draw(seeds))
        if distinct:  # unique values: the max is unambiguous
            x = np.arange(x.size, dtype=np.float64).reshape(shape) * 0.37 % 1.9 + np.random.default_rng(1).permutation(x.size).reshape(shape)
        return (lambda t: fn(t, axis=axis, keepdims=keepdims)), [x]

    return make


def softmaxish(fn: Callable) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        return (lambda t: fn(t, axis=axis)), [values(shape, draw(seeds))]

    return make


def xent_case(draw: st.DrawFn) -> Case:
    """Labels are probability rows (each sums to 1): where TF's fused gradient rule is exact."""
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    seed = draw(seeds)
    raw = np.exp(values(shape, seed + 7))
    labels = raw / raw.sum(axis=axis, keepdims=True)
    return (lambda lab, z: E.softmax_cross_entropy_with_logits(lab, z, axis=axis)), [labels, values(shape, seed)]


def matmul_case(draw: st.DrawFn) -> Case:
    n, k, m = draw(dims), draw(dims), draw(dims)
    batch = draw(st.sampled_from([(), (2,)]))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    sa = batch + ((k, n) if ta else (n, k))
    sb = (m, k) if tb else (k, m)
    seed = draw(seeds)
    return (lambda a, b: E.matmul(a, b, transpose_a=ta, transpose_b=tb)), [values(sa, seed), values(sb, seed + 1)]


def power_case(draw: st.DrawFn) -> Case:
    sa, sb = draw(broadcast_pair())
    seed = draw(seeds)
    return E.power, [values(sa, seed, 0.5, 2.0), values(sb, seed + 1, -1.5, 2.5)]


def shape_case(kind: str) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
        x = values(shape, draw(seeds))
        if kind == "reshape":
            return (lambda t: E.reshape(t, (-1,))), [x]
        if kind == "transpose":
            perm = tuple(draw(st.permutations(range(len(shape)))))
            return (lambda t: E.transpose(t, perm)), [x]
        if kind == "expand_dims":
            axis = draw(st.integers(-len(shape) - 1, len(shape)))
            return (lambda t: E.expand_dims(t, axis)), [x]
        if kind == "squeeze":
            return (lambda t: E.squeeze(E.expand_dims(t, 0), 0)), [x]
        if kind == "broadcast_to":
            return (lambda t: E.broadcast_to(t, (2,) + shape)), [x]
        if kind == "sum_to_shape":
            return (lambda t: E.sum_to_shape(t, (1,) * len(shape))), [x]
        if kind == "getitem":
            key = tuple(draw(st.sampled_from([slice(None), slice(0, 1), 0, slice(None, None, -1)])) for _ in shape)
            return (lambda t: t[key]), [x]
        if kind == "scatter_into":
            return (lambda t: E.scatter_into(t, (4,) + shape, (slice(1, 3),))), [np.stack([x, x])]
        raise AssertionError(kind)

    return make


def concat_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    axis = draw(st.integers(0, len(shape) - 1))
    other = tuple(d + 1 if i == axis else d for i, d in enumerate(shape))
    seed = draw(seeds)
    return (lambda a, b: E.concat([a, b], axis=axis)), [values(shape, seed), values(other, seed + 1)]


def stack_case(draw: st.DrawFn) -> Case:
    shape = draw(shapes)
    axis = draw(st.integers(0, len(shape)))
    seed = draw(seeds)
    return (lambda a, b: E.stack([a, b], axis=axis)), [values(shape, seed), values(shape, seed + 1)]


def where_case(draw: st.DrawFn) -> Case:
    sa, sb = draw(broadcast_pair())
    seed = draw(seeds)
    full = np.broadcast_shapes(sa, sb)
    cond = E.constant(np.random.default_rng(seed).random(full) > 0.5)
    return (lambda a, b: E.where(cond, a, b)), [values(sa, seed), values(sb, seed + 1)]


def clip_case(draw: st.DrawFn) -> Case:
    x = values(draw(shapes), draw(seeds), -3, 3)
    x = np.where(np.abs(np.abs(x) - 1) < 0.1, x * 1.3, x)
    return (lambda t: E.clip_by_value(t, -1.0, 1.0)), [x]


EINSUMS = {  # equation: operand shapes (matmul, a diagonal, a trace, sums, an outer product, a transpose)
    "ij,jk->ik": [(2, 3), (3, 4)], "bxby->bxy": [(3, 2, 3, 2)], "ii->": [(3, 3)], "ii->i": [(3, 3)],
    "ij->i": [(2, 3)], "ij->": [(2, 3)], "i,j->ij": [(2,), (3,)], "ij->ji": [(2, 3)], "bij,bjk": [(2, 2, 3), (2, 3, 2)],
    "i,i->": [(4,), (4,)],
}


def einsum_case(draw: st.DrawFn) -> Case:
    equation = draw(st.sampled_from(sorted(EINSUMS)))
    seed = draw(seeds)
    arrays = [values(shape, seed + k) for k, shape in enumerate(EINSUMS[equation])]
    return (lambda *ts: E.einsum(list(ts), equation)), arrays


@E.custom_gradient
def _log1pexp(x: E.Tensor) -> tuple[E.Tensor, Callable]:
    """TF's custom-gradient example: the gradient function gives the true derivative, sigmoid(x)."""
    e = E.exp(x)
    return E.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))


def prod_case(draw: st.DrawFn) -> Case:
    """reduce_prod with none, one or several exact zeros in the input (its gradient must not divide by them)."""
    fn, (x,) = reduction(E.reduce_prod)(draw)
    zeros = draw(st.lists(st.integers(0, x.size - 1), max_size=2))
    x = x.copy()
    x.flat[zeros] = 0.0
    return fn, [x]


def norm_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    x = values(shape, draw(seeds), away_from_zero=True)
    matrix = len(shape) >= 2 and draw(st.booleans())
    if matrix:
        axis: object = draw(st.sampled_from([(0, 1), (-1, -2), (len(shape) - 2, len(shape) - 1)]))
        order = draw(st.sampled_from(["euclidean", "fro", 1, np.inf]))
        # distinct column/row sums keep the max of sums unambiguous
        x = x + np.arange(x.size).reshape(shape) * 0.01
    else:
        axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
        order = draw(st.sampled_from(["euclidean", 2, 1, np.inf, 3, 1.5]))
        if order == np.inf:  # distinct magnitudes: the largest |x| is unambiguous
            x = np.sign(x) * (np.abs(x) + np.arange(x.size).reshape(shape) * 0.05)
    keepdims = draw(st.booleans())
    return (lambda t: E.norm(t, ord=order, axis=axis, keepdims=keepdims)), [x]


def square_matrix(draw: st.DrawFn, seed: int) -> np.ndarray:
    """A well-conditioned (batch of) square matrix: random plus a dominant diagonal."""
    n = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,)]))
    return values(batch + (n, n), seed) + 3 * np.eye(n)


def inv_case(draw: st.DrawFn) -> Case:
    adjoint = draw(st.booleans())
    return (lambda a: E.inv(a, adjoint=adjoint)), [square_matrix(draw, draw(seeds))]


def solve_case(draw: st.DrawFn) -> Case:
    seed, adjoint = draw(seeds), draw(st.booleans())
    a = square_matrix(draw, seed)
    b = values(a.shape[:-1] + (draw(dims),), seed + 1)
    return (lambda m, r: E.solve(m, r, adjoint=adjoint)), [a, b]


def band_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=2, max_size=3).map(tuple))
    lower, upper = draw(st.integers(-1, 2)), draw(st.integers(-1, 2))
    return (lambda t: E.band_part(t, lower, upper)), [values(shape, draw(seeds))]


def sigmoid_xent_case(draw: st.DrawFn) -> Case:
    shape, seed = draw(shapes), draw(seeds)
    return (lambda z, x: E.sigmoid_cross_entropy_with_logits(labels=z, logits=x)), [
        values(shape, seed + 3, 0.0, 1.0), values(shape, seed, -4.0, 4.0)]


def _image_geometry(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, int], tuple[int, int], str]:
    """A small NHWC image shape, a window, strides and a padding that fit together."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(k[0], 4)), draw(st.integers(k[1], 4)), draw(st.integers(1, 2)))
    return shape, k, strides, padding


def conv_case(kind: str) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape, k, strides, padding = _image_geometry(draw)
        seed, cout = draw(seeds), draw(st.integers(1, 2))
        x, f = values(shape, seed), values((*k, shape[3], cout), seed + 1)
        out = np.asarray(E.conv2d(x, f, strides, padding)).shape
        g = values(out, seed + 2)
        if kind == "conv2d":
            return (lambda a, b: E.conv2d(a, b, strides=strides, padding=padding)), [x, f]
        if kind == "transpose":
            return (lambda a, b: E.conv2d_transpose(a, b, shape, strides=strides, padding=padding)), [g, f]
        return (lambda a, b: E.conv2d_backprop_filter(a, b, f.shape, strides=strides, padding=padding)), [x, g]

    return make


def pool_case(fn: Callable) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape, k, strides, padding = _image_geometry(draw)
        rng = np.random.default_rng(draw(seeds))  # distinct values: no ties inside a window
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.5 + rng.uniform(-0.1, 0.1, shape)
        return (lambda a: fn(a, ksize=k, strides=strides, padding=padding)), [x]

    return make


def gather_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    axis = draw(st.integers(0, len(shape) - 1))
    idx = np.random.default_rng(draw(seeds)).integers(0, shape[axis], size=draw(st.lists(dims, min_size=0, max_size=2)))
    return (lambda p: E.gather(p, idx, axis=axis)), [values(shape, draw(seeds))]


def gather_nd_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    k = draw(st.integers(1, len(shape)))
    rng = np.random.default_rng(draw(seeds))
    count = draw(dims)
    idx = np.stack([rng.integers(0, shape[a], size=(count,)) for a in range(k)], axis=-1)
    return (lambda p: E.gather_nd(p, idx)), [values(shape, draw(seeds))]


def segment_sum_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
    n = draw(st.integers(1, 4))
    ids = np.random.default_rng(draw(seeds)).integers(-1, n, size=shape[:1])
    return (lambda d: E.unsorted_segment_sum(d, ids, n)), [values(shape, draw(seeds))]


def pad_case(draw: st.DrawFn) -> Case:
    shape = draw(st.lists(st.integers(2, 3), min_size=1, max_size=3).map(tuple))
    mode = draw(st.sampled_from(["CONSTANT", "REFLECT", "SYMMETRIC"]))
    most = 1 if mode == "REFLECT" else 2
    pads = [[draw(st.integers(0, most)), draw(st.integers(0, most))] for _ in shape]
    return (lambda t: E.pad(t, pads, mode=mode, constant_values=1.5)), [values(shape, draw(seeds))]


def scan_case(fn: Callable, positive: bool = False) -> Callable[[st.DrawFn], Case]:
    def make(draw: st.DrawFn) -> Case:
        shape = draw(st.lists(dims, min_size=1, max_size=3).map(tuple))
        axis, exclusive, reverse = draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans()), draw(st.booleans())
        x = values(shape, draw(seeds), 0.5, 1.5) if positive else values(shape, draw(seeds))
        return (lambda t: fn(t, axis=axis, exclusive=exclusive, reverse=reverse)), [x]

    return make


def add_n_case(draw: st.DrawFn) -> Case:
    shape, n, seed = draw(shapes), draw(st.integers(1, 3)), draw(seeds)
    return (lambda *ts: E.add_n(list(ts))), [values(shape, seed + k) for k in range(n)]


CASES: dict[str, Callable[[st.DrawFn], Case]] = {
    "conv2d": conv_case("conv2d"),
    "conv2d_transpose": conv_case("transpose"),
    "conv2d_backprop_filter": conv_case("filter"),
    "max_pool2d": pool_case(E.max_pool2d),
    "avg_pool2d": pool_case(E.avg_pool2d),
    "gather": gather_case,
    "gather_nd": gather_nd_case,
    "unsorted_segment_sum": segment_sum_case,
    "pad": pad_case,
    "cumsum": scan_case(E.cumsum),
    "cumprod": scan_case(E.cumprod, positive=True),
    "add_n": add_n_case,
    "det": lambda draw: (E.det, [square_matrix(draw, draw(seeds))]),
    "log_abs_det": lambda draw: (E.log_abs_det, [square_matrix(draw, draw(seeds))]),
    "add": binary(E.add),
    "subtract": binary(E.subtract),
    "multiply": binary(E.multiply),
    "divide": binary(E.divide, positive_b=True),
    "power": power_case,
    "maximum": binary(E.maximum, distinct=True),
    "minimum": binary(E.minimum, distinct=True),
    "negative": unary(E.negative),
    "identity": unary(E.identity),
    "square": unary(E.square),
    "sqrt": unary(E.sqrt, 0.3, 3.0),
    "exp": unary(E.exp),
    "log": unary(E.log, 0.3, 3.0),
    "log1p": unary(E.log1p, -0.7, 3.0),
    "abs": unary(E.abs, away_from_zero=True),
    "sin": unary(E.sin),
    "cos": unary(E.cos),
    "relu": unary(E.relu, away_from_zero=True),
    "sigmoid": unary(E.sigmoid),
    "tanh": unary(E.tanh),
    "softplus": unary(E.softplus),
    "erf": unary(E.erf),
    "elu": unary(E.elu, away_from_zero=True),
    "leaky_relu": unary(lambda t: E.leaky_relu(t, alpha=0.3), away_from_zero=True),
    "gelu": unary(lambda t: E.add(E.gelu(t), E.gelu(t, approximate=True)), -3.0, 3.0),
    "sigmoid_cross_entropy_with_logits": sigmoid_xent_case,
    "inv": inv_case,
    "solve": solve_case,
    "band_part": band_case,
    "reduce_prod": prod_case,
    "norm": norm_case,
    "where": where_case,
    "clip_by_value": clip_case,
    "matmul": matmul_case,
    "softmax": softmaxish(E.softmax),
    "log_softmax": softmaxish(E.log_softmax),
    "softmax_cross_entropy_with_logits": xent_case,
    "reduce_sum": reduction(E.reduce_sum),
    "reduce_mean": reduction(E.reduce_mean),
    "reduce_max": reduction(E.reduce_max, distinct=True),
    "reduce_min": reduction(E.reduce_min, distinct=True),
    "reshape": shape_case("reshape"),
    "transpose": shape_case("transpose"),
    "expand_dims": shape_case("expand_dims"),
    "squeeze": shape_case("squeeze"),
    "broadcast_to": shape_case("broadcast_to"),
    "sum_to_shape": shape_case("sum_to_shape"),
    "getitem": shape_case("getitem"),
    "scatter_into": shape_case("scatter_into"),
    "concat": concat_case,
    "stack": stack_case,
    "custom_gradient": unary(_log1pexp),
    "einsum": einsum_case,
}

# Checked separately below: zero/None gradients by definition, and cast (finite differences
# through float32 rounding are too noisy to compare, so its rule is checked exactly).
NO_GRADIENT = {"stop_gradient", "sign", "cast"}


def test_every_differentiable_op_has_a_gradient_check() -> None:
    differentiable = {name for name, op in REGISTRY.items() if op.differentiable and op.vjp is not None}
    missing = differentiable - set(CASES) - NO_GRADIENT
    assert not missing, f"ops without a finite-difference check: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_gradient_matches_finite_differences(name: str, data: st.DataObject) -> None:
    fn, arrays = CASES[name](data.draw)
    check_grads(fn, arrays)


def test_stop_gradient_blocks_and_sign_is_flat() -> None:
    x = E.constant(np.array([1.0, -2.0]))
    with E.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = E.reduce_sum(E.stop_gradient(x) * x)
        z = E.reduce_sum(E.sign(x) * 3.0)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [1.0, -2.0])
    np.testing.assert_allclose(np.asarray(tape.gradient(z, x)), [0.0, 0.0])


def test_cast_passes_gradient_back_in_the_source_dtype() -> None:
    x = E.constant(np.array([0.5, -1.25, 3.0]))
    with E.GradientTape() as tape:
        tape.watch(x)
        y = E.reduce_sum(E.cast(x, "float32") * E.constant(np.array([1.0, 2.0, 3.0], np.float32)))
    g = tape.gradient(y, x)
    assert g.dtype == E.float64
    np.testing.assert_array_equal(np.asarray(g), [1.0, 2.0, 3.0])


def test_cast_to_integer_gives_no_gradient() -> None:
    x = E.constant(np.array([0.5, 1.5]))
    with E.GradientTape() as tape:
        tape.watch(x)
        y = E.reduce_sum(E.cast(E.cast(x, "int32"), "float64"))
    assert tape.gradient(y, x) is None
