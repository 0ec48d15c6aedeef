"""Tapes, name scopes and recording state are per thread, as in TensorFlow.

Four threads each record their own tape inside their own name scope, started together so their
ops interleave: every tape holds exactly its thread's ops, no op carries another thread's scope,
the gradients are each thread's own, and a trace recording all of them keeps each thread's
events together under that thread's name.
"""

from __future__ import annotations

import threading

import numpy as np

import tapeviz.engine as E
from tapeviz.engine.events import BackwardStep, OpRecorded
from tapeviz.trace import record

THREADS = 4
OPS = 300


def run_threads(results: dict[int, object]) -> None:
    start = threading.Barrier(THREADS)

    def work(k: int) -> None:
        x = E.Variable(np.full(3, float(k + 1)), name=f"x{k}")
        start.wait()
        with E.name_scope(f"thread{k}"):
            with E.GradientTape(persistent=True) as tape:
                y = x
                for _ in range(OPS):
                    y = y * (1.0 + 0.001 * (k + 1))
                loss = E.reduce_sum(y)
        results[k] = (tape, tape.gradient(loss, x))

    threads = [threading.Thread(target=work, args=(k,), name=f"worker{k}") for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_each_thread_records_its_own_tape_in_its_own_scope() -> None:
    results: dict[int, object] = {}
    with record(title="threads") as trace:
        run_threads(results)
    assert sorted(results) == list(range(THREADS))
    for k, (tape, grad) in results.items():  # type: ignore[misc]
        assert len(tape._records) == OPS + 1, k  # its own multiplies and reduce_sum, no one else's
        assert {r.scope for r in tape._records} == {f"thread{k}"}
        np.testing.assert_allclose(np.asarray(grad), np.full(3, (1.0 + 0.001 * (k + 1)) ** OPS), rtol=1e-6)
    events = trace.events
    assert len(events) == THREADS * (2 * (OPS + 1) + 2)  # ops, backward steps, started, returned
    assert [name for _, name in trace.threads] and len(trace.threads) == THREADS
    assert sorted(name for _, name in trace.threads) == [f"worker{k}" for k in range(THREADS)]
    for i, e in enumerate(events):  # each run of events is one thread's, in that thread's scope
        k = int(trace.thread_of(i).removeprefix("worker"))
        if isinstance(e, (OpRecorded, BackwardStep)):
            assert e.scope == f"thread{k}", (i, e.scope)
    assert trace.iteration_count == THREADS


def test_a_tape_entered_in_one_thread_does_not_see_another_threads_ops() -> None:
    x = E.Variable([2.0], name="x")
    seen: list[int] = []
    with E.GradientTape() as tape:
        def other() -> None:
            with E.name_scope("other"):
                seen.append(len(E.multiply(x, x).shape))
        t = threading.Thread(target=other)
        t.start()
        t.join()
        y = x * 3.0
    assert seen == [1] and len(tape._records) == 1 and tape._records[0].scope == ""
    assert float(np.asarray(tape.gradient(y, x))[0]) == 3.0


def test_many_runs_of_four_threads_never_mix_events() -> None:
    """The race the issue hit (a site placed on the wrong event) shows within a few runs."""
    for _ in range(5):
        results: dict[int, object] = {}
        with record() as trace:
            run_threads(results)
        assert len(trace.events) == THREADS * (2 * (OPS + 1) + 2)
        ops = {e.op_id for e in trace.events if isinstance(e, OpRecorded)}
        assert set(trace.sites) <= ops and len(trace.threads) == THREADS


def test_a_saved_trace_keeps_which_thread_ran_which_events(tmp_path) -> None:  # noqa: ANN001
    from tapeviz.trace import load_trace

    results: dict[int, object] = {}
    with record() as trace:
        run_threads(results)
    trace.save(tmp_path / "threads.tapeviz")
    loaded = load_trace(tmp_path / "threads.tapeviz")
    assert loaded.threads == trace.threads
    assert [loaded.thread_of(i) for i in range(0, len(loaded), 97)] == [trace.thread_of(i) for i in range(0, len(trace), 97)]
