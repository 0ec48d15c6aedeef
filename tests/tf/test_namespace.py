"""``tapeviz.tf`` beyond the guide's cells: the pieces that make TF code run unchanged.

tf.Module traversal and name scopes, tf.function (eager), tf.errors, dtypes, conversion, the
tf.Tensor/tf.Variable type relations, tape misuse errors, and the op with no gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E
import tapeviz.tf as tf
from tapeviz.engine.events import OpRecorded
from tapeviz.trace import record


def _f(t) -> float:
    assert t is not None
    return float(np.asarray(t))


# ---- types ---------------------------------------------------------------------------------


def test_tf_tensor_is_a_type_for_checks_only() -> None:
    assert issubclass(type(tf.constant(1.0)), tf.Tensor)
    assert not issubclass(tf.Variable, tf.Tensor)
    assert issubclass(tf.Tensor, tf.Tensor)
    assert isinstance(tf.constant(1.0), (tf.Variable, tf.Tensor))
    with pytest.raises(TypeError, match="tf.constant"):
        tf.Tensor(1.0)


def test_engine_variables_are_tensors_to_the_engine_but_not_tf_variables() -> None:
    # The engine keeps Variable a kind of Tensor; only tf.Variable(...) makes a TF-style variable
    # (Keras 3 variables are not tf.Variables either).
    raw = E.Variable(1.0)
    assert isinstance(raw, E.Tensor)
    assert not isinstance(raw, tf.Variable)
    assert not isinstance(raw, tf.Tensor)
    assert type(E.constant(1.0)).__name__ == "EagerTensor"


def test_variable_name_takes_the_name_scope_and_path_drops_the_suffix() -> None:
    with tf.name_scope("block"):
        v = tf.Variable(1.0, name="w")
    assert v.name == "block/w:0"
    assert v.path == "block/w"
    assert tf.Variable(1.0, name="b:0").name == "b:0"


def test_variable_needs_an_initial_value() -> None:
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


def test_integer_variable_is_trainable_and_watched_but_has_no_gradient() -> None:
    k = tf.Variable(3, name="k")
    assert k.trainable is True
    with tf.GradientTape() as tape:
        y = k * k
    assert [v.name for v in tape.watched_variables()] == ["k:0"]
    with pytest.warns(UserWarning, match="must be floating"):
        assert tape.gradient(y, k) is None


def test_variable_passed_to_assign_add_is_watched_but_gets_none() -> None:
    src = tf.Variable(2.0, name="src")
    acc = tf.Variable(1.0, name="acc")
    with tf.GradientTape() as tape:
        acc.assign_add(src)
        y = acc * acc
    assert [v.name for v in tape.watched_variables()] == ["src:0", "acc:0"]
    g_src, g_acc = tape.gradient(y, [src, acc])
    assert g_src is None and _f(g_acc) == 6.0


def test_long_tensors_print_summarized_like_numpy() -> None:
    text = str(tf.linspace(0.0, 1.0, 2000))
    assert text.startswith("tf.Tensor(\n[0.0000000e+00 5.0025014e-04")
    assert "..." in text and text.endswith("shape=(2000,), dtype=float32)")


def test_print_of_a_softplus_gradient_reads_as_float32() -> None:
    v = tf.Variable(10.0)
    with tf.GradientTape() as tape:
        y = tf.nn.softplus(v)
    assert str(tape.gradient(y, v).numpy()) == "0.9999546"


def test_empty_tensor_is_false_and_bool_tensor_prints() -> None:
    assert bool(tf.constant([])) is False
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"
    assert repr(tf.constant(False)) == "<tf.Tensor: shape=(), dtype=bool, numpy=False>"


# ---- conversion, dtypes, errors -----------------------------------------------------------------


def test_convert_to_tensor() -> None:
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t
    read = tf.convert_to_tensor(tf.Variable(2.0))
    assert type(read).__name__ == "EagerTensor" and _f(read) == 2.0
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(np.array([1, 2])).dtype == tf.int64
    assert tf.convert_to_tensor([1.0], dtype=tf.float64).dtype == tf.float64


def test_dtypes_module() -> None:
    assert tf.dtypes.float32 is tf.float32
    assert tf.dtypes.as_dtype("float64") == tf.float64
    assert str(tf.dtypes.int32) == "<dtype: 'int32'>"


def test_linspace_includes_both_ends() -> None:
    x = tf.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(np.asarray(x), [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert x.dtype == tf.float32


def test_shape_and_dtype_mismatches_are_invalid_argument_errors() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"add: shapes \(2,\) and \(3,\)"):
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.OpError):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    # a Python float into an integer tensor is a TypeError, as in TF
    with pytest.raises(TypeError):
        tf.constant(10) * 2.5


def test_unknown_names_say_what_is_missing() -> None:
    with pytest.raises(AttributeError, match="tapeviz.tf has no 'queue'"):
        tf.queue  # noqa: B018
    with pytest.raises(AttributeError, match="adjust_contrast"):
        tf.image.flip_left_right  # noqa: B018


# ---- tf.Module --------------------------------------------------------------------------------


class _Lin(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(2.0, name="w")
        self.frozen = tf.Variable(1.0, trainable=False, name="frozen")

    def __call__(self, x):
        return x * self.w + self.frozen


def test_module_name_scope_names_variables_and_groups_ops() -> None:
    m = _Lin(name="lin")
    assert m.name_scope.name == "lin/"
    assert m.w.name == "lin/w:0"
    with record() as trace, tf.GradientTape() as tape:
        y = m(tf.constant(3.0))
    assert _f(tape.gradient(y, m.w)) == 3.0
    scopes = {e.scope for e in trace.events if isinstance(e, OpRecorded)}
    assert scopes == {"lin"}


def test_module_names() -> None:
    class MLPBlock(tf.Module):
        pass

    assert MLPBlock().name == "mlp_block"
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="has space")


def test_module_walks_lists_dicts_and_submodules_once_each() -> None:
    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [_Lin(name="first"), _Lin(name="second")]
            self.extra = {"b": tf.Variable(0.0, name="eb"), "a": tf.Variable(0.0, name="ea")}
            self.alias = self.layers[0]  # the same submodule twice: counted once

    net = Net()
    # own variables first (attribute "extra", dict keys sorted), then each submodule in the
    # order met: "alias" (= first) before "layers" (first again, skipped, then second)
    names = [v.name for v in net.trainable_variables]
    assert names == ["ea:0", "eb:0", "first/w:0", "second/w:0"]
    assert [v.name for v in net.non_trainable_variables] == ["frozen:0", "frozen:0"]
    assert len(net.variables) == 6
    assert [m.name for m in net.submodules] == ["first", "second"]


def test_module_that_refers_to_itself_does_not_loop() -> None:
    m = _Lin(name="loop")
    m.me = m
    assert [v.name for v in m.trainable_variables] == ["loop/w:0"]
    assert m.submodules == ()


def test_with_name_scope_decorator() -> None:
    class Scaled(tf.Module):
        def __init__(self):
            super().__init__(name="scaled")
            self.k = tf.Variable(3.0)

        @tf.Module.with_name_scope
        def apply(self, x):
            return x * self.k

    m = Scaled()
    with record() as trace, tf.GradientTape():
        m.apply(tf.constant(1.0))
    assert [e.scope for e in trace.events if isinstance(e, OpRecorded)] == ["scaled"]


# ---- tf.function ------------------------------------------------------------------------------


def test_tf_function_runs_eagerly_every_call() -> None:
    calls = []

    @tf.function
    def f(a):
        calls.append(a)
        return a * 2.0

    assert type(f).__name__ == "Function"
    assert f.__wrapped__ is f.python_function
    assert "eager" in tf.function.__doc__
    _f(f(tf.constant(1.0)))
    _f(f(tf.constant(2.0)))
    assert len(calls) == 2  # TF would trace once; tapeviz runs the body on every call


def test_tf_function_with_options_and_python_outputs() -> None:
    @tf.function(jit_compile=True, reduce_retracing=True)
    def g(a):
        return a * a, {"n": 3}

    sq, extra = g(1.5)
    assert type(sq).__name__ == "EagerTensor" and _f(sq) == 2.25
    assert type(extra["n"]).__name__ == "EagerTensor" and extra["n"].dtype == tf.int32


def test_ops_inside_a_tf_function_are_recorded_one_by_one() -> None:
    @tf.function
    def poly(a):
        return a * a + a

    v = tf.Variable(2.0)
    with record() as trace, tf.GradientTape() as tape:
        y = poly(v)
    assert [e.op for e in trace.events if isinstance(e, OpRecorded)] == ["multiply", "add"]
    assert _f(tape.gradient(y, v)) == 5.0


# ---- GradientTape details ---------------------------------------------------------------------


def test_persistent_tape_asked_inside_its_block_records_the_gradient_for_second_order() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x**3
        dy = tape.gradient(y, x)
    assert _f(dy) == 27.0
    assert _f(tape.gradient(dy, x)) == 18.0


def test_used_non_persistent_tape_can_be_entered_again_and_starts_afresh() -> None:
    x = tf.Variable(3.0)
    tape = tf.GradientTape()
    with tape:
        y = x * x
    assert _f(tape.gradient(y, x)) == 6.0
    with tape:
        z = x * 4.0
    assert _f(tape.gradient(z, x)) == 4.0


def test_tape_misuse_errors() -> None:
    tape = tf.GradientTape(persistent=True)
    with tape:
        pass
    with pytest.raises(ValueError, match="^Tape is not recording.$"), tape.stop_recording():
        pass
    with pytest.raises(ValueError, match="^Tape is not recording.$"):
        tape.reset()


def test_batch_jacobian_needs_rank_two() -> None:
    c = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = c * c
    with pytest.raises(ValueError, match=r"^Shape \(2,\) must have rank at least 2$"):
        tape.batch_jacobian(y, c)


def test_output_gradients_shorter_than_targets_default_to_ones() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        a = v * v
        b = v * 3.0
    g = tape.gradient([a, b], v, output_gradients=[tf.constant([2.0, 2.0])])
    np.testing.assert_allclose(np.asarray(g), [2 * 2 * 1.0 + 3.0, 2 * 2 * 2.0 + 3.0])


def test_output_gradients_of_the_wrong_shape_is_an_invalid_argument() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = v * v
    with pytest.raises(tf.errors.InvalidArgumentError, match="output_gradients of shape"):
        tape.gradient(y, v, output_gradients=tf.constant([1.0, 2.0, 3.0]))


def test_watch_rejects_numpy_arrays_naming_the_type() -> None:
    with tf.GradientTape() as tape, pytest.raises(ValueError, match="of type 'ndarray', not tf.Tensor"):
        tape.watch(np.zeros(2))


# ---- the op with no gradient ------------------------------------------------------------------


def test_no_gradient_op_in_the_middle_of_a_graph_raises_even_if_only_the_factor_is_watched() -> None:
    img = tf.constant([[[1.0], [3.0]]])
    factor = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.image.adjust_contrast(img * 1.0, factor) ** 2)
    with pytest.raises(LookupError, match="^gradient registry has no entry for: AdjustContrastv2$"):
        tape.gradient(out, factor)


def test_adjust_contrast_checks_its_arguments() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 3 dimensions"):
        tf.image.adjust_contrast(tf.constant([1.0, 2.0]), 2.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.image.adjust_contrast(tf.ones((1, 1, 2)), [1.0, 2.0])
    with pytest.raises(TypeError, match="float images"):
        tf.image.adjust_contrast(tf.constant([[[1]]]), 2.0)


def test_adjust_contrast_is_in_the_registry_without_a_vjp() -> None:
    op = E.REGISTRY["AdjustContrastv2"]
    assert op.vjp is None and op.differentiable
    assert "no gradient" in op.derivative


def test_name_scope_gives_the_full_scope_with_a_slash() -> None:
    scope = tf.name_scope("inner")
    assert scope.name == "inner"
    with tf.name_scope("outer"), scope as full:
        assert full == "outer/inner/"
        v = tf.Variable(1.0, name="v")
    assert v.name == "outer/inner/v:0"
    with scope as again:
        assert again == "inner/"


def test_one_hot_rows() -> None:
    import numpy as np

    import tapeviz.tf as tf

    hot = tf.one_hot(tf.constant([1, 0, 1]), 2)
    assert hot.dtype == tf.float32
    np.testing.assert_array_equal(hot.numpy(), [[0, 1], [1, 0], [0, 1]])
    np.testing.assert_array_equal(tf.one_hot([2], 3, on_value=5.0, off_value=-1.0).numpy(), [[-1, -1, 5]])


def test_new_ops_appear_once_in_their_namespaces() -> None:
    for space, names in ((tf.nn, ["elu", "gelu", "leaky_relu", "sigmoid_cross_entropy_with_logits"]),
                         (tf.linalg, ["band_part", "inv", "matmul", "norm", "solve"]),
                         (tf.math, ["erf", "is_finite", "is_inf", "is_nan", "reduce_prod"])):
        for name in names:
            assert space.__all__.count(name) == 1, (space.__name__, name)
    assert tf.linalg.matmul is tf.matmul and tf.linalg.norm is tf.norm
    with pytest.raises(AttributeError, match="tapeviz.tf.linalg has no 'svd'"):
        tf.linalg.svd  # noqa: B018
