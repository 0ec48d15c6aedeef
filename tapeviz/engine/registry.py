"""The op registry and the one function that runs an op and records it on watching tapes.

Each op is defined once (``OpDef``): its numpy forward, its vector-Jacobian product written
with the engine's own ops (so an outer tape can record an inner tape's backward pass), and a
one-line statement of its local derivative for the UI and lessons.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DTypeError, ShapeError
from .events import OpRecorded, TensorRef, emit, listeners
from .scope import current_scope
from .tensor import Tensor, Variable, _tensor_ids

if TYPE_CHECKING:
    from .tape import GradientTape

# A VJP gets the op namespace to compute with (``api`` records, ``fastops`` does not), the
# upstream gradient, the op's record and which inputs need a gradient; it returns one gradient
# (or None) per input, possibly still in the broadcast output shape.
VJP = Callable[[Any, "Tensor", "OpRecord", tuple[bool, ...]], tuple["Tensor | None", ...]]


@dataclass(frozen=True)
class OpDef:
    """One op: identity, forward, VJP and its derivative statement, kept together."""

    name: str
    forward: Callable[..., np.ndarray]
    vjp: VJP | None
    derivative: str
    arity: int = 2
    differentiable: bool = True  # False: never recorded (comparisons, argmax, ...), like TF's NotDifferentiable
    # For elementwise ops: the local partials ∂out/∂input_k as arrays (broadcast to the output
    # shape), used by the UI to print "upstream × local = sent" with real numbers.
    local: Callable[..., tuple[np.ndarray | None, ...]] | None = None
    describe: Callable[..., str] | None = field(default=None, compare=False)


REGISTRY: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    if op.name in REGISTRY:
        raise ValueError(f"op {op.name!r} is registered twice")
    REGISTRY[op.name] = op
    return op


class OpRecord:
    """An op as a tape remembers it, for its backward pass."""

    __slots__ = ("id", "op", "inputs", "output", "attrs", "scope")

    def __init__(self, op_id: int, op: OpDef, inputs: tuple[Tensor, ...], output: Tensor, attrs: dict, scope: str):
        self.id = op_id
        self.op = op
        self.inputs = inputs
        self.output = output
        self.attrs = attrs
        self.scope = scope


class _RecordingState:
    """Which tapes are recording now, and whether we are inside a backward pass."""

    def __init__(self) -> None:
        self.tapes: list[GradientTape] = []
        self.backward_depth = 0


state = _RecordingState()
_op_ids = itertools.count(1)
_NO_ATTRS: dict[str, Any] = {}


def apply(op: OpDef, inputs: tuple[Tensor, ...], attrs: dict[str, Any] | None = None) -> Tensor:
    """Run ``op`` on tensors and record it on every tape that watches one of its inputs."""
    try:
        if attrs is None:  # most ops: no keyword arguments to pass
            out = op.forward(*[t._value for t in inputs])
        else:
            out = op.forward(*[t._value for t in inputs], **attrs)
    except (ValueError, IndexError, TypeError, np.exceptions.AxisError) as exc:
        raise op_error(op, inputs, attrs or _NO_ATTRS, exc) from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    out.setflags(write=False)
    result = Tensor._wrap(out)
    if state.tapes and op.differentiable:
        _record(op, inputs, result, _NO_ATTRS if attrs is None else attrs)
    return result


def _watches(tape: GradientTape, inputs: tuple[Tensor, ...]) -> bool:
    """Does ``tape`` watch one of ``inputs``? Trainable variables it reads become watched (TF's rule)."""
    watched = tape._watched
    hit = False
    for t in inputs:
        if t._id and t._id in watched:
            hit = True
        elif tape._watch_accessed and isinstance(t, Variable) and t.trainable:
            watched.add(t._id)
            tape._variables[t._id] = t
            hit = True
    return hit


def _record(op: OpDef, inputs: tuple[Tensor, ...], result: Tensor, attrs: dict[str, Any]) -> None:
    hits = [tape for tape in state.tapes if _watches(tape, inputs)]
    if not hits:
        return
    result._id = next(_tensor_ids)
    for t in inputs:
        if not t._id:
            t._id = next(_tensor_ids)
    record = OpRecord(next(_op_ids), op, inputs, result, attrs, current_scope())
    for tape in hits:
        tape._records.append(record)
        tape._watched.add(result._id)
    if listeners:
        result._ref = output = TensorRef(result._id, result._value)
        emit(
            OpRecorded(
                record.id,
                op.name,
                record.scope,
                tuple([tensor_ref(t) for t in inputs]),
                output,
                tuple(attrs.items()),
                tuple([tape._id for tape in hits]),
                state.backward_depth > 0,
            )
        )


def tensor_ref(t: Tensor) -> TensorRef:
    """The event's view of a tensor; a plain tensor's is built once (its id and value never change)."""
    if isinstance(t, Variable):  # a variable's value changes with every assign: a fresh ref each time
        return TensorRef(t._id, t._value, t.path, t.trainable)
    ref = t._ref
    if ref is None:
        ref = t._ref = TensorRef(t._id, t._value)
    return ref


def shapes_text(inputs: tuple[Tensor, ...]) -> str:
    return ", ".join(str(tuple(t._value.shape)) for t in inputs)


def op_error(op: OpDef, inputs: tuple[Tensor, ...], attrs: dict[str, Any], exc: Exception) -> Exception:
    """Turn numpy's complaint into one line naming the op, the shapes and the scope."""
    where = current_scope()
    place = f"{op.name} in {where}" if where else op.name
    if op.describe is not None:
        try:
            detail = op.describe(*inputs, **attrs)
        except Exception:  # the describer must never hide the original problem
            detail = None
        if detail:
            return ShapeError(f"{place}: {detail}")
    message = str(exc).split("\n")[0]
    if isinstance(exc, TypeError) and "dtype" not in message:
        return DTypeError(f"{place}: inputs {shapes_text(inputs)}: {message}")
    return ShapeError(f"{place}: inputs with shapes {shapes_text(inputs)}: {message}")
