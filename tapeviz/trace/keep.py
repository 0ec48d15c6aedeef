"""Bounded recordings of long runs: which iterations keep every array, and a summary for the rest.

``record(keep=...)`` (and ``tapeviz save --keep ...``) records a training loop of any length in
bounded memory. Every iteration is summarised (:mod:`.summary`); only some keep their events, and
so every array, in the trace:

- ``first=N``: the first N iterations;
- ``last=N``: the last N, a rolling window — an iteration's events are dropped when it leaves the
  window, unless another rule keeps it;
- ``every=K``: iterations 1, K+1, 2K+1, … (0-based multiples of K);
- ``pin=I``: iteration I (numbered from 1 as the UI shows it; repeat to pin several);
- ``nan=on``: an iteration where a NaN or infinity appears; ``spike=F``: one whose loss is over
  F times the median of the 20 before it (``spike=0`` turns it off); at most ``anomalies=N`` of
  these two together;
- ``budget=SIZE`` (``256MB``): when the kept arrays grow past it, ``every`` doubles and the
  iterations it no longer names are dropped, so a run of any length stays within the budget.

A trace recorded this way numbers its events as before, but only kept iterations have events:
``trace.iteration_range(i)`` is empty for a summarised one. ``trace.run`` (a :class:`Run`) says
which iterations were kept and why, and holds every iteration's summary.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.errors import TapevizError
from ..engine.events import Event, GradientStarted
from .summary import LOSS, RunSummary, loss_of, nonfinite, summarise, summarise_events
from .trace import FORWARD, phase_of

if TYPE_CHECKING:
    from .trace import Taken, Trace

DEFAULT_BUDGET = 256 << 20
SPIKE_WINDOW = 20
SPIKE_MIN_HISTORY = 5
_UNITS = {"": 1, "b": 1, "kb": 1 << 10, "k": 1 << 10, "mb": 1 << 20, "m": 1 << 20, "gb": 1 << 30, "g": 1 << 30}


class KeepPolicyError(TapevizError):
    """A ``--keep`` text that does not parse; the message names the part."""


@dataclass(frozen=True)
class KeepPolicy:
    """Which iterations of a run keep every array (the rest keep a summary row)."""

    first: int = 5
    last: int = 5
    every: int = 100
    pinned: frozenset[int] = frozenset()  # 0-based iteration indexes
    nonfinite: bool = True
    spike: float = 3.0  # 0: no spike rule
    anomalies: int = 20
    budget: int = DEFAULT_BUDGET  # bytes of kept arrays

    def __post_init__(self) -> None:
        for name in ("first", "last", "every", "anomalies", "budget"):
            if getattr(self, name) < 0:
                raise KeepPolicyError(f"keep policy: {name} cannot be negative")
        if self.spike < 0:
            raise KeepPolicyError("keep policy: spike cannot be negative")
        if any(p < 0 for p in self.pinned):
            raise KeepPolicyError("keep policy: a pinned iteration is numbered from 1")

    @classmethod
    def parse(cls, text: str) -> KeepPolicy:
        """``"first=5,last=5,every=100,pin=42,pin=77,nan=on,spike=3,anomalies=20,budget=256MB"``;
        every part optional (the defaults fill in). Iterations are numbered from 1 in ``pin``."""
        values: dict[str, Any] = {}
        pinned: set[int] = set()
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            key, eq, value = part.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not eq or not value:
                raise KeepPolicyError(f"keep policy: {part!r} should be NAME=VALUE (e.g. every=100)")
            try:
                if key in ("first", "last", "every", "anomalies"):
                    values[key] = int(value)
                elif key == "pin":
                    number = int(value)
                    if number < 1:
                        raise KeepPolicyError(f"keep policy: pin={value}: iterations are numbered from 1")
                    pinned.add(number - 1)
                elif key == "spike":
                    values["spike"] = float(value)
                elif key in ("nan", "nonfinite"):
                    if value.lower() not in ("on", "off", "yes", "no", "true", "false", "1", "0"):
                        raise ValueError(value)
                    values["nonfinite"] = value.lower() in ("on", "yes", "true", "1")
                elif key == "budget":
                    values["budget"] = parse_size(value)
                else:
                    raise KeepPolicyError(
                        f"keep policy: unknown rule {key!r} (rules: first, last, every, pin, nan, spike, anomalies, budget)"
                    )
            except ValueError:
                raise KeepPolicyError(f"keep policy: {part!r}: {value!r} is not a valid value for {key}") from None
        return cls(pinned=frozenset(pinned), **values)

    def describe(self) -> str:
        parts = [f"first={self.first}", f"last={self.last}", f"every={self.every}"]
        parts += [f"pin={p + 1}" for p in sorted(self.pinned)]
        parts += [f"nan={'on' if self.nonfinite else 'off'}", f"spike={self.spike:g}", f"anomalies={self.anomalies}",
                  f"budget={format_size(self.budget)}"]
        return ",".join(parts)

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["pinned"] = sorted(self.pinned)
        return d

    @classmethod
    def from_json(cls, d: Any) -> KeepPolicy:
        if not isinstance(d, dict):
            raise ValueError("the keep policy should be an object")
        kinds = {"first": int, "last": int, "every": int, "anomalies": int, "budget": int, "nonfinite": bool,
                 "spike": (int, float)}
        values: dict[str, Any] = {}
        for key, kind in kinds.items():
            if key in d:
                if not isinstance(d[key], kind) or (kind is int and isinstance(d[key], bool)):
                    raise ValueError(f"keep policy {key} has the wrong type")
                values[key] = d[key]
        pinned = d.get("pinned", [])
        if not isinstance(pinned, list) or not all(type(p) is int for p in pinned):
            raise ValueError("keep policy pinned should be a list of integers")
        try:
            return cls(pinned=frozenset(pinned), **values)
        except KeepPolicyError as exc:
            raise ValueError(str(exc)) from None


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(text)
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def format_size(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}B"


def as_policy(keep: KeepPolicy | str | bool | None) -> KeepPolicy | None:
    """``record(keep=...)``'s argument as a policy: None/False/"all" keep everything; True the defaults."""
    if keep is None or keep is False:
        return None
    if keep is True:
        return KeepPolicy()
    if isinstance(keep, KeepPolicy):
        return keep
    if isinstance(keep, str):
        return None if keep.strip().lower() in ("all", "everything") else KeepPolicy.parse(keep)
    raise TypeError(f"keep should be a KeepPolicy, a policy text or True, not {type(keep).__name__}")


