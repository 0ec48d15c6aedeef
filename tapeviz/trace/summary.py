"""Per-iteration summaries: the few numbers a learner plots for every iteration of a long run.

A long recording keeps every array only for some iterations (see :mod:`.keep`); for *every*
iteration, kept or not, it keeps one row of statistics computed from that iteration's events:

- ``("loss", "", "loss")``: the loss (first scalar gradient target);
- per weight (a variable the iteration updated or took a gradient of), ``("weight", name, stat)``
  with stat ``min``, ``mean``, ``max``, ``norm`` (of the value after the update), ``grad_norm``
  and ``update_norm`` (of ``after - before``);
- per forward op, ``("op", key, stat)`` with stat ``min``, ``mean``, ``max``, ``norm`` and
  ``zeros`` (the fraction of exact zeros in its output: dead ReLUs show up here). ``key`` is the
  graph node's role key (``sequential/dense/MatMul#0``), the same in every iteration.

Rows live in one float64 matrix (iterations × columns), so 10,000 iterations of an MLP cost a few
megabytes. A statistic an iteration did not have is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ..engine import events as ev

if TYPE_CHECKING:
    from .trace import Trace

Column = tuple[str, str, str]  # (group, name, stat)
LOSS: Column = ("loss", "", "loss")
WEIGHT_STATS = ("min", "mean", "max", "norm", "grad_norm", "update_norm")
OP_STATS = ("min", "mean", "max", "norm", "zeros")


class RunSummary:
    """One row of statistics per iteration, growing as a run is recorded."""

    def __init__(self, columns: Iterable[Column] = ()) -> None:
        self.columns: list[Column] = []
        self._col: dict[Column, int] = {}
        self._rows = np.full((0, 0), np.nan)
        self.count = 0  # iterations 0..count-1 have a row (NaN where nothing was summarised)
        for c in columns:
            self._column(c)

    # ---- writing ------------------------------------------------------------------------
    def _column(self, column: Column) -> int:
        k = self._col.get(column)
        if k is None:
            k = self._col[column] = len(self.columns)
            self.columns.append(column)
        return k

    def add(self, iteration: int, stats: dict[Column, float]) -> None:
        """Store the row of ``iteration`` (rows before it that were never added stay NaN)."""
        ks = [(self._column(c), v) for c, v in stats.items()]
        rows, cols = self._rows.shape
        if iteration >= rows or len(self.columns) > cols:
            new_rows = max(rows * 2, iteration + 1, 64) if iteration >= rows else rows
            new_cols = max(cols * 2, len(self.columns)) if len(self.columns) > cols else cols
            grown = np.full((new_rows, new_cols), np.nan)
            grown[:rows, :cols] = self._rows
            self._rows = grown
        row = self._rows[iteration]
        for k, v in ks:
            row[k] = v
        self.count = max(self.count, iteration + 1)

    # ---- reading ------------------------------------------------------------------------
    @property
    def matrix(self) -> np.ndarray:
        """The rows as an (iterations × columns) array (a view: do not write to it)."""
        return self._rows[: self.count, : len(self.columns)]

    def series(self, column: Column) -> np.ndarray:
        """One statistic over all iterations (NaN where an iteration lacks it)."""
        k = self._col.get(column)
        if k is None:
            return np.full(self.count, np.nan)
        return self.matrix[:, k]

    def row(self, iteration: int) -> dict[Column, float]:
        """The statistics of one iteration (only those it has)."""
        if not 0 <= iteration < self.count:
            return {}
        values = self._rows[iteration]
        return {c: float(values[k]) for k, c in enumerate(self.columns) if not math.isnan(values[k])}

    def names(self, group: str) -> list[str]:
        """The weights (``"weight"``) or op keys (``"op"``) summarised, in order of first appearance."""
        seen: dict[str, None] = {}
        for g, name, _ in self.columns:
            if g == group:
                seen.setdefault(name)
        return list(seen)

    @classmethod
    def from_matrix(cls, columns: list[Column], matrix: np.ndarray) -> RunSummary:
        run = cls(columns)
        run._rows = np.array(matrix, dtype=np.float64)
        run.count = run._rows.shape[0]
        return run


def summarise(trace: Trace, iteration: int) -> tuple[dict[Column, float], int]:
    """The statistics of one recorded iteration, and the bytes its arrays hold (each counted once)."""
    span = trace.iteration_range(iteration)
    return summarise_events(trace.events[span.start:span.stop], trace.loss_at(iteration))


def summarise_events(events: list[ev.Event], loss: float | None) -> tuple[dict[Column, float], int]:
    """The statistics of one iteration's events and the bytes their arrays hold (each counted once).

    The events may be a trace's or the engine's own (a bounded recording summarises an
    iteration before it decides whether to fold it): an op's key is its role in the iteration
    (``scope/op#k``, as the graph names it), a weight's name is its variable's path.
    """
    stats: dict[Column, float] = {}
    arrays: dict[int, int] = {}  # id() of each array met -> its bytes
    variables: dict[int, str] = {}  # tensor id -> the path of the variable it is
    roles: dict[str, int] = {}  # ops met so far of each scope/op
    unread: list[tuple[int, np.ndarray]] = []
    if loss is not None:
        stats[LOSS] = loss
    for e in events:
        kind = type(e)
        if kind is ev.OpRecorded:
            for r in e.inputs:
                arrays[id(r.value)] = r.value.nbytes
                if r.variable is not None:
                    variables[r.id] = r.variable
            output = e.output.value
            arrays[id(output)] = output.nbytes
            path = f"{e.scope}/{e.op}" if e.scope else e.op
            count = roles.get(path, 0)
            roles[path] = count + 1
            if not e.in_backward:
                _array_stats(stats, ("op", f"{path}#{count}"), output, zeros=True)
        elif kind is ev.BackwardStep:
            arrays[id(e.upstream)] = e.upstream.nbytes
            for g in e.input_grads:
                if g is not None:
                    arrays[id(g)] = g.nbytes
        elif kind is ev.VariableAssigned:
            before, after = e.before, e.after
            arrays[id(before)], arrays[id(after)] = before.nbytes, after.nbytes
            variables.setdefault(e.variable_id, e.name)
            if after.dtype.kind == "f":
                _array_stats(stats, ("weight", e.name), after, zeros=False)
                stats[("weight", e.name, "update_norm")] = _norm(after - before)
        elif kind is ev.GradientAccumulated:
            for a in (e.before, e.added, e.total):
                arrays[id(a)] = a.nbytes
        elif kind is ev.GradientStarted:
            for a in e.seeds:
                arrays[id(a)] = a.nbytes
        elif kind is ev.GradientsReturned:
            for s, g in zip(e.sources, e.grads):
                if g is not None:
                    arrays[id(g)] = g.nbytes
                    name = variables.get(s)
                    if name is not None:
                        stats[("weight", name, "grad_norm")] = _norm(g)
                    else:  # a weight no op read: known only by its update, later
                        unread.append((s, g))
    for s, g in unread:
        name = variables.get(s)
        if name is not None:
            stats[("weight", name, "grad_norm")] = _norm(g)
    return stats, sum(arrays.values())


def loss_of(events: list[ev.Event]) -> float | None:
    """An iteration's loss from its own events, as a trace takes it: the value of the first
    gradient call's first target, when that is a single number."""
    for k, e in enumerate(events):
        if type(e) is not ev.GradientStarted or not e.targets:
            continue
        target, value = e.targets[0], None
        for before in events[:k]:  # (a leaf: its first value; an op's output: the op's)
            if type(before) is ev.OpRecorded:
                if before.output.id == target:
                    value = before.output.value
                elif value is None:
                    value = next((r.value for r in before.inputs if r.id == target), None)
        if value is not None and value.size == 1:
            return float(value.reshape(()))
    return None


def _norm(a: np.ndarray) -> float:
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    return float(np.sqrt(np.vdot(a, a).real)) if a.size else 0.0


def _array_stats(stats: dict[Column, float], where: tuple[str, str], a: np.ndarray, zeros: bool) -> None:
    if a.dtype.kind not in "fiu" or a.size == 0:
        return
    group, name = where
    stats[(group, name, "min")] = float(_minimum(a, axis=None))
    stats[(group, name, "mean")] = _mean(a)
    stats[(group, name, "max")] = float(_maximum(a, axis=None))
    stats[(group, name, "norm")] = _norm(a)
    if zeros:
        stats[(group, name, "zeros")] = 1.0 - np.count_nonzero(a) / a.size


# The reductions without ``ndarray.min``/``mean``'s Python wrappers (a summary runs them on every
# op's output of every iteration): the same ufunc calls, so the same numbers, bit for bit. A
# replay is checked against the summary the recording made, so these must not change a digit.
_minimum, _maximum, _sum = np.minimum.reduce, np.maximum.reduce, np.add.reduce


def _mean(a: np.ndarray) -> float:
    """``float(a.mean())``, computed as ``numpy``'s ``_mean`` does for a float32/float64 array
    (a sum in the array's own dtype, divided by the count as an ``intp``, cast back)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        return float(a.mean())  # (integers and float16 accumulate in another dtype)
    total = _sum(a, axis=None)
    return float(total.dtype.type(total / np.intp(a.size)))


def nonfinite(stats: dict[Column, float]) -> bool:
    """Whether any statistic of a row is NaN or infinite (some array of the iteration was)."""
    return not all(math.isfinite(v) for v in stats.values())


def summarise_all(trace: Trace) -> RunSummary:
    """A summary of every recorded iteration of a trace recorded in full (for a run view)."""
    run = RunSummary()
    for it in sorted(set(trace.iterations)):
        run.add(it, summarise(trace, it)[0])
    return run


__all__ = [
    "Column", "LOSS", "OP_STATS", "RunSummary", "WEIGHT_STATS", "loss_of", "nonfinite", "summarise", "summarise_all",
    "summarise_events",
]
