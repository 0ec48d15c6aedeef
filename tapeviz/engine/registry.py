"""The op registry and the one function that runs an op and records it on watching tapes.

Each op is defined once (``OpDef``): its numpy forward, its vector-Jacobian product written
with the engine's own ops (so an outer tape can record an inner tape's backward pass), a
one-line statement of its local derivative, its chain-rule explanation, the signature of its
API function and the names ``tapeviz.tf`` and lesson expressions know it by. Everything else
(``engine.api``, ``engine.fastops``, the ``tf`` namespaces, the lesson function table) is
derived from these definitions: modules that derive something call ``on_register``.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .attrs import Attr
from .errors import DTypeError, ShapeError
from .events import OpRecorded, TensorRef, emit, listeners, pulses
from .scope import current_scope
from .tensor import Tensor, Variable, _tensor_ids

__all__ = [
    "OpDef", "OpRecord", "REGISTRY", "apply", "bookkeeping", "exposed", "on_register", "op_error", "register", "shapes_text", "state",
    "tensor_ref", "unregister",
]

if TYPE_CHECKING:
    from .tape import GradientTape

# A VJP gets the op namespace to compute with (``api`` records, ``fastops`` does not), the
# upstream gradient, the op's record and which inputs need a gradient; it returns one gradient
# (or None) per input, possibly still in the broadcast output shape.
VJP = Callable[[Any, "Tensor", "OpRecord", tuple[bool, ...]], tuple["Tensor | None", ...]]


_DEFAULT_PARAMS = {1: ("a",), 2: ("a", "b"), 3: ("a", "b", "c"), -1: ("values",)}


@dataclass(frozen=True)
class OpDef:
    """One op, everything about it in one place (see CONTRIBUTING.md, "Adding an op")."""

    name: str
    forward: Callable[..., np.ndarray]
    vjp: VJP | None
    derivative: str
    arity: int = 2  # tensor inputs; -1: one sequence of tensors (concat, stack)
    differentiable: bool = True  # False: never recorded (comparisons, argmax, ...), like TF's NotDifferentiable
    # For elementwise ops: the local partials ∂out/∂input_k as arrays (broadcast to the output
    # shape), used by the UI to print "upstream × local = sent" with real numbers.
    local: Callable[..., tuple[np.ndarray | None, ...]] | None = None
    describe: Callable[..., str] | None = field(default=None, compare=False)
    # For other ops: how one element of an input's gradient came about, as data
    # (``chain.ChainContext`` -> ``chain.Product | Formula | SumOfProducts | None``).
    explain: Callable[..., Any] | None = field(default=None, compare=False)
    # The API function ``engine.api.<name>(*params, *attrs)``: tensor parameter names (default
    # a, b, ... by arity) and keyword attributes. ``api``: "derived" (built from params/attrs),
    # "hand" (written in engine/api.py: it needs extra argument handling) or "none".
    params: tuple[str, ...] = ()
    # Tensor parameters that hold integer indices (gather's ``indices``): converted on their
    # own, never to the dtype of the other inputs.
    index_params: tuple[str, ...] = ()
    attrs: tuple[Attr, ...] = ()
    api: str = "derived"
    # Where ``tapeviz.tf`` exposes the API function: "tf.add", "tf.math.add", "tf.nn.relu".
    tf_names: tuple[str, ...] = ()
    # The name lesson expressions call it by (computed by ``forward`` on float64 arrays), or None.
    lesson: str | None = None
    # The first line of the API function's docstring, as TensorFlow's reads ("Computes ...").
    doc: str = field(default="", compare=False)
    # What the op's box says besides its shape, from its recorded attributes (conv2d: "3×3
    # kernel · stride 1 · SAME"), or None: ``box(attrs, input_shapes) -> str | None``.
    box: Callable[..., str | None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.params:
            object.__setattr__(self, "params", _DEFAULT_PARAMS.get(self.arity, ("a",)))
        if self.api not in ("derived", "hand", "none"):
            raise ValueError(f"op {self.name!r}: api must be 'derived', 'hand' or 'none', not {self.api!r}")


REGISTRY: dict[str, OpDef] = {}
_derivers: list[Callable[[OpDef, bool], None]] = []


def register(op: OpDef) -> OpDef:
    """Add ``op``; every module that derives something from the registry hears of it."""
    if op.name in REGISTRY:
        raise ValueError(f"op {op.name!r} is registered twice")
    REGISTRY[op.name] = op
    for derive in _derivers:
        derive(op, True)
    return op


def unregister(name: str) -> OpDef:
    """Remove an op and everything derived from it (for tests that define their own op)."""
    op = REGISTRY.pop(name)
    for derive in reversed(_derivers):
        derive(op, False)
    return op


def on_register(derive: Callable[[OpDef, bool], None]) -> None:
    """Call ``derive(op, True)`` for every op registered now and later, ``derive(op, False)`` on removal."""
    _derivers.append(derive)
    for op in list(REGISTRY.values()):
        derive(op, True)


def exposed(namespace: str) -> dict[str, OpDef]:
    """The ops ``namespace`` ("tf", "tf.math", "tf.nn") exposes, by the name it uses."""
    found: dict[str, OpDef] = {}
    for op in REGISTRY.values():
        for full in op.tf_names:
            space, _, short = full.rpartition(".")
            if space == namespace:
                found[short] = op
    return found


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


class _RecordingState(threading.local):
    """Which tapes are recording now, and whether we are inside a backward pass: per thread, as
    in TensorFlow (each thread sees only the tapes it entered; ``__init__`` runs once per thread)."""

    def __init__(self) -> None:
        self.tapes: list[GradientTape] = []
        self.backward_depth = 0
        # Only used while a listener records (see ``_unrecorded``): tapes inside their
        # ``stop_recording()`` block, and >0 while a tape computes seeds/Jacobian bookkeeping.
        self.paused: list[GradientTape] = []
        self.machinery = 0
        # While a custom gradient function runs with a listener attached: the custom op's id
        # (the ops it runs are announced even when no tape records them).
        self.grad_fn_op = 0
        # While a custom-gradient function runs its forward: the trainable variables it reads.
        self.variable_watchers: list[dict[int, Variable]] = []


state = _RecordingState()
_op_ids = itertools.count(1)
_NO_ATTRS: dict[str, Any] = {}


def apply(op: OpDef, inputs: tuple[Tensor, ...], attrs: dict[str, Any] | None = None, name: str | None = None) -> Tensor:
    """Run ``op`` on tensors and record it on every tape that watches one of its inputs.

    ``name`` is TensorFlow's ``name=`` argument: the recorded event carries it, and it labels
    the op's node wherever the trace is shown.
    """
    if name is not None:
        name = _name_of(op, name)
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
    if (state.tapes or state.grad_fn_op) and op.differentiable:
        _record(op, inputs, result, _NO_ATTRS if attrs is None else attrs, name=name)
    elif state.paused and op.differentiable and listeners:  # only filled while a listener records
        _unrecorded(op, inputs, result, _NO_ATTRS if attrs is None else attrs, name)
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


def _record(
    op: OpDef, inputs: tuple[Tensor, ...], result: Tensor, attrs: dict[str, Any], make: type[OpRecord] = OpRecord,
    name: str | None = None,
) -> OpRecord | None:
    """Record the op on every tape that watches an input; announce it to listeners.

    Inside a custom gradient function (``state.grad_fn_op``) an op is announced even when no
    tape records it, so that a learner sees the ops that made the custom gradient.
    """
    if state.variable_watchers:
        for t in inputs:
            if isinstance(t, Variable) and t.trainable:
                for seen in state.variable_watchers:
                    seen.setdefault(t._id, t)
    hits = [tape for tape in state.tapes if _watches(tape, inputs)]
    if not hits and not (state.grad_fn_op and listeners):
        if listeners:
            _unrecorded(op, inputs, result, attrs, name)
        return None
    result._id = next(_tensor_ids)
    for t in inputs:
        if not t._id:
            t._id = next(_tensor_ids)
    record = make(next(_op_ids), op, inputs, result, attrs, current_scope())
    for tape in hits:
        tape._records.append(record)
        tape._watched.add(result._id)
    if pulses and not state.backward_depth:
        for pulse in tuple(pulses):
            pulse("forward")
    if listeners:
        for tape in state.paused:  # a paused tape remembers what it missed (why_none.py)
            tape._missed.append((record, True))
        result._ref = output = TensorRef(result._id, result._value)
        refs = []
        for t in inputs:  # (tensor_ref, written out: this runs for every recorded op)
            if isinstance(t, Variable):
                refs.append(TensorRef(t._id, t._value, t.path, t.trainable))
            else:
                ref = t._ref
                if ref is None:
                    ref = t._ref = TensorRef(t._id, t._value)
                refs.append(ref)
        event = OpRecorded(
            record.id,
            op.name,
            record.scope,
            tuple(refs),
            output,
            tuple(attrs.items()) if attrs else (),
            (hits[0]._id,) if len(hits) == 1 else tuple([tape._id for tape in hits]),
            state.backward_depth > 0,
            state.grad_fn_op,
            name,
        )
        for listener in tuple(listeners):  # (emit)
            listener(event)
    return record


def _name_of(op: OpDef, name: Any) -> str | None:
    """TensorFlow's ``name=`` as the event records it: a non-empty string, or None."""
    if isinstance(name, str):
        return name or None
    raise TypeError(f"{op.name}: name= must be a string, got {type(name).__name__} {name!r:.40}")


