"""The data ``fit``/``evaluate``/``predict`` take, cut into batches: arrays (one, or a list or dict of
them for several inputs/outputs) sliced ``batch_size`` rows at a time, or a ``tf.data.Dataset``
iterated as it is."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import engine as E
from ..engine import origins
from ..engine.errors import TapevizError
from . import backend


class TrainingError(TapevizError, ValueError):
    """compile/fit/evaluate/predict were given something they cannot use."""


def as_array(value: Any, what: str) -> np.ndarray:
    if isinstance(value, E.Tensor):
        return value._value
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise TrainingError(f"{what} must be an array or a tensor, got {type(value).__name__}") from None


def is_structure(value: Any) -> bool:
    """Several arrays for several inputs or outputs: a list/tuple of arrays, or a dict."""
    if isinstance(value, dict):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, (np.ndarray, E.Tensor)) for v in value)


def as_arrays(value: Any, what: str) -> Any:
    """``as_array`` for one array, or for each array of a list/dict of them (several inputs/outputs)."""
    if is_structure(value):
        if isinstance(value, dict):
            return {k: as_array(v, f"{what}[{k!r}]") for k, v in value.items()}
        return [as_array(v, f"{what}[{i}]") for i, v in enumerate(value)]
    return as_array(value, what)


def first_array(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        return next(iter(value.values()))
    return value[0] if isinstance(value, list) else value


def num_samples(value: Any) -> int:
    return len(first_array(as_arrays(value, "x")))


def _leafwise(value: Any, given: Any, make: Any) -> Any:
    """``make(array, source)`` for each array of ``value`` (one, or a list or dict of them), with
    the matching object of ``given`` as its source (None: the array itself)."""
    if isinstance(value, dict):
        return {k: make(v, None if given is None else given[k]) for k, v in value.items()}
    if isinstance(value, list):
        return [make(v, None if given is None else given[i]) for i, v in enumerate(value)]
    return make(value, given)


def take_rows(value: Any, index: np.ndarray) -> Any:
    """The rows ``index`` of each array, each noted as taken from that array (validation_split's
    parts: a batch of them is then named as rows of the program's array)."""
    return _leafwise(value, None, lambda array, _: origins.note(array[index], array, rows=index))


def batch_of(value: Any, index: np.ndarray, given: Any) -> Any:
    """The rows ``index`` of each array as tensors, each noted as taken from the object of
    ``given`` (what the program passed) it came from, so that the trace names it ``images[0:16]``."""

    def rows(array: np.ndarray, source: Any) -> E.Tensor:
        batch = E.constant(array[index])
        origins.note(batch._value, array if source is None else source, rows=index)
        return batch

    return _leafwise(value, given, rows)


def is_dataset(x: Any) -> bool:
    return hasattr(x, "__iter__") and not isinstance(x, (np.ndarray, E.Tensor, list, tuple, dict, str))


class Batches:
    """The batches of one dataset: arrays cut into ``batch_size`` slices (shuffled per epoch if
    asked, from the seeded Keras generator), or a ``tf.data.Dataset`` iterated as it is."""

    def __init__(self, x: Any, y: Any, batch_size: int | None, shuffle: bool, steps: int | None = None) -> None:
        self._dataset = x if is_dataset(x) else None
        self._pending: Iterator[tuple[Any, ...]] | None = None
        self._limit = None if steps is None else int(steps)
        if self._dataset is not None:
            if batch_size is not None:
                raise TrainingError("Do not pass `batch_size` with a Dataset: its batches come from .batch(...)")
            size = int(getattr(self._dataset, "cardinality", lambda: -2)())
            if size == -1 and self._limit is None:
                raise TrainingError("the Dataset repeats for ever (.repeat()): pass steps_per_epoch= to fit, "
                                    "steps= to evaluate/predict, to say how many batches make one pass")
            self.steps = self._limit if self._limit is not None else (size if size >= 0 else None)
            return
        if x is None:
            raise TrainingError("fit/evaluate/predict need input data x")
        self._given = (x, y)  # (the program's own objects: the batches are named after them)
        self.x = as_arrays(x, "x")
        self.y = None if y is None else as_arrays(y, "y")
        self.count = len(first_array(self.x))
        for what, value in (("x", self.x), ("y", self.y)):
            for leaf in ([] if value is None else value.values() if isinstance(value, dict) else
                         value if isinstance(value, list) else [value]):
                if len(leaf) != self.count:
                    raise TrainingError(f"x has {self.count} samples but {what} has {len(leaf)}: "
                                        "they must have the same number")
        if self.count == 0:
            raise TrainingError("the input data x has no samples")
        self.batch_size = 32 if batch_size is None else int(batch_size)
        if self.batch_size <= 0:
            raise TrainingError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.shuffle = bool(shuffle)
        self.steps = math.ceil(self.count / self.batch_size) if self._limit is None else self._limit

    def epoch(self) -> Iterator[tuple[Any, ...]]:
        """The batches of one epoch: one pass over the data, or ``steps`` batches when given
        (continuing where the previous epoch stopped, as Keras does with steps_per_epoch)."""
        if self._limit is None:
            yield from self._one_pass()
            return
        for _ in range(self._limit):
            yield self.next_batch()

    def _one_pass(self) -> Iterator[tuple[Any, ...]]:
        if self._dataset is not None:
            for element in self._dataset:
                yield tuple(element) if isinstance(element, (tuple, list)) else (element,)
            return
        n = self.count
        order = backend.generator().permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            x, y = self._given
            xs = batch_of(self.x, index, x)
            yield (xs,) if self.y is None else (xs, batch_of(self.y, index, y))

    def next_batch(self) -> tuple[Any, ...]:
        for _ in range(2):
            if self._pending is None:
                self._pending = self._one_pass()
            try:
                return next(self._pending)
            except StopIteration:
                self._pending = None
        raise TrainingError("the training data has no batches")