@dataclass
class Run:
    """What a bounded recording knows of its whole run: the policy, which iterations are kept in
    full (and why), and a summary row for every iteration."""

    policy: KeepPolicy
    summary: RunSummary = field(default_factory=RunSummary)
    reasons: dict[int, set[str]] = field(default_factory=dict)  # kept by a lasting rule -> its rules
    window: deque[int] = field(default_factory=deque)  # the last iterations (kept while they are last)
    every: int = 0  # the stride in use (doubles when the budget is reached); 0: policy.every
    kept_bytes: dict[int, int] = field(default_factory=dict)
    anomalies: int = 0
    completed: int = -1  # the last iteration summarised
    _recent: deque[float] = field(default_factory=lambda: deque(maxlen=SPIKE_WINDOW))
    # Replay (replay.py): the state before some steps, and the step to run again (record_steps()).
    checkpoints: dict[int, Any] = field(default_factory=dict)
    step: Callable[[int], Any] | None = None
    program: Any = None  # a replay.Program: the program that trained in its own loop (runner.py)
    # While recording: the iteration the events go to (-1: the trace's own, when recording
    # starts), and the iterations still in the window whose events are not folded yet (their
    # raw events, as Trace._take_raw gives them): folded if a rule keeps them, else let go.
    current: int = -1
    pending: dict[int, Taken] = field(default_factory=dict)
    _state: dict[str, Any] = field(default_factory=dict)  # the phase of the last event, and whether its iteration took a gradient

    def __post_init__(self) -> None:
        if not self.every:
            self.every = self.policy.every

    # ---- questions ------------------------------------------------------------------------
    @property
    def iterations(self) -> int:
        """How many iterations the run had (kept or summarised)."""
        return self.summary.count

    @property
    def kept(self) -> list[int]:
        """The iterations whose events (every array) are in the trace, ascending."""
        return sorted(set(self.reasons) | set(self.window))

    def is_kept(self, iteration: int) -> bool:
        return iteration in self.reasons or iteration in self.window

    def why(self, iteration: int) -> list[str]:
        """The rules that kept an iteration (empty: it is summarised)."""
        found = sorted(self.reasons.get(iteration, ()))
        return [*found, "last"] if iteration in self.window else found

    @property
    def losses(self) -> Any:
        return self.summary.series(LOSS)

    def describe(self) -> str:
        """One line for reports: how many iterations, how many kept in full, and which."""
        kept = self.kept
        return (f"{self.iterations} iterations: {len(kept)} kept in full ({_ranges(kept)}), "
                f"{self.iterations - len(kept)} summarised (keep {self.policy.describe()}"
                + (f"; every thinned to {self.every}" if self.every != self.policy.every else "") + ")")

    # ---- recording ------------------------------------------------------------------------
    def listener(self, trace: Trace) -> Callable[[Event], None]:
        """A listener for ``record()``: passes events to ``trace`` and, at each iteration's end,
        summarises it and decides whether its events are folded into the trace at all."""
        trace._sync()
        if self.current < 0:  # the first recording under this policy: go on from the trace's events
            self.current = trace._iteration
            self._state = {"phase": trace._phases[-1] if trace._phases else None, "grad": trace._iteration_has_gradient}
        state = self._state  # (the trace's last event may be of an iteration it did not keep)
        listen = trace._listen

        def on_event(event: Event) -> None:
            phase = phase_of(event)
            if phase == FORWARD:
                if state["phase"] is not None and state["phase"] != FORWARD and state["grad"]:
                    self._close(trace)  # the iteration before this event is complete
                    self.current += 1
                    state["grad"] = False
            elif type(event) is GradientStarted:
                state["grad"] = True
            state["phase"] = phase
            listen(event)

        return on_event

    def finish(self, trace: Trace) -> None:
        """The recording ended: summarise its last iteration, and fold every iteration still
        waiting (they are the last ones, which the window keeps)."""
        self._close(trace)
        for iteration in sorted(self.pending):
            trace._fold_taken(self.pending.pop(iteration), iteration)

    def _close(self, trace: Trace) -> None:
        """The events of the current iteration are all filed: summarise it and decide."""
        taken = trace._take_raw()
        if taken:
            self.complete(trace, self.current, taken)
        elif self.current > self.completed and trace._iterations and trace._iterations[-1] == self.current:
            self.complete(trace, self.current)  # folded before a policy applied (record(trace, keep=...))

    def complete(self, trace: Trace, iteration: int, taken: Taken | None = None) -> None:
        """Summarise a finished iteration and decide whether its events stay. ``taken``: its
        events not folded yet (``Trace._take_raw``); None: they are in the trace already."""
        if taken is not None:
            events = [e for _, raw, _ in taken for e in raw]
            stats, nbytes = summarise_events(events, loss_of(events))
        else:
            stats, nbytes = summarise(trace, iteration)
        if iteration <= self.completed:  # more events joined an iteration already seen
            if taken is not None:
                if self.is_kept(iteration):
                    trace._fold_taken(taken, iteration)
                    stats, nbytes = summarise(trace, iteration)
                else:
                    trace._discard_taken(taken)
            self.summary.add(iteration, stats)
            if self.is_kept(iteration):
                self.kept_bytes[iteration] = nbytes
            return
        self.summary.add(iteration, stats)
        self.completed = iteration
        policy = self.policy
        reasons = set()
        if iteration < policy.first:
            reasons.add("first")
        if self.every and iteration % self.every == 0:
            reasons.add("every")
        if iteration in policy.pinned:
            reasons.add("pinned")
        anomaly = ""
        if policy.nonfinite and nonfinite(stats):
            anomaly = "nan"
        loss = stats.get(LOSS)
        if policy.spike and loss is not None and len(self._recent) >= SPIKE_MIN_HISTORY:
            median = statistics.median(self._recent)
            if median > 0 and loss > policy.spike * median:
                anomaly = anomaly or "spike"
        if anomaly and self.anomalies < policy.anomalies:
            reasons.add(anomaly)
            self.anomalies += 1
        if loss is not None and loss == loss and abs(loss) != float("inf"):
            self._recent.append(loss)
        if reasons:
            self.reasons[iteration] = reasons
        if taken is not None:
            self.pending[iteration] = taken
            if loss is not None:
                trace._losses.setdefault(iteration, loss)  # (kept whether or not its events are)
        self.kept_bytes[iteration] = nbytes
        self.window.append(iteration)
        while len(self.window) > policy.last:
            self._leave_window(trace, self.window.popleft())
        self._fit_budget(trace)

    def _leave_window(self, trace: Trace, iteration: int) -> None:
        """An iteration is no longer one of the last: folded if a rule keeps it, else let go."""
        taken = self.pending.pop(iteration, None)
        if iteration in self.reasons:
            if taken is not None:
                trace._fold_taken(taken, iteration)
        elif taken is not None:
            trace._discard_taken(taken)
            self.kept_bytes.pop(iteration, None)
        else:
            self._drop(trace, iteration)

    def _drop(self, trace: Trace, iteration: int) -> None:
        trace._forget_iteration(iteration)
        self.kept_bytes.pop(iteration, None)

    def _fit_budget(self, trace: Trace) -> None:
        """Over the budget: double the stride and drop the iterations it no longer names."""
        while sum(self.kept_bytes.values()) > self.policy.budget and self.every:
            strided = [it for it, r in self.reasons.items() if "every" in r]
            if len(strided) <= 1:
                return
            self.every *= 2
            for it in strided:
                if it % self.every:
                    self.reasons[it].discard("every")
                    if not self.reasons[it]:
                        del self.reasons[it]
                        if it not in self.window:
                            self._drop(trace, it)