def _unrecorded(
    op: OpDef, inputs: tuple[Tensor, ...], result: Tensor, attrs: dict[str, Any], name: str | None = None,
) -> None:
    """An op inside a tape's block (or its ``stop_recording()``) that no tape recorded, seen by a
    listener: emitted with ``tapes=()`` so the learner sees it, and remembered by those tapes so
    that a None gradient can say why. Never reached without a listener; not during backward
    passes or a tape's own bookkeeping (seeds, Jacobian rows), which are not the learner's ops."""
    if state.backward_depth or state.machinery:
        return
    result._id = next(_tensor_ids)
    for t in inputs:
        if not t._id:
            t._id = next(_tensor_ids)
    record = OpRecord(next(_op_ids), op, inputs, result, attrs, current_scope())
    for tape in state.tapes:
        tape._missed.append((record, False))
    for tape in state.paused:
        tape._missed.append((record, True))
    result._ref = output = TensorRef(result._id, result._value)
    emit(OpRecorded(
        record.id, op.name, record.scope, tuple([tensor_ref(t) for t in inputs]), output, tuple(attrs.items()), (),
        name=name,
    ))


@contextlib.contextmanager
def bookkeeping() -> Iterator[None]:
    """Ops run inside are a library's own housekeeping (a Keras loss casting its labels), not
    the learner's computation: never emitted as off-tape ops. Ops on watched tensors still
    record as usual."""
    state.machinery += 1
    try:
        yield
    finally:
        state.machinery -= 1


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
