"""Optimizer updates with their slots: the runner keeps the optimizers' hyperparameters, the view
finds each weight's slots and writes its rule with numbers that match the recorded after-values,
images show the slots beside their weight, and plain SGD reads as before."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tapeviz.engine import events as ev
from tapeviz.render.dot import dot_source
from tapeviz.render.styles import PALETTE
from tapeviz.trace import load_trace, run_program, save_trace
from tapeviz.view import build_scene, explain
from tapeviz.view.numbers import largest
from tapeviz.view.updates import optimizer_lines, slot_event_lines, weight_update
from tests.support.paths import EXAMPLES

PROGRAM = """
import numpy as np
import tapeviz.tf as tf

tf.keras.utils.set_random_seed(3)
x = np.random.normal(size=(6, 3)).astype("float32")
y = np.random.normal(size=(6, 2)).astype("float32")
model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(2)])
optimizer = tf.keras.optimizers.{optimizer}
for _ in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

OPTIMIZERS = {
    "SGD(learning_rate=0.1, momentum=0.9)": {"momentum"},
    "SGD(learning_rate=0.1, momentum=0.5, nesterov=True)": {"momentum"},
    "Adam(learning_rate=0.05)": {"momentum", "velocity"},
    "Adam(learning_rate=0.05, beta_1=0.8, amsgrad=True)": {"momentum", "velocity", "velocity_hat"},
    "RMSprop(learning_rate=0.01)": {"velocity"},
    "RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True)": {"velocity", "average_gradient", "momentum"},
    "Adagrad(learning_rate=0.1)": {"accumulator"},
}
# a rule's line for each quantity it updates: its left-hand side, and which recorded value it must equal
TARGETS = {"m ←": "momentum", "v ←": "velocity", "v_max ←": "velocity_hat", "ḡ ←": "average_gradient",
           "acc ←": "accumulator", "w ←": None}


def _run(tmp_path: Path, optimizer: str):
    path = tmp_path / "train.py"
    path.write_text(PROGRAM.replace("{optimizer}", optimizer), encoding="utf-8")
    return run_program(path).trace


def _updates(trace) -> list[int]:
    return [i for i, e in enumerate(trace.events) if isinstance(e, ev.VariableAssigned) and e.trainable]


def _result(line: str) -> float:
    """The number a formula line ends with (``= (-0.1176)`` → -0.1176)."""
    return float(line.rsplit("=", 1)[1].split("(Keras")[0].strip().strip("()"))


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_each_rule_written_with_numbers_that_give_the_recorded_values(tmp_path: Path, optimizer: str) -> None:
    trace = _run(tmp_path, optimizer)
    kind = optimizer.split("(")[0]
    (name, config), = trace.meta["optimizers"].items()
    assert config["class"] == kind and name in {"SGD", "adam", "rm_sprop", "adagrad"}
    indices = _updates(trace)
    assert len(indices) == 4 * 3
    for index in indices:
        u = weight_update(trace, index)
        assert u is not None and set(u.slots) == OPTIMIZERS[optimizer], (index, u and u.slots)
        assert u.optimizer == name and u.grad is not None and u.step == trace.iteration(index) + 1
        for slot in u.slots.values():  # a slot's path names its weight, as Keras 3 does
            assert slot.path == f"{name}/{u.event.name.replace('/', '_')}_{slot.slot}"
        before, after = np.asarray(u.event.before), np.asarray(u.event.after)
        for el in {largest(after - before), (0,) * before.ndim}:
            lines = optimizer_lines(trace, index, el)
            assert lines is not None and lines[0].startswith(kind)
            checked = set()
            for line in lines[1:]:
                for head, slot in TARGETS.items():
                    if line.startswith(head):
                        recorded = u.slots[slot].after[el] if slot else after[el]
                        assert _result(line) == pytest.approx(float(recorded), rel=2e-3, abs=2e-6), (line, recorded)
                        checked.add(head)
            wanted = {h for h, s in TARGETS.items() if s is None or s in OPTIMIZERS[optimizer]}
            assert checked == wanted, lines


