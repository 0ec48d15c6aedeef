"""Frozen, past-tense events emitted by the engine, and the tiny observer interface.

Events carry numpy arrays by reference. That is safe because the engine never mutates an
array after creating it: ops make new arrays and ``Variable.assign*`` replaces the stored one.
Ids are the engine's integer ids; a recorded ``Trace`` renumbers them from 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

__all__ = [
    "BackwardStep", "Event", "GradientAccumulated", "GradientStarted", "GradientsReturned", "Listener", "NONE_REASONS",
    "OpRecorded",
    "TensorRef", "VariableAssigned", "emit", "listeners", "pulses", "subscribe", "unsubscribe",
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
    """An op ran while a tape was watching one of its inputs (forward pass).

    ``tapes`` are the tapes that recorded it. Empty in two cases, both only while a listener
    records: an op a custom gradient function ran (``grad_fn_of``), and an op run inside a tape's
    ``with`` block (or its ``stop_recording()``) on nothing that tape watched (``off_tape``): it
    is on no tape, so it can get no gradient, but the learner still sees it (``y = x * x`` on an
    unwatched constant).
    """

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
    # TensorFlow's ``name=`` argument of the op's call (``tf.matmul(a, b, name="logits")``), if
    # given: it names the op's node, ahead of the variable its line assigned the result to.
    name: str | None = None

    @property
    def off_tape(self) -> bool:
        """An op of the learner's code run in a tape's block that no tape recorded (``tapes == ()``
        outside a custom gradient function): seen only because a listener records; no gradient."""
        return not self.tapes and not self.grad_fn_of



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


# Why ``gradient()`` gave a source None (``GradientsReturned.reasons``); "" where it gave one.
NONE_REASONS = (
    "unwatched",  # a tensor (tf.constant, a computed value) the tape was never asked to watch
    "unwatched_variable",  # a trainable variable, but the tape was made with watch_accessed_variables=False
    "not_trainable",  # a tf.Variable(trainable=False) the tape did not watch
    "unconnected",  # watched (or a variable never read in the block), but the target does not depend on it
    "integer",  # the source has an integer (or bool) dtype: gradients are for floats only
    "integer_target",  # the target has an integer dtype
    "stop_gradient",  # every path from the source to the target goes through tf.stop_gradient
    "stop_recording",  # the target was computed from it inside tape.stop_recording()
    "spent",  # a non-persistent tape already answered gradient(): this call raised
)


@dataclass(frozen=True, slots=True)
class GradientsReturned:
    """``gradient()`` returned: one gradient (or None) per flattened source.

    ``sources`` holds each source's tensor id, or 0 for a source no event ever saw. ``reasons``
    says why each None is None (one of ``NONE_REASONS``, "" for a gradient); it is empty in
    traces made before it existed. For a spent non-persistent tape the call raised instead of
    returning: the event is still emitted, every gradient None, every reason "spent".
    """

    tape_id: int
    targets: tuple[int, ...]
    sources: tuple[int, ...]
    grads: tuple[np.ndarray | None, ...]
    reasons: tuple[str, ...] = ()

    def reason(self, k: int) -> str:
        """Why source ``k`` got None ("" when it got a gradient or the trace predates reasons)."""
        return self.reasons[k] if k < len(self.reasons) else ""


@dataclass(frozen=True, slots=True)
class VariableAssigned:
    """A variable's stored array was replaced (optimizer updates are made of these)."""

    variable_id: int
    name: str
    method: str  # "assign", "assign_add" or "assign_sub"
    before: np.ndarray
    after: np.ndarray
    trainable: bool = True


def quick_init(cls: type) -> type:
    """Give a frozen, slotted dataclass an ``__init__`` that stores each field through its slot's
    own descriptor: what the generated one does through ``object.__setattr__``, in half the time
    (events are made for every op while a listener records, and again when a trace folds them).
    Same signature, defaults and result; assigning a field afterwards still raises."""
    fields = dataclasses.fields(cls)
    params, body, namespace = [], [], {}
    for k, f in enumerate(fields):
        if f.default_factory is not dataclasses.MISSING or not f.init:
            raise TypeError(f"quick_init: {cls.__name__}.{f.name} needs the dataclass's own __init__")
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_d{k}"] = f.default
            params.append(f"{f.name}=_d{k}")
        namespace[f"_s{k}"] = cls.__dict__[f.name].__set__  # the slot's member descriptor
        body.append(f"    _s{k}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, namespace)  # (as dataclasses writes its own __init__)
    init = namespace["__init__"]
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[misc]
    return cls


for _cls in (TensorRef, OpRecorded, GradientStarted, BackwardStep, GradientAccumulated, GradientsReturned,
             VariableAssigned):
    quick_init(_cls)

Event = Union[
    OpRecorded, GradientStarted, BackwardStep, GradientAccumulated, GradientsReturned, VariableAssigned
]
Listener = Callable[[Event], None]

# The engine checks this list before building any event: with no listener, emission is free.
listeners: list[Listener] = []

# Cheaper than a listener: a pulse is told, with no event built, that a gradient call began
# ("gradient") or that a tape recorded an op of a forward pass ("forward"). A replay counts a
# program's iterations so until it nears the one it records again (trace/replay.py).
pulses: list[Callable[[str], None]] = []


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
