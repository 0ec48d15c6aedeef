"""Convolution, pooling and embedding layers: ``Conv2D``, ``MaxPooling2D``, ``AveragePooling2D``,
``GlobalAveragePooling2D``, ``Embedding``.

Each records the engine's own ops inside the layer's name scope: ``Conv2D`` one ``conv2d`` (then
the bias ``add`` and its activation), the pools one ``max_pool2d``/``avg_pool2d``, the global
pool one ``reduce_mean``, ``Embedding`` one ``gather``. Images are ``channels_last`` (NHWC),
Keras's default.

``Embedding``'s gradient: TensorFlow hands it back as ``tf.IndexedSlices`` (one row of the
upstream gradient per looked-up index); tapeviz hands back the dense ``(input_dim, output_dim)``
tensor those slices add up to — the numbers ``tf.convert_to_tensor`` gives for TF's result,
with zero rows for the words no input used. Optimizers apply it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.errors import ShapeError
from . import activations, initializers
from .layers import Layer, _KernelLayer, _positive_int

__all__ = ["AveragePooling2D", "Conv2D", "Embedding", "GlobalAveragePooling2D", "MaxPooling2D"]


def _pair(value: Any, what: str, layer: str) -> tuple[int, int]:
    items = [value] if isinstance(value, (int, np.integer)) else list(value)
    if len(items) == 1:
        items = items * 2
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in items):
        raise ValueError(f"{layer}: {what} must be a positive int or a pair of them, got {value!r}")
    return int(items[0]), int(items[1])


def _padding(value: Any, layer: str) -> str:
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {value!r}")
    return value.lower()


def _channels_last(data_format: Any, layer: str) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: only data_format='channels_last' (NHWC) is supported, got {data_format!r}")


def _images(layer: Layer, shape: tuple[int, ...]) -> None:
    if len(shape) != 4:
        raise ShapeError(
            f"Input of layer '{layer.name}' is incompatible with the layer: expected ndim=4 "
            f"(batch, height, width, channels), found ndim={len(shape)}. Full shape received: {tuple(shape)}"
        )


class Conv2D(_KernelLayer):
    """``activation(conv2d(inputs, kernel) + bias)``; kernel ``(kh, kw, in_channels, filters)``."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.filters = _positive_int(filters, "filters", "Conv2D")
        _channels_last(data_format, "Conv2D")
        if _pair(dilation_rate, "dilation_rate", "Conv2D") != (1, 1):
            raise ValueError("Conv2D: only dilation_rate=1 is supported")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.strides = _pair(strides, "strides", "Conv2D")
        self.padding = _padding(padding, "Conv2D")
        self._kernel_setup(activation, use_bias, kernel_initializer, bias_initializer)

    def build(self, input_shape: tuple[int, ...]) -> None:
        _images(self, input_shape)
        self._add_weights((*self.kernel_size, input_shape[-1], self.filters), self.filters)

    def call(self, inputs: Any) -> E.Tensor:
        shape = inputs._value.shape
        _images(self, shape)
        if shape[-1] != self.kernel._value.shape[2]:
            raise ShapeError(
                f"Input of layer '{self.name}' is incompatible with the layer: expected axis -1 of input shape "
                f"to have value {self.kernel._value.shape[2]}, but received input with shape {tuple(shape)}"
            )
        return self._finish(E.conv2d(inputs, self.kernel, strides=self.strides, padding=self.padding.upper()))

    def __repr__(self) -> str:
        return (f"<Conv2D name={self.name}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"activation={activations.serialize(self.activation)}>")


class _Pooling2D(Layer):
    _op = ""

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        kind = type(self).__name__
        _channels_last(data_format, kind)
        self.pool_size = _pair(pool_size, "pool_size", kind)
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", kind)
        self.padding = _padding(padding, kind)

    def call(self, inputs: Any) -> E.Tensor:
        _images(self, inputs._value.shape)
        pool = getattr(E, self._op)
        return pool(inputs, ksize=self.pool_size, strides=self.strides, padding=self.padding.upper())


class MaxPooling2D(_Pooling2D):
    """The largest value of each ``pool_size`` window, per channel (one ``max_pool2d`` op)."""

    _op = "max_pool2d"


class AveragePooling2D(_Pooling2D):
    """The mean of each ``pool_size`` window, per channel (one ``avg_pool2d`` op)."""

    _op = "avg_pool2d"


class GlobalAveragePooling2D(Layer):
    """The mean over height and width: ``(batch, h, w, c)`` → ``(batch, c)`` (``keepdims``: ``(batch, 1, 1, c)``)."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        _channels_last(data_format, "GlobalAveragePooling2D")
        self.keepdims = bool(keepdims)

    def call(self, inputs: Any) -> E.Tensor:
        _images(self, inputs._value.shape)
        return E.reduce_mean(inputs, axis=(1, 2), keepdims=self.keepdims)


class Embedding(Layer):
    """Row ``i`` of the ``(input_dim, output_dim)`` table for each integer ``i`` of the input (one ``gather``)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 mask_zero: bool = False, name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("input_length", None)  # Keras 2 took it; it changes nothing
        super().__init__(name=name, **kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _positive_int(output_dim, "output_dim", "Embedding")
        if mask_zero:
            raise ValueError("Embedding: mask_zero is not supported (tapeviz has no masks)")
        self.embeddings_initializer = (initializers.RandomUniform() if embeddings_initializer == "uniform"
                                       else initializers.get(embeddings_initializer))
        self.embeddings: Any = None

    def _convert_input(self, inputs: Any) -> Any:
        """Indices stay integers (floats are cast to int32, as Keras does)."""
        t = inputs if isinstance(inputs, E.Tensor) else E.convert(np.asarray(inputs))
        return t if t._value.dtype.kind in "iu" else E.cast(t, "int32")

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer)
        self.built = True

    def call(self, inputs: Any) -> E.Tensor:
        return E.gather(self.embeddings, inputs)

    def __repr__(self) -> str:
        return f"<Embedding name={self.name}, input_dim={self.input_dim}, output_dim={self.output_dim}>"
