"""Write fit_tf_reference.json: optimizer steps, compile/fit/evaluate/predict, tf.data and small
namespace facts, all computed by real TensorFlow/Keras.

Not run by the test suite (it needs TensorFlow). Run it once with a Python that has tensorflow
2.21 / keras 3.15 installed, outside the project's venv:
    /path/to/tf-venv/bin/python tests/data/make_fit_tf_reference.py
Every input (weights, gradients, data) is a fixed numpy array built by the functions below, so the
tests rebuild the same arrays and redo the same steps with tapeviz.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

# name: (class, keyword arguments) -- each optimizer runs STEPS steps on the same gradients.
OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam_default": ("Adam", {}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.05, "beta_1": 0.8, "amsgrad": True}),
    "rmsprop_default": ("RMSprop", {}),
    "rmsprop_momentum_centered": ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True}),
    "adagrad_default": ("Adagrad", {}),
    "adagrad_custom": ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-6}),
}
STEPS = 4


def optimizer_inputs() -> dict[str, np.ndarray]:
    """A kernel (3, 2), a bias (2,) and STEPS gradients for each (some large, some tiny)."""
    rng = np.random.default_rng(14)
    return {
        "kernel": rng.normal(size=(3, 2)).astype(np.float32),
        "bias": rng.normal(size=(2,)).astype(np.float32),
        "kernel_grads": (rng.normal(size=(STEPS, 3, 2)) * np.array([1.0, 0.01, 5.0])[None, :, None]).astype(np.float32),
        "bias_grads": rng.normal(size=(STEPS, 2)).astype(np.float32),
    }


def fit_inputs() -> dict[str, np.ndarray]:
    """Data and starting weights for the compile/fit cases."""
    rng = np.random.default_rng(41)
    x = rng.normal(size=(40, 2, 2)).astype(np.float32)
    classes = (x.reshape(40, 4) @ np.array([1.0, -1.0, 0.5, 2.0]) > 0).astype(np.int64) + (x[:, 0, 0] > 1)
    return {
        "x": x,
        "classes": classes.astype(np.int64),
        "one_hot": np.eye(3, dtype=np.float32)[classes],
        "w1": rng.uniform(-0.7, 0.7, size=(4, 6)).astype(np.float32),
        "b1": rng.uniform(-0.1, 0.1, size=(6,)).astype(np.float32),
        "w2": rng.uniform(-0.7, 0.7, size=(6, 3)).astype(np.float32),
        "b2": rng.uniform(-0.1, 0.1, size=(3,)).astype(np.float32),
        "x_reg": rng.normal(size=(30, 3)).astype(np.float32),
        "y_reg": rng.normal(size=(30, 1)).astype(np.float32),
        "w_reg": rng.uniform(-0.5, 0.5, size=(3, 1)).astype(np.float32),
    }


# name: (loss, labels key, optimizer, metrics, fit keyword arguments)
FIT_CASES: dict[str, tuple[Any, str, Any, list[str], dict[str, Any]]] = {
    "adam_categorical": ("categorical_crossentropy", "one_hot", ("Adam", {"learning_rate": 0.01}), ["accuracy"],
                         {"epochs": 3, "batch_size": 8, "validation_split": 0.25}),
    "rmsprop_sparse": ("sparse_categorical_crossentropy", "classes", ("RMSprop", {}), ["accuracy"],
                       {"epochs": 2, "batch_size": 16}),
    "sgd_string_categorical": ("categorical_crossentropy", "one_hot", "sgd", ["acc"],
                               {"epochs": 2, "batch_size": 12, "validation_split": 0.1}),
}


def _to_list(value: Any) -> Any:
    return np.asarray(value).tolist()


def optimizer_reference(tf: Any) -> dict[str, Any]:
    data = optimizer_inputs()
    out: dict[str, Any] = {}
    for case, (cls, kwargs) in OPTIMIZERS.items():
        tf.keras.backend.clear_session()
        model = tf.keras.Sequential([tf.keras.layers.Dense(2, name="dense")], name="toy")
        model(np.zeros((1, 3), np.float32))
        model.set_weights([data["kernel"], data["bias"]])
        opt = getattr(tf.keras.optimizers, cls)(**kwargs)
        steps = []
        for step in range(STEPS):
            grads = [tf.constant(data["kernel_grads"][step]), tf.constant(data["bias_grads"][step])]
            opt.apply_gradients(zip(grads, model.trainable_variables))
            steps.append({
                "weights": [_to_list(v.numpy()) for v in model.trainable_variables],
                "slots": {v.path: _to_list(v.numpy()) for v in opt.variables if v.path.split("/")[-1] not in
                          ("iteration", "learning_rate")},
            })
        out[case] = {"class": cls, "kwargs": kwargs, "name": opt.name, "iterations": int(opt.iterations.numpy()),
                     "variable_paths": [v.path for v in opt.variables], "steps": steps}
    return out


def _build_classifier(tf: Any, data: dict[str, np.ndarray]) -> Any:
    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(name="flatten"),
        tf.keras.layers.Dense(6, activation="relu", name="hidden"),
        tf.keras.layers.Lambda(lambda t: t * 2.0, name="double"),
        tf.keras.layers.Dropout(0.0, name="dropout"),  # a rate of 0: fit's random masks cannot match TF's
        tf.keras.layers.Dense(3, activation="softmax", name="out"),
    ], name="clf")
    model(data["x"][:1])
    model.set_weights([data["w1"], data["b1"], data["w2"], data["b2"]])
    return model


def fit_reference(tf: Any) -> dict[str, Any]:
    data = fit_inputs()
    out: dict[str, Any] = {}
    for case, (loss, labels, optimizer, metrics, fit_kwargs) in FIT_CASES.items():
        tf.keras.backend.clear_session()
        model = _build_classifier(tf, data)
        opt = optimizer if isinstance(optimizer, str) else getattr(tf.keras.optimizers, optimizer[0])(**optimizer[1])
        model.compile(optimizer=opt, loss=loss, metrics=metrics)
        history = model.fit(data["x"], data[labels], shuffle=False, verbose=0, **fit_kwargs)
        evaluated = model.evaluate(data["x"], data[labels], batch_size=8, verbose=0)
        evaluated_dict = model.evaluate(data["x"], data[labels], batch_size=8, verbose=0, return_dict=True)
        out[case] = {
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "history_keys": list(history.history),
            "epochs": list(history.epoch),
            "params": {k: v for k, v in history.params.items()},
            "weights": [_to_list(w) for w in model.get_weights()],
            "evaluate": [float(v) for v in evaluated],
            "evaluate_dict": {k: float(v) for k, v in evaluated_dict.items()},
            "predict": _to_list(model.predict(data["x"][:5], verbose=0)),
            "predict_batch_3": _to_list(model.predict(data["x"][:7], batch_size=3, verbose=0)),
        }
    # Regression with "mse", the "adam" string, no metrics: evaluate returns one number.
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, name="linear")], name="reg")
    model(data["x_reg"][:1])
    model.set_weights([data["w_reg"], np.zeros((1,), np.float32)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(data["x_reg"], data["y_reg"], epochs=3, batch_size=16, shuffle=False, verbose=0)
    out["adam_string_mse"] = {
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "weights": [_to_list(w) for w in model.get_weights()],
        "evaluate": float(model.evaluate(data["x_reg"], data["y_reg"], verbose=0)),
        "predict": _to_list(model.predict(data["x_reg"][:4], verbose=0)),
    }
    return out


def dataset_reference(tf: Any) -> dict[str, Any]:
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10, dtype=np.int32))
    pairs = tf.data.Dataset.from_tensor_slices((np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)))
    out = {
        "map_batch": [_to_list(b) for b in ds.map(lambda v: v * 2).batch(4)],
        "batch_drop_remainder": [_to_list(b) for b in ds.batch(4, drop_remainder=True)],
        "take": [_to_list(b) for b in ds.take(3)],
        "batch_take": [_to_list(b) for b in ds.batch(3).take(2)],
        "pairs_batch": [[_to_list(x), _to_list(y)] for x, y in pairs.batch(4)],
        "pairs_map": [[_to_list(x), _to_list(y)] for x, y in pairs.map(lambda x, y: (x + 1.0, y * 10)).take(2)],
        "shuffled_sorted": sorted(int(v) for v in ds.shuffle(10, seed=1)),
        "element_spec": repr(ds.element_spec),
        "batched_spec": repr(ds.batch(4).element_spec),
        "cardinality": int(ds.cardinality()),
        "batched_cardinality": int(ds.batch(4).cardinality()),
    }
    return out


def namespace_reference(tf: Any) -> dict[str, Any]:
    scalar = tf.constant(1.234567)
    vector = tf.constant([1.0, 2.5])
    try:
        f"{vector:.2f}"
        vector_format_error = None
    except Exception as exc:  # noqa: BLE001 - the type is what we record
        vector_format_error = type(exc).__name__
    spec = tf.TensorSpec(shape=[None, 3], dtype=tf.float32)

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
    def square_sum(v):
        return tf.reduce_sum(v * v)

    return {
        "version": tf.__version__,
        "format_scalar": f"{scalar:.4f}",
        "format_scalar_e": f"{scalar:.2e}",
        "format_vector_empty_spec": f"{vector}",
        "format_vector_error": vector_format_error,
        "format_int": f"{tf.constant(7):03d}",
        "tensorspec_repr": repr(spec),
        "tensorspec_shape": repr(spec.shape),
        "square_sum": float(square_sum(tf.constant([1.0, 2.0, 3.0]))),
        "gpus": [repr(d) for d in tf.config.list_physical_devices("GPU")],
        "cpus": [repr(d) for d in tf.config.list_physical_devices("CPU")],
    }


def main() -> None:
    import tensorflow as tf

    out: dict[str, Any] = {"tensorflow": tf.__version__, "keras": tf.keras.__version__}
    out["optimizers"] = optimizer_reference(tf)
    out["fit"] = fit_reference(tf)
    out["dataset"] = dataset_reference(tf)
    out["namespace"] = namespace_reference(tf)
    path = Path(__file__).with_name("fit_tf_reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
