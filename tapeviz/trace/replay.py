"""Every iteration steppable: checkpoints of a bounded run, and the replay of a summarised iteration.

``record_steps(step, n, keep=...)`` runs ``step(i)`` for ``i`` in ``0..n-1`` (the step's argument
is its position in the data) under ``record(keep=...)``, and before every ``checkpoint_every``-th
step saves a checkpoint: every live Variable's array (weights, optimizer slots and counters —
arrays are never written into, so a reference is a copy), the engine's random generator and each
library's (``ProgramHooks.save_random``: Keras's initializers and dropout). ``replay(trace, i)``
puts the nearest checkpoint at or before ``i`` back, runs the steps up to ``i`` unrecorded, records
step ``i`` into a one-iteration trace, and puts the live state back as it was.

A program that trains in its own loop (``tapeviz save prog.py --keep ...``, ``run_program(keep=...)``)
has no step to call: its run remembers the program (:class:`Program`: path, arguments, text), and
``replay`` runs the program again from its start, records iteration ``i`` and stops the program
when the next one begins. Until the iteration before ``i`` nothing listens: the engine's pulses
count the iterations (:class:`_Countdown`), so its cost grows with ``i`` at the program's own
speed; the program's random seeds make it exact. A
trace file keeps the program's text, so a file whose program is still beside it, unchanged,
replays the same way.

A replay is checked against the run's own summary of that iteration: every statistic must be
equal, bit for bit. A program with state a checkpoint cannot hold (a Python iterator over its data,
a generator of its own, a file it reads) replays differently; that raises :class:`ReplayDiverged`
saying so, and the summary stays what there is of that iteration.
"""

from __future__ import annotations

import contextlib
import copy
import math
import sys
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import random as engine_random
from ..engine.errors import TapevizError
from ..engine.events import Event, GradientStarted, pulses, subscribe, unsubscribe
from ..engine.program_hooks import HOOKS, LOADED_RANDOM
from ..engine.tensor import Variable, live_variables
from .guards import BoundedText, guarded
from .keep import as_policy
from .summary import summarise
from .trace import FORWARD, Trace, phase_of, record


class ReplayError(TapevizError):
    """An iteration cannot be replayed (no checkpoint or no step to run); the message says why."""


class ReplayDiverged(ReplayError):
    """A replay computed other numbers than the run did: the program has state outside the checkpoint."""


@dataclass(frozen=True)
class Program:
    """The program a bounded run came from: run again to replay one of its iterations."""

    path: str
    argv: tuple[str, ...] = ()
    text: str = ""  # the program as it was recorded (a changed program cannot replay it)
    random: Any = None  # a Checkpoint of the random generators as the recording began (no variables)
    libraries: tuple[str, ...] = ()  # the libraries loaded then (the others started as they loaded)


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


def take_random_state() -> Checkpoint:
    """The random generators alone (engine's and each library's): where a program run starts from.
    An unseeded generator (Keras's initializers without ``set_random_seed``) is then replayed too."""
    generator = engine_random.get_generator()
    return Checkpoint(-1, [], (generator, copy.deepcopy(generator.bit_generator.state)),
                      [hooks.save_random() for hooks in list(HOOKS.values())])


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


def program_of(trace: Trace) -> Program | None:
    """The program a run can be replayed with: the one it was recorded from in this process, or
    for a trace file the program its ``meta["source"]`` names, when the file kept its text."""
    run = trace.run
    program = getattr(run, "program", None)
    if isinstance(program, Program):
        return program
    source = trace.meta.get("source")
    if not isinstance(source, str) or not source.endswith(".py"):
        return None
    path = _kept_source(trace, source)
    return Program(path, (), trace.sources[path]) if path is not None else None


def _kept_source(trace: Trace, source: str) -> str | None:
    """The key of ``trace.sources`` that holds the program ``source`` names. Files saved before
    the full path was kept name it as the command line gave it (``loop.py``, relative to where
    ``tapeviz save`` ran): that matches the one kept file whose path ends with it."""
    try:
        resolved = str(Path(source).resolve())
    except (OSError, RuntimeError):
        return None
    if isinstance(trace.sources.get(resolved), str):
        return resolved
    if Path(source).is_absolute():
        return None
    tail = Path(source).parts
    ends_so = [p for p, text in trace.sources.items() if isinstance(text, str) and Path(p).parts[-len(tail):] == tail]
    return ends_so[0] if len(ends_so) == 1 else None


