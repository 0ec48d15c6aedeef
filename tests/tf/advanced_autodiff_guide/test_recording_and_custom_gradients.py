"""The advanced-autodiff guide, sections 1-2: controlling recording, custom gradients,
custom gradients in a SavedModel (out of scope). See this folder's __init__.py."""

from __future__ import annotations

import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import CELLS, Notebook, printed, same_as_tensorflow


def test_stop_recording(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "mhFSYf7uQWxR")


def test_reset(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "lsMHsmrh4pqM")


def test_stop_gradient(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "30qnZMe48BkB")


def test_custom_gradient_clips_the_gradient(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "Mjj01w4NYtwd")  # prints 2.0: "backward" clips 4 to 2


def test_a_module_with_a_tf_function_method_and_input_signature(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "Q5JBgIBYjN1I")
    assert CELLS["Q5JBgIBYjN1I"]["error"] is None
    # Not in the guide, but what the SavedModel cell then does with the method: the same 2.0.
    model = notebook["model"]
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = model.call_custom_grad(v * v)
    assert str(t.gradient(output, v)) + "\n" == printed("xZTrgy2q-9pq")


def test_saving_a_custom_gradient_in_a_saved_model_is_out_of_scope(notebook: Notebook, tmp_path) -> None:  # noqa: ANN001
    found = notebook.upto("xZTrgy2q-9pq")
    assert isinstance(found["_exception"], NotImplementedError)
    assert "tf.saved_model.save is not done in tapeviz: a SavedModel is a serialized" in str(found["_exception"])
    assert not (tmp_path / "saved_model").exists()
    with pytest.raises(NotImplementedError, match="tf.saved_model.load is not done in tapeviz"):
        tf.saved_model.load("saved_model")
    assert tf.saved_model.SaveOptions(experimental_custom_gradients=True).experimental_custom_gradients is True
