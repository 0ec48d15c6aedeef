"""Bounded recordings of long runs (trace/keep.py, trace/summary.py): the keep policy, the rolling
window, anomalies, the budget, summaries, and trace files of them."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine.program_hooks import HOOKS
from tapeviz.tf.keras import Sequential, layers
from tapeviz.trace import TraceFileError, load_trace, record
from tapeviz.trace.keep import KeepPolicy, KeepPolicyError, as_policy
from tapeviz.trace.snapshot import snapshot
from tapeviz.trace.summary import LOSS, summarise


def train(iterations: int, keep=None, nan_at: int | None = None, spike_at: int | None = None):
    """A small MLP trained in a loop under record(); NaN data or 50× labels at chosen iterations."""
    for hooks in list(HOOKS.values()):  # layer names (and so their initial weights) start afresh
        hooks.fresh()
    tf.keras.utils.set_random_seed(0)  # the data and the initial weights
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dense(3)])
    x = tf.random.normal([4, 5])
    y = tf.one_hot(tf.random.uniform([4], maxval=3, dtype=tf.int32), 3)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.SGD(learning_rate=0.05)
    with record(keep=keep) as trace:
        for step in range(iterations):
            xs = x * float("nan") if step == nan_at else x
            with tf.GradientTape() as tape:
                logits = model(xs)
                loss = loss_fn(y, logits)
                if step == spike_at:
                    loss = loss * 50.0
            grads = tape.gradient(loss, model.trainable_variables)
            if step != nan_at:  # keep the weights finite after the bad batch
                opt.apply_gradients(zip(grads, model.trainable_variables))
    return trace


def kept(trace) -> list[int]:
    return sorted(set(trace.iterations))


# Fields of events that hold ids, and which kind of id. A bounded recording folds only the
# iterations it keeps, so its ids count only what it folded: the same events as a full recording's
# up to a one-to-one renaming of each kind of id.
_ID_FIELDS = {
    "op_id": "op", "grad_fn_of": "op", "tape_id": "tape", "tapes": "tape", "id": "tensor", "output_id": "tensor",
    "input_ids": "tensor", "tensor_id": "tensor", "targets": "tensor", "sources": "tensor", "variable_id": "tensor",
}


class Renaming:
    """The ids of one trace paired with another's, one to one, as events are compared."""

    def __init__(self) -> None:
        self.there: dict[str, dict[int, int]] = {"op": {}, "tape": {}, "tensor": {}}
        self.back: dict[str, dict[int, int]] = {"op": {}, "tape": {}, "tensor": {}}

    def pair(self, kind: str, mine, theirs, where: str) -> None:
        if isinstance(mine, tuple):
            assert len(mine) == len(theirs), where
            for k, (a, b) in enumerate(zip(mine, theirs)):
                self.pair(kind, a, b, f"{where}[{k}]")
            return
        if not mine or not theirs:  # 0: no id, in both
            assert mine == theirs, where
            return
        assert self.there[kind].setdefault(mine, theirs) == theirs, f"{where}: {kind} id {mine} is already {theirs}'s twin"
        assert self.back[kind].setdefault(theirs, mine) == mine, f"{where}: {kind} id {theirs} is already {mine}'s twin"

    def tensors(self, ids) -> set[int]:
        """Tensor ids of the first trace as the second names them."""
        return {self.there["tensor"][i] for i in ids}


def same(x, y, where: str = "", ids: Renaming | None = None) -> None:
    """Equal events, refs, tuples and arrays (arrays element by element); with ``ids``, equal up to
    that renaming of ids."""
    if isinstance(x, np.ndarray):
        np.testing.assert_array_equal(x, y, err_msg=where)
    elif isinstance(x, (tuple, list)):
        assert len(x) == len(y), where
        for k, (p, q) in enumerate(zip(x, y)):
            same(p, q, f"{where}[{k}]", ids)
    elif hasattr(x, "__dataclass_fields__"):
        assert type(x) is type(y), where
        for name in x.__dataclass_fields__:
            if ids is not None and name in _ID_FIELDS:
                ids.pair(_ID_FIELDS[name], getattr(x, name), getattr(y, name), f"{where}.{name}")
            else:
                same(getattr(x, name), getattr(y, name), f"{where}.{name}", ids)
    else:
        assert x == y, where


def same_events(a, b, ids: Renaming | None = None) -> None:
    same(a, b, type(a).__name__, ids)


# ---- the policy ------------------------------------------------------------------------------


