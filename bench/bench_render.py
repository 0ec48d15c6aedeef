"""Renderer benchmark: DOT text for the seed trace, growth with trace size, layouts per export, GIF time.

Prints figures and ratios against a baseline measured in the same process; asserts nothing.
Run: .venv/bin/python bench/bench_render.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tapeviz.engine as E  # noqa: E402
from tapeviz.examples import EXAMPLES  # noqa: E402
from tapeviz.render import frames  # noqa: E402
from tapeviz.render.dot import dot_source  # noqa: E402
from tapeviz.render.gv import have_dot  # noqa: E402
from tapeviz.trace import Trace, record  # noqa: E402


def best_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def chain_trace(ops: int) -> Trace:
    """A training step whose forward pass records ``ops`` ops (scaled multiply + tanh, in 10 scopes)."""
    rng = np.random.default_rng(0)
    w = E.Variable(rng.normal(size=(8,)).astype(np.float32), name="w", path="model/w")
    x = E.constant(rng.normal(size=(8,)).astype(np.float32))
    with record(title=f"chain-{ops}") as trace:
        with E.GradientTape() as tape:
            y = x
            for k in range((ops - 1) // 2):
                with E.name_scope(f"block{k % 10}"):
                    y = E.tanh(y * w)
            loss = E.reduce_sum(y)
        (g,) = tape.gradient(loss, [w])
        w.assign_sub(0.01 * g)
    return trace


def main() -> None:
    seed_name = "seed" if "seed" in EXAMPLES else "two-layer"
    seed = EXAMPLES[seed_name].build()
    ms = statistics.median([best_ms(lambda: dot_source(seed, i), 3) for i in range(1, len(seed) + 1)])  # event numbers
    print(f"DOT text, {seed_name} trace ({len(seed)} events): median over events {ms:.2f} ms per call (goal ≤ 10 ms)")

    print("DOT text at the last event, by trace size (ratio of time per op to the 250-op baseline):")
    base = None
    for ops in (250, 500, 1000, 2000):
        trace = chain_trace(ops)
        n_ops = sum(1 for n in trace.graph.nodes.values() if n.kind == "op")
        t = best_ms(lambda: dot_source(trace), 3)
        per_op = t / n_ops
        base = base or per_op
        print(f"  {n_ops:5d} ops, {len(trace):5d} events: {t:7.1f} ms   per-op ratio {per_op / base:4.2f}"
              + ("   (goal ≤ 200 ms)" if ops == 2000 else ""))

    if not have_dot():
        print("Graphviz's dot is not installed: skipping the image figures")
        return
    calls: list[str] = []
    real = frames.pipe

    def counting(engine, fmt, source, no_op=None):
        calls.append(f"{engine} -T{fmt}")
        return real(engine, fmt, source, no_op)

    frames.pipe = counting
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            out = frames.write_gif(seed, Path(tmp) / "seed.gif")
            seconds = time.perf_counter() - start
            size = out.stat().st_size
    finally:
        frames.pipe = real
    events = len(frames.default_range(seed))
    print(f"GIF of one {seed_name} iteration: {events} frames in {seconds:.1f} s, {size / 1e6:.2f} MB (goal ≤ 15 s)")
    print(f"  Graphviz calls: {calls.count('dot -Tjson0')} dot layout, {calls.count('neato -Tpng')} neato -n2 draws "
          f"of {frames.CHUNK} frames each")


if __name__ == "__main__":
    main()
