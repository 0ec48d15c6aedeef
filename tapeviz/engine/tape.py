"""GradientTape with TensorFlow's documented semantics: recording, watching, asking for gradients.

The backward pass itself is ``backward.backward``; Jacobians are in ``jacobian``, TF's
nested-structure rules in ``nest`` and the argument checks in ``gradient_args``.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from . import jacobian as _jacobian
from .backward import backward
from .errors import TapeError
from .events import GradientsReturned, emit, listeners
from .gradient_args import (
    UnconnectedGradients,
    check_sources,
    check_targets,
    finish,
    seeds,
    unconnected,
)
from .nest import flatten, pack_like
from .registry import OpRecord, state
from .tensor import Tensor, Variable, _tensor_ids
from .why_none import none_reasons

__all__ = ["GradientTape", "UnconnectedGradients", "recording_tapes"]

_tape_ids = itertools.count(1)


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
        # Ops run in this tape's block that it did not record, (record, while paused): kept only
        # while a listener records, so that a None gradient can say why (why_none.py).
        self._missed: list[tuple[OpRecord, bool]] = []
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
        paused = bool(listeners)  # only a listener asks why a gradient is None
        if paused:
            state.paused.append(self)
        try:
            yield
        finally:
            if paused and self in state.paused:
                state.paused.remove(self)
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
        self._missed = []

    # ---- watching -------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watch a tensor, a variable, or any nested list/tuple/dict of them."""
        for t in flatten(tensor):
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

    def note_variable_read(self, variable: Variable) -> None:
        """A trainable variable was read outside an op (e.g. passed to ``assign``): watch it, as TF does,
        unless the tape was made with ``watch_accessed_variables=False``."""
        if self._watch_accessed and isinstance(variable, Variable) and variable.trainable:
            self._watched.add(variable._id)
            self._variables[variable._id] = variable

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
        self._check_usable("gradient", target, sources)
        self._stop_if_non_persistent()
        targets = flatten(target)
        check_targets(target, targets)
        how = unconnected(unconnected_gradients)
        flat_sources = flatten(sources)
        check_sources(flat_sources)
        state.machinery += 1  # the seeds are the tape's own ops, not the learner's
        try:
            upstream = seeds(targets, output_gradients)
        finally:
            state.machinery -= 1
        grads = self._backward(targets, upstream, flat_sources)
        result = [finish(g, s, how) for g, s in zip(grads, flat_sources)]
        if not self._persistent:
            self._release()
        return pack_like(sources, result)

    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Full Jacobian: result[s] has shape ``target.shape + source.shape``."""
        return self._jacobian_call(_jacobian.jacobian, "jacobian", target, sources, unconnected_gradients)

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
        return self._jacobian_call(_jacobian.batch_jacobian, "batch_jacobian", target, source, unconnected_gradients)

    def _jacobian_call(
        self, compute: Callable[..., Any], what: str, target: Any, sources: Any,
        unconnected_gradients: UnconnectedGradients | str,
    ) -> Any:
        """What jacobian() and batch_jacobian() share around ``compute``: the usability check, the
        end of a non-persistent tape's recording, the backward walks run as the tape's own
        machinery, and the release of a non-persistent tape."""
        self._check_usable(what, target, sources)
        self._stop_if_non_persistent()
        state.machinery += 1
        try:
            result = compute(self._backward, target, sources, unconnected(unconnected_gradients))
        finally:
            state.machinery -= 1
        if not self._persistent:
            self._release()
        return result

    # ---- the backward pass ----------------------------------------------------------
    def _backward(self, targets: list[Tensor], upstream: list[Tensor], sources: list[Tensor]) -> list[Tensor | None]:
        """One backward walk over what this tape recorded (a snapshot: a persistent tape may
        record this very pass, which is how higher-order gradients work)."""
        return backward(self._id, list(self._records), self._watched, targets, upstream, sources, self._why_none)

    def _why_none(self, targets: list[Tensor], sources: list[Tensor], grads: list[Any]) -> tuple[str, ...]:
        """Why each None in ``grads`` is None (asked only while a listener records)."""
        return none_reasons(self, targets, sources, grads)

    # ---- bookkeeping ----------------------------------------------------------------
    def _check_usable(self, what: str, target: Any = None, sources: Any = None) -> None:
        if self._used:
            if listeners:  # TF raises; the trace still shows the call and why it gave nothing
                ids = [getattr(t, "_id", 0) for t in flatten(sources)] if sources is not None else []
                emit(GradientsReturned(
                    self._id, tuple(getattr(t, "_id", 0) for t in flatten(target)) if target is not None else (),
                    tuple(ids), (None,) * len(ids), ("spent",) * len(ids),
                ))
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
        self._missed = []
        self._watched = set()


def recording_tapes() -> tuple[GradientTape, ...]:
    """The tapes recording right now, outermost first."""
    return tuple(state.tapes)