def test_policy_text_parses_and_describes_itself():
    p = KeepPolicy.parse("first=2, last=3,every=10,pin=7,pin=9,nan=off,spike=0,anomalies=4,budget=64MB")
    assert (p.first, p.last, p.every, p.pinned, p.nonfinite, p.spike, p.anomalies, p.budget) == (
        2, 3, 10, frozenset({6, 8}), False, 0.0, 4, 64 << 20)
    assert KeepPolicy.parse(p.describe()) == p
    assert KeepPolicy.parse("") == KeepPolicy()
    assert as_policy("all") is None and as_policy(True) == KeepPolicy() and as_policy(None) is None


@pytest.mark.parametrize("text, words", [
    ("every", "NAME=VALUE"), ("every=x", "'x' is not a valid value"), ("often=3", "unknown rule 'often'"),
    ("pin=0", "numbered from 1"), ("first=-1", "cannot be negative"), ("budget=12parsecs", "budget"),
])
def test_a_bad_policy_says_which_part(text, words):
    with pytest.raises(KeepPolicyError, match=words):
        KeepPolicy.parse(text)


# ---- which iterations stay -----------------------------------------------------------------------


def test_first_last_every_and_pinned_iterations_keep_their_events_the_rest_a_summary():
    trace = train(30, keep="first=2,last=3,every=10,pin=15")
    assert kept(trace) == [0, 1, 10, 14, 20, 27, 28, 29]
    assert trace.run.kept == kept(trace)
    assert trace.iteration_count == 30 and trace.run.iterations == 30
    assert trace.run.why(0) == ["every", "first"] and trace.run.why(14) == ["pinned"] and trace.run.why(29) == ["last"]
    assert trace.is_summarised(5) and not trace.is_summarised(10)
    assert len(trace.iteration_range(5)) == 0 and len(trace.iteration_range(10)) > 0
    assert len(trace.losses) == 30  # the loss of every iteration, kept or not
    assert "30 iterations: 8 kept in full (1-2, 11, 15, 21, 28-30), 22 summarised" in trace.run.describe()


def test_kept_iterations_are_exactly_what_a_full_recording_has_and_every_cursor_position_works():
    full = train(25)
    bounded = train(25, keep="first=2,last=2,every=8,pin=13")
    assert bounded.losses == full.losses
    ids = Renaming()
    for it in kept(bounded):
        mine, theirs = bounded.iteration_range(it), full.iteration_range(it)
        assert len(mine) == len(theirs)
        for i, j in zip(mine, theirs):
            same_events(bounded.events[i], full.events[j], ids)
        for i, j in zip(mine, theirs):
            assert bounded.phase(i) == full.phase(j)
            a, b = snapshot(bounded, i), snapshot(full, j)
            assert (a.iteration, a.phase) == (b.iteration, b.phase)
            assert [ids.there["tensor"][n] for n in a.nodes] == b.nodes
            assert ids.tensors(a.current) == b.current and ids.tensors(a.values) == b.values.keys()
            assert ids.tensors(a.grads) == b.grads.keys()
            assert (a.loss and ids.there["tensor"][a.loss]) == b.loss
        for node in bounded.graph.iteration_nodes(it):  # op nodes point at their own events
            n = bounded.graph.nodes[node]
            if n.is_op:
                assert bounded.events[n.event].output.id == n.id
    # the learner's names: the same tensors carry the same names (some learned by iterations not kept)
    for mine, theirs in ((bounded.tensor_names, full.tensor_names), (bounded.graph.assigned_names, full.graph.assigned_names)):
        named = {ids.there["tensor"][i]: name for i, name in mine.items()}
        assert named and named == {i: name for i, name in theirs.items() if i in ids.back["tensor"]}


def test_the_last_iterations_are_a_rolling_window_so_memory_does_not_grow_with_the_run():
    short, long = (train(n, keep="first=1,last=2,every=0,nan=off,spike=0") for n in (20, 60))
    assert kept(short) == [0, 18, 19] and kept(long) == [0, 58, 59]
    assert len(short.events) == len(long.events)
    assert len(short.graph.nodes) == len(long.graph.nodes) and len(short.graph.edges) == len(long.graph.edges)
    assert len(short._values) == len(long._values)
    assert long.run.summary.count == 60


def test_summaries_of_dropped_iterations_equal_those_of_a_full_recording():
    full = train(12)
    bounded = train(12, keep="first=1,last=1,every=0")
    for it in range(12):
        expected, _ = summarise(full, it)
        row = bounded.run.summary.row(it)
        assert row.keys() == expected.keys()
        for column, value in expected.items():
            assert row[column] == pytest.approx(value, rel=1e-12), column
    assert ("weight", "sequential/dense/kernel", "grad_norm") in row
    assert ("op", "sequential/dense/relu#0", "zeros") in row
    assert 0.0 <= row[("op", "sequential/dense/relu#0", "zeros")] <= 1.0
    np.testing.assert_array_equal(bounded.run.summary.series(LOSS), np.array(full.losses))


