"""Weight initializers: ``glorot_uniform`` kernels and ``zeros`` biases by default, as Keras.

Unseeded initializers draw from the session generator (``keras.utils.set_random_seed``
makes it reproducible); ``GlorotUniform(seed=3)`` always gives the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backend


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Makes a numpy array of a given shape and dtype."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed) if self.seed is not None else backend.generator()

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        shape = tuple(int(d) for d in shape)
        dtype = np.dtype(dtype or backend.floatx())
        return np.asarray(self._make(shape), dtype=np.float64).astype(dtype)

    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"


class Zeros(Initializer):
    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)


class Ones(Initializer):
    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        super().__init__()
        self.value = value

    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.value, dtype=np.float64), shape).copy()


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        return self._rng().uniform(self.minval, self.maxval, size=shape)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        return self._rng().normal(self.mean, self.stddev, size=shape)


class VarianceScaling(Initializer):
    """Uniform in ±sqrt(3·scale/n) or truncated normal with stddev sqrt(scale/n)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"distribution must be 'uniform', 'truncated_normal' or 'untruncated_normal', got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def _make(self, shape: tuple[int, ...]) -> np.ndarray:
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), size=shape)
        stddev = math.sqrt(scale) / 0.87962566103423978  # std of a unit normal truncated at ±2
        values = rng.normal(0.0, 1.0, size=shape)
        bad = np.abs(values) > 2
        while bad.any():  # redraw until every value lies within two standard deviations
            values[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
            bad = np.abs(values) > 2
        return values * stddev


class _Preset(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution Keras fixes by name: only the seed is free."""

    PRESET: tuple[float, str, str]

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self.PRESET, seed)


class GlorotUniform(_Preset):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): Keras's default kernel initializer."""

    PRESET = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    PRESET = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    PRESET = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    PRESET = (2.0, "fan_in", "truncated_normal")


_BY_NAME: dict[str, Callable[[], Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_uniform": RandomUniform, "random_normal": RandomNormal,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
}

zeros, ones = Zeros, Ones
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal


def get(identifier: Any) -> Initializer | Callable[..., Any]:
    """An initializer from a name (``"glorot_uniform"``), an instance, or a callable(shape, dtype)."""
    if isinstance(identifier, str):
        key = backend.snake_case(identifier)
        if key not in _BY_NAME:
            raise ValueError(f"Unknown initializer {identifier!r}; tapeviz knows: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
