"""``tf.data.Dataset``: ``from_tensor_slices`` with ``shuffle``, ``batch``, ``map``, ``take``,
``skip``, ``repeat`` and iteration, enough for TF's basics guide and for ``model.fit``.

A dataset is a recipe: every iteration runs the pipeline again from the slices (so a shuffled
dataset is reshuffled each epoch, as in TF). Elements are constant tensors; a tuple or dict of
arrays gives tuple or dict elements. ``prefetch`` and ``cache`` change nothing here (there is no
background work to overlap), and the shuffle order differs from TF's (tapeviz draws from numpy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import engine as _E
from ..engine import origins
from ..engine.errors import TapevizError
from ._tensor_spec import TensorSpec

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "DatasetError", "TextLineDataset"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class DatasetError(TapevizError, ValueError):
    """A dataset was built from something it cannot slice, or used in a way it does not support."""


def _structure_map(fn: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_structure_map(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: _structure_map(fn, v) for k, v in value.items()}
    return fn(value)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [value]


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, _E.Tensor):
        return value._value
    array = np.asarray(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(np.float32)  # Python floats become float32, as tf.constant does
    if array.dtype == np.int64 and not isinstance(value, np.ndarray):
        array = array.astype(np.int32)
    return array


class Dataset:
    """A sequence of elements made by a pipeline of steps over tensor slices."""

    def __init__(self, make: Callable[[], Iterator[Any]], cardinality: int, spec: Any,
                 rows: Any = None, first_row: int | None = None) -> None:
        self._make = make
        self._cardinality = cardinality
        self._spec = spec
        # Elements that are rows of the program's arrays (from_tensor_slices, then shuffle, take,
        # skip, repeat): those arrays, structured as an element is, and the row number of the
        # first element while the elements are consecutive rows (None once shuffled). A batch of
        # them is named after the arrays (images[0:16], images[batch]); see engine/origins.py.
        self._rows = rows
        self._first_row = first_row

    # ---- sources ----------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        """One element per row of the first axis; tuples and dicts of arrays are sliced together."""
        if isinstance(tensors, list) and any(isinstance(t, _E.Tensor) for t in tensors):
            tensors = np.stack([_as_array(t) for t in tensors])  # a list is one tensor in TF: stacked
        arrays = _structure_map(_as_array, tensors)
        leaves = _leaves(arrays)
        if any(a.ndim == 0 for a in leaves):
            raise DatasetError("from_tensor_slices: every component needs at least one dimension to slice along")
        lengths = {len(a) for a in leaves}
        if len(lengths) != 1:
            raise DatasetError(f"from_tensor_slices: components have different numbers of rows {sorted(lengths)}; "
                               "they must all have the same first dimension")
        (n,) = lengths

        def make() -> Iterator[Any]:
            for i in range(n):
                yield _structure_map(lambda a: _E.constant(a[i]), arrays)

        spec = _structure_map(lambda a: TensorSpec(a.shape[1:], a.dtype.name), arrays)
        return Dataset(make, n, spec, rows=arrays, first_row=0)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        """A dataset of one element: ``tensors`` itself."""
        arrays = _structure_map(_as_array, tensors)
        spec = _structure_map(lambda a: TensorSpec(a.shape, a.dtype.name), arrays)
        return Dataset(lambda: iter([_structure_map(_E.constant, arrays)]), 1, spec)

    @staticmethod
    def range(*args: int) -> Dataset:
        values = np.arange(*args, dtype=np.int64)
        return Dataset.from_tensor_slices(values)

    # ---- steps ------------------------------------------------------------------------
    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None, deterministic: Any = None,
            name: str | None = None) -> Dataset:
        """Apply ``map_func`` to every element (a tuple element is passed as separate arguments)."""
        source = self._make

        def convert(value: Any) -> Any:
            if isinstance(value, (tuple, list)):
                return tuple(convert(v) for v in value)
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            return value if isinstance(value, _E.Tensor) else _E.constant(_as_array(value))

        def make() -> Iterator[Any]:
            for element in source():
                yield convert(map_func(*element) if isinstance(element, tuple) else map_func(element))

        return Dataset(make, self._cardinality, None)

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: Any = None,
              deterministic: Any = None, name: str | None = None) -> Dataset:
        """Stack ``batch_size`` consecutive elements into one (the last may be smaller)."""
        size = int(batch_size)
        if size <= 0:
            raise DatasetError(f"batch: batch_size must be positive, got {batch_size!r}")
        source = self._make

        def stack(group: list[Any]) -> Any:
            first = group[0]
            if isinstance(first, tuple):
                return tuple(stack([g[i] for g in group]) for i in range(len(first)))
            if isinstance(first, dict):
                return {k: stack([g[k] for g in group]) for k in first}
            return _E.constant(np.stack([g._value for g in group]))

        rows_of, first = self._rows, self._first_row

        def named(batch: Any, start: int) -> Any:
            """Note each part of a batch as rows of the program's array it came from."""
            if rows_of is not None:
                parts = _leaves(batch)
                taken = None if first is None else np.arange(first + start, first + start + len(parts[0]._value))
                for part, source in zip(parts, _leaves(rows_of)):
                    origins.note(part._value, source, how=None if taken is not None else "{}[batch]", rows=taken)
            return batch

        def make() -> Iterator[Any]:
            group: list[Any] = []
            start = 0
            for element in source():
                group.append(element)
                if len(group) == size:
                    yield named(stack(group), start)
                    group, start = [], start + size
            if group and not drop_remainder:
                yield named(stack(group), start)

        n = self._cardinality
        card = n if n < 0 else (n // size if drop_remainder else -(-n // size))
        batched = None if self._spec is None else _structure_map(
            lambda s: TensorSpec((size if drop_remainder else None, *s.shape), s.dtype), self._spec)
        return Dataset(make, card, batched)

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True,
                name: str | None = None) -> Dataset:
        """Draw elements at random from a buffer of ``buffer_size`` (reshuffled every iteration)."""
        from ..engine.random import get_generator

        source, size = self._make, int(buffer_size)
        if size <= 0:
            raise DatasetError(f"shuffle: buffer_size must be positive, got {buffer_size!r}")
        fixed = np.random.default_rng(seed) if seed is not None else None
        once: list[int] = []  # the seed of the one order used when not reshuffling

        def make() -> Iterator[Any]:
            rng = fixed if fixed is not None else get_generator()
            if not reshuffle_each_iteration:
                if not once:
                    once.append(int(rng.integers(2**63)))
                rng = np.random.default_rng(once[0])
            buffer: list[Any] = []
            for element in source():
                buffer.append(element)
                if len(buffer) >= size:
                    yield buffer.pop(int(rng.integers(len(buffer))))
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))

        return Dataset(make, self._cardinality, self._spec, rows=self._rows)

    def take(self, count: int, name: str | None = None) -> Dataset:
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        source, count = self._make, int(count)

        def make() -> Iterator[Any]:
            for i, element in enumerate(source()):
                if 0 <= count <= i:
                    return
                yield element

        n = self._cardinality
        if count < 0 or n == UNKNOWN_CARDINALITY:
            card = n
        else:
            card = count if n == INFINITE_CARDINALITY else min(count, n)
        return Dataset(make, card, self._spec, rows=self._rows, first_row=self._first_row)

    def skip(self, count: int, name: str | None = None) -> Dataset:
        source, count = self._make, int(count)

        def make() -> Iterator[Any]:
            for i, element in enumerate(source()):
                if i >= count:
                    yield element

        n = self._cardinality
        first = None if self._first_row is None else self._first_row + max(count, 0)
        return Dataset(make, max(n - count, 0) if n >= 0 else n, self._spec, rows=self._rows, first_row=first)

    def repeat(self, count: int | None = None, name: str | None = None) -> Dataset:
        """Iterate the dataset ``count`` times (for ever when None or -1)."""
        source = self._make
        times = -1 if count is None else int(count)

        def make() -> Iterator[Any]:
            done = 0
            while times < 0 or done < times:
                empty = True
                for element in source():
                    empty = False
                    yield element
                done += 1
                if empty:
                    return

        n = self._cardinality
        card = INFINITE_CARDINALITY if times < 0 and n != 0 else (n * times if n >= 0 else n)
        first = self._first_row if times in (0, 1) else None  # (a batch may span the end and the start)
        return Dataset(make, card, self._spec, rows=self._rows, first_row=first)

    def prefetch(self, buffer_size: Any = None, name: str | None = None) -> Dataset:
        return self

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        return self

    # ---- reading ----------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        return self._make()

    def __len__(self) -> int:
        if self._cardinality < 0:
            raise TypeError("The dataset is infinite." if self._cardinality == INFINITE_CARDINALITY
                            else "The dataset length is unknown.")
        return self._cardinality

    def cardinality(self) -> _E.Tensor:
        """The number of elements (-1 infinite, -2 unknown) as an int64 tensor."""
        return _E.constant(np.int64(self._cardinality))

    def as_numpy_iterator(self) -> Iterator[Any]:
        for element in self:
            yield _structure_map(lambda t: t.numpy(), element)

    @property
    def element_spec(self) -> Any:
        if self._spec is None:
            raise DatasetError("tapeviz does not know the element_spec of a mapped dataset (it would have to "
                               "run the function); iterate it and look at an element instead")
        return self._spec

    def __repr__(self) -> str:
        spec = "?" if self._spec is None else repr(self._spec)
        return f"<Dataset element_spec={spec}>"


