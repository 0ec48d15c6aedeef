"""GradientTape with TensorFlow's documented semantics, and the backward pass as one loop."""

from __future__ import annotations

import contextlib
import enum
import itertools
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import api, fastops
from .errors import ShapeError, TapeError
from .events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    emit,
    listeners,
)
from .registry import OpRecord, state
from .tensor import Tensor, Variable, _tensor_ids

_tape_ids = itertools.count(1)


class UnconnectedGradients(enum.Enum):
    """What ``gradient()`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records ops on watched tensors so that ``gradient()`` can run them backwards.

    Trainable variables read inside the block are watched automatically (unless
    ``watch_accessed_variables=False``); other tensors need ``watch()``. A non-persistent tape
    answers one ``gradient()`` (or ``jacobian()``) call and then forgets what it recorded.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._id = next(_tape_ids)
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched: set[int] = set()
        self._variables: dict[int, Variable] = {}
        self._records: list[OpRecord] = []
        self._recording = False
        self._used = False
        self._entered = False  # entered and not yet used up: TF's "the tape exists"

    @property
    def id(self) -> int:
        return self._id

    @property
    def persistent(self) -> bool:
        return self._persistent

    # ---- context --------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._recording:
            raise ValueError(
                "Tape is still recording, This can happen if you try to re-enter an already-active tape."
            )
        if self._used:  # a used-up non-persistent tape starts afresh, as in TF
            self._forget()
            self._used = False
        self._entered = True
        self._push()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._recording:
            self._pop()

    def _push(self) -> None:
        state.tapes.append(self)
        self._recording = True

    def _pop(self) -> None:
        if self in state.tapes:
            state.tapes.remove(self)
        self._recording = False

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Ops inside this block are not recorded on this tape (other tapes still record)."""
        if not self._entered:
            raise TapeError("Trying to stop recording a tape which is not recording.")
        if not self._recording:
            raise ValueError("Tape is not recording.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Forget everything recorded and watched so far; only inside the ``with`` block, as in TF.

        Values computed before the reset become constants for this tape.
        """
        if not self._recording:
            raise ValueError("Tape is not recording.")
        self._forget()

    def _forget(self) -> None:
        self._watched = set()
        self._variables = {}
        self._records = []

    # ---- watching -------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watch a tensor, a variable, or any nested list/tuple/dict of them."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(
                    f"Passed in object {t} of type {type(t).__name__!r}, not tf.Tensor or tf.Variable or ExtensionType."
                )
            if t._value.dtype.kind != "f":
                warnings.warn(
                    f"The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.{t._value.dtype.name}",
                    stacklevel=2,
                )
            if not t._id:
                t._id = next(_tensor_ids)
            self._watched.add(t._id)
            if isinstance(t, Variable):
                self._variables[t._id] = t

    def watched_variables(self) -> tuple[Variable, ...]:
        """The variables this tape watches, in the order they were created (as TF lists them)."""
        return tuple(sorted(self._variables.values(), key=lambda v: v._id))

    # ---- gradients ------------------------------------------------------------------
    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
    ) -> Any:
        """d(sum of targets)/d(each source), in the same nested structure as ``sources``.

        A target that is itself one of the sources gets ones. Integer targets and sources give
        None. Called inside the ``with`` block, a non-persistent tape stops recording; a
        persistent one records the gradient computation too (for higher-order derivatives).
        """
        self._check_usable("gradient")
        self._stop_if_non_persistent()
        targets = _flatten(target)
        _check_targets(target, targets)
        unconnected = _unconnected(unconnected_gradients)
        flat_sources = _flatten(sources)
        _check_sources(flat_sources)
        seeds = _seeds(targets, output_gradients)
        grads = self._backward(targets, seeds, flat_sources)
        result = [_finish(g, s, unconnected) for g, s in zip(grads, flat_sources)]
        if not self._persistent:
            self._release()
        return _pack_like(sources, result)

    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Full Jacobian: result[s] has shape ``target.shape + source.shape``."""
        self._check_usable("jacobian")
        self._stop_if_non_persistent()
        unconnected = _unconnected(unconnected_gradients)
        if isinstance(target, Variable) or not isinstance(target, Tensor):
            _check_targets(target, _flatten(target))
        flat_sources = _flatten(sources)
        _check_sources(flat_sources)
        n = target._value.size
        rows: list[list[Tensor | None]] = []
        for i in range(n):
            seed = np.zeros(n, dtype=target._value.dtype)
            seed[i] = 1
            seed = seed.reshape(target._value.shape)
            rows.append(self._backward([target], [api.convert(seed)], flat_sources))
        result = []
        for k, src in enumerate(flat_sources):
            column = [row[k] for row in rows]
            if all(g is None for g in column):
                result.append(_finish(None, src, unconnected) if unconnected is UnconnectedGradients.NONE
                              else api.zeros(target._value.shape + src._value.shape, src._value.dtype))
                continue
            filled = [g if g is not None else api.zeros_like(src) for g in column]
            stacked = api.stack(filled, axis=0) if filled else api.zeros((0,) + src._value.shape, src._value.dtype)
            result.append(api.reshape(stacked, target._value.shape + src._value.shape))
        if not self._persistent:
            self._release()
        return _pack_like(sources, result)

    def batch_jacobian(
        self,
        target: Tensor,
        source: Tensor,
        unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Tensor | None:
        """Per-example Jacobian: shape ``(batch,) + target.shape[1:] + source.shape[1:]``.

        Assumes example i of the target depends only on example i of the source (as TF does).
        """
        self._check_usable("batch_jacobian")
        self._stop_if_non_persistent()
        unconnected = _unconnected(unconnected_gradients)
        tshape, sshape = target._value.shape, source._value.shape
        for t in (target, source):
            if t._value.ndim < 2:
                raise ValueError(f"Shape {t.shape} must have rank at least 2")
        if tshape[0] != sshape[0]:
            raise ValueError(
                f"batch_jacobian(): target {tshape} and source {sshape} need the same first (batch) dimension"
            )
        batch = tshape[0]
        inner = int(np.prod(tshape[1:], dtype=np.int64))
        columns: list[Tensor] = []
        connected = False
        for j in range(inner):
            seed = np.zeros((batch, inner), dtype=target._value.dtype)
            seed[:, j] = 1
            (g,) = self._backward([target], [api.convert(seed.reshape(tshape))], [source])
            if g is not None:
                connected = True
            columns.append(g if g is not None else api.zeros_like(source))
        if not self._persistent:
            self._release()
        if not connected:
            if unconnected is UnconnectedGradients.NONE:
                return None
            return api.zeros((batch,) + tshape[1:] + sshape[1:], source._value.dtype)
        stacked = api.stack(columns, axis=1)  # (batch, inner, *source[1:])
        return api.reshape(stacked, (batch,) + tshape[1:] + sshape[1:])

    # ---- the backward pass ----------------------------------------------------------
    def _backward(self, targets: list[Tensor], seeds: list[Tensor], sources: list[Tensor]) -> list[Tensor | None]:
        """Visit recorded ops newest first; each sends upstream × local derivative to its inputs.

        Every tape still recording (outer tapes, or this one if it is persistent and we are inside
        its block) records the ops of this backward pass, which is how higher-order gradients work.
        """
        state.backward_depth += 1
        try:
            return self._run_backward(targets, seeds, sources)
        finally:
            state.backward_depth -= 1

    def _run_backward(self, targets: list[Tensor], seeds: list[Tensor], sources: list[Tensor]) -> list[Tensor | None]:
        # A source is reachable if watched, or if it is one of the targets itself (d t/d t = 1).
        target_objects = {id(t) for t in targets}
        source_ids = []
        for s in sources:
            if s._value.dtype.kind != "f":
                source_ids.append(0)
            elif id(s) in target_objects:
                if not s._id:
                    s._id = next(_tensor_ids)
                source_ids.append(s._id)
            else:
                source_ids.append(s._id if s._id and s._id in self._watched else 0)
        records = list(self._records)  # a persistent tape may record this very backward pass
        if listeners:
            emit(GradientStarted(self._id, tuple(t._id for t in targets), tuple(source_ids), tuple(s._value for s in seeds)))
        # Tensors that depend on some source: only these need a gradient.
        needed = {i for i in source_ids if i}
        for rec in records:
            for t in rec.inputs:
                if t._id in needed:
                    if rec.output._value.dtype.kind == "f":
                        needed.add(rec.output._id)
                    break
        # With no tape listening, the backward pass need not be recorded: the VJPs run on
        # fastops, which compute on plain arrays, and only the returned gradients become tensors.
        # Otherwise they run on the recording API and every gradient is a tensor.
        fast = not state.tapes
        xp = fastops if fast else api
        grads: dict[int, Tensor | np.ndarray] = {}
        for target, seed in zip(targets, seeds):
            if target._id in needed:
                self._accumulate(xp, grads, target._id, seed._value if fast else seed)
        for rec in reversed(records):
            upstream = grads.get(rec.output._id)
            if upstream is None:
                continue
            needs = tuple([t._id in needed for t in rec.inputs])  # ``needed`` holds float tensors only
            if True not in needs:
                continue
            vjp = rec.op.vjp
            if vjp is None:
                raise LookupError(f"gradient registry has no entry for: {rec.op.name}")
            sent = vjp(xp, upstream, rec, needs)
            sent_arrays: list[np.ndarray | None] = []
            arrivals: list[tuple[int, Any]] = []
            for t, need, g in zip(rec.inputs, needs, sent):
                if not need or g is None:
                    sent_arrays.append(None)
                    continue
                value, array = t._value, _array(g)
                if array.shape != value.shape:
                    g = xp.sum_to_shape(g, value.shape)
                    array = _array(g)
                if array.dtype != value.dtype:
                    g = xp.cast(g, value.dtype)
                    array = _array(g)
                sent_arrays.append(array)
                arrivals.append((t._id, g))
            if listeners:
                emit(
                    BackwardStep(
                        self._id, rec.id, rec.op.name, rec.scope, rec.output._id, _frozen(_array(upstream)),
                        tuple([t._id for t in rec.inputs]), tuple([_frozen(a) for a in sent_arrays]),
                    )
                )
            # after the step's event, so a learner sees the gradients sent, then how they add up
            for tensor_id, g in arrivals:
                self._accumulate(xp, grads, tensor_id, g)
        result = [_tensor(grads[i]) if i in grads else None for i in source_ids]
        if listeners:
            emit(
                GradientsReturned(
                    self._id, tuple(t._id for t in targets), tuple(source_ids),
                    tuple(None if g is None else g._value for g in result),
                )
            )
        return result

    def _accumulate(self, xp: Any, grads: dict[int, Tensor | np.ndarray], tensor_id: int, g: Tensor | np.ndarray) -> None:
        before = grads.get(tensor_id)
        if before is None:
            grads[tensor_id] = g
            return
        total = xp.add(before, g)
        grads[tensor_id] = total
        if listeners:
            emit(GradientAccumulated(
                self._id, tensor_id, _frozen(_array(before)), _frozen(_array(g)), _frozen(_array(total))
            ))

    # ---- bookkeeping ----------------------------------------------------------------
    def _check_usable(self, what: str) -> None:
        if self._used:
            raise TapeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients "
                "(or jacobians); create it with persistent=True to call gradient() more than once"
            )

    def _stop_if_non_persistent(self) -> None:
        # TF: asking a non-persistent tape for gradients inside its block ends its recording.
        if self._recording and not self._persistent:
            self._pop()

    def _release(self) -> None:
        self._used = True
        self._entered = False
        self._records = []
        self._watched = set()


def _array(g: Tensor | np.ndarray) -> np.ndarray:
    """A gradient's array: fastops give arrays, the recording API gives tensors."""
    return g._value if isinstance(g, Tensor) else g


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    """Mark an array read-only before it leaves the engine (in an event or a returned tensor)."""
    if a is not None:
        a.setflags(write=False)
    return a


def _tensor(g: Tensor | np.ndarray) -> Tensor:
    return g if isinstance(g, Tensor) else Tensor._wrap(_frozen(g))


def _check_targets(target: Any, targets: list[Any]) -> None:
    if target is None:
        raise TypeError(
            "Argument `target` should be a list or nested structure of Tensors, Variables or "
            "CompositeTensors to be differentiated, but received None."
        )
    for t in targets:
        if t is None:
            raise TypeError("gradient(): a target is None; every target must be a tensor")
        if not isinstance(t, Tensor):
            raise TypeError(f"gradient(): targets must be tensors, got {type(t).__name__}")
        if t._value.dtype.kind != "f":
            warnings.warn(
                f"The dtype of the target tensor must be floating (e.g. tf.float32) when calling "
                f"GradientTape.gradient, got tf.{t._value.dtype.name}; its gradients are None",
                stacklevel=3,
            )


def _check_sources(sources: list[Any]) -> None:
    for s in sources:
        if not isinstance(s, Tensor):
            raise ValueError(f"gradient(): sources must be tensors or variables, got {type(s).__name__}")
        if s._value.dtype.kind != "f":
            warnings.warn(
                f"The dtype of the source tensor must be floating (e.g. tf.float32) when calling "
                f"GradientTape.gradient, got tf.{s._value.dtype.name}",
                stacklevel=3,
            )


def _unconnected(value: Any) -> UnconnectedGradients:
    if isinstance(value, UnconnectedGradients):
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def _seeds(targets: list[Tensor], output_gradients: Any) -> list[Tensor]:
    """The upstream gradient of each target: ones, or the matching ``output_gradients`` entry.

    As in TF, the list may be shorter than the targets (the rest get ones) and a None entry
    means ones.
    """
    given = [] if output_gradients is None else _flatten(output_gradients)
    if len(given) > len(targets):
        raise ValueError(f"gradient(): {len(targets)} target(s) but {len(given)} output_gradients")
    seeds = []
    for k, t in enumerate(targets):
        g = given[k] if k < len(given) else None
        if g is None:
            seeds.append(api.ones_like(t))
            continue
        g = api.cast(g, t._value.dtype) if isinstance(g, Tensor) else api.convert(g, dtype=t._value.dtype)
        if g._value.shape != t._value.shape:
            raise ShapeError(
                f"gradient(): output_gradients of shape {g._value.shape} for a target of shape {t._value.shape}"
            )
        seeds.append(g)
    return seeds


def _finish(g: Tensor | None, source: Tensor, unconnected: UnconnectedGradients) -> Tensor | None:
    if g is None and unconnected is UnconnectedGradients.ZERO:
        return api.zeros_like(source)
    return g


def _flatten(structure: Any) -> list[Any]:
    """Leaves of a nested list/tuple/dict in order (dict values sorted by key, as TF's nest)."""
    if isinstance(structure, dict):
        out: list[Any] = []
        for key in _sorted_keys(structure):
            out.extend(_flatten(structure[key]))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for item in structure:
            if isinstance(item, (dict, list, tuple)):
                out.extend(_flatten(item))
            else:
                out.append(item)
        return out
    return [structure]


def _sorted_keys(d: dict) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _pack_like(structure: Any, flat: list[Any]) -> Any:
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in _sorted_keys(s)}
            return {k: built[k] for k in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(x) for x in s])
        if isinstance(s, (list, tuple)):
            return type(s)([build(x) if isinstance(x, (dict, list, tuple)) else next(it) for x in s])
        return next(it)

    return build(structure)
