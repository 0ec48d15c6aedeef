"""Write ops_tf_reference.json: values and gradients of the ops added for issue 14, by real TensorFlow.

Not run by the test suite (it needs TensorFlow). Run it once with TensorFlow 2.21, outside the
project's venv:
    /work/scratch/tfref/bin/python tests/data/make_ops_tf_reference.py
Each case is a small program (stored in the JSON with its results) that leaves a dict in
``out``; tests/engine/test_ops_tf_reference.py runs the same text under ``import tapeviz.tf as tf``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

COMMON = """
import numpy as np
v = tf.constant([3.0, -4.0, 0.5, -1.5])
m = tf.constant([[1.0, -2.0, 3.0], [-4.0, 5.0, 0.25]])
sq = tf.constant([[4.0, 1.0, 0.5], [1.0, 3.0, -1.0], [0.5, -1.0, 2.0]])
rhs = tf.constant([[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0]])
x = tf.constant([-3.0, -1.0, -0.25, 0.25, 1.0, 3.0])
def grad(f, *args):
    with tf.GradientTape() as tape:
        for a in args:
            tape.watch(a)
        y = f(*args)
    return tape.gradient(y, list(args))
def second(f, a):
    with tf.GradientTape() as outer:
        outer.watch(a)
        with tf.GradientTape() as inner:
            inner.watch(a)
            y = f(a)
        g = inner.gradient(y, a)
    return outer.gradient(g, a)
"""

CASES = {
    "norm_vector": """
out = {o: tf.norm(v, ord=o) for o in ["euclidean", 1, 2, np.inf, 3, 1.5]}
out.update({f"grad_{o}": grad(lambda t: tf.norm(t, ord=o), v)[0] for o in ["euclidean", 1, np.inf, 3]})
out["second_euclidean"] = second(lambda t: tf.norm(t), v)
""",
    "norm_axis": """
out = {
    "axis0": tf.norm(m, axis=0), "axis1_keep": tf.norm(m, ord=1, axis=1, keepdims=True),
    "all_keep": tf.norm(m, keepdims=True), "inf_axis_neg": tf.norm(m, ord=np.inf, axis=-1),
    "fro": tf.norm(m, ord="fro", axis=(0, 1)), "euclid_pair": tf.norm(m, axis=[-2, -1]),
    "matrix1": tf.norm(m, ord=1, axis=(0, 1)), "matrixinf": tf.norm(m, ord=np.inf, axis=(0, 1)),
    "grad_fro": grad(lambda t: tf.norm(t, ord="fro", axis=(0, 1)), m)[0],
    "grad_axis0": grad(lambda t: tf.reduce_sum(tf.norm(t, axis=0) * [1.0, 2.0, 3.0]), m)[0],
    "grad_matrix1": grad(lambda t: tf.norm(t, ord=1, axis=(0, 1)), m)[0],
    "grad_matrixinf": grad(lambda t: tf.norm(t, ord=np.inf, axis=(0, 1)), m)[0],
}
""",
    "reduce_prod": """
