"""``BatchNormalization``: normalize each feature over the batch, then scale and shift it.

Keras 3's rules with TensorFlow's arithmetic: in training, the batch mean and variance (variance
as mean(x²) − mean², at least 0) normalize the input and move the running averages
(``moving = moving·momentum + batch·(1 − momentum)``, two non-trainable variable assignments
the trace shows); at inference the running averages are used. The output is
``x·inv + (beta − mean·inv)`` with ``inv = gamma / √(variance + epsilon)``, all recorded ops, so
gradients (and Jacobians) flow through the batch statistics as in TF.
"""

from __future__ import annotations

from typing import Any

from .. import engine as E
from ..engine.errors import ShapeValueError
from .layers import Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Keras 3 defaults: ``axis=-1, momentum=0.99, epsilon=1e-3``, gamma ones, beta zeros."""

    def __init__(
        self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
        beta_initializer: Any = "zeros", gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones", name: str | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self._initializers = (beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer)

    def build(self, input_shape: tuple[int, ...]) -> None:
        if not input_shape or not -len(input_shape) <= self.axis < len(input_shape):
            raise ShapeValueError(f"BatchNormalization '{self.name}': axis {self.axis} is not an axis of an input of shape {tuple(input_shape)}")
        beta, gamma, mean, variance = self._initializers
        features = (input_shape[self.axis],)
        self.gamma = self.add_weight("gamma", features, gamma) if self.scale else None
        self.beta = self.add_weight("beta", features, beta) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", features, mean, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", features, variance, trainable=False)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> E.Tensor:
        ndim = inputs._value.ndim
        axis = self.axis % ndim
        reduce = [i for i in range(ndim) if i != axis]
        shape = [1] * ndim
        shape[axis] = inputs._value.shape[axis]
        if training:
            mean = E.reduce_mean(inputs, axis=reduce, keepdims=True)
            variance = E.maximum(E.reduce_mean(E.square(inputs), axis=reduce, keepdims=True) - E.square(mean), 0.0)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + E.reshape(mean, shape[axis:axis + 1]) * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + E.reshape(variance, shape[axis:axis + 1]) * (1.0 - m))
        else:
            mean = E.reshape(self.moving_mean, shape)
            variance = E.reshape(self.moving_variance, shape)
        inv = 1.0 / E.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * E.reshape(self.gamma, shape)
        offset = -mean * inv if self.beta is None else E.reshape(self.beta, shape) - mean * inv
        return inputs * inv + offset

    def __repr__(self) -> str:
        return f"<BatchNormalization name={self.name}, axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}>"