def _ranges(numbers: list[int]) -> str:
    """``[0,1,2,5,9,10]`` as ``1-3, 6, 10-11`` (numbered from 1), shortened past 12 ranges."""
    spans: list[tuple[int, int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    words = [f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in spans]
    return ", ".join(words) if len(words) <= 12 else ", ".join(words[:6] + ["…"] + words[-5:])


__all__ = ["DEFAULT_BUDGET", "KeepPolicy", "KeepPolicyError", "Run", "as_policy", "format_size", "parse_size"]


# ---- files: the optional "run" section of trace.json (see fileformat.py) ----------------------


def run_json(trace: Trace, table: Any) -> dict[str, Any]:
    """``{"run": {...}}`` for a bounded recording (nothing for a trace kept in full): the policy,
    the kept iterations and why, and the summary matrix as one array of the archive."""
    run: Run | None = trace.run
    if run is None:
        return {}
    import numpy as np

    return {"run": {
        "policy": run.policy.to_json(),
        "every": run.every,
        "anomalies": run.anomalies,
        "iterations": sorted(set(trace.iterations)),
        "reasons": [[it, sorted(r)] for it, r in sorted(run.reasons.items())],
        "window": list(run.window),
        "columns": [list(c) for c in run.summary.columns],
        "summary": table.ref(np.ascontiguousarray(run.summary.matrix)),
    }}


def run_iterations(doc: dict[str, Any]) -> list[int] | None:
    """The iteration numbers of a bounded trace's events (None for a trace kept in full)."""
    run = doc.get("run")
    if run is None:
        return None
    if not isinstance(run, dict):
        raise ValueError("run should be an object")
    its = run.get("iterations")
    if not isinstance(its, list) or not all(type(i) is int and i >= 0 for i in its) or its != sorted(set(its)):
        raise ValueError("run.iterations should be ascending iteration numbers")
    return its


def restore_run(trace: Trace, doc: dict[str, Any], reader: Any) -> None:
    """Put back ``trace.run`` from a file's "run" section (checked; ValueError says what is wrong)."""
    d = doc.get("run")
    if d is None:
        return
    policy = KeepPolicy.from_json(d.get("policy"))
    columns = d.get("columns")
    if not isinstance(columns, list) or not all(
        isinstance(c, list) and len(c) == 3 and all(isinstance(x, str) for x in c) for c in columns
    ):
        raise ValueError("run.columns should be [group, name, statistic] triples")
    matrix = reader.array(d.get("summary"), "run.summary")
    if matrix.ndim != 2 or matrix.shape[1] != len(columns) or matrix.dtype.kind != "f":
        raise ValueError(f"run.summary should be a float matrix with {len(columns)} columns, not {matrix.shape}")
    run = Run(policy, RunSummary.from_matrix([tuple(c) for c in columns], matrix))  # type: ignore[misc]
    for key in ("every", "anomalies"):
        value = d.get(key, 0)
        if type(value) is not int or value < 0:
            raise ValueError(f"run.{key} should be a whole number")
        setattr(run, key, value or getattr(run, key))
    reasons = d.get("reasons", [])
    window = d.get("window", [])
    if not isinstance(reasons, list) or not all(
        isinstance(p, list) and len(p) == 2 and type(p[0]) is int and isinstance(p[1], list)
        and all(isinstance(r, str) for r in p[1]) for p in reasons
    ):
        raise ValueError("run.reasons should be [iteration, [rule, ...]] pairs")
    if not isinstance(window, list) or not all(type(i) is int for i in window):
        raise ValueError("run.window should be a list of iterations")
    run.reasons = {it: set(r) for it, r in reasons}
    run.window = deque(window)
    run.completed = run.summary.count - 1
    present = set(trace.iterations)
    if any(it not in present for it in run.kept):
        raise ValueError("run names kept iterations the file has no events for")
    trace.run = run
    for it, loss in enumerate(run.summary.series(LOSS)):
        if loss == loss:
            trace._losses.setdefault(it, float(loss))
