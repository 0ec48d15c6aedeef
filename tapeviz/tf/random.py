"""``tf.random``: seeded normal and uniform draws (numpy's generator, not TF's bit stream).

The random state itself is the engine's (``tapeviz.engine.random``), shared with Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine as _E
from ..engine.random import get_generator, set_seed

__all__ = ["normal", "set_seed", "uniform"]


def _shape(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in (np.asarray(shape).reshape(-1)))


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = "float32", seed: int | None = None,
           name: str | None = None) -> _E.Tensor:
    rng = get_generator(seed)
    dt = _E.as_dtype(dtype)
    if not dt.is_floating:
        raise TypeError(f"random.normal: dtype must be floating, got {dt}")
    return _E.constant(rng.normal(mean, stddev, size=_shape(shape)).astype(dt.np))


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = "float32", seed: int | None = None,
            name: str | None = None) -> _E.Tensor:
    """Floats in [minval, maxval) (maxval defaults to 1); integers need maxval, as in TF."""
    rng = get_generator(seed)
    dt = _E.as_dtype(dtype)
    size = _shape(shape)
    if dt.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype")
        return _E.constant(rng.integers(int(minval), int(maxval), size=size).astype(dt.np))
    high = 1.0 if maxval is None else float(maxval)
    return _E.constant(rng.uniform(float(minval), high, size=size).astype(dt.np))