def test_adam_writes_bias_corrected_moments_and_keras_epsilon(tmp_path: Path) -> None:
    trace = _run(tmp_path, "Adam(learning_rate=0.05)")
    index = _updates(trace)[-1]  # third step: t = 3
    text = "\n".join(explain(trace, index).lines)
    assert "t = 3" in text
    for piece in ("m̂ = m/(1−β₁ᵗ)", "v̂ = v/(1−β₂ᵗ)", "α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)", "step = α·m/(√v+ε)",
                  "≈ lr·m̂/(√v̂+ε)", "Keras adds ε to √v, not to √v̂", "0.999 ×", "0.9 ×"):
        assert piece in text, piece
    assert "after = before − lr × gradient" not in text


def test_slot_events_name_their_weight(tmp_path: Path) -> None:
    trace = _run(tmp_path, "Adam(learning_rate=0.05)")
    first = _updates(trace)[0]
    lines = slot_event_lines(trace, first - 1)
    assert lines and "velocity slot (v) of sequential/dense/kernel" in lines[0] and f"event {first + 1}" in lines[0]
    assert slot_event_lines(trace, first) is None


def test_optimizers_meta_survives_a_trace_file(tmp_path: Path) -> None:
    trace = _run(tmp_path, "RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True)")
    loaded = load_trace(save_trace(trace, tmp_path / "t.tvz"))
    assert loaded.meta["optimizers"] == trace.meta["optimizers"]
    assert loaded.meta["optimizers"]["rm_sprop"]["centered"] is True
    index = _updates(loaded)[5]
    assert optimizer_lines(loaded, index, (0,)) == optimizer_lines(trace, index, (0,))


def test_without_hyperparameters_the_slots_still_show(tmp_path: Path) -> None:
    trace = _run(tmp_path, "Adam(learning_rate=0.05)")
    del trace.meta["optimizers"]
    lines = optimizer_lines(trace, _updates(trace)[0], (0, 0))
    assert lines is not None and lines[0].startswith("optimizer (adam) slots[0,0]: m 0 → ")
    assert "not written out" in lines[1]


def test_images_show_each_weights_slots_in_the_update_only(tmp_path: Path) -> None:
    trace = _run(tmp_path, "Adam(learning_rate=0.05)")
    first = _updates(trace)[0]
    kernel = f"n{trace.events[first].variable_id}"
    rows = {n.id: n.rows for n in build_scene(trace, first).nodes}
    assert rows[kernel]["optimizer"].startswith("m ") and " · v " in rows[kernel]["optimizer"]
    assert sum("optimizer" in r for r in rows.values()) == 1  # the other weights' slots come later
    last = trace.last_of("update", 0)
    assert sum("optimizer" in n.rows for n in build_scene(trace, last).nodes) == 4
    assert not any("optimizer" in n.rows for n in build_scene(trace, first - 3).nodes)  # backward pass
    assert PALETTE["slot"] in dot_source(trace, at=last + 1)


def test_plain_sgd_reads_as_before() -> None:
    trace = run_program(EXAMPLES / "article_network_fixed.py").trace
    assert trace.meta["optimizers"]["SGD"]["momentum"] == 0.0
    index = _updates(trace)[0]
    assert optimizer_lines(trace, index, (0, 0)) is None
    text = "\n".join(explain(trace, index, {trace.events[index].variable_id: _grad(trace, index)}).lines)
    assert "after = before − lr × gradient" in text and "slots" not in text
    assert not any("optimizer" in n.rows for n in build_scene(trace, trace.last_of("update", 0)).nodes)
    assert PALETTE["slot"] not in dot_source(trace, at=len(trace))


def _grad(trace, index: int) -> np.ndarray:
    u = weight_update(trace, index)
    assert u is not None and u.grad is not None
    return u.grad


def test_the_adam_example_explains_its_updates() -> None:
    trace = run_program(EXAMPLES / "keras_fit_adam.py").trace
    assert trace.meta["optimizers"]["adam"]["learning_rate"] == 0.05
    index = _updates(trace)[0]
    text = "\n".join(explain(trace, index).lines)
    assert re.search(r"Adam \(adam\) slots\[\d+,\d+\]: m 0 → \S+, v 0 → \S+", text), text
