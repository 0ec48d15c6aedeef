"""Frozen, past-tense events emitted by the engine, and the tiny observer interface.

Events carry numpy arrays by reference. That is safe because the engine never mutates an
array after creating it: ops make new arrays and ``Variable.assign*`` replaces the stored one.
Ids are the engine's integer ids; a recorded ``Trace`` renumbers them from 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

__all__ = [
    "BackwardStep", "Event", "GradientAccumulated", "GradientStarted", "GradientsReturned", "Listener", "OpRecorded",
    "TensorRef", "VariableAssigned", "emit", "listeners", "subscribe", "unsubscribe",
]


@dataclass(frozen=True, slots=True)
class TensorRef:
    """A tensor as an event saw it: id, value (by reference), and the variable it is, if any."""

    id: int
    value: np.ndarray
    variable: str | None = None  # the variable's name when this input is a Variable
    trainable: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> str:
        return self.value.dtype.name


@dataclass(frozen=True, slots=True)
class OpRecorded:
    """An op ran while a tape was watching one of its inputs (forward pass)."""

    op_id: int
    op: str
    scope: str
    inputs: tuple[TensorRef, ...]
    output: TensorRef
    attrs: tuple[tuple[str, Any], ...]
    tapes: tuple[int, ...]
    in_backward: bool = False  # recorded by an outer tape while an inner tape ran its backward pass
    # The id of the custom-gradient op whose gradient function ran this op during that op's
    # backward step (0: none). Such ops are announced even when no tape records them (tapes=()).
    grad_fn_of: int = 0


@dataclass(frozen=True, slots=True)
class GradientStarted:
    """``tape.gradient()`` (or jacobian) began: the targets and the seed gradients."""

    tape_id: int
    targets: tuple[int, ...]
    sources: tuple[int, ...]
    seeds: tuple[np.ndarray, ...]


@dataclass(frozen=True, slots=True)
class BackwardStep:
    """One recorded op visited backwards: upstream gradient in, one gradient out per input.

    ``input_grads[k]`` is None when input k needs no gradient (not connected to a source,
    or not differentiable). Gradients are already reduced to each input's shape.
    """

    tape_id: int
    op_id: int
    op: str
    scope: str
    output_id: int
    upstream: np.ndarray
    input_ids: tuple[int, ...]
    input_grads: tuple[np.ndarray | None, ...]


@dataclass(frozen=True, slots=True)
class GradientAccumulated:
    """A tensor used by several ops received another contribution: ``total = before + added``."""

    tape_id: int
    tensor_id: int
    before: np.ndarray
    added: np.ndarray
    total: np.ndarray


@dataclass(frozen=True, slots=True)
class GradientsReturned:
    """``gradient()`` returned: one gradient (or None) per flattened source."""

    tape_id: int
    targets: tuple[int, ...]
    sources: tuple[int, ...]
    grads: tuple[np.ndarray | None, ...]


@dataclass(frozen=True, slots=True)
class VariableAssigned:
    """A variable's stored array was replaced (optimizer updates are made of these)."""

    variable_id: int
    name: str
    method: str  # "assign", "assign_add" or "assign_sub"
    before: np.ndarray
    after: np.ndarray
    trainable: bool = True


Event = Union[
    OpRecorded, GradientStarted, BackwardStep, GradientAccumulated, GradientsReturned, VariableAssigned
]
Listener = Callable[[Event], None]

# The engine checks this list before building any event: with no listener, emission is free.
listeners: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    """Start sending every engine event to ``listener``; returns it for ``unsubscribe``."""
    listeners.append(listener)
    return listener


def unsubscribe(listener: Listener) -> None:
    """Stop sending events to ``listener`` (no error if it was not subscribed)."""
    try:
        listeners.remove(listener)
    except ValueError:
        pass


def emit(event: Event) -> None:
    for listener in tuple(listeners):
        listener(event)