def TextLineDataset(filenames: Any, compression_type: str | None = None, buffer_size: Any = None,  # noqa: N802
                    num_parallel_reads: Any = None, name: str | None = None) -> Dataset:
    """One ``tf.string`` scalar per line of each file in turn, without its line ending
    (``\n`` or ``\r\n``); a last line without a newline counts, an empty file gives nothing.

    The files are read again on every iteration, as TF does; a missing file is reported here,
    when the dataset is made (TF waits for the first read).
    """
    from pathlib import Path

    if compression_type not in (None, ""):
        raise DatasetError("TextLineDataset: compressed files (compression_type=...) are not read by tapeviz")
    if isinstance(filenames, _E.Tensor):
        filenames = filenames.numpy()
    names = [filenames] if isinstance(filenames, (str, bytes, Path)) else list(np.asarray(filenames, dtype=object).ravel())
    paths = [Path(n.decode("utf-8") if isinstance(n, bytes) else str(n)) for n in names]
    for path in paths:
        if not path.is_file():
            raise DatasetError(f"TextLineDataset: {path}: no such file" if not path.exists()
                               else f"TextLineDataset: {path} is not a file")

    def make() -> Iterator[Any]:
        for path in paths:
            lines = path.read_bytes().split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            for line in lines:
                yield _E.constant(np.bytes_(line[:-1] if line.endswith(b"\r") else line))

    return Dataset(make, UNKNOWN_CARDINALITY, TensorSpec((), "string"))
