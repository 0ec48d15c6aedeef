"""Losses computed the way Keras 3 computes them, each recorded under a scope named after it.

Reductions: ``"sum_over_batch_size"`` (sum divided by the number of per-sample losses: the
batch mean), ``"sum"``, and ``None``/``"none"`` (one loss per sample). Labels of any numeric
dtype are cast to the predictions' dtype.

Like Keras, an output that came out of a Keras ``softmax`` (or ``sigmoid``) activation is
traced back to its logits, and the loss is computed from those logits; with
``from_logits=True`` that earns Keras's warning (see ``_get_logits``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine as E
from ..engine import origins
from ..engine.errors import ShapeValueError
from ..engine.registry import bookkeeping
from ..engine.scope import scope_stack
from . import activations, backend

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean")


class LabelsWarning(UserWarning):
    """Labels that do not mean what the loss assumes (e.g. rows that are not one-hot)."""


class LogitsWarning(UserWarning):
    """``from_logits=True`` given an output that went through softmax/sigmoid."""


def _standardize_reduction(reduction: Any) -> Any:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: {reduction!r}; expected one of "
            "'sum_over_batch_size', 'sum', 'none' or None"
        )
    return reduction


def _tensor(x: Any, dtype: np.dtype | None = None) -> E.Tensor:
    """A tensor of ``dtype`` (cast if needed); ``None`` keeps the value's own dtype."""
    if isinstance(x, E.Tensor):
        if dtype is not None and x._value.dtype is not dtype and x._value.dtype != dtype:
            return E.cast(x, dtype)
        return x
    if dtype is None:
        return E.convert(x)
    return E.constant(np.asarray(x).astype(dtype))


def _same_rank(y_true: E.Tensor, y_pred: E.Tensor) -> tuple[E.Tensor, E.Tensor]:
    """Keras's ``squeeze_or_expand_to_same_rank``: ranks one apart, the longer ending in 1, are matched
    (labels of shape (n,) against predictions of shape (n, 1): the labels get the axis)."""
    rt, rp = y_true.ndim, y_pred.ndim
    if rt == rp + 1 and y_true._value.shape[-1] == 1:
        return (y_true, E.expand_dims(y_pred, -1)) if rp == 1 else (E.squeeze(y_true, -1), y_pred)
    if rp == rt + 1 and y_pred._value.shape[-1] == 1:
        return (E.expand_dims(y_true, -1), y_pred) if rt == 1 else (y_true, E.squeeze(y_pred, -1))
    return y_true, y_pred


def _same_shape(y_true: E.Tensor, y_pred: E.Tensor, fn: str) -> None:
    if y_true._value.shape != y_pred._value.shape:
        raise ShapeValueError(
            f"{fn}: labels (target) and predictions (output) must have the same shape; got "
            f"target.shape={tuple(y_true._value.shape)}, output.shape={tuple(y_pred._value.shape)}"
        )


def _get_logits(output: E.Tensor, from_logits: bool, op_type: str, fn_name: str) -> tuple[E.Tensor, bool]:
    """Keras's rule: an output made by a Keras softmax/sigmoid is replaced by its logits."""
    found = activations.logits_of(output)
    if found is None or found[1] != op_type:
        return output, from_logits
    logits = found[0]
    if from_logits:
        backend.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by a '
            f"{op_type} activation and thus does not represent logits. Was this intended? "
            f"(tapeviz: a {op_type.lower()} applied to logits a second time would squash them; Keras "
            f"avoids that by taking the values that went into the {op_type.lower()} as the logits, so the "
            f"loss and its gradient bypass the {op_type.lower()} op. Drop activation='{op_type.lower()}' "
            "from the last layer, or pass from_logits=False.)",
            LogitsWarning,
        )
    return logits, True


_last_checked: list[Any] = [None]


