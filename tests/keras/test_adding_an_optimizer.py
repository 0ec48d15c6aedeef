"""Adding an optimizer is one class: Adamax, defined here and nowhere in tapeviz, is found by
``get("adamax")``, records its declared slots and rule in the trace, and the view shows its extra
``norm`` slot (by its symbol in the inspector and in images) instead of dropping it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tapeviz import engine as E
from tapeviz.engine import events as ev
from tapeviz.keras import optimizers
from tapeviz.render.dot import dot_source
from tapeviz.trace import load_trace, run_program, save_trace
from tapeviz.view import build_scene, explain
from tapeviz.view.updates import optimizer_lines, slot_event_lines, weight_update


class Adamax(optimizers.Optimizer):
    """Keras's Adamax: ``m ← m + (g − m)(1 − β₁)``, ``u ← max(β₂·u, |g|)``,
    ``w ← w − lr·m / ((1 − β₁ᵗ)(u + ε))``."""

    slots = {"momentum": "m", "norm": "u"}
    rule = ("m ← β₁·m + (1−β₁)·g", "u ← max(β₂·u, |g|)", "w ← w − lr·m/((1−β₁ᵗ)·(u+ε))")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None) -> None:
        super().__init__(learning_rate, name=name)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        g = gradient._value.astype(variable._value.dtype, copy=False)
        t = int(self.iterations._value) + 1
        m, u = self._slot(variable, "momentum"), self._slot(variable, "norm")
        m.assign_add((g - m._value) * (1 - self.beta_1))
        u.assign(np.maximum(self.beta_2 * u._value, np.abs(g)))
        variable.assign_sub(learning_rate * m._value / ((1 - self.beta_1**t) * (u._value + self.epsilon)))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


PROGRAM = """
import numpy as np
import tapeviz.tf as tf

tf.keras.utils.set_random_seed(3)
x = np.random.normal(size=(6, 3)).astype("float32")
y = np.random.normal(size=(6, 2)).astype("float32")
model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(2)])
optimizer = tf.keras.optimizers.get("adamax")
for _ in range(2):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""


@pytest.fixture
def registered() -> Iterator[None]:
    optimizers.REGISTRY["adamax"] = Adamax  # defining the class registered it; a test before may have removed it
    yield
    optimizers.REGISTRY.pop("adamax", None)


@pytest.fixture
def trace(tmp_path: Path, registered: None):
    path = tmp_path / "train.py"
    path.write_text(PROGRAM, encoding="utf-8")
    return run_program(path).trace


def _updates(trace) -> list[int]:
    return [i for i, e in enumerate(trace.events) if isinstance(e, ev.VariableAssigned) and e.trainable]


def test_the_registry_feeds_get_and_its_errors(registered: None) -> None:
    assert isinstance(optimizers.get("Adamax"), Adamax)
    with pytest.raises(ValueError, match="tapeviz implements SGD, Adam, RMSprop, Adagrad and Adamax"):
        optimizers.get("lion")
    optimizers.REGISTRY.pop("adamax")
    with pytest.raises(ValueError, match="tapeviz implements SGD, Adam, RMSprop and Adagrad\\)"):
        optimizers.get("adamax")


def test_the_trace_records_the_declared_state(trace) -> None:
    config = trace.meta["optimizers"]["adamax"]
    assert config["class"] == "Adamax" and config["slots"] == {"momentum": "m", "norm": "u"}
    assert config["rule"] == list(Adamax.rule)


def test_the_view_shows_the_extra_slot_by_its_symbol(trace, tmp_path: Path) -> None:
    index = _updates(trace)[-1]
    u = weight_update(trace, index)
    assert u is not None and set(u.slots) == {"momentum", "norm"}
    assert u.slots["norm"].symbol == "u"
    norm = u.slots["norm"]
    el = (0,) * np.ndim(norm.after)
    lines = optimizer_lines(trace, index, el)
    assert lines is not None and f"u {float(norm.before[el]):.4g} → " in lines[0]
    assert lines[1] == "Adamax's update rule: " + "; ".join(Adamax.rule)
    assert "u ← max(β₂·u, |g|)" in "\n".join(explain(trace, index).lines)
    assert "norm slot (u)" in slot_event_lines(trace, index - 1)[0]  # type: ignore[index]
    kernel = f"n{trace.events[index].variable_id}"
    rows = {n.id: n.rows for n in build_scene(trace, index).nodes}
    assert rows[kernel]["optimizer"].startswith("m ") and " · u " in rows[kernel]["optimizer"]
    assert " · u " in dot_source(trace, at=index + 1)
    loaded = load_trace(save_trace(trace, tmp_path / "adamax.tvz"))  # a trace file keeps the declaration
    assert optimizer_lines(loaded, index, el) == lines


def test_a_trace_without_the_declaration_shows_an_unknown_slot_by_its_name(trace) -> None:
    for config in trace.meta["optimizers"].values():  # as a trace saved before optimizers declared slots
        del config["slots"], config["rule"]
    index = _updates(trace)[-1]
    u = weight_update(trace, index)
    assert u is not None and u.slots["norm"].symbol == "norm" and u.slots["momentum"].symbol == "m"
    lines = optimizer_lines(trace, index, (0,) * np.ndim(u.slots["norm"].after))
    assert lines is not None and ", norm " in lines[0]
    assert lines[1] == "(the trace does not record Adamax's rule: the update rule is not written out)"


def test_a_learners_class_never_hides_a_built_in_one() -> None:
    class SGD(optimizers.SGD):  # a learner's subclass with the built-in's name
        pass

    assert optimizers.REGISTRY["sgd"] is optimizers.SGD and type(optimizers.get("sgd")) is optimizers.SGD
