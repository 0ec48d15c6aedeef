"""Write conv_ops_tf_reference.json: values and gradients of the ops added for issue 24 (convolution,
pooling, pad, cumsum/cumprod, gather, gather_nd, add_n, det/slogdet, Embedding, a small CNN's fit), by
real TensorFlow.

Not run by the test suite (it needs TensorFlow). Run it once with TensorFlow 2.21, outside the
project's venv:
    /work/scratch/tfvenv/bin/python tests/data/make_conv_ops_tf_reference.py
Each case is a small program (stored in the JSON with its results) that leaves a dict in
``out``; tests/engine/test_conv_ops_tf_reference.py runs the same text under ``import tapeviz.tf as tf``.
Gradients TF gives as ``tf.IndexedSlices`` (gather, Embedding) go through ``tf.convert_to_tensor``:
tapeviz returns that dense tensor directly.
"""

from __future__ import annotations

import json
from pathlib import Path

from make_ops_tf_reference import _plain

COMMON = """
import numpy as np
rng = np.random.default_rng(24)
def arr(*shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
def grad(f, *args):
    args = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        for a in args:
            tape.watch(a)
        y = f(*args)
        w = tf.constant(np.linspace(-1.0, 2.0, int(np.prod(y.shape))).reshape(y.shape).astype(np.float32))
        loss = tf.reduce_sum(y * w)
    return [tf.convert_to_tensor(g) for g in tape.gradient(loss, args)]
"""