def test_an_iteration_where_a_nan_appears_or_the_loss_spikes_is_kept():
    trace = train(40, keep="first=1,last=1,every=0", nan_at=23, spike_at=31)
    assert 23 in kept(trace) and trace.run.why(23) == ["nan"]
    assert 31 in kept(trace) and trace.run.why(31) == ["spike"]
    assert trace.first_nonfinite in trace.iteration_range(23)
    capped = train(40, keep="first=1,last=1,every=0,anomalies=1", nan_at=23, spike_at=31)
    assert 23 in kept(capped) and 31 not in kept(capped)
    off = train(40, keep="first=1,last=1,every=0,nan=off,spike=0", nan_at=23, spike_at=31)
    assert kept(off) == [0, 39]


def test_over_the_budget_the_stride_doubles_and_drops_what_it_no_longer_names():
    one = train(1)
    size = summarise(one, 0)[1]
    trace = train(64, keep=f"first=0,last=0,every=2,nan=off,spike=0,budget={size * 5}")
    assert trace.run.every == 16
    assert kept(trace) == [0, 16, 32, 48]
    assert sum(trace.run.kept_bytes.values()) <= size * 5
    assert "every thinned to 16" in trace.run.describe()


def test_training_more_goes_on_with_the_policy():
    trace = train(10, keep="first=1,last=1,every=0,spike=0")
    before = len(trace.events)
    trace.trainer = lambda: None  # the loop's own step is not kept; record_more() with a new one
    tf.random.set_seed(1)
    v = tf.Variable([1.0, 2.0])

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(v * v)
        v.assign_sub(0.1 * tape.gradient(loss, v))

    for _ in range(3):
        trace.record_more(step)
    assert trace.iteration_count == 13 and kept(trace) == [0, 12]
    assert len(trace.events) < before + 3 * 10


# ---- files -----------------------------------------------------------------------------------------


def test_a_bounded_trace_file_keeps_kept_iterations_their_numbers_and_every_summary(tmp_path):
    trace = train(30, keep="first=2,last=2,every=10,pin=15")
    path = tmp_path / "run.tapeviz"
    trace.save(path)
    back = load_trace(path)
    assert kept(back) == kept(trace) and back.iteration_count == 30
    assert back.run.kept == trace.run.kept and back.run.why(14) == ["pinned"]
    assert back.losses == trace.losses
    np.testing.assert_array_equal(back.run.summary.matrix, trace.run.summary.matrix)
    assert back.run.summary.columns == trace.run.summary.columns
    for a, b in zip(back.events, trace.events, strict=True):
        same_events(a, b)
    assert back.iterations == trace.iterations
    full = tmp_path / "full.tapeviz"
    train(30).save(full)
    assert path.stat().st_size < full.stat().st_size / 2  # grows with what is kept, not with the run


def test_a_file_without_a_run_section_opens_as_before(tmp_path):
    path = tmp_path / "old.tapeviz"
    train(3).save(path)
    with zipfile.ZipFile(path) as zf:
        assert b'"run"' not in zf.read("trace.json")
    back = load_trace(path)
    assert back.run is None and back.iteration_count == 3 and kept(back) == [0, 1, 2]


def test_a_damaged_run_section_is_a_one_line_error(tmp_path):
    import json

    path = tmp_path / "run.tapeviz"
    train(12, keep="first=1,last=1,every=0").save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for damage, words in ((lambda r: r.update(iterations=[5, 2]), "ascending"),
                          (lambda r: r.update(columns="x"), "columns"),
                          (lambda r: r.update(window=[7]), "no events")):
        doc = json.loads(members["trace.json"])
        damage(doc["run"])
        bad = tmp_path / "bad.tapeviz"
        with zipfile.ZipFile(bad, "w") as zf:
            for n, data in members.items():
                zf.writestr(n, json.dumps(doc) if n == "trace.json" else data)
        with pytest.raises(TraceFileError, match=words):
            load_trace(bad)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32"])
def test_summary_statistics_are_numpys_own_numbers_bit_for_bit(dtype):
    """A replay is checked against the summary the recording made: the summary's faster
    reductions must give exactly what ``a.min()``, ``a.mean()`` and ``a.max()`` give."""
    from tapeviz.trace.summary import _array_stats

    rng = np.random.default_rng(3)
    for n in (1, 7, 1000, 100_003):
        a = (rng.normal(size=n) * 1e3).astype(dtype)
        stats: dict = {}
        _array_stats(stats, ("op", "x"), a, zeros=True)
        assert stats[("op", "x", "min")] == float(a.min())
        assert stats[("op", "x", "mean")] == float(a.mean())
        assert stats[("op", "x", "max")] == float(a.max())
