"""Chain-rule explanations as data: how one element of a gradient came about, with its numbers.

An op's ``explain`` function gets a ``ChainContext`` (the recorded arrays, the upstream
gradient, the gradient sent to input ``k`` and the element to explain) and returns one of the
three shapes below, or None when it has nothing better than the op's derivative statement.
The engine only picks the numbers; the view (``tapeviz.view.chain_rule``) formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ChainContext", "Formula", "Product", "SumOfProducts", "axes_of", "softmax_of"]


@dataclass(frozen=True)
class ChainContext:
    """One backward step seen from input ``k``: everything an explanation may use."""

    k: int  # which input
    inputs: tuple[np.ndarray, ...]
    output: np.ndarray
    attrs: dict[str, Any]
    upstream: np.ndarray  # g, the gradient arriving at the output
    sent: np.ndarray  # the gradient this step sent to input k
    element: tuple[int, ...]  # the element of ``sent`` to explain
    names: tuple[str, ...]  # how the UI names each input


@dataclass(frozen=True)
class Product:
    """``upstream × local = sent`` (``local`` may be text such as ``1/4``)."""

    upstream: float
    local: float | str
    sent: float


@dataclass(frozen=True)
class Formula:
    """``= formula = pattern = sent``: ``pattern`` has one ``{}`` per number, e.g. ``{}×({} − {})``."""

    formula: str
    pattern: str
    numbers: tuple[float, ...]
    sent: float


@dataclass(frozen=True)
class SumOfProducts:
    """``= formula with operands``, then ``= a·b + c·d + … = sent`` term by term.

    ``operands`` names the factors with their shapes, e.g. ``(("g", (2, 3)), ("wᵀ", (3, 4)))``.
    """

    formula: str
    operands: tuple[tuple[str, tuple[int, ...]], ...]
    terms: tuple[tuple[float, float], ...]
    sent: float


def axes_of(axis: object, ndim: int) -> tuple[int, ...]:
    """An ``axis`` attribute as sorted non-negative axes (None: all of them)."""
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in items))  # type: ignore[arg-type]


def softmax_of(logits: np.ndarray, axis: int) -> np.ndarray:
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return np.exp(shifted) / np.sum(np.exp(shifted), axis=axis, keepdims=True)