CASES = {
    "conv2d": """
x, f = arr(2, 5, 6, 3), arr(3, 2, 3, 4)
out = {}
for padding in ["SAME", "VALID"]:
    for strides in [1, 2, (2, 1), [1, 2, 3, 1]]:
        key = f"{padding}_{strides}"
        conv = lambda a, b: tf.nn.conv2d(a, b, strides=strides, padding=padding)
        out[key] = conv(x, f)
        out[key + "_grads"] = grad(conv, x, f)
""",
    "conv2d_transpose": """
g, f = arr(2, 3, 3, 4), arr(3, 3, 2, 4)
out = {}
for padding, shape in [("SAME", [2, 6, 5, 2]), ("VALID", [2, 7, 8, 2])]:
    t = lambda a, b: tf.nn.conv2d_transpose(a, b, shape, strides=2, padding=padding)
    out[padding] = t(g, f)
    out[padding + "_grads"] = grad(t, g, f)
""",
    "pooling": """
x = arr(2, 5, 7, 3)
ties = np.array([[1.0, 1.0, 0.0], [1.0, 0.5, 2.0], [2.0, 2.0, 0.0]], np.float32).reshape(1, 3, 3, 1)
out = {}
for name, pool in [("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d)]:
    for padding in ["SAME", "VALID"]:
        for ksize, strides in [(2, 2), (3, 1), ((3, 2), (2, 3))]:
            key = f"{name}_{padding}_{ksize}_{strides}"
            p = lambda a: pool(a, ksize=ksize, strides=strides, padding=padding)
            out[key] = p(x)
            out[key + "_grad"] = grad(p, x)
    out[name + "_ties_grad"] = grad(lambda a: pool(a, ksize=2, strides=1, padding="SAME"), ties)
""",
    "pad": """
x = arr(2, 3, 4)
out = {}
for mode in ["CONSTANT", "REFLECT", "SYMMETRIC"]:
    pads = [[1, 0], [2, 1], [0, 3]]  # REFLECT allows at most size − 1 on a side: 1, 2, 3
    p = lambda a: tf.pad(a, pads, mode=mode, constant_values=1.5) if mode == "CONSTANT" else tf.pad(a, pads, mode=mode)
    out[mode] = p(x)
    out[mode + "_grad"] = grad(p, x)
out["default"] = tf.pad(tf.constant([[1, 2], [3, 4]]), [[1, 1], [0, 2]])
""",
    "cumulative": """
x = arr(3, 4) + 1.5
out = {}
for exclusive in [False, True]:
    for reverse in [False, True]:
        for axis in [0, 1, -1]:
            key = f"{exclusive}_{reverse}_{axis}"
            s = lambda a: tf.math.cumsum(a, axis=axis, exclusive=exclusive, reverse=reverse)
            p = lambda a: tf.math.cumprod(a, axis=axis, exclusive=exclusive, reverse=reverse)
            out["sum_" + key], out["sum_grad_" + key] = s(x), grad(s, x)
            out["prod_" + key], out["prod_grad_" + key] = p(x), grad(p, x)
out["top_level_cumsum"] = tf.cumsum(tf.constant([1, 2, 3]))
""",
    "gather": """
params = arr(4, 3, 2)
out = {}
for axis, idx in [(0, [3, 0, 3]), (1, [[2, 0], [2, 2]]), (2, [1]), (-1, [0, 1, 0])]:
    g = lambda p: tf.gather(p, idx, axis=axis)
    out[f"axis{axis}"] = g(params)
    out[f"axis{axis}_grad"] = grad(g, params)
nd = [[0, 1], [3, 2], [0, 1]]
out["nd"] = tf.gather_nd(params, nd)
out["nd_grad"] = grad(lambda p: tf.gather_nd(p, nd), params)
out["nd_full"] = tf.gather_nd(params, [[1, 2, 0], [3, 0, 1]])
out["nd_full_grad"] = grad(lambda p: tf.gather_nd(p, [[1, 2, 0], [3, 0, 1]]), params)
out["segment_sum"] = tf.math.unsorted_segment_sum(params, [2, 0, 2, -1], 3)
out["segment_sum_grad"] = grad(lambda p: tf.math.unsorted_segment_sum(p, [2, 0, 2, -1], 3), params)
""",
    "add_n_det": """
a, b, c = arr(2, 3), arr(2, 3), arr(2, 3)
m = arr(2, 3, 3) + 2 * np.eye(3, dtype=np.float32)
out = {
    "add_n": tf.add_n([a, b, c]), "add_n_grad": grad(lambda p, q, r: tf.add_n([p, q, r]), a, b, c),
    "det": tf.linalg.det(m), "det_grad": grad(tf.linalg.det, m),
    "slogdet": list(tf.linalg.slogdet(m)), "slogdet_grad": grad(lambda t: tf.linalg.slogdet(t)[1], m),
    "det_neg": tf.linalg.slogdet(tf.constant([[0.0, 2.0], [3.0, 1.0]]))[0],
}
""",
    "embedding": """
e = tf.keras.layers.Embedding(5, 3)
ids = np.array([[0, 4, 4], [2, 0, 1]])
e(ids)
e.set_weights([arr(5, 3)])
with tf.GradientTape() as tape:
    y = e(ids)
    loss = tf.reduce_sum(y * tf.constant(arr(2, 3, 3)))
g = tape.gradient(loss, e.trainable_variables)[0]
out = {"value": y, "grad": tf.convert_to_tensor(g)}
""",
    "conv_layers": """
x = arr(2, 6, 6, 2)
conv = tf.keras.layers.Conv2D(3, (3, 2), strides=(1, 2), padding="same", activation="relu")
conv(x)
conv.set_weights([arr(3, 2, 2, 3), arr(3)])
with tf.GradientTape() as tape:
    y = conv(x)
    pooled = tf.keras.layers.AveragePooling2D(pool_size=(2, 1))(y)
    maxed = tf.keras.layers.MaxPooling2D(pool_size=2, strides=1, padding="same")(pooled)
    top = tf.keras.layers.GlobalAveragePooling2D()(maxed)
    loss = tf.reduce_sum(top * tf.constant([1.0, -2.0, 0.5]))
out = {"conv": y, "pooled": pooled, "maxed": maxed, "top": top,
       "grads": tape.gradient(loss, conv.trainable_variables)}
""",
    "cnn_fit": """
images = arr(12, 6, 6, 1)
labels = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2])
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(2, 3, activation="relu"),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3),
])
model(images[:1])
model.set_weights([arr(3, 3, 1, 2), arr(2), arr(8, 3), arr(3)])
model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = model.fit(images, labels, epochs=3, batch_size=4, shuffle=False, verbose=0)
out = {"loss": history.history["loss"], "accuracy": history.history["accuracy"], "weights": model.get_weights()}
""",
}


def main() -> None:
    import tensorflow as tf

    results = {}
    for name, code in CASES.items():
        scope: dict = {"tf": tf}
        exec(COMMON + code, scope)  # noqa: S102  (this file's own programs)
        results[name] = _plain(scope["out"])
    data = {"tensorflow": tf.__version__, "common": COMMON, "cases": CASES, "results": results}
    path = Path(__file__).with_name("conv_ops_tf_reference.json")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
