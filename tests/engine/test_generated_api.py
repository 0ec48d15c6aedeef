"""The op functions are real definitions, written from the registry and kept current."""

from __future__ import annotations

import inspect
import pydoc

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine import _generated_api, _generated_fastops, api, fastops
from tapeviz.engine.generate import FAST_PATH, PATH, fast_text, generated_text, main
from tapeviz.engine.ops import BUILTIN
from tapeviz.engine.registry import REGISTRY


def test_the_checked_in_module_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == generated_text(), (
        "engine/_generated_api.py is stale: run `python -m tapeviz.engine.generate` (make api)"
    )
    assert FAST_PATH.read_text(encoding="utf-8") == fast_text(), "engine/_generated_fastops.py is stale: make api"
    assert main(["--check"]) == 0


def test_every_derived_op_function_is_the_generated_definition() -> None:
    for name in BUILTIN:
        op = REGISTRY[name]
        if op.api != "derived":
            continue
        fn = getattr(api, name)
        assert fn is getattr(_generated_api, name)
        assert inspect.getsourcefile(fn) == str(PATH)
        assert "name" in inspect.signature(fn).parameters
    for name in BUILTIN:
        if name not in fastops.WRITTEN:
            assert getattr(fastops, name) is getattr(_generated_fastops, name)


def test_help_reads_like_tensorflows() -> None:
    text = pydoc.render_doc(tf.nn.relu, renderer=pydoc.plaintext)
    assert "relu(a, name=None)" in text
    for part in ("Args:", "name: A name for the operation", "Returns:", "Gradient:", "∂out/∂a = 1 where a > 0 else 0"):
        assert part in text
    source = inspect.getsource(tf.reduce_sum)
    assert source.startswith("def reduce_sum(a, axis=None, keepdims=False, name=None):")


@pytest.mark.parametrize("call", [
    lambda x: tf.matmul(x, x, name="n"),
    lambda x: tf.nn.relu(x, name="n"),
    lambda x: tf.reduce_sum(x, name="n"),
    lambda x: tf.concat([x, x], axis=0, name="n"),
    lambda x: tf.cast(x, "float64", name="n"),
    lambda x: tf.where(x > 0, x, -x, name="n"),
    lambda x: tf.clip_by_value(x, 0.0, 1.0, name="n"),
    lambda x: tf.nn.softmax(x, name="n"),
    lambda x: tf.broadcast_to(x, (3, 2, 2), name="n"),
])
def test_every_op_function_takes_tensorflows_name(call) -> None:
    x = tf.constant([[1.0, -2.0], [0.5, 3.0]])
    out = call(x)
    assert isinstance(out, tf.Tensor)


def test_a_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="relu: name= must be a string"):
        tf.nn.relu(tf.constant([1.0]), name=3)


def test_the_value_does_not_depend_on_the_name() -> None:
    x = tf.constant([1.0, -2.0])
    np.testing.assert_array_equal(tf.nn.relu(x, name="r").numpy(), tf.nn.relu(x).numpy())


def test_a_given_name_labels_the_node_ahead_of_the_assigned_variable(tmp_path) -> None:
    from tapeviz.render import dot_source
    from tapeviz.trace import record
    from tapeviz.trace.fileformat import load_trace, save_trace
    from tapeviz.view.names import display_name

    x = tf.Variable([[1.0, 2.0]], name="x")
    w = tf.constant([[3.0], [4.0]])
    with record() as trace:
        with tf.GradientTape() as tape:
            out = tf.matmul(x, w, name="logits")
            loss = tf.reduce_sum(out)
        tape.gradient(loss, x)
    node = next(n for n in trace.graph.nodes.values() if n.op == "matmul")
    assert trace.graph.user_name(node.id) == "logits"  # not "out", the variable it was assigned to
    assert display_name(trace, node.id).startswith("logits")
    assert "logits" in dot_source(trace)
    loaded = load_trace(save_trace(trace, tmp_path / "named.tapeviz"))
    assert loaded.graph.user_name(node.id) == "logits"


def test_every_op_function_of_the_tf_namespaces_has_a_name_parameter() -> None:
    import tapeviz.tf.linalg
    import tapeviz.tf.math
    import tapeviz.tf.nn

    spaces = {"tf": tf, "tf.math": tapeviz.tf.math, "tf.nn": tapeviz.tf.nn, "tf.linalg": tapeviz.tf.linalg}
    missing = []
    for op in REGISTRY.values():
        for full in op.tf_names:
            space, _, short = full.rpartition(".")
            fn = getattr(spaces[space], short)
            if "name" not in inspect.signature(fn).parameters:
                missing.append(full)
    for fn in (tf.one_hot, tf.shape, tf.size, tf.rank, tf.einsum, tf.constant, tf.linalg.slogdet,
               tf.nn.softmax_cross_entropy_with_logits, tf.random.normal, tf.random.uniform, tf.zeros, tf.eye):
        if "name" not in inspect.signature(fn).parameters:
            missing.append(fn.__name__)
    assert not missing
