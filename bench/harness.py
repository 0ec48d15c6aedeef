"""The timing loop the engine benchmarks share: interleaved rounds, medians, ratios to numpy.

Variants run in turns (round-robin) so that a noisy neighbour slows them all alike; every
ratio is against the numpy baseline measured in the same process, never a fixed number.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from tapeviz.trace import Trace, record


def time_steps(step: Callable[[], object], n: int) -> list[int]:
    """Nanoseconds of each of ``n`` calls of ``step``."""
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        step()
        out.append(clock() - t0)
    return out


def measure(variants: dict[str, Callable[[], object]], recorded: str, steps: int, rounds: int) -> tuple[dict[str, float], float, int]:
    """Median µs per step of each variant; ``recorded`` runs inside ``record()``.

    Also returns the µs per step that ``record()`` spends on exit folding events into the
    trace (renumbering, names, graph: the CPU time of each round's exit over its steps, the
    median over the rounds), and the count.
    """
    for fn in variants.values():  # warm up
        for _ in range(50):
            fn()
    per_round = max(1, steps // rounds)
    times: dict[str, list[int]] = {k: [] for k in variants}
    folding: list[float] = []  # µs per step of each round's indexing
    for _ in range(rounds):
        for name, fn in variants.items():
            if name != recorded:
                times[name] += time_steps(fn, per_round)
        with record(Trace(title="bench")):
            times[recorded] += time_steps(variants[recorded], per_round)
            closing = time.process_time()  # (CPU time: one long block, which other work on the machine would stretch)
        folding.append((time.process_time() - closing) / per_round * 1e6)
    count = per_round * rounds
    return {k: statistics.median(v) / 1000 for k, v in times.items()}, statistics.median(folding), count


def report(title: str, med: dict[str, float], folding_us: float, plain: str, recorded: str, floor_text: str) -> None:
    """Print each variant against numpy, the two ratios with their goals, and the floor.

    The recorded step's figure includes what ``record()`` does with each step's events when it
    ends (renumbering, the learner's names, the graph): a recorded step costs both.
    """
    base = med["numpy"]
    print(title)
    width = max(len(k) for k in med) + 1
    for k, us in med.items():
        print(f"  {k:<{width}} {us:8.1f} us/step   {us / base:5.2f}x numpy")
    print(f"  {'indexing':<{width}} {folding_us:8.1f} us/step   {folding_us / base:5.2f}x numpy"
          "   (per recorded step, when record() ends: renumbering, names, graph)")
    in_all = med[recorded] + folding_us
    print(f"ratio no listener: {med[plain] / base:.2f}x (goal <= 3x); "
          f"recording with its indexing: {in_all / base:.2f}x (goal <= 4x)")
    print(f"floor: {floor_text}: {med[next(k for k in med if k.startswith('ops'))] / base:.2f}x numpy")
