"""Activations by name (``"relu"``, ``"softmax"``, …) or as callables.

Like Keras, ``softmax`` and ``sigmoid`` remember the logits they were applied to. A loss that
receives such an output uses the remembered logits instead (and warns if it was told
``from_logits=True``). The memory is a table keyed by tensor id holding a weak reference to
the output, so nothing is added to the engine's tensors and nothing outlives them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from .. import engine as E

__all__ = [
    "elu", "exponential", "gelu", "get", "leaky_relu", "linear", "log_softmax", "logits_of", "relu", "serialize", "sigmoid", "softmax", "softplus", "tanh",
]

# id(output tensor) -> (weak reference to the output, logits, "Softmax" or "Sigmoid")
_produced_by: dict[int, tuple[weakref.ref, E.Tensor, str]] = {}


def _remember(output: E.Tensor, logits: E.Tensor, kind: str) -> E.Tensor:
    key = id(output)
    _produced_by[key] = (weakref.ref(output, lambda _r, key=key: _produced_by.pop(key, None)), logits, kind)
    return output


def logits_of(tensor: Any) -> tuple[E.Tensor, str] | None:
    """``(logits, "Softmax"|"Sigmoid")`` if ``tensor`` came out of a Keras softmax/sigmoid."""
    entry = _produced_by.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1], entry[2]


def _as_tensor(x: Any) -> E.Tensor:
    return x if isinstance(x, E.Tensor) else E.convert(x)


def linear(x: Any) -> E.Tensor:
    return _as_tensor(x)


def relu(x: Any) -> E.Tensor:
    return E.relu(x)


def sigmoid(x: Any) -> E.Tensor:
    x = _as_tensor(x)
    return _remember(E.sigmoid(x), x, "Sigmoid")


def tanh(x: Any) -> E.Tensor:
    return E.tanh(x)


def softplus(x: Any) -> E.Tensor:
    return E.softplus(x)


def elu(x: Any, alpha: float = 1.0) -> E.Tensor:
    """x where x > 0, else alpha·(exp(x) − 1) (the elu op; another alpha scales its negative side)."""
    x = _as_tensor(x)
    out = E.elu(x)
    if alpha == 1.0:
        return out
    return E.where(E.greater(x, E.zeros_like(x)), out, E.multiply(out, alpha))


def gelu(x: Any, approximate: bool = False) -> E.Tensor:
    return E.gelu(_as_tensor(x), approximate=approximate)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> E.Tensor:
    return E.leaky_relu(_as_tensor(x), alpha=negative_slope)


def exponential(x: Any) -> E.Tensor:
    return E.exp(x)


def softmax(x: Any, axis: int = -1) -> E.Tensor:
    x = _as_tensor(x)
    return _remember(E.softmax(x, axis=axis), x, "Softmax")


def log_softmax(x: Any, axis: int = -1) -> E.Tensor:
    return E.log_softmax(x, axis=axis)


_BY_NAME: dict[str, Callable[..., E.Tensor]] = {
    "linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus,
    "softmax": softmax, "log_softmax": log_softmax, "exponential": exponential,
    "elu": elu, "gelu": gelu, "leaky_relu": leaky_relu,
}


def get(identifier: Any) -> Callable[..., E.Tensor]:
    """``None``/``"linear"`` → identity; a known name → that activation; a callable as is."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(
                f"Unknown activation {identifier!r}; tapeviz knows: {', '.join(sorted(_BY_NAME))} "
                "(or pass a callable)"
            )
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", repr(fn))
