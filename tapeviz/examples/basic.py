"""Examples built from raw engine ops (no Keras): ``square`` and ``two-layer``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import engine as E
from . import Example, register


def _square() -> None:
    x = E.Variable(3.0, name="x")
    with E.GradientTape() as tape:
        y = x**2
    tape.gradient(y, x)
    return None


register(Example("square", "y = x² at x = 3", "The article's first example: dy/dx = 2x = 6 at x = 3.", _square))


def two_layer_network(seed: int = 0, lr: float = 0.01) -> Callable[[], float]:
    """Dense(5, relu) → Dense(2) → log_softmax cross-entropy from raw ops, batch 32×10."""
    rng = np.random.default_rng(seed)
    limit1, limit2 = np.sqrt(6 / 15), np.sqrt(6 / 7)
    w1 = E.Variable(rng.uniform(-limit1, limit1, (10, 5)).astype(np.float32), name="w1", path="layer1/w")
    b1 = E.Variable(np.zeros(5, np.float32), name="b1", path="layer1/b")
    w2 = E.Variable(rng.uniform(-limit2, limit2, (5, 2)).astype(np.float32), name="w2", path="layer2/w")
    b2 = E.Variable(np.zeros(2, np.float32), name="b2", path="layer2/b")
    x = E.constant(rng.normal(size=(32, 10)).astype(np.float32))
    labels = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 32)]
    y = E.constant(labels)
    params = [w1, b1, w2, b2]

    def train_step() -> float:
        with E.GradientTape() as tape:
            with E.name_scope("layer1"):
                h = E.relu(E.matmul(x, w1) + b1)
            with E.name_scope("layer2"):
                logits = E.matmul(h, w2) + b2
            with E.name_scope("loss"):
                loss = E.reduce_mean(-E.reduce_sum(y * E.log_softmax(logits), axis=-1))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(lr * g)
        return float(loss)

    return train_step


register(Example(
    "two-layer", "two-layer network from raw ops",
    "Dense(5, relu) → Dense(2) → softmax cross-entropy, written with raw ops, batch 32×10, SGD 0.01.",
    two_layer_network,
))
