"""A hypothesis strategy for random differentiable programs over the op registry.

A program is a list of steps over a pool of values: each step picks an op and operands from
the pool (so intermediate values are reused at random), and appends the result. Operands are
passed through smooth "domain guards" where an op needs them (log of x² + 1, ...), so that
finite differences are a fair reference. Shapes broadcast against one base shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import tapeviz.engine as E

T = E.Tensor


def _positive(x: T) -> T:
    return E.square(x) + 0.5


UNARY: dict[str, Callable[[T], T]] = {
    "negative": E.negative,
    "square": E.square,
    "sqrt": lambda x: E.sqrt(_positive(x)),
    "exp": lambda x: E.exp(E.tanh(x)),
    "log": lambda x: E.log(_positive(x)),
    "abs": E.abs,
    "sin": E.sin,
    "cos": E.cos,
    "relu": E.relu,
    "sigmoid": E.sigmoid,
    "tanh": E.tanh,
    "softplus": E.softplus,
    "identity": E.identity,
    "cast": lambda x: E.cast(E.cast(x, "float64"), "float64"),
}

BINARY: dict[str, Callable[[T, T], T]] = {
    "add": E.add,
    "subtract": E.subtract,
    "multiply": E.multiply,
    "divide": lambda a, b: E.divide(a, _positive(b)),
    "power": lambda a, b: E.power(_positive(a), E.tanh(b)),
    # Shifted by an odd constant so that no program can make the operands tie exactly (a
    # value compared with an algebraic copy of itself): at a tie the derivative jumps.
    "maximum": lambda a, b: E.maximum(a, b + 0.3173),
    "minimum": lambda a, b: E.minimum(a, b - 0.2718),
    # A fixed random condition: where() is smooth in a and b; a value-dependent condition
    # would make the program itself discontinuous, which no gradient can describe.
    "where": lambda a, b: _where_fixed(a * 2.0, b),
}


def _where_fixed(a: T, b: T) -> T:
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    condition = np.random.default_rng(len(shape) * 7 + sum(shape)).random(shape) > 0.5
    return E.where(E.constant(condition), a, b)


@dataclass(frozen=True)
class Step:
    kind: str  # "unary", "binary", "reduce", "softmax", "shape", "matmul", "concat", "clip"
    op: str
    operands: tuple[int, ...]
    axis: int | None = None


@dataclass(frozen=True)
class Program:
    base: tuple[int, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    steps: tuple[Step, ...]
    second_order: bool
    seed: int

    def inputs(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed)
        return [rng.uniform(-1.5, 1.5, size=s) for s in self.input_shapes]

    def run(self, *xs: T) -> T:
        """Evaluate the program; returns its last value."""
        pool: list[T] = list(xs)
        for step in self.steps:
            args = [pool[i % len(pool)] for i in step.operands]
            pool.append(_apply(step, args))
        return pool[-1]


def _apply(step: Step, args: list[T]) -> T:
    if step.kind == "unary":
        return UNARY[step.op](args[0])
    if step.kind == "binary":
        return BINARY[step.op](args[0], args[1])
    x = args[0]
    ndim = x.ndim
    axis = None if step.axis is None or ndim == 0 else step.axis % ndim
    if step.kind == "reduce":
        fn = {"reduce_sum": E.reduce_sum, "reduce_mean": E.reduce_mean, "reduce_max": E.reduce_max}[step.op]
        return fn(x, axis=axis, keepdims=True) + E.zeros_like(x)  # keep the shape so later steps broadcast
    if step.kind == "softmax":
        if ndim == 0:
            return x
        fn = E.softmax if step.op == "softmax" else E.log_softmax
        return fn(x, axis=axis if axis is not None else -1)
    if step.kind == "shape":
        if step.op == "transpose":
            return E.transpose(E.transpose(x))
        if step.op == "reshape":
            return E.reshape(E.reshape(x, (-1,)), x.shape)
        if step.op == "getitem":
            return E.concat([x[..., :1], x[..., 1:]], axis=-1) if ndim else x
        if step.op == "stack":
            y = args[1]
            a, b = x + y * 0.0, y + x * 0.0  # broadcast both to a common shape first
            return E.reduce_sum(E.stack([a, b * 0.5], axis=0), axis=0)
    if step.kind == "matmul":
        if ndim != 2:
            return x
        return E.matmul(x, E.transpose(x)) @ x if x.shape[0] <= 3 else x
    if step.kind == "clip":
        return E.clip_by_value(x, -1.0, 1.0)
    raise AssertionError(step)


dims = st.integers(1, 3)


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 6) -> Program:
    base = tuple(draw(st.lists(dims, min_size=0, max_size=2)))
    n_inputs = draw(st.integers(1, 3))
    shapes = []
    for _ in range(n_inputs):
        keep = draw(st.integers(0, len(base)))
        shape = list(base[len(base) - keep:])
        for i in range(len(shape)):
            if draw(st.booleans()):
                shape[i] = 1
        shapes.append(tuple(shape))
    shapes[0] = base  # at least one input has the full shape
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        pool = n_inputs + k
        kind = draw(st.sampled_from(["unary", "unary", "binary", "binary", "reduce", "softmax", "shape", "matmul", "clip"]))
        operands = (draw(st.integers(0, pool - 1)), draw(st.integers(0, pool - 1)))
        op = {
            "unary": lambda: draw(st.sampled_from(sorted(UNARY))),
            "binary": lambda: draw(st.sampled_from(sorted(BINARY))),
            "reduce": lambda: draw(st.sampled_from(["reduce_sum", "reduce_mean", "reduce_max"])),
            "softmax": lambda: draw(st.sampled_from(["softmax", "log_softmax"])),
            "shape": lambda: draw(st.sampled_from(["transpose", "reshape", "getitem", "stack"])),
            "matmul": lambda: "matmul",
            "clip": lambda: "clip_by_value",
        }[kind]()
        axis = draw(st.one_of(st.none(), st.integers(-2, 1)))
        steps.append(Step(kind, op, operands, axis))
    return Program(base, tuple(shapes), tuple(steps), draw(st.booleans()), draw(st.integers(0, 2**20)))


def _scalar(program: Program, xs: list[T], projection: np.ndarray) -> T:
    out = program.run(*xs)
    return E.reduce_sum(out * E.constant(np.broadcast_to(projection, out.shape).copy()))


def first_order(program: Program, arrays: list[np.ndarray], projection: np.ndarray) -> list[np.ndarray]:
    xs = [E.constant(a) for a in arrays]
    with E.GradientTape() as tape:
        tape.watch(xs)
        y = _scalar(program, xs, projection)
    grads = tape.gradient(y, xs, unconnected_gradients="zero")
    return [np.asarray(g) for g in grads]


def second_order(program: Program, arrays: list[np.ndarray], projection: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """Gradient of Σ weights · ∂y/∂x0 with respect to every input, through nested tapes."""
    xs = [E.constant(a) for a in arrays]
    with E.GradientTape() as outer:
        outer.watch(xs)
        with E.GradientTape() as inner:
            inner.watch(xs)
            y = _scalar(program, xs, projection)
        g0 = inner.gradient(y, xs[0], unconnected_gradients="zero")
        z = E.reduce_sum(g0 * E.constant(weights))
    grads = outer.gradient(z, xs, unconnected_gradients="zero")
    return [np.asarray(g) for g in grads]


def numeric(f: Callable[[list[np.ndarray]], float], arrays: list[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    out = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [v.copy() for v in arrays]
            minus = [v.copy() for v in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            g[idx] = (f(plus) - f(minus)) / (2 * eps)
        out.append(g)
    return out


def check_program(program: Program) -> None:
    arrays = program.inputs()
    rng = np.random.default_rng(program.seed + 1)
    out_shape = np.asarray(program.run(*[E.constant(a) for a in arrays])).shape
    projection = rng.normal(size=out_shape)
    if not program.second_order:
        got = first_order(program, arrays, projection)
        want = numeric(lambda xs: float(_scalar(program, [E.constant(x) for x in xs], projection)), arrays)
    else:
        weights = rng.normal(size=arrays[0].shape)
        got = second_order(program, arrays, projection, weights)

        def first(xs: list[np.ndarray]) -> float:
            return float(np.sum(first_order(program, xs, projection)[0] * weights))

        want = numeric(first, arrays, eps=1e-5)
    for k, (g, w) in enumerate(zip(got, want)):
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(w))):
            continue
        scale = max(1.0, float(np.max(np.abs(w))))
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4 * scale, err_msg=f"input {k} of {program}")