def _check_one_hot(y_true: E.Tensor, fn_name: str, fused: bool) -> None:
    """Warn when categorical labels are not rows holding a single 1 (or probabilities summing to 1)."""
    labels = y_true._value
    if labels.ndim == 0 or labels.size == 0 or labels is _last_checked[0]:
        return  # the same labels array as last time: already checked (and warned about once)
    _last_checked[0] = labels
    sums = labels.sum(axis=-1)
    bad = np.abs(sums - 1) > 1e-3
    if not bad.any():
        return
    flat = labels.reshape(-1, labels.shape[-1])
    rows = flat[bad.reshape(-1)]
    examples: list[str] = []
    for row in rows:
        text = np.array2string(row.astype(np.int64) if np.all(row == np.round(row)) else row, separator=", ")
        if text not in examples:
            examples.append(text)
        if len(examples) == 2:
            break
    message = (
        f"{fn_name}: {int(bad.sum())} of {bad.size} label rows are not one-hot (their entries do not sum "
        f"to 1), e.g. {' and '.join(examples)}. A row like [1, 1] counts the sample once per class and a "
        "row of zeros adds nothing to the loss. Integer labels drawn with random.uniform(..., maxval=2, "
        "dtype=int32) pick every entry independently; draw one class index per sample and one-hot it, "
        "or use SparseCategoricalCrossentropy with the class indices."
    )
    if fused:
        message += (
            " Also, TensorFlow's gradient for this loss (softmax − labels) assumes each row sums to 1, so "
            "for these rows it is not the derivative of the loss value (tapeviz reproduces TF's gradient)."
        )
    backend.warn(message, LabelsWarning)


# ---------------------------------------------------------------------------------------
# function forms: per-sample losses


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> E.Tensor:
    """Per-sample ``−Σ y_true · log(p)``; probabilities are divided by their sum, then clipped."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, y_pred._value.dtype)
    _same_shape(y_true, y_pred, "categorical_crossentropy")
    logits, use_logits = _get_logits(y_pred, from_logits, "Softmax", "categorical_crossentropy")
    _check_one_hot(y_true, "categorical_crossentropy", fused=use_logits)
    if label_smoothing:
        n = y_true._value.shape[-1]
        y_true = E.constant(
            (y_true._value * (1.0 - label_smoothing) + label_smoothing / n).astype(y_true._value.dtype)
        )
    if use_logits:
        return E.softmax_cross_entropy_with_logits(y_true, logits, axis=axis)
    eps = backend.epsilon()
    p = E.divide(y_pred, E.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = E.clip_by_value(p, eps, 1.0 - eps)
    return E.negative(E.reduce_sum(E.multiply(y_true, E.log(p)), axis=axis))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1) -> E.Tensor:
    """Per-sample ``−log p[label]`` with integer class labels."""
    y_pred = _tensor(y_pred)
    labels = np.asarray(y_true._value if isinstance(y_true, E.Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.shape != y_pred._value.shape[:-1]:
        raise ShapeValueError(
            "sparse_categorical_crossentropy: labels must have the shape of the predictions without their "
            f"last axis; got labels {tuple(labels.shape)}, predictions {tuple(y_pred._value.shape)}"
        )
    n = y_pred._value.shape[-1]
    if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= n):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must be class indices in [0, {n}); got values from "
            f"{labels.min()} to {labels.max()}"
        )
    logits, use_logits = _get_logits(y_pred, from_logits, "Softmax", "sparse_categorical_crossentropy")
    if not use_logits:
        eps = backend.epsilon()
        logits = E.log(E.clip_by_value(y_pred, eps, 1.0 - eps))
    one_hot = E.constant(np.eye(n, dtype=y_pred._value.dtype)[labels.astype(np.int64)])
    origins.note(one_hot._value, y_true._value if isinstance(y_true, E.Tensor) else y_true, "one_hot({})")
    return E.softmax_cross_entropy_with_logits(one_hot, logits, axis=axis)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> E.Tensor:
    """Per-sample mean over the last axis of ``−(y·log p + (1−y)·log(1−p))``."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, y_pred._value.dtype)
    _same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = E.constant((y_true._value * (1.0 - label_smoothing) + 0.5 * label_smoothing).astype(y_true._value.dtype))
    logits, use_logits = _get_logits(y_pred, from_logits, "Sigmoid", "binary_crossentropy")
    if use_logits:
        # max(x, 0) − x·y + log(1 + exp(−|x|)): stable for large |x|
        per = E.add(E.subtract(E.relu(logits), E.multiply(logits, y_true)), E.softplus(E.negative(E.abs(logits))))
    else:
        eps = backend.epsilon()
        p = E.clip_by_value(y_pred, eps, 1.0 - eps)
        per = E.negative(E.add(E.multiply(y_true, E.log(p)),
                               E.multiply(E.subtract(1.0, y_true), E.log(E.subtract(1.0, p)))))
    return E.reduce_mean(per, axis=axis)


