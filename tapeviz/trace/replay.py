"""Every iteration steppable: checkpoints of a bounded run, and the replay of a summarised iteration.

``record_steps(step, n, keep=...)`` runs ``step(i)`` for ``i`` in ``0..n-1`` (the step's argument
is its position in the data) under ``record(keep=...)``, and before every ``checkpoint_every``-th
step saves a checkpoint: every live Variable's array (weights, optimizer slots and counters —
arrays are never written into, so a reference is a copy), the engine's random generator and each
library's (``ProgramHooks.save_random``: Keras's initializers and dropout). ``replay(trace, i)``
puts the nearest checkpoint at or before ``i`` back, runs the steps up to ``i`` unrecorded, records
step ``i`` into a one-iteration trace, and puts the live state back as it was.

A replay is checked against the run's own summary of that iteration: every statistic must be
equal, bit for bit. A program with state a checkpoint cannot hold (a Python iterator over its data,
a generator of its own, a file it reads) replays differently; that raises :class:`ReplayDiverged`
saying so, and the summary stays what there is of that iteration.
"""

from __future__ import annotations

import copy
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import random as engine_random
from ..engine.errors import TapevizError
from ..engine.program_hooks import HOOKS
from ..engine.tensor import Variable, live_variables
from .keep import as_policy
from .summary import summarise
from .trace import Trace, record


class ReplayError(TapevizError):
    """An iteration cannot be replayed (no checkpoint or no step to run); the message says why."""


class ReplayDiverged(ReplayError):
    """A replay computed other numbers than the run did: the program has state outside the checkpoint."""


@dataclass
class Checkpoint:
    """The state before one step: every live variable's array and the random generators."""

    iteration: int
    variables: list[tuple[weakref.ref[Variable], np.ndarray]] = field(default_factory=list)
    engine_random: Any = None
    restorers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for _, a in self.variables)


def take_checkpoint(iteration: int) -> Checkpoint:
    """Save the state a step starts from (cheap: arrays are kept by reference)."""
    generator = engine_random.get_generator()
    return Checkpoint(
        iteration,
        [(weakref.ref(v), v._value) for v in live_variables()],
        (generator, copy.deepcopy(generator.bit_generator.state)),
        [hooks.save_random() for hooks in list(HOOKS.values())],
    )


def restore(checkpoint: Checkpoint) -> None:
    """Put the state of ``checkpoint`` back (no events: nothing is assigned, it is restored)."""
    for ref, value in checkpoint.variables:
        variable = ref()
        if variable is not None:
            variable._value = value
    generator, state = checkpoint.engine_random
    engine_random._generator = generator
    generator.bit_generator.state = copy.deepcopy(state)
    for put_back in checkpoint.restorers:
        put_back()


def record_steps(
    step: Callable[[int], Any], iterations: int, keep: Any = True, checkpoint_every: int = 50, title: str = ""
) -> Trace:
    """Record ``step(0) … step(iterations - 1)``, one training iteration each, under a keep policy,
    with a checkpoint before every ``checkpoint_every``-th step (from step ``checkpoint_every`` on:
    the first steps are kept in full, and a checkpoint taken after the optimizer made its slots
    holds them). Any iteration of the result can be replayed (:func:`replay`)."""
    if checkpoint_every < 1:
        raise ReplayError("checkpoint_every should be 1 or more")
    policy = as_policy(keep)
    trace = Trace(title)
    checkpoints: dict[int, Checkpoint] = {}
    with record(trace, keep=policy):
        for i in range(iterations):
            if i and i % checkpoint_every == 0 and policy is not None:
                checkpoints[i] = take_checkpoint(i)
            step(i)
    if trace.iteration_count != iterations:
        raise ReplayError(
            f"the step ran {iterations} times but the trace has {trace.iteration_count} iterations: "
            "record_steps needs a step that makes exactly one training iteration (forward, gradient, update)"
        )
    if trace.run is not None:
        trace.run.checkpoints = checkpoints
        trace.run.step = step
    return trace


def replay(trace: Trace, iteration: int, progress: Callable[[int, int], None] | None = None) -> Trace:
    """Iteration ``iteration`` of a bounded run recorded in full again, as a trace of that one
    iteration (numbered as in the run), bit-identical to what a full recording would hold.
    ``progress(done, total)`` is told of each step replayed."""
    run = trace.run
    if run is None or not 0 <= iteration < run.iterations:
        raise ReplayError(f"iteration {iteration + 1}: the trace has no summarised iteration by that number")
    step, checkpoints = run.step, run.checkpoints
    if step is None:
        raise ReplayError(
            f"iteration {iteration + 1} cannot be replayed: this run was not recorded with record_steps() "
            "(a program's own loop, or a trace file), so only its summary is kept"
        )
    starts = [k for k in checkpoints if k <= iteration]
    if not starts:
        raise ReplayError(f"iteration {iteration + 1} cannot be replayed: no checkpoint at or before it")
    start = max(starts)
    now = take_checkpoint(-1)
    one = Trace(f"{trace.title} iteration {iteration + 1} (replayed from the checkpoint before {start + 1})".strip())
    one._iteration = iteration
    try:
        restore(checkpoints[start])
        total = iteration - start + 1
        for i in range(start, iteration):
            step(i)
            if progress is not None:
                progress(i - start + 1, total)
        with record(one):
            step(iteration)
        if progress is not None:
            progress(total, total)
    finally:
        restore(now)
    _check_against_summary(trace, one, iteration)
    return one


def _check_against_summary(trace: Trace, one: Trace, iteration: int) -> None:
    expected = trace.run.summary.row(iteration)
    got, _ = summarise(one, iteration)
    for column, value in expected.items():
        mine = got.get(column)
        if mine is None or not (mine == value or (math.isnan(mine) and math.isnan(value))):
            group, name, stat = column
            what = "the loss" if group == "loss" else f"{name} {stat}"
            raise ReplayDiverged(
                f"replaying iteration {iteration + 1} gave {what} = {mine}, but the run had {value}: the program "
                "has state a checkpoint does not hold (an iterator over its data, a random generator of its own, "
                "a file it reads); only the summary of this iteration is available"
            )


__all__ = ["Checkpoint", "ReplayDiverged", "ReplayError", "record_steps", "replay", "restore", "take_checkpoint"]
