"""SGD (momentum, Nesterov), Adam (AMSGrad), RMSprop (momentum, centered) and Adagrad against real
TensorFlow 2.21 over several steps (tests/data/fit_tf_reference.json, made by
tests/data/make_fit_tf_reference.py), and the slot variables' paths and events."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.events import VariableAssigned
from tapeviz.keras import backend, layers, optimizers
from tapeviz.keras.models import Sequential
from tapeviz.trace import record

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "fit_tf_reference.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("make_fit_tf_reference", DATA / "make_fit_tf_reference.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)


def _toy():
    backend.clear_session()
    model = Sequential([layers.Dense(2, name="dense")], name="toy")
    model(np.zeros((1, 3), np.float32))
    data = maker.optimizer_inputs()
    model.set_weights([data["kernel"], data["bias"]])
    return model, data


def test_reference_was_made_with_tf_2_21():
    assert REF["tensorflow"].startswith("2.21.")


@pytest.mark.parametrize("case", sorted(REF["optimizers"]))
def test_optimizer_steps_equal_tensorflow(case):
    ref = REF["optimizers"][case]
    model, data = _toy()
    opt = getattr(optimizers, ref["class"])(**ref["kwargs"])
    for step, want in enumerate(ref["steps"]):
        grads = [E.constant(data["kernel_grads"][step]), E.constant(data["bias_grads"][step])]
        opt.apply_gradients(zip(grads, model.trainable_variables))
        for var, expected in zip(model.trainable_variables, want["weights"]):
            np.testing.assert_allclose(var.numpy(), expected, rtol=2e-5, atol=1e-7, err_msg=f"{case} step {step}")
        slots = {v.path: v.numpy() for v in opt.variables if v is not opt.iterations}
        # tapeviz's SGD is named "SGD" (Keras: "sgd"); every other name and path is Keras's
        tf_paths = {p.replace("sgd/", "SGD/", 1) if ref["class"] == "SGD" else p: v for p, v in want["slots"].items()}
        assert sorted(slots) == sorted(tf_paths)
        for path, expected in tf_paths.items():
            np.testing.assert_allclose(slots[path], expected, rtol=2e-5, atol=1e-7, err_msg=f"{case} {path} step {step}")
    assert int(opt.iterations.numpy()) == ref["iterations"]


@pytest.mark.parametrize("cls,name", [("Adam", "adam"), ("RMSprop", "rm_sprop"), ("Adagrad", "adagrad")])
def test_default_names_are_keras_names_numbered_from_the_second(cls, name):
    backend.clear_session()
    first, second = getattr(optimizers, cls)(), getattr(optimizers, cls)()
    assert (first.name, second.name) == (name, f"{name}_1")
    assert first.iterations.path == f"{name}/iteration"


def test_defaults_are_keras_defaults():
    adam, rms, ada = optimizers.Adam(), optimizers.RMSprop(), optimizers.Adagrad()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.001, 0.9, 0.999, 1e-7, False)
    assert (rms.learning_rate, rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.001, 0.9, 0.0, 1e-7, False)
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (0.001, 0.1, 1e-7)
    assert optimizers.SGD().learning_rate == 0.01


def test_string_identifiers():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("sgd"), optimizers.SGD)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get("adamax")


def test_slot_events_come_right_before_their_weight_and_name_it():
    model, data = _toy()
    opt = optimizers.Adam(learning_rate=0.01)
    with record() as trace:
        opt.apply_gradients(zip([E.constant(data["kernel_grads"][0]), E.constant(data["bias_grads"][0])],
                                model.trainable_variables))
    names = [(e.name, e.method, e.trainable) for e in trace.events if isinstance(e, VariableAssigned)]
    assert names == [
        ("adam/toy_dense_kernel_momentum", "assign_add", False),
        ("adam/toy_dense_kernel_velocity", "assign_add", False),
        ("toy/dense/kernel", "assign_sub", True),
        ("adam/toy_dense_bias_momentum", "assign_add", False),
        ("adam/toy_dense_bias_velocity", "assign_add", False),
        ("toy/dense/bias", "assign_sub", True),
        ("adam/iteration", "assign_add", False),
    ]
    kernel = model.trainable_variables[0]
    assert {k: v.path for k, v in opt.slots_of(kernel).items()} == {
        "momentum": optimizers.slot_path("adam", kernel.path, "momentum"),
        "velocity": optimizers.slot_path("adam", kernel.path, "velocity"),
    }
    assert all(trace.phase(i) == "update" for i in range(len(trace)))


def test_plain_sgd_makes_no_slots():
    model, data = _toy()
    opt = optimizers.SGD(learning_rate=0.1)
    with record() as trace:
        opt.apply_gradients(zip([E.constant(data["kernel_grads"][0]), E.constant(data["bias_grads"][0])],
                                model.trainable_variables))
    assert [e.name for e in trace.events] == ["toy/dense/kernel", "toy/dense/bias", "SGD/iteration"]
    assert opt.variables == [opt.iterations]


def test_adam_first_step_is_lr_times_sign_of_g():
    # t = 1: m = 0.1 g, v = 0.001 g², α = lr·√0.001/0.1 → step = lr·g/(|g| + ε/√0.001·…) ≈ lr·sign(g)
    w = E.Variable(np.array([1.0, -1.0], np.float32), name="w")
    optimizers.Adam(learning_rate=0.1).apply_gradients([(E.constant(np.array([3.0, -0.5], np.float32)), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, -0.9], rtol=1e-5)


def test_unsupported_options_say_so():
    with pytest.raises(optimizers.OptimizerError, match="clipnorm=...\\) is not implemented in tapeviz"):
        optimizers.Adam(clipnorm=1.0)


def test_optimizer_configs_give_each_slot_prefix_its_hyperparameters():
    backend.clear_session()
    optimizers.Adam(learning_rate=0.02)
    optimizers.SGD(momentum=0.5)
    assert backend.optimizer_configs() == {
        "adam": {"class": "Adam", "name": "adam", "learning_rate": 0.02, "beta_1": 0.9, "beta_2": 0.999,
                 "epsilon": 1e-7, "amsgrad": False, "slots": {"momentum": "m", "velocity": "v", "velocity_hat": "v_max"},
                 "rule": list(optimizers.Adam.rule)},
        "SGD": {"class": "SGD", "name": "SGD", "learning_rate": 0.01, "momentum": 0.5, "nesterov": False,
                "slots": {"momentum": "m"}, "rule": ["m ← momentum·m − lr·g", "w ← w + m"]},
    }
    backend.clear_session()
    assert backend.optimizer_configs() == {}
