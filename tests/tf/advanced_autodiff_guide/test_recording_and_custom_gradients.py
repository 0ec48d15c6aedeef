"""The advanced-autodiff guide, sections 1-2: controlling recording, custom gradients,
custom gradients in a SavedModel (out of scope). See this folder's __init__.py."""

from __future__ import annotations

import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import CELLS, capture, printed


def test_stop_recording() -> None:  # cell mhFSYf7uQWxR
    with capture() as out:
        x = tf.Variable(2.0)
        y = tf.Variable(3.0)

        with tf.GradientTape() as t:
            x_sq = x * x
            with t.stop_recording():
                y_sq = y * y
            z = x_sq + y_sq

        grad = t.gradient(z, {"x": x, "y": y})

        print("dz/dx:", grad["x"])  # 2*x => 4
        print("dz/dy:", grad["y"])
    assert out.getvalue() == printed("mhFSYf7uQWxR")


def test_reset() -> None:  # cell lsMHsmrh4pqM
    with capture() as out:
        x = tf.Variable(2.0)
        y = tf.Variable(3.0)
        reset = True

        with tf.GradientTape() as t:
            y_sq = y * y
            if reset:
                # Throw out all the tape recorded so far.
                t.reset()
            z = x * x + y_sq

        grad = t.gradient(z, {"x": x, "y": y})

        print("dz/dx:", grad["x"])  # 2*x => 4
        print("dz/dy:", grad["y"])
    assert out.getvalue() == printed("lsMHsmrh4pqM")


def test_stop_gradient() -> None:  # cell 30qnZMe48BkB
    with capture() as out:
        x = tf.Variable(2.0)
        y = tf.Variable(3.0)

        with tf.GradientTape() as t:
            y_sq = y**2
            z = x**2 + tf.stop_gradient(y_sq)

        grad = t.gradient(z, {"x": x, "y": y})

        print("dz/dx:", grad["x"])  # 2*x => 4
        print("dz/dy:", grad["y"])
    assert out.getvalue() == printed("30qnZMe48BkB")


# Establish an identity operation, but clip during the gradient pass.
@tf.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return tf.clip_by_norm(dy, 0.5)

    return y, backward


def test_custom_gradient_clips_the_gradient() -> None:  # cell Mjj01w4NYtwd
    with capture() as out:
        v = tf.Variable(2.0)
        with tf.GradientTape() as t:
            output = clip_gradients(v * v)
        print(t.gradient(output, v))  # calls "backward", which clips 4 to 2
    assert out.getvalue() == printed("Mjj01w4NYtwd")


class MyModule(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec(None)])
    def call_custom_grad(self, x):
        return clip_gradients(x)


def test_a_module_with_a_tf_function_method_and_input_signature() -> None:  # cell Q5JBgIBYjN1I
    model = MyModule()
    assert CELLS["Q5JBgIBYjN1I"]["error"] is None
    # Not in the guide, but what the SavedModel cell then does with the method: the same 2.0.
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = model.call_custom_grad(v * v)
    assert str(t.gradient(output, v)) + "\n" == printed("xZTrgy2q-9pq")


def test_saving_a_custom_gradient_in_a_saved_model_is_out_of_scope(tmp_path, monkeypatch) -> None:  # noqa: ANN001  (cell xZTrgy2q-9pq)
    monkeypatch.chdir(tmp_path)
    model = MyModule()
    with pytest.raises(NotImplementedError, match="tf.saved_model.save is not done in tapeviz: a SavedModel is a serialized"):
        tf.saved_model.save(
            model,
            "saved_model",
            options=tf.saved_model.SaveOptions(experimental_custom_gradients=True),
        )
    assert not (tmp_path / "saved_model").exists()
    with pytest.raises(NotImplementedError, match="tf.saved_model.load is not done in tapeviz"):
        tf.saved_model.load("saved_model")
    assert tf.saved_model.SaveOptions(experimental_custom_gradients=True).experimental_custom_gradients is True