def replay_problem(trace: Trace, iteration: int | None = None) -> str:
    """Why an iteration of ``trace`` cannot be replayed ("" when it can be tried): one line."""
    run = trace.run
    where = f"iteration {iteration + 1:,}" if iteration is not None else "this run"
    if run is None:
        return f"{where}: the trace keeps every iteration in full, there is nothing to replay"
    if iteration is not None and not 0 <= iteration < run.iterations:
        return f"iteration {iteration + 1}: the run has iterations 1..{run.iterations}"
    if run.step is not None:
        return "" if run.checkpoints else f"{where} cannot be replayed: the run kept no checkpoint"
    program = program_of(trace)
    if program is None:
        return (f"{where} cannot be replayed: the trace does not know the program it came from "
                "(recorded from Python code of its own, or a file without its program)")
    try:
        text = Path(program.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return f"{where} cannot be replayed: its program {program.path} cannot be read any more"
    if program.text and text != program.text:
        return f"{where} cannot be replayed: its program {Path(program.path).name} changed since it was recorded"
    return ""


def replay(trace: Trace, iteration: int, progress: Callable[[int, int], None] | None = None) -> Trace:
    """Iteration ``iteration`` of a bounded run recorded in full again, as a trace of that one
    iteration (numbered as in the run), bit-identical to what a full recording would hold.
    ``progress(done, total)`` is told of each step replayed."""
    run = trace.run
    if run is None or not 0 <= iteration < run.iterations:
        raise ReplayError(f"iteration {iteration + 1}: the trace has no summarised iteration by that number")
    if run.step is None:
        problem = replay_problem(trace, iteration)
        if problem:
            raise ReplayError(problem)
        program = program_of(trace)
        assert program is not None
        why = ("the program computes other numbers when it runs again (an unseeded generator, e.g. Keras's "
               "initializers without tf.keras.utils.set_random_seed; changed data; another BLAS thread count)")
        try:
            one = _replay_program(trace, program, iteration, progress)
            _check_against_summary(trace, one, iteration, why)
        except ReplayDiverged:
            if iteration < 2:
                raise
            # counted by pulses, the iterations may have come out other than the trace counts
            # them (see _Countdown): once more, every event counted
            one = _replay_program(trace, program, iteration, progress, fast=False)
            _check_against_summary(trace, one, iteration, why)
        return one
    step, checkpoints = run.step, run.checkpoints
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


class _Reached(BaseException):
    """Raised into the program when the iteration after the replayed one begins: stop here.
    (A BaseException: a program's own ``except Exception`` does not swallow it.)"""


class _Gate:
    """A listener over a program run again: counts iterations as the trace does (a forward event
    after a pass that took a gradient starts the next), passes iteration ``target``'s events to
    ``one`` and stops the program when the one after it begins."""

    def __init__(self, target: int, one: Trace, progress: Callable[[int, int], None] | None) -> None:
        self.target, self.one, self.progress = target, one, progress
        self.iteration, self.phase, self.grad = 0, None, False
        self.listen = one._listen

    def __call__(self, event: Event) -> None:
        phase = phase_of(event)
        if phase == FORWARD:
            if self.phase is not None and self.phase != FORWARD and self.grad:
                self.iteration += 1
                self.grad = False
                if self.iteration > self.target:
                    raise _Reached
                if self.progress is not None:
                    self.progress(self.iteration, self.target + 1)
        elif type(event) is GradientStarted:
            self.grad = True
        self.phase = phase
        if self.iteration == self.target:
            self.listen(event)


class _Countdown:
    """Counts a program's iterations from the engine's pulses, which build no events (a run with
    no listener), and hands over to ``gate`` as the iteration before the recorded one begins:
    that one runs under the gate, which finds where the recorded one begins exactly as the trace
    would. A pulse comes for the ops tapes record, not for the ops of a tape's block on nothing
    it watches; an iteration made only of those would be missed, and the summary check would
    then fail (``replay`` runs the program once more, counted by the gate alone)."""

    def __init__(self, gate: _Gate, progress: Callable[[int, int], None] | None) -> None:
        self.gate, self.progress = gate, progress
        self.iteration, self.grad = 0, False

    def __call__(self, what: str) -> None:
        if what == "gradient":
            self.grad = True
        elif self.grad:  # the first op of a forward pass after a gradient call: the next iteration
            self.iteration += 1
            self.grad = False
            if self.progress is not None:
                self.progress(self.iteration, self.gate.target + 1)
            if self.iteration == self.gate.target - 1:
                gate = self.gate
                gate.iteration, gate.phase, gate.grad = self.iteration, FORWARD, False
                pulses.remove(self)
                subscribe(gate)  # (this op's own event is the gate's first)


def _replay_program(trace: Trace, program: Program, iteration: int,
                    progress: Callable[[int, int], None] | None, fast: bool = True) -> Trace:
    """Run ``program`` again from its start, recording only iteration ``iteration``. ``fast``:
    the iterations before the one ahead of it run with no listener (``_Countdown``)."""

    path = Path(program.path)
    try:
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        raise ReplayError(f"iteration {iteration + 1} cannot be replayed: {path}: {exc}") from None
    one = Trace(f"{trace.title} iteration {iteration + 1} (replayed: {path.name} run again)".strip(), dict(trace.meta))
    one._iteration = iteration
    one.meta["run_iterations"] = trace.run.iterations  # one iteration of a run of that many (the header says so)
    gate = _Gate(iteration, one, progress)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path), "__builtins__": __builtins__}
    now = take_checkpoint(-1)
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [str(path), *program.argv]
    sys.path.insert(0, str(path.parent))
    for hooks in list(HOOKS.values()):
        hooks.fresh()
    if program.random is not None:  # the generators as the recording began
        restore(program.random)
        for library, put_back in list(LOADED_RANDOM.items()):
            if library not in program.libraries:  # imported by the program: as it was when loaded
                put_back()
    sink = BoundedText()
    failure = ""
    countdown = _Countdown(gate, progress) if fast and iteration >= 2 else None
    if countdown is not None:
        pulses.append(countdown)
    else:
        subscribe(gate)
    try:
        with warnings.catch_warnings(), guarded(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            exec(code, namespace)
    except _Reached:
        pass  # the gate stopped the program as the iteration after the asked one began: done
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        if exc.code not in (None, 0):
            failure = f"the program exited with status {exc.code!r}"
    except BaseException as exc:  # the program failed this time (an external source, a changed file)
        failure = f"the program failed: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        if countdown in pulses:
            pulses.remove(countdown)
        unsubscribe(gate)
        sys.argv = old_argv
        sys.path[:] = old_path
        restore(now)
        one._sync()
        if one._site_recorder is not None:
            one._site_recorder.release()
    if failure:
        raise ReplayError(f"replaying iteration {iteration + 1}: {failure}")
    ran = max(gate.iteration, countdown.iteration if countdown is not None else 0)
    if gate.iteration < iteration or not len(one):
        raise ReplayDiverged(
            f"replaying iteration {iteration + 1}: the program ran only {ran + 1} iterations this time "
            "(it reads something that changed); only the summary of this iteration is available"
        )
    if progress is not None:
        progress(iteration + 1, iteration + 1)
    return one


_CHECKPOINT_MISSES = ("the program has state a checkpoint does not hold (an iterator over its data, a random "
                      "generator of its own, a file it reads)")


def _check_against_summary(trace: Trace, one: Trace, iteration: int, why: str = _CHECKPOINT_MISSES) -> None:
    expected = trace.run.summary.row(iteration)
    got, _ = summarise(one, iteration)
    for column, value in expected.items():
        mine = got.get(column)
        if mine is None or not (mine == value or (math.isnan(mine) and math.isnan(value))):
            group, name, stat = column
            what = "the loss" if group == "loss" else f"{name} {stat}"
            raise ReplayDiverged(
                f"iteration {iteration + 1} cannot be replayed exactly: {what} came out "
                f"{'missing' if mine is None else format(mine, '.7g')}, the run had "
                f"{value:.7g}: {why}; only its summary is kept"
            )


__all__ = ["Checkpoint", "Program", "ReplayDiverged", "ReplayError", "program_of", "record_steps", "replay",
           "replay_problem", "restore", "take_checkpoint", "take_random_state"]
