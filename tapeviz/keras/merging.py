"""``Concatenate``, ``Add`` and ``Multiply``: layers that join a list of tensors (the functional API's
merges). Each records ordinary ops (one ``concat``, or one add/multiply per extra input)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import engine as E
from .layers import Layer


class _Merge(Layer):
    """A layer called on a list of at least two tensors (each converted as a layer's input is)."""

    def _convert_input(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"layer '{self.name}': a `{type(self).__name__}` layer should be called on a list of "
                             "at least 2 inputs")
        return [Layer._convert_input(self, t) for t in inputs]


class Concatenate(_Merge):
    """Joins a list of tensors along ``axis`` (the last by default): one ``concat`` op."""

    def __init__(self, axis: int = -1, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.axis = int(axis)

    def call(self, inputs: Any) -> E.Tensor:
        return E.concat(list(inputs), axis=self.axis)


class _Pairwise(_Merge):
    """Adds or multiplies a list of same-shaped tensors, one op per pair."""

    _op: Callable[[Any, Any], E.Tensor]

    def call(self, inputs: Any) -> E.Tensor:
        out = inputs[0]
        for t in inputs[1:]:
            out = type(self)._op(out, t)
        return out


class Add(_Pairwise):
    _op = staticmethod(E.add)


class Multiply(_Pairwise):
    _op = staticmethod(E.multiply)