z = tf.constant([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
out = {
    "all": tf.reduce_prod(z), "axis1": tf.reduce_prod(z, axis=1), "axis0_keep": tf.reduce_prod(z, 0, keepdims=True),
    "grad_axis1": grad(lambda t: tf.reduce_sum(tf.reduce_prod(t, axis=1) * [1.0, 2.0, 3.0]), z)[0],
    "grad_axis0": grad(lambda t: tf.reduce_sum(tf.reduce_prod(t, axis=0)), z)[0],
    "grad_all_no_zero": grad(lambda t: tf.reduce_prod(t), m)[0],
    "int": tf.reduce_prod(tf.constant([1, 2, 3, 4])),
    "second_no_zero": second(lambda t: tf.reduce_prod(t), v),
}
""",
    "linalg": """
out = {
    "inv": tf.linalg.inv(sq), "inv_adjoint": tf.linalg.inv(sq, adjoint=True),
    "solve": tf.linalg.solve(sq, rhs), "solve_adjoint": tf.linalg.solve(sq, rhs, adjoint=True),
    "matmul": tf.linalg.matmul(m, sq), "band_1_0": tf.linalg.band_part(sq, 1, 0),
    "band_neg_1": tf.linalg.band_part(m, -1, 1), "band_0_neg": tf.linalg.band_part(m, 0, -1),
    "grad_inv": grad(lambda a: tf.reduce_sum(tf.linalg.inv(a) * tf.reshape(tf.range(9.0), (3, 3))), sq)[0],
    "grad_inv_adjoint": grad(lambda a: tf.reduce_sum(tf.linalg.inv(a, adjoint=True) * tf.reshape(tf.range(9.0), (3, 3))), sq)[0],
    "grad_solve": grad(lambda a, b: tf.reduce_sum(tf.linalg.solve(a, b) * [[1.0, -1.0]]), sq, rhs),
    "grad_solve_adjoint": grad(lambda a, b: tf.reduce_sum(tf.linalg.solve(a, b, adjoint=True) ** 2), sq, rhs),
    "grad_band": grad(lambda a: tf.reduce_sum(tf.linalg.band_part(a, 0, 1) * a), sq)[0],
    "second_inv": second(lambda a: tf.reduce_sum(tf.linalg.inv(a)), sq),
    "second_solve": second(lambda a: tf.reduce_sum(tf.linalg.solve(a, rhs)), sq),
}
""",
    "activations": """
out = {
    "elu": tf.nn.elu(x), "leaky": tf.nn.leaky_relu(x), "leaky_0.1": tf.nn.leaky_relu(x, alpha=0.1),
    "gelu": tf.nn.gelu(x), "gelu_approx": tf.nn.gelu(x, approximate=True), "erf": tf.math.erf(x),
    "grad_elu": grad(tf.nn.elu, x)[0], "grad_leaky": grad(tf.nn.leaky_relu, x)[0],
    "grad_gelu": grad(tf.nn.gelu, x)[0], "grad_gelu_approx": grad(lambda t: tf.nn.gelu(t, approximate=True), x)[0],
    "grad_erf": grad(tf.math.erf, x)[0],
    "second_gelu": second(lambda t: tf.reduce_sum(tf.nn.gelu(t)), x),
    "second_gelu_approx": second(lambda t: tf.reduce_sum(tf.nn.gelu(t, approximate=True)), x),
    "second_elu": second(lambda t: tf.reduce_sum(tf.nn.elu(t)), x),
}
""",
    "sigmoid_xent": """
labels = tf.constant([1.0, 0.0, 1.0, 0.0, 0.25, 0.75])
big = tf.constant([100.0, -100.0, -100.0, 100.0, 30.0, -30.0])
out = {
    "loss": tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x),
    "loss_big": tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=big),
    "grads": grad(lambda z, t: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=t), labels, x),
    "grad_at_zero": grad(lambda t: tf.nn.sigmoid_cross_entropy_with_logits(labels=labels[:2], logits=t),
                         tf.constant([0.0, 0.0]))[0],
    "second_order": second(lambda t: tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=t)), x),
}
""",
    "nan_inf": """
w = tf.constant([1.0, np.nan, np.inf, -np.inf, 0.0])
out = {"is_nan": tf.math.is_nan(w), "is_inf": tf.math.is_inf(w), "is_finite": tf.math.is_finite(w)}
""",
    "meshgrid": """
a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([-1.0, 0.5])
gx, gy = tf.meshgrid(a, b)
ix, iy = tf.meshgrid(a, b, indexing="ij")
out = {"xy_x": gx, "xy_y": gy, "ij_x": ix, "ij_y": iy,
       "grads": grad(lambda p, q: tf.reduce_sum(tf.meshgrid(p, q)[0] * tf.meshgrid(p, q)[1] ** 2), a, b)}
""",
    "errors": """
def kind(f):
    try:
        f()
    except Exception as e:
        for name in ("ValueError", "TypeError", "InvalidArgumentError"):
            if name in [c.__name__ for c in type(e).__mro__]:
                return name
        return type(e).__name__
    return "no error"
out = {
    "inv_singular": kind(lambda: tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))),
    "norm_bad_ord": kind(lambda: tf.norm(v, ord="fro")),
    "norm_bad_axis": kind(lambda: tf.norm(m, axis=(0, 1, 0))),
    "xent_shapes": kind(lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones(3), logits=tf.ones(2))),
    "meshgrid_indexing": kind(lambda: tf.meshgrid(v, v, indexing="yx")),
}
""",
}


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str) or value is None:
        return value
    arr = np.asarray(value)
    return {"dtype": arr.dtype.name, "shape": list(arr.shape),
            "value": [None if np.isnan(a) else a for a in arr.astype(np.float64).ravel().tolist()]
            if arr.dtype.kind == "f" else arr.ravel().tolist()}


def main() -> None:
    import tensorflow as tf

    results = {}
    for name, code in CASES.items():
        scope: dict = {"tf": tf}
        exec(COMMON + code, scope)  # noqa: S102  (this file's own programs)
        results[name] = _plain(scope["out"])
    data = {"tensorflow": tf.__version__, "common": COMMON, "cases": CASES, "results": results}
    Path(__file__).with_name("ops_tf_reference.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