def mean_squared_error(y_true: Any, y_pred: Any) -> E.Tensor:
    """Per-sample mean over the last axis of ``(y_pred − y_true)²``."""
    y_pred = _tensor(y_pred)
    y_true, y_pred = _same_rank(_tensor(y_true, y_pred._value.dtype), y_pred)
    _same_shape(y_true, y_pred, "mean_squared_error")
    return E.reduce_mean(E.square(E.subtract(y_pred, y_true)), axis=-1)


mse = MSE = mean_squared_error


# ---------------------------------------------------------------------------------------
# loss objects


class Loss:
    """Base class: ``loss(y_true, y_pred)`` computes per-sample losses in ``call`` and reduces them."""

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or backend.snake_case(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self.dtype = E.as_dtype(dtype or backend.floatx()).name
        self._np_dtype = np.dtype(self.dtype)
        self._labels_cache: tuple[np.ndarray, E.Tensor] | None = None

    def _labels(self, y_true: Any) -> E.Tensor:
        """``y_true`` cast to the loss's dtype; the cast of the same labels array is reused."""
        src = y_true._value if isinstance(y_true, E.Tensor) else None
        cache = self._labels_cache
        if src is not None and cache is not None and cache[0] is src:
            return cache[1]
        with bookkeeping():  # the labels' cast is not the learner's op: no "not on the tape" box
            out = _tensor(y_true, self._np_dtype)
        if out is not y_true:  # (a copy in the loss's dtype goes by the labels' own name)
            origins.note(out._value, y_true if src is None else src, "{}")
        if src is not None:
            self._labels_cache = (src, out)
        return out

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> E.Tensor:
        scopes = scope_stack()
        scopes.append(self.name)
        try:
            y_pred = _tensor(y_pred, self._np_dtype)
            y_true = self._labels(y_true)
            losses = self.call(y_true, y_pred)
            if sample_weight is not None:
                weight = _tensor(sample_weight, self._np_dtype)
                if weight.ndim == losses.ndim + 1 and weight._value.shape[-1] == 1:
                    weight = E.reshape(weight, weight._value.shape[:-1])
                losses = E.multiply(losses, weight)
            return _reduce(losses, self.reduction)
        finally:
            scopes.pop()

    def call(self, y_true: E.Tensor, y_pred: E.Tensor) -> E.Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, reduction={self.reduction!r}>"


def _reduce(losses: E.Tensor, reduction: Any) -> E.Tensor:
    if reduction in (None, "none") or losses.ndim == 0:
        return losses
    total = E.reduce_sum(losses)
    if reduction == "sum":
        return total
    count = losses._value.size
    return E.divide(total, float(count)) if count else total


class _SmoothedCrossentropy(Loss):
    """The options the categorical and binary cross-entropies share; each subclass has its formula.

    ``name=None`` gives the class's Keras name (``categorical_crossentropy``, ...), as in ``Loss``.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


class CategoricalCrossentropy(_SmoothedCrossentropy):
    """Cross-entropy with one-hot (or probability) labels: ``−Σ y · log p`` per sample."""

    def call(self, y_true: E.Tensor, y_pred: E.Tensor) -> E.Tensor:
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy with integer class labels."""

    def __init__(self, from_logits: bool = False, reduction: Any = "sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> E.Tensor:
        if isinstance(y_true, E.Tensor):  # keep integer class indices as they are
            y_true = y_true._value
        return super().__call__(np.asarray(y_true), y_pred, sample_weight)

    def call(self, y_true: E.Tensor, y_pred: E.Tensor) -> E.Tensor:
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits)


class BinaryCrossentropy(_SmoothedCrossentropy):
    """Per-sample mean of ``−(y·log p + (1−y)·log(1−p))`` over the last axis."""

    def call(self, y_true: E.Tensor, y_pred: E.Tensor) -> E.Tensor:
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)


class MeanSquaredError(Loss):
    """Per-sample mean of ``(y_pred − y_true)²`` over the last axis."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, reduction, dtype)

    def call(self, y_true: E.Tensor, y_pred: E.Tensor) -> E.Tensor:
        return mean_squared_error(y_true, y_pred)


_BY_NAME = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
}


def get(identifier: Any) -> Any:
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown loss {identifier!r}; tapeviz knows: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def __getattr__(name: str) -> Any:
    raise AttributeError(
        f"tapeviz.keras.losses has no {name!r}: tapeviz implements CategoricalCrossentropy, "
        "SparseCategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError and their function forms"
    )
