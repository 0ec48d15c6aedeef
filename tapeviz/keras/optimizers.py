"""``SGD`` with Keras 3's ``apply_gradients`` behaviour; every update is a ``Variable.assign_*``
event, so a trace shows each weight's value before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.errors import TapevizError
from . import backend


class OptimizerError(TapevizError, ValueError):
    """``apply_gradients`` cannot do anything sensible with what it was given."""


class GradientsWarning(UserWarning):
    """Some variables got no gradient and were left as they are."""


class Optimizer:
    """Base: ``apply_gradients(zip(grads, vars))`` checks the pairs, then ``update_step`` per pair."""

    def __init__(self, learning_rate: float = 0.01, name: str | None = None) -> None:
        self.learning_rate = float(learning_rate)
        self.name = name or backend.snake_case(type(self).__name__)
        self.iterations = E.Variable(np.int64(0), trainable=False, name="iteration", path=f"{self.name}/iteration")

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> E.Variable:
        """Update each variable from its gradient; returns the ``iterations`` counter."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise OptimizerError(
                "apply_gradients() got an empty list of (gradient, variable) pairs (TensorFlow says: not "
                "enough values to unpack (expected 2, got 0)). The likely cause: the variable list was "
                "taken before the model's first call, when it had no weights yet (model.trainable_variables "
                "is [] until then). Call the model once, e.g. model(inputs), and read "
                "model.trainable_variables after that."
            )
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise OptimizerError(f"apply_gradients() takes (gradient, variable) pairs, got {pair!r:.80}")
        missing = [v for g, v in pairs if g is None]
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise OptimizerError("No gradients provided for any variable.")
        if missing:
            names = [getattr(v, "name", repr(v)) for v in missing]
            backend.warn(
                f"Gradients do not exist for variables {names} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument? (tapeviz: those variables "
                "are left unchanged; see " + ", ".join(getattr(v, "path", str(n)) for v, n in zip(missing, names))
                + ")",
                GradientsWarning,
            )
        for g, v in kept:
            if not isinstance(v, E.Variable):
                raise OptimizerError(f"apply_gradients(): {v!r:.60} is not a Variable, so it cannot be updated")
            g = g if isinstance(g, E.Tensor) else E.convert(np.asarray(g, dtype=v._value.dtype))
            if g._value.shape != v._value.shape:
                raise OptimizerError(
                    f"apply_gradients(): the gradient for '{v.path}' has shape {tuple(g._value.shape)}, "
                    f"the variable has shape {tuple(v._value.shape)}"
                )
            self.update_step(g, v, self.learning_rate)
        self.iterations.assign_add(1)
        return self.iterations

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any]) -> E.Variable:
        return self.apply_gradients(zip(list(grads), list(trainable_variables)))

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        raise NotImplementedError

    @property
    def lr(self) -> float:
        return self.learning_rate


class SGD(Optimizer):
    """Plain SGD ``w ← w − lr·g``; with momentum ``m ← momentum·m − lr·g; w ← w + m``.

    Nesterov: ``w ← w + momentum·m − lr·g`` (with the new ``m``). Updates are computed in
    numpy outside any tape: an optimizer step is never differentiated.
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD") -> None:
        super().__init__(learning_rate, name=name)
        momentum = float(momentum)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self._momenta: dict[int, E.Variable] = {}

    def momentum_of(self, variable: E.Variable) -> E.Variable | None:
        """The momentum slot of ``variable`` (None before its first update, or without momentum)."""
        return self._momenta.get(variable._id)

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        dtype = variable._value.dtype
        g = gradient._value.astype(dtype, copy=False)
        lr = dtype.type(learning_rate)
        if self.momentum == 0.0:
            variable.assign_sub(g * lr)
            return
        m = self._momenta.get(variable._id)
        if m is None:
            m = E.Variable(np.zeros_like(variable._value), trainable=False, name="momentum",
                           path=f"{self.name}/{variable.path}_momentum")
            self._momenta[variable._id] = m
        momentum = dtype.type(self.momentum)
        m.assign(-g * lr + m._value * momentum)
        if self.nesterov:
            variable.assign_add(-g * lr + m._value * momentum)
        else:
            variable.assign_add(m._value)


def get(identifier: Any) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() == "sgd":
        return SGD()
    raise ValueError(f"Unknown optimizer {identifier!r}; tapeviz implements SGD")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.keras.optimizers has no {name!r}: tapeviz implements SGD")
