"""Makes ``v1_all_kinds.tapeviz``: a trace saved by the hand-written v1 codec (tapeviz at commit
12f5eb1), kept so that later codecs are checked against a file they did not write.

Every event kind appears, with attributes of every encoded type (tuple, slice, Ellipsis, ndarray,
None), a Variable input, a gradient accumulated, a None gradient and an optimizer update.
Run once with that tapeviz: ``python tests/data/trace/make_v1_fixture.py``.
"""

from __future__ import annotations

from pathlib import Path

import tapeviz.tf as tf
from tapeviz.trace import Trace, record


def build() -> Trace:
    trace = Trace(title="v1 fixture", meta={"example": "fixture", "note": "saved by the v1 codec"})
    with record(trace):
        w = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="w")
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        unused = tf.Variable(1.0, name="unused")
        with tf.GradientTape() as tape:
            h = tf.matmul(x, w)
            s = h[0:1, ...]
            t = tf.reshape(h, (4,))
            y = tf.reduce_sum(s * s) + tf.reduce_sum(t) + tf.reduce_sum(h * h)
        grads = tape.gradient(y, [w, unused])
        tf.keras.optimizers.SGD(0.1).apply_gradients([(grads[0], w)])
    return trace


if __name__ == "__main__":
    out = Path(__file__).with_name("v1_all_kinds.tapeviz")
    build().save(out)
    print(out)
