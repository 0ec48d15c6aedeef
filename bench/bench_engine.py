"""The engine alone: a two-layer network from raw ops, forward + backward, vs numpy by hand.

Ops: matmul, add, relu, matmul, add, log_softmax, multiply, reduce_sum, reduce_mean (batch
32×10, hidden 5, 2 classes), then ``tape.gradient`` for the four weights. Same data, same
process; the figure is the ratio of median times. A fourth line times the floor of this design:
the engine's own forwards and VJPs called directly on the arrays (bench/replay.py). Run:

    .venv/bin/python bench/bench_engine.py [--steps 3000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from harness import measure, report
from replay import replay_of

import tapeviz.engine as E


def data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(32, 10)).astype(np.float32),
        "y": np.eye(2, dtype=np.float32)[rng.integers(0, 2, 32)],
        "w1": rng.uniform(-0.6, 0.6, (10, 5)).astype(np.float32),
        "b1": np.zeros(5, np.float32),
        "w2": rng.uniform(-0.9, 0.9, (5, 2)).astype(np.float32),
        "b2": np.zeros(2, np.float32),
    }


def engine_step(d: dict[str, np.ndarray], replay: bool = False) -> Callable[[], object]:
    """The step on the engine; ``replay``: only the numpy work of its ops (see replay.py)."""
    x, y = E.constant(d["x"]), E.constant(d["y"])
    params = [E.Variable(d[k]) for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def forward() -> E.Tensor:
        h = E.relu(E.add(E.matmul(x, w1), b1))
        logits = E.add(E.matmul(h, w2), b2)
        return E.reduce_mean(E.negative(E.reduce_sum(E.multiply(y, E.log_softmax(logits)), axis=-1)))

    def step() -> list:
        with E.GradientTape() as tape:
            loss = forward()
        return tape.gradient(loss, params)

    return replay_of(lambda tape: (forward(), params)) if replay else step


def numpy_step(d: dict[str, np.ndarray]) -> Callable[[], list]:
    x, y, w1, b1, w2, b2 = (d[k] for k in ("x", "y", "w1", "b1", "w2", "b2"))
    n = np.float32(x.shape[0])

    def step() -> list:
        z1 = x @ w1 + b1
        h = np.maximum(z1, 0)
        z2 = h @ w2 + b2
        shifted = z2 - z2.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        log_p = shifted - np.log(e.sum(axis=-1, keepdims=True))
        _loss = (-(y * log_p).sum(axis=-1)).mean()
        # backward: d loss / d log_p = -y/n; through log_softmax: g - softmax·Σg
        g = -y / n
        d_z2 = g - np.exp(log_p) * g.sum(axis=-1, keepdims=True)
        d_w2 = h.T @ d_z2
        d_b2 = d_z2.sum(axis=0)
        d_z1 = (d_z2 @ w2.T) * (z1 > 0)
        d_w1 = x.T @ d_z1
        d_b1 = d_z1.sum(axis=0)
        return [d_w1, d_b1, d_w2, d_b2]

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per variant (default 3000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args()
    d = data()
    variants = {"numpy": numpy_step(d), "engine": engine_step(d), "engine+trace": engine_step(d),
                "ops' numpy": engine_step(d, replay=True)}
    # the baseline must compute the same gradients, or the ratio means nothing
    for mine, theirs in zip(variants["engine"](), variants["numpy"]()):
        np.testing.assert_allclose(np.asarray(mine), theirs, rtol=1e-4, atol=1e-6)
    med, folding, count = measure(variants, "engine+trace", args.steps, args.rounds)
    report(f"two-layer network from raw ops, forward + backward, batch 32x10, median of {count} steps",
           med, folding, "engine", "engine+trace",
           "the engine's own forwards and VJPs called directly, without tensors, tape or events "
           "(numpy plus the VJPs' own lines)")


if __name__ == "__main__":
    main()
