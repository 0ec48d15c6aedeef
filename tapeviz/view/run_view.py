"""A whole run at a glance: the loss over every iteration and, per weight, its gradient and update
norms over time (from the per-iteration summaries of trace/summary.py), cut into as many columns
as a plot has, with a cursor on one iteration. Pure: the UI and images draw what this computes.

A trace recorded in full is summarised on the spot (every iteration is kept); a bounded recording
(``record(keep=...)``) brings its summaries for every iteration and says which ones kept their arrays.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from ..trace import Trace
from ..trace.summary import LOSS, RunSummary, summarise_all


@dataclass
class RunData:
    """What the run view plots: the summary, the kept iterations, and how many iterations there are."""

    summary: RunSummary
    kept: list[int]
    iterations: int
    reasons: dict[int, list[str]]

    def is_kept(self, iteration: int) -> bool:
        k = bisect.bisect_left(self.kept, iteration)
        return k < len(self.kept) and self.kept[k] == iteration

    def nearest_kept(self, iteration: int) -> int | None:
        """The kept iteration closest to ``iteration`` (the earlier one on a tie), or None."""
        if not self.kept:
            return None
        k = bisect.bisect_left(self.kept, iteration)
        candidates = self.kept[max(0, k - 1): k + 1]
        return min(candidates, key=lambda it: (abs(it - iteration), it))

    @property
    def losses(self) -> np.ndarray:
        return self.summary.series(LOSS)

    def weights(self) -> list[str]:
        return self.summary.names("weight")

    def dead_fraction_ops(self) -> list[str]:
        """The op keys of activations whose output can be exactly zero (ReLUs)."""
        return [k for k in self.summary.names("op") if k.split("/")[-1].split("#")[0] in ("relu", "relu6", "leaky_relu")]


def run_data(trace: Trace) -> RunData:
    """The run behind a trace: its own summaries when bounded, else a summary of every iteration."""
    run = trace.run
    if run is not None:
        return RunData(run.summary, run.kept, trace.iteration_count, {it: run.why(it) for it in run.kept})
    summary = trace.__dict__.get("_run_view_summary")
    if summary is None or summary[0] != len(trace):
        summary = (len(trace), summarise_all(trace))
        trace.__dict__["_run_view_summary"] = summary
    kept = sorted(set(trace.iterations))
    return RunData(summary[1], kept, trace.iteration_count, {it: [] for it in kept})


def window(iterations: int, cursor: int, zoom: int) -> tuple[int, int]:
    """The iterations ``[start, stop)`` shown at zoom level ``zoom`` (0: all; each level halves
    the span), centred on the cursor as far as the run allows."""
    span = max(1, math.ceil(iterations / (2 ** max(0, zoom))))
    start = min(max(0, cursor - span // 2), max(0, iterations - span))
    return start, min(iterations, start + span)


def columns(start: int, stop: int, width: int) -> list[range]:
    """``[start, stop)`` cut into at most ``width`` consecutive, nearly equal ranges of iterations."""
    n = stop - start
    width = max(1, min(width, n))
    edges = [start + (n * k) // width for k in range(width + 1)]
    return [range(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def bucket_means(series: np.ndarray, cols: list[range]) -> list[float]:
    """The mean of the finite values of each column; NaN for a column with none (no such
    statistic there, or only NaN/inf: the plot marks those)."""
    out = []
    for r in cols:
        part = series[r.start:r.stop]
        finite = part[np.isfinite(part)]
        out.append(float(finite.mean()) if finite.size else float("nan"))
    return out


def column_of(cols: list[range], iteration: int) -> int:
    starts = [r.start for r in cols]
    return max(0, bisect.bisect_right(starts, iteration) - 1)


__all__ = ["RunData", "bucket_means", "column_of", "columns", "run_data", "window"]
