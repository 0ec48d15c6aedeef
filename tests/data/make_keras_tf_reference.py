"""Write keras_tf_reference.json: losses and gradients computed by real TensorFlow/Keras.

Not run by the test suite (it needs TensorFlow). Run it with a Python that has
tensorflow 2.21 / keras 3.15 installed:  python tests/data/make_keras_tf_reference.py
The inputs, labels and weights are fixed numpy arrays, so tapeviz can redo the same step:
tests/scenarios/test_seed_example.py runs ``run_case`` of this file (the one training step, stored
once) with ``tapeviz.tf`` and the seed example's own model in place of TensorFlow's.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2024)
    x = rng.normal(size=(8, 10)).astype(np.float32)
    labels = rng.integers(0, 2, size=(8, 2)).astype(np.int32)  # not one-hot, as in the article
    labels[0] = [1, 1]
    labels[1] = [0, 0]
    labels[2] = [0, 1]
    one_hot = np.eye(2, dtype=np.int32)[rng.integers(0, 2, size=8)]
    w1 = rng.uniform(-0.6, 0.6, size=(10, 5)).astype(np.float32)
    b1 = rng.uniform(-0.1, 0.1, size=(5,)).astype(np.float32)
    w2 = rng.uniform(-0.9, 0.9, size=(5, 2)).astype(np.float32)
    b2 = rng.uniform(-0.1, 0.1, size=(2,)).astype(np.float32)
    return {"x": x, "labels": labels, "one_hot": one_hot, "w1": w1, "b1": b1, "w2": w2, "b2": b2}


CASES = {
    # name: (last activation, labels, from_logits)
    "softmax_from_logits_not_one_hot": ("softmax", "labels", True),
    "softmax_probabilities_not_one_hot": ("softmax", "labels", False),
    "logits_not_one_hot": (None, "labels", True),
    "logits_one_hot": (None, "one_hot", True),
}


def run_case(tf: Any, name: str, data: dict[str, np.ndarray], model: Any) -> dict[str, Any]:
    """One training step of case ``name``: ``model`` (Dense(5, relu) → Dense(2, the case's last
    activation)) gets the fixed weights, then loss, gradients and one momentum-SGD update."""
    _, labels, from_logits = CASES[name]
    model(data["x"])
    model.set_weights([data["w1"], data["b1"], data["w2"], data["b2"]])
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=from_logits)
    with warnings.catch_warnings(record=True) as caught, tf.GradientTape() as tape:
        warnings.simplefilter("always")
        predictions = model(data["x"])
        loss = loss_fn(data[labels], predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    sgd = tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    sgd.apply_gradients(zip(grads, model.trainable_variables))
    return {
        "loss": float(loss),
        "predictions": predictions.numpy().tolist(),
        "grads": [g.numpy().tolist() for g in grads],
        "after_sgd_momentum": [v.numpy().tolist() for v in model.trainable_variables],
        "warnings": [str(w.message) for w in caught],
    }


def main() -> None:
    import tensorflow as tf

    data = inputs()
    out: dict[str, object] = {"tensorflow": tf.__version__, "keras": tf.keras.__version__}

    class SimpleModel(tf.keras.Model):
        def __init__(self, last_activation: str | None) -> None:
            super().__init__()
            self.dense1 = tf.keras.layers.Dense(5, activation="relu")
            self.dense2 = tf.keras.layers.Dense(2, activation=last_activation)

        def call(self, x):
            return self.dense2(self.dense1(x))

    for name, (activation, _, _) in CASES.items():
        out[name] = run_case(tf, name, data, SimpleModel(activation))
    out["inputs"] = {k: v.tolist() for k, v in data.items()}
    path = Path(__file__).with_name("keras_tf_reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
