"""Write keras_models_tf_reference.json: Keras models as tutorials write them (``Input``,
``build``, ``summary``, ``count_params``, the functional API, nested models) and a few small
facts of the ``tf`` namespace (``Tensor.device``, error class names, ``TextLineDataset``), all
computed by real TensorFlow/Keras.

Not run by the test suite (it needs TensorFlow). Run it once with a Python that has tensorflow
2.21 / keras 3 installed, outside the project's venv:
    /path/to/tf-venv/bin/python tests/data/make_keras_models_tf_reference.py
Every input (weights, data) is a fixed numpy array built by ``inputs()``, so the tests rebuild
the same arrays and redo the same steps with tapeviz.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

TEXT_LINES = ["first line", "  second, with spaces  ", "", "last"]


def inputs() -> dict[str, np.ndarray]:
    """Data and starting weights for every model below."""
    rng = np.random.default_rng(24)
    x = rng.normal(size=(24, 4)).astype(np.float32)
    classes = (x @ np.array([1.0, -1.0, 0.5, 2.0]) > 0).astype(np.int64) + (x[:, 0] > 0.8)
    b = rng.normal(size=(24, 2)).astype(np.float32)
    return {
        "x": x,
        "b": b,
        "one_hot": np.eye(3, dtype=np.float32)[classes],
        "y_reg": (x[:, :1] * 0.5 - b[:, 1:] + 0.1).astype(np.float32),
        # Sequential: Input(4) -> Dense(5, relu) -> Dense(3, softmax)
        "s_w1": rng.uniform(-0.7, 0.7, size=(4, 5)).astype(np.float32),
        "s_b1": rng.uniform(-0.1, 0.1, size=(5,)).astype(np.float32),
        "s_w2": rng.uniform(-0.7, 0.7, size=(5, 3)).astype(np.float32),
        "s_b2": rng.uniform(-0.1, 0.1, size=(3,)).astype(np.float32),
        # functional, two inputs: Dense(3, relu)(x) ++ b -> Dense(3, softmax)
        "f_w1": rng.uniform(-0.7, 0.7, size=(4, 3)).astype(np.float32),
        "f_b1": rng.uniform(-0.1, 0.1, size=(3,)).astype(np.float32),
        "f_w2": rng.uniform(-0.7, 0.7, size=(5, 3)).astype(np.float32),
        "f_b2": rng.uniform(-0.1, 0.1, size=(3,)).astype(np.float32),
        # functional, two outputs: Dense(5, relu)(x) -> Dense(3, softmax) and Dense(1)
        "o_w1": rng.uniform(-0.7, 0.7, size=(4, 5)).astype(np.float32),
        "o_b1": rng.uniform(-0.1, 0.1, size=(5,)).astype(np.float32),
        "o_w2": rng.uniform(-0.7, 0.7, size=(5, 3)).astype(np.float32),
        "o_b2": rng.uniform(-0.1, 0.1, size=(3,)).astype(np.float32),
        "o_w3": rng.uniform(-0.7, 0.7, size=(5, 1)).astype(np.float32),
        "o_b3": rng.uniform(-0.1, 0.1, size=(1,)).astype(np.float32),
    }


def _to_list(value: Any) -> Any:
    return np.asarray(value).tolist()


def _summary(model: Any) -> str:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def _fitted(model: Any, x: Any, y: Any, loss: Any, data_x: Any, weights: list[np.ndarray]) -> dict[str, Any]:
    model.set_weights(weights)
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    predicted = model.predict(data_x, verbose=0)
    return {
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "weights": [_to_list(w) for w in model.get_weights()],
        "evaluate": _to_list(model.evaluate(x, y, batch_size=8, verbose=0)),
        "predict": [_to_list(p) for p in predicted] if isinstance(predicted, list) else _to_list(predicted),
    }


def _description(model: Any) -> dict[str, Any]:
    return {
        "name": model.name,
        "layers": [layer.name for layer in model.layers],
        "layer_types": [type(layer).__name__ for layer in model.layers],
        "weight_paths": [w.path for w in model.weights],
        "weight_shapes": [list(w.shape) for w in model.weights],
        "count_params": int(model.count_params()),
        "summary": _summary(model),
    }


def sequential_reference(tf: Any, data: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    weights = [data["s_w1"], data["s_b1"], data["s_w2"], data["s_b2"]]
    for case, first in (("input", "Input"), ("input_layer", "InputLayer"), ("input_shape", "input_shape")):
        tf.keras.backend.clear_session()
        if first == "Input":
            stack = [tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(5, activation="relu")]
        elif first == "InputLayer":
            stack = [tf.keras.layers.InputLayer(shape=(4,)), tf.keras.layers.Dense(5, activation="relu")]
        else:
            stack = [tf.keras.layers.Dense(5, activation="relu", input_shape=(4,))]
        model = tf.keras.Sequential([*stack, tf.keras.layers.Dense(3, activation="softmax")])
        entry = _description(model)
        entry["built"] = bool(model.built)
        model.set_weights(weights)
        entry["forward"] = _to_list(model(data["x"][:5]))
        entry.update(_fitted(model, data["x"], data["one_hot"], "categorical_crossentropy", data["x"][:6], weights))
        out[case] = entry
    # build(shape) with no Input: every weight exists afterwards
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="relu"), tf.keras.layers.Dense(3)])
    model.build((None, 4))
    entry = _description(model)
    model.set_weights(weights)
    entry["forward"] = _to_list(model(data["x"][:5]))
    out["build"] = entry
    # Sequential([model, Softmax()]): the quickstart's probability model
    tf.keras.backend.clear_session()
    inner = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(5, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    inner.set_weights(weights)
    probability = tf.keras.Sequential([inner, tf.keras.layers.Softmax()])
    entry = {"forward": _to_list(probability(data["x"][:5]))}
    entry.update(_description(probability))
    entry["predict"] = _to_list(probability.predict(data["x"][:6], verbose=0))
    out["nested"] = entry
    return out


def functional_reference(tf: Any, data: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    layers = tf.keras.layers
    # two inputs, one output
    tf.keras.backend.clear_session()
    x_in = tf.keras.Input(shape=(4,), name="features")
    b_in = tf.keras.Input(shape=(2,), name="extra")
    h = layers.Dense(3, activation="relu")(x_in)
    joined = layers.Concatenate()([h, b_in])
    y = layers.Dense(3, activation="softmax")(joined)
    model = tf.keras.Model(inputs=[x_in, b_in], outputs=y)
    entry = _description(model)
    entry["symbolic_shape"] = list(h.shape)
    weights = [data["f_w1"], data["f_b1"], data["f_w2"], data["f_b2"]]
    model.set_weights(weights)
    entry["forward"] = _to_list(model([data["x"][:5], data["b"][:5]]))
    entry.update(_fitted(model, [data["x"], data["b"]], data["one_hot"], "categorical_crossentropy",
                         [data["x"][:6], data["b"][:6]], weights))
    out["two_inputs"] = entry
    # one input, two outputs, a loss each
    tf.keras.backend.clear_session()
    x_in = tf.keras.Input(shape=(4,))
    h = layers.Dense(5, activation="relu")(x_in)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    reg = layers.Dense(1, name="reg")(h)
    model = tf.keras.Model(x_in, [cls, reg])
    entry = _description(model)
    weights = [data[k] for k in ("o_w1", "o_b1", "o_w2", "o_b2", "o_w3", "o_b3")]
    model.set_weights(weights)
    entry["forward"] = [_to_list(t) for t in model(data["x"][:5])]
    entry.update(_fitted(model, data["x"], [data["one_hot"], data["y_reg"]], ["categorical_crossentropy", "mse"],
                         data["x"][:6], weights))
    out["two_outputs"] = entry
    return out


def _called_dense(tf: Any) -> Any:
    layer = tf.keras.layers.Dense(2)
    layer(tf.ones((1, 3)))
    return layer


def _two_input_model(tf: Any) -> Any:
    a, b = tf.keras.Input((3,)), tf.keras.Input((1,))
    return tf.keras.Model([a, b], tf.keras.layers.Concatenate()([a, b]))


def namespace_reference(tf: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"device": tf.constant([1.0]).device, "variable_device": tf.Variable(1.0).device}
    errors: dict[str, str] = {}
    cases = {
        "matmul_shapes": lambda: tf.matmul(tf.ones((2, 3)), tf.ones((2, 3))),
        "add_shapes": lambda: tf.add(tf.ones((2, 3)), tf.ones((4,))),
        "reshape_size": lambda: tf.reshape(tf.ones((2, 3)), (4,)),
        "add_dtypes": lambda: tf.add(tf.ones((2,)), tf.ones((2,), dtype=tf.float64)),
        "dense_built_input": lambda: _called_dense(tf)(tf.ones((2, 4))),
        "set_weights_shape": lambda: _called_dense(tf).set_weights([np.ones((4, 2)), np.ones(2)]),
        "variable_assign_shape": lambda: tf.Variable(1.0).assign(np.ones(3, np.float32)),
        "functional_input_count": lambda: _two_input_model(tf)(np.ones((2, 3), np.float32)),
        "complex_constant": lambda: tf.constant(1.0 + 2.0j),
    }
    for name, fn in cases.items():
        try:
            fn()
            errors[name] = ""
        except Exception as exc:  # noqa: BLE001 - the class is what we record
            errors[name] = type(exc).__name__
    out["errors"] = errors
    out["errors_mro"] = {
        "InvalidArgumentError_is_ValueError": issubclass(tf.errors.InvalidArgumentError, ValueError),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        path.write_text("\n".join(TEXT_LINES) + "\n", encoding="utf-8")
        ds = tf.data.TextLineDataset(str(path))
        out["text_lines"] = [t.numpy().decode("utf-8") for t in ds]
        out["text_lines_spec"] = repr(ds.element_spec)
        out["text_lines_skip_batch"] = [[v.decode() for v in b.numpy()] for b in ds.skip(1).batch(2)]
    return out


def main() -> None:
    import tensorflow as tf

    data = inputs()
    out: dict[str, Any] = {"tensorflow": tf.__version__, "keras": tf.keras.__version__}
    out["sequential"] = sequential_reference(tf, data)
    out["functional"] = functional_reference(tf, data)
    out["namespace"] = namespace_reference(tf)
    path = Path(__file__).with_name("keras_models_tf_reference.json")
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
