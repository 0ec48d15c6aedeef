"""The advanced-autodiff guide, section 4: Jacobians (scalar and tensor sources), the Hessian
and a Newton step, the batch Jacobian. See this folder's __init__.py."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import Notebook, printed, same_as_tensorflow


def test_jacobian_with_respect_to_a_scalar_source(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "bAFeIE8EuVIq", "iZ6awnDzr_BA")
    # The plot (siNZaklc0_-e) draws y and dy/dx: dy/dx is sigmoid's derivative, s·(1 − s).
    s = 1 / (1 + np.exp(-np.linspace(-10.0, 10.0, 201)))
    np.testing.assert_allclose(notebook["dy_dx"].numpy(), s * (1 - s), rtol=1e-5, atol=1e-7)


def test_jacobian_with_respect_to_a_tensor_source(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "39YXItgLxMBk", "CigTWyfPvPuv", "pRLzTTbvEimH")
    first, second = notebook.printed("FJjZpYRnDjVa").splitlines()  # the cell asserts delta < 1e-3 itself
    assert first == printed("FJjZpYRnDjVa").splitlines()[0]
    assert second.startswith("delta: ")  # a rounding error, whose digits differ from TF's


def test_hessian_and_a_newton_step(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "ELGTaell_j81", "FVqQuZj4XGjm", "6te7N6wVXwXX")
    h_mat = notebook["h_mat"]
    assert int(notebook["n_params"]) == 40 and h_mat.shape == (40, 40)
    # "The Hessian matrix should be symmetric" (the guide's imshow cell DExOxd7Ok2H0 shows it)
    np.testing.assert_allclose(h_mat.numpy(), h_mat.numpy().T, rtol=1e-4, atol=1e-6)

    same_as_tensorflow(notebook, "3DdnbynBdSor")
    before = notebook["layer1"].kernel.numpy()
    same_as_tensorflow(notebook, "k1LYftgmswOO")  # the Newton step: solve, then assign_sub
    update, g_vec = notebook["update"], notebook["g_vec"]
    a = h_mat.numpy().astype(np.float64) + 1e-3 * np.eye(40)
    np.testing.assert_allclose(a @ update.numpy().astype(np.float64), g_vec.numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(notebook["layer1"].kernel.numpy(), before - update.numpy().reshape(5, 8), rtol=1e-6)


def test_batch_jacobian(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "tQMndhIUHMes", "1zSl2A5-HhMH")
    # "every (batch, batch) slice of this tensor is a diagonal matrix" (ZFl9uj3ueVSH, g4ZoRJcJNmy5 plot it)
    off_diagonal = notebook["j"].numpy().transpose(1, 3, 0, 2) * (1 - np.eye(7))
    assert np.all(off_diagonal == 0)
    # g4ZoRJcJNmy5 tf.pads the slices into patches with -lim between them and plots them
    same_as_tensorflow(notebook, "g4ZoRJcJNmy5", "g4ZoRJcJNmy5:picture")
    image = notebook["plt"].shown[-1][0]
    inner = image.reshape(6, 9, 5, 9)[:, 1:-1, :, 1:-1]
    np.testing.assert_array_equal(inner, notebook["j"].numpy().transpose(1, 0, 3, 2))

    same_as_tensorflow(notebook, "v65OAjEgLQwl", "YJLIl9WpHqYq")
    np.testing.assert_array_equal(notebook["j_select"].numpy(), notebook["j_sum"].numpy())  # the diagonal is all there is

    # TF printed its rounding error (0.0 for TF 2.21); ours is a number of the same size
    assert abs(float(notebook.printed("-5t_q5SfHw7T"))) < 1e-3 and abs(float(printed("-5t_q5SfHw7T"))) < 1e-3


def test_einsum_with_broadcast_axes_is_refused_in_one_line() -> None:  # beyond the guide
    with pytest.raises(ValueError, match=r"'\.\.\.' \(broadcast axes\) is not done in tapeviz"):
        tf.einsum("...ij->...ji", tf.ones([2, 2]))


def test_batch_jacobian_after_batch_normalization(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "tnDugVc-L4fj")
    # "These slices are not diagonal" (SNyZ1WhJMVLm plots them): the batch statistics tie the examples
    off_diagonal = notebook["j"].numpy().transpose(1, 3, 0, 2) * (1 - np.eye(7))
    assert np.abs(off_diagonal).max() > 1e-3
    same_as_tensorflow(notebook, "SNyZ1WhJMVLm", "SNyZ1WhJMVLm:picture")  # plot_as_patches again
    same_as_tensorflow(notebook, "k8_mICHoasCi")


def test_every_cell_of_the_guide_is_run_and_stored() -> None:
    """The cells the reference script ran are the ones these tests run (cells.py), in its order."""
    from .cells import CELLS as GUIDE_CELLS
    from .helpers import CELLS

    assert [i for i, _ in GUIDE_CELLS] == list(CELLS)
