"""``Flatten``, ``Dropout`` and ``Lambda``: layers without weights that tutorials put in models.

Each records ordinary ops (a reshape, a multiply by the dropout mask, whatever the lambda
computes), so they show up in the trace like any other op, inside the layer's name scope.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine as E
from . import backend
from .layers import Layer


class Flatten(Layer):
    """``(batch, d1, d2, ...)`` → ``(batch, d1·d2·...)``; a 1-D input becomes ``(batch, 1)``."""

    def __init__(self, data_format: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("tapeviz's Flatten supports data_format='channels_last' only")

    def call(self, inputs: Any) -> E.Tensor:
        inputs = inputs if isinstance(inputs, E.Tensor) else E.convert(inputs)
        return E.reshape(inputs, (inputs._value.shape[0], -1))


class Dropout(Layer):
    """While training, zero each unit with probability ``rate`` and scale the others by
    ``1 / (1 − rate)`` (one multiply by a constant mask); at inference, pass the input through.

    ``training`` comes from the call (``model(x, training=True)``; ``fit`` trains with True,
    ``evaluate``/``predict`` use False). Masks are drawn from ``seed`` if given, else from the
    Keras generator that ``keras.utils.set_random_seed`` seeds, so a seeded run repeats exactly
    (the masks differ from TensorFlow's, whose random stream is its own).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}"
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = None if seed is None else np.random.default_rng(int(seed))

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0.0:
            return inputs
        x = inputs if isinstance(inputs, E.Tensor) else E.convert(inputs)
        shape = x._value.shape
        if self.noise_shape is not None:
            shape = tuple(d if n is None else int(n) for n, d in zip(self.noise_shape, shape))
        rng = self._generator if self._generator is not None else backend.generator()
        dtype = x._value.dtype
        keep = rng.uniform(size=shape) >= self.rate
        scale = dtype.type(0.0) if self.rate >= 1.0 else dtype.type(1.0) / (dtype.type(1.0) - dtype.type(self.rate))
        mask = np.broadcast_to(keep.astype(dtype) * scale, x._value.shape)
        return E.multiply(x, E.constant(np.ascontiguousarray(mask)))

    def __repr__(self) -> str:
        return f"<Dropout name={self.name}, rate={self.rate}>"


class Lambda(Layer):
    """Wraps a function as a layer: ``Lambda(lambda x: x * 2.0)``. ``arguments`` are passed as
    keywords; ``training`` too when the function takes it. Weights a function makes are not tracked."""

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict[str, Any] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {type(function).__name__}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.output_shape = output_shape
        try:
            self._takes_training = "training" in inspect.signature(function).parameters
        except (TypeError, ValueError):
            self._takes_training = False

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._takes_training and training is not None:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)
