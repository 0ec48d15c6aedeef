"""The advanced-autodiff guide, section 3: multiple tapes, higher-order gradients, input
gradient regularization. See this folder's __init__.py."""

from __future__ import annotations

import numpy as np

from .helpers import Notebook, same_as_tensorflow


def test_multiple_tapes_watch_different_tensors(notebook: Notebook) -> None:
    # cos(x) => 1.0, sigmoid(x1)*(1-sigmoid(x1)) => 0.25
    same_as_tensorflow(notebook, "BJ0HdMvte0VZ", "6ApAoMNFfNz6", "rF1jrAJsfYW_")


def test_second_derivative_with_nested_tapes(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "cPQgthZ7ugRJ")  # 3 * x**2 => 3.0, 6 * x => 6.0


def test_input_gradient_regularization(notebook: Notebook) -> None:
    same_as_tensorflow(notebook, "tH3ZFuUfDLrR", "E6yOFsjEDR9u", "123QMq6PqK_d")
    x, layer, y, g1, g1_mag = (notebook[n] for n in ("x", "layer", "y", "g1", "g1_mag"))
    assert y.shape == (7, 10)
    # The numbers, checked without TF: g1 = 2·relu'(xW+b)·(xW+b) Wᵀ, and |g1| its Frobenius norm.
    w, b = layer.kernel.numpy().astype(np.float64), layer.bias.numpy().astype(np.float64)
    pre = x.numpy().astype(np.float64) @ w + b
    g1_np = (2 * np.maximum(pre, 0)) @ w.T
    np.testing.assert_allclose(g1.numpy(), g1_np, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g1_mag.numpy(), np.linalg.norm(g1_np), rtol=1e-5)
