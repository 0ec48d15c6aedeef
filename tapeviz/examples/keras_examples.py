"""The article's network as built-in examples: ``seed`` (as written) and ``seed-fixed``.

Both examples are plain programs beside this file (``article_network.py``,
``article_network_fixed.py``), so the source pane shows the article's code. This module keeps
the same network as a function of its size, dtype and seed (``seed_network``) for tests and
benchmarks that need it in other sizes.

``seed`` is the article's second code block with one change that lets it train: the variable
list is taken *after* the model's first call. Everything else is as written: the last layer
has ``activation='softmax'`` although the loss says ``from_logits=True``, and the labels are
drawn with ``random.uniform([32, 2], maxval=2, dtype=int32)`` so many rows are not one-hot.
Both pitfalls raise warnings (collected on ``train_step.warnings``). ``seed-fixed`` does it
right: logits out of the last layer, one-hot labels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine as E
from ..keras import backend, layers, losses, optimizers
from ..keras.models import Model
from . import Example, register


class SimpleModel(Model):
    """The article's model: Dense(5, relu) → Dense(2, softmax), or logits when ``fixed``."""

    def __init__(self, fixed: bool = False, dtype: str | None = None) -> None:
        super().__init__(dtype=dtype)
        self.dense1 = layers.Dense(5, activation="relu", dtype=dtype)
        self.dense2 = layers.Dense(2, activation=None if fixed else "softmax", dtype=dtype)

    def call(self, x: Any) -> E.Tensor:
        x = self.dense1(x)
        return self.dense2(x)


@dataclass
class SeedNetwork:
    """Everything one training step needs; ``train_step()`` returns the loss as a float."""

    model: SimpleModel
    inputs: E.Tensor
    labels: E.Tensor
    loss_fn: losses.Loss
    optimizer: optimizers.SGD
    variables: list[Any]
    warnings: list[str] = field(default_factory=list)

    def loss(self) -> E.Tensor:
        """The forward pass and the loss (record it under a tape to differentiate it)."""
        inputs, labels = self.inputs, self.labels  # the article's names, so the trace shows them
        predictions = self.model(inputs)
        return self.loss_fn(labels, predictions)

    def train_step(self) -> float:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with E.GradientTape() as tape:
                loss = self.loss()
            gradients = tape.gradient(loss, self.variables)
            self.optimizer.apply_gradients(zip(gradients, self.variables))
        for w in caught:
            text = f"{w.category.__name__}: {w.message}"
            if text not in self.warnings:
                self.warnings.append(text)
        return float(loss)


def seed_network(fixed: bool = False, seed: int = 0, dtype: str = "float32", batch: int = 32,
                 learning_rate: float = 0.01) -> SeedNetwork:
    """Build the article's network and data, deterministically from ``seed``."""
    backend.clear_session()
    backend.seed_generator(seed)
    rng = np.random.default_rng(seed)
    inputs = E.constant(rng.normal(size=(batch, 10)).astype(dtype))  # tf.random.normal([32, 10])
    if fixed:
        labels = E.constant(np.eye(2, dtype=dtype)[rng.integers(0, 2, size=batch)])  # one-hot rows
    else:
        labels = E.constant(rng.integers(0, 2, size=(batch, 2)).astype(np.int32))  # uniform(maxval=2, int32)
    model = SimpleModel(fixed=fixed, dtype=dtype)
    model(inputs)  # the first call creates the weights ...
    variables = model.trainable_variables  # ... so this list is not empty
    loss_fn = losses.CategoricalCrossentropy(from_logits=True, dtype=dtype)
    optimizer = optimizers.SGD(learning_rate=learning_rate)
    return SeedNetwork(model, inputs, labels, loss_fn, optimizer, variables)


register(Example(
    "seed", "the article's network, as written",
    "Dense(5, relu) → Dense(2, softmax), batch 32×10, labels uniform in {0, 1} (not one-hot), "
    "CategoricalCrossentropy(from_logits=True), SGD 0.01. Keras warns about from_logits and uses the "
    "softmax's inputs as logits; many label rows are not one-hot.",
    program="article_network.py",
))
register(Example(
    "seed-fixed", "the article's network, done right",
    "Dense(5, relu) → Dense(2) giving logits, batch 32×10, one-hot labels, "
    "CategoricalCrossentropy(from_logits=True), SGD 0.01.",
    program="article_network_fixed.py",
))
