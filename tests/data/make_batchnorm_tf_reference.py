"""Write batchnorm_tf_reference.json: Keras's BatchNormalization computed by real TensorFlow.

Not run by the test suite (it needs TensorFlow). Run it once with a Python that has tensorflow
2.21 / keras 3 installed, outside the project's venv:
    /path/to/tf-venv/bin/python tests/data/make_batchnorm_tf_reference.py
tests/keras/test_batchnorm.py runs the same function with ``tapeviz.tf``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def inputs() -> tuple[np.ndarray, np.ndarray]:
    """A (6, 3) batch with features on different scales, and the weights of the loss."""
    rng = np.random.default_rng(21)
    x = (rng.normal(size=(6, 3)) * np.array([1.0, 5.0, 0.1]) + np.array([0.0, 2.0, -1.0])).astype(np.float32)
    return x, rng.normal(size=(6, 3)).astype(np.float32)


def cases(tf: Any) -> dict[str, Any]:
    x_np, w_np = inputs()
    out: dict[str, Any] = {}
    for name, kwargs in (("default", {}), ("custom", {"momentum": 0.9, "epsilon": 0.01})):
        bn = tf.keras.layers.BatchNormalization(**kwargs)
        x = tf.constant(x_np)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = bn(x, training=True)
            loss = tf.reduce_sum(y * tf.constant(w_np))
        dx, dgamma, dbeta = tape.gradient(loss, [x, bn.gamma, bn.beta])
        out[name] = {
            "train": y.numpy().tolist(),
            "moving_mean": bn.moving_mean.numpy().tolist(),
            "moving_variance": bn.moving_variance.numpy().tolist(),
            "inference": bn(x, training=False).numpy().tolist(),
            "dx": dx.numpy().tolist(), "dgamma": dgamma.numpy().tolist(), "dbeta": dbeta.numpy().tolist(),
            "weights": [w.name for w in bn.weights],
            "trainable": [w.name for w in bn.trainable_variables],
        }
    return out


def main() -> None:
    import tensorflow as tf

    data = {"tensorflow": tf.__version__, "python": sys.version.split()[0], "cases": cases(tf)}
    path = Path(__file__).with_name("batchnorm_tf_reference.json")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
