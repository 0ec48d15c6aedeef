"""The metrics ``compile(metrics=[...])`` accepts: accuracy in its three forms, mse and mae.

Metrics are computed in numpy after the forward pass, outside any tape (Keras computes them
outside the gradient too), so they add no events to a trace. Each function gives one value per
sample; ``MeanMetric`` averages them over an epoch, as Keras's ``MeanMetricWrapper`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.errors import TapevizError

MetricFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """1 where the largest prediction is at the one-hot label's position, else 0."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """1 where the largest prediction is at the integer label, else 0."""
    labels = y_true.reshape(y_pred.shape[:-1]) if y_true.size == int(np.prod(y_pred.shape[:-1])) else y_true
    return (labels.astype(np.int64) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The fraction of outputs on the label's side of ``threshold`` (mean over the last axis)."""
    return np.mean((y_pred > threshold).astype(np.float32) == y_true.reshape(y_pred.shape), axis=-1)


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.mean(np.square(y_pred - y_true.reshape(y_pred.shape)), axis=-1)


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.mean(np.abs(y_pred - y_true.reshape(y_pred.shape)), axis=-1)


_BY_NAME: dict[str, MetricFn] = {
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "binary_accuracy": binary_accuracy,
    "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
}


def resolve(identifier: Any, y_true_shape: tuple[int, ...], y_pred_shape: tuple[int, ...]) -> tuple[str, MetricFn]:
    """``(name, function)`` for a metric given to ``compile``.

    ``"accuracy"``/``"acc"`` picks the variant as Keras 3 does: binary when the model has one
    output unit, sparse when the labels have fewer dimensions than the predictions (or one
    column against several), categorical otherwise. The name stays the string given.
    """
    if callable(identifier):
        return getattr(identifier, "__name__", "metric"), identifier
    if not isinstance(identifier, str):
        raise MetricError(f"Could not interpret metric identifier: {identifier!r}")
    if identifier.lower() in ("accuracy", "acc"):
        if y_pred_shape[-1] == 1:
            return identifier, binary_accuracy
        if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
            return identifier, sparse_categorical_accuracy
        return identifier, categorical_accuracy
    if identifier in _BY_NAME:
        return identifier, _BY_NAME[identifier]
    raise MetricError(
        f"Unknown metric {identifier!r}: tapeviz implements accuracy/acc, {', '.join(sorted(_BY_NAME))}"
    )


class MetricError(TapevizError, ValueError):
    """``compile(metrics=...)`` named a metric tapeviz does not have."""


class MeanMetric:
    """A running, sample-weighted mean (``total / count``), reset at each epoch."""

    def __init__(self, name: str, fn: MetricFn | None = None) -> None:
        self.name, self.fn = name, fn
        self.total, self.count = 0.0, 0.0

    def update(self, value: float | np.ndarray, weight: float = 1.0) -> None:
        values = np.asarray(value, dtype=np.float64)
        if values.ndim == 0:
            self.total += float(values) * weight
            self.count += weight
        else:
            self.total += float(values.sum())
            self.count += values.size

    def update_from(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        assert self.fn is not None
        self.update(self.fn(y_true, y_pred))

    def result(self) -> float:
        """The mean as a float32 value (Keras keeps metric state in float32)."""
        return float(np.float32(self.total / self.count)) if self.count else 0.0

    def reset(self) -> None:
        self.total, self.count = 0.0, 0.0
