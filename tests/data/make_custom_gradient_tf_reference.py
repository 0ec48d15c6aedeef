"""Write custom_gradient_tf_reference.json: tf.custom_gradient cases computed by real TensorFlow.

Not run by the test suite (it needs TensorFlow). Run it once with a Python that has tensorflow
2.21 installed, outside the project's venv:
    /path/to/tf-venv/bin/python tests/data/make_custom_gradient_tf_reference.py
The cases are TF's own examples (the advanced-autodiff guide's ``clip_gradients``, the API
docs' ``log1pexp``) and small programs around them: nested and persistent tapes, variables,
several inputs, a vector gradient clipped by its norm, and the errors TF raises.
tests/tf/test_custom_gradient.py runs the same programs under ``import tapeviz.tf as tf``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def kind(exc: Exception) -> str:
    """The built-in exception type an error is (TF raises them directly; tapeviz subclasses them)."""
    return next(c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins")


def value(t: Any) -> Any:
    return None if t is None else np.asarray(t).tolist()


def cases(tf: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}

    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)

        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    out["guide_clip_gradients"] = {"output": value(output), "grad": value(t.gradient(output, v))}

    x = tf.constant([3.0, 4.0])
    with tf.GradientTape() as t:
        t.watch(x)
        loss = tf.reduce_sum(clip_gradients(x) * tf.constant([3.0, 4.0]))
    out["clip_vector"] = {"loss": value(loss), "grad": value(t.gradient(loss, x))}

    out["clip_by_norm"] = {
        "small": value(tf.clip_by_norm(tf.constant([0.1, -0.2]), 0.5)),
        "large": value(tf.clip_by_norm(tf.constant([[3.0, 4.0], [1.0, 0.0]]), 2.0)),
        "axes": value(tf.clip_by_norm(tf.constant([[3.0, 4.0], [1.0, 0.0]]), 2.0, axes=[1])),
        "zero": value(tf.clip_by_norm(tf.constant([0.0, 0.0]), 1.0)),
    }

    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    def naive_log1pexp(x):
        return tf.math.log(1 + tf.exp(x))

    for name, fn in (("log1pexp", log1pexp), ("naive", naive_log1pexp)):
        for x0 in (0.0, 1.0, 100.0):
            x = tf.constant(x0)
            with tf.GradientTape() as t2:  # nested: the outer tape records the inner backward pass
                t2.watch(x)
                with tf.GradientTape() as t1:
                    t1.watch(x)
                    y = fn(x)
                dy = t1.gradient(y, x)
            d2y = t2.gradient(dy, x)
            with tf.GradientTape(persistent=True) as tp:  # persistent: asked twice, inside the block
                tp.watch(x)
                yp = fn(x)
                dyp = tp.gradient(yp, x)
            d2yp = tp.gradient(dyp, x)
            again = tp.gradient(yp, x)
            out[f"{name}_{x0:g}"] = {
                "y": value(y), "dy": value(dy), "d2y": value(d2y),
                "persistent": [value(yp), value(dyp), value(d2yp), value(again)],
            }

    w = tf.Variable(3.0)

    @tf.custom_gradient
    def scaled_square(x):
        y = w * x * x

        def grad(dy, variables=None):
            return dy * 2.0 * w * x, [dy * x * x * 10.0]  # the variable's gradient ×10, on purpose

        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = scaled_square(x)
    gx, gw = t.gradient(y, [x, w])
    out["variables"] = {"y": value(y), "dx": value(gx), "dw": value(gw)}

    @tf.custom_gradient
    def product(a, b):
        def grad(dy):
            return dy * b, dy * a * 2.0  # b's gradient doubled, on purpose

        return a * b, grad

    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, -1.0])
    with tf.GradientTape() as t:
        t.watch([a, b])
        y = tf.reduce_sum(product(a, b))
    ga, gb = t.gradient(y, [a, b])
    out["two_inputs"] = {"y": value(y), "da": value(ga), "db": value(gb)}

    @tf.custom_gradient
    def half_none(a, b):
        def grad(dy):
            return dy * 3.0, None

        return a + b, grad

    with tf.GradientTape() as t:
        t.watch([a, b])
        y = tf.reduce_sum(half_none(a, b))
    ga, gb = t.gradient(y, [a, b])
    out["none_gradient"] = {"da": value(ga), "db": value(gb)}

    x = tf.constant([1.0, -2.0, 0.5])
    with tf.GradientTape() as t:
        t.watch(x)
        y = clip_gradients(x * x)
    out["jacobian"] = value(t.jacobian(y, x))

    errors: dict[str, str] = {}

    @tf.custom_gradient
    def no_variables_kwarg(x):
        def grad(dy):
            return dy

        return w * x, grad

    try:
        with tf.GradientTape() as t:
            t.watch(x)
            no_variables_kwarg(x)
    except Exception as exc:  # noqa: BLE001
        errors["no_variables_kwarg"] = kind(exc)

    @tf.custom_gradient
    def too_many(x):
        def grad(dy):
            return dy, dy

        return x * 2.0, grad

    try:
        with tf.GradientTape() as t:
            t.watch(x)
            y = too_many(x)
        t.gradient(y, x)
    except Exception as exc:  # noqa: BLE001
        errors["too_many_gradients"] = kind(exc)
    out["errors"] = errors
    return out


def main() -> None:
    import tensorflow as tf

    data = {"tensorflow": tf.__version__, "python": sys.version.split()[0], "cases": cases(tf)}
    path = Path(__file__).with_name("custom_gradient_tf_reference.json")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
