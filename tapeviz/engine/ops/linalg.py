"""Linear algebra: matmul (its chain rule written out as a sum of products), inv, solve, band_part."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr, as_int
from ..chain import ChainContext, Product, SumOfProducts
from ..errors import DTypeError, InvalidArgumentError
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__: list[str] = []  # registers its ops; nothing to import from here


def _matmul_forward(a: np.ndarray, b: np.ndarray, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError("matmul needs inputs of rank 2 or more")
    if transpose_a:
        a = a.swapaxes(-1, -2)  # the method: same view as np.swapaxes, without its dispatch wrapper
    if transpose_b:
        b = b.swapaxes(-1, -2)
    return np.matmul(a, b)


def _matmul_describe(a: Tensor, b: Tensor, transpose_a: bool = False, transpose_b: bool = False) -> str:
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        return f"{sa} @ {sb}: both inputs need rank 2 or more (shape (n, k) @ (k, m))"
    ka = sa[-2] if transpose_a else sa[-1]
    kb = sb[-1] if transpose_b else sb[-2]
    if ka != kb:
        return f"{sa} @ {sb}: inner dimensions {ka} and {kb} differ"
    return f"{sa} @ {sb}: batch dimensions {sa[:-2]} and {sb[:-2]} cannot be broadcast together"


def _matmul_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    ta, tb = rec.attrs.get("transpose_a", False), rec.attrs.get("transpose_b", False)
    mm = xp.matmul
    if not ta and not tb:
        ga = mm(g, b, transpose_b=True) if needs[0] else None
        gb = mm(a, g, transpose_a=True) if needs[1] else None
    elif not ta and tb:
        ga = mm(g, b) if needs[0] else None
        gb = mm(g, a, transpose_a=True) if needs[1] else None
    elif ta and not tb:
        ga = mm(b, g, transpose_b=True) if needs[0] else None
        gb = mm(a, g) if needs[1] else None
    else:
        ga = mm(b, g, transpose_a=True, transpose_b=True) if needs[0] else None
        gb = mm(g, a, transpose_a=True, transpose_b=True) if needs[1] else None
    return ga, gb


def _matmul_explain(c: ChainContext) -> SumOfProducts | None:
    """One element of a 2-D matmul's input gradient is a row of g times a row or column of the other input."""
    a_in, b_in = c.inputs
    if a_in.ndim != 2 or b_in.ndim != 2:
        return None
    ta, tb = bool(c.attrs.get("transpose_a")), bool(c.attrs.get("transpose_b"))
    a = a_in.T if ta else a_in
    b = b_in.T if tb else b_in
    an, bn = c.names
    g, el = c.upstream, c.element
    if c.k == 0:  # element of a: a_eff[p, q] = Σ_j g[p, j] · b_eff[q, j]
        p, q = (el[1], el[0]) if ta else el
        terms = tuple(zip(g[p, :].tolist(), b[q, :].tolist()))
        formula = f"Σ_j g[{p},j]·{bn}[{q},j]" if not tb else f"Σ_j g[{p},j]·{bn}[j,{q}]"
        operands = (("g", g.shape), (bn, b_in.shape) if tb else (f"{bn}ᵀ", b_in.T.shape))  # g · b_effᵀ
    else:  # element of b: b_eff[p, q] = Σ_r a_eff[r, p] · g[r, q]
        p, q = (el[1], el[0]) if tb else el
        terms = tuple(zip(a[:, p].tolist(), g[:, q].tolist()))
        formula = f"Σ_r {an}[r,{p}]·g[r,{q}]" if not ta else f"Σ_r {an}[{p},r]·g[r,{q}]"
        operands = ((an, a_in.shape) if ta else (f"{an}ᵀ", a_in.T.shape), ("g", g.shape))  # a_effᵀ · g
    return SumOfProducts(formula, operands, terms, float(c.sent[el]))


register(OpDef(
    "matmul", _matmul_forward, vjp=_matmul_vjp,
    derivative="∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g",
    describe=_matmul_describe, explain=_matmul_explain,
    attrs=(Attr("transpose_a", False, bool), Attr("transpose_b", False, bool)),
    api="hand", tf_names=("tf.matmul", "tf.linalg.matmul"),
    doc="Multiplies matrix a by matrix b, producing a @ b.",
))


def _square(a: np.ndarray, op: str) -> None:
    """TF's checks for a (batch of) square float matrices."""
    if a.dtype.kind not in "fc":
        raise DTypeError(f"{op}: needs a float matrix, got {a.dtype.name}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{op}: input of shape {a.shape} is not a (batch of) square matrices")


def _inv_forward(a: np.ndarray, adjoint: bool = False) -> np.ndarray:
    _square(a, "inv")
    try:
        out = np.linalg.inv(a.swapaxes(-1, -2) if adjoint else a)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(f"inv: input of shape {a.shape} is not invertible") from None
    return out.astype(a.dtype, copy=False)


def _inv_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """d(A⁻¹) = −A⁻¹·dA·A⁻¹, so ∂L/∂A = −outᵀ·g·outᵀ (transposed back when adjoint)."""
    out = rec.output
    if rec.attrs.get("adjoint", False):
        return (xp.negative(xp.matmul(xp.matmul(out, g, transpose_b=True), out)),)
    return (xp.negative(xp.matmul(xp.matmul(out, g, transpose_a=True), out, transpose_b=True)),)


register(OpDef(
    "inv", _inv_forward, arity=1, vjp=_inv_vjp,
    derivative="∂L/∂a = −outᵀ·g·outᵀ  (out = a⁻¹; from d(a⁻¹) = −a⁻¹·da·a⁻¹)",
    params=("input",), attrs=(Attr("adjoint", False, bool, omit_default=True),),
    tf_names=("tf.linalg.inv",),
    doc="Computes the inverse of one or more square invertible matrices.",
))


def _solve_forward(matrix: np.ndarray, rhs: np.ndarray, adjoint: bool = False) -> np.ndarray:
    _square(matrix, "solve")
    if rhs.ndim < 2 or rhs.shape[-2] != matrix.shape[-1]:
        raise ValueError(f"solve: rhs of shape {rhs.shape} does not fit matrix of shape {matrix.shape} "
                         f"(rhs needs shape (..., {matrix.shape[-1]}, k))")
    try:
        out = np.linalg.solve(matrix.swapaxes(-1, -2) if adjoint else matrix, rhs)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(f"solve: matrix of shape {matrix.shape} is not invertible") from None
    return out.astype(matrix.dtype, copy=False)


def _solve_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """out = A⁻¹·b: ∂L/∂b = A⁻ᵀ·g (one more solve), ∂L/∂A = −(∂L/∂b)·outᵀ (adjoint: the transpose)."""
    a, _ = rec.inputs
    adjoint = rec.attrs.get("adjoint", False)
    gb = xp.solve(a, g, adjoint=not adjoint)
    if not needs[0]:
        return (None, gb)
    if adjoint:
        ga = xp.negative(xp.matmul(rec.output, gb, transpose_b=True))
    else:
        ga = xp.negative(xp.matmul(gb, rec.output, transpose_b=True))
    return (ga, gb if needs[1] else None)


register(OpDef(
    "solve", _solve_forward, vjp=_solve_vjp,
    derivative="∂L/∂rhs = solve(matrixᵀ, g), ∂L/∂matrix = −(∂L/∂rhs)·outᵀ  (out = matrix⁻¹·rhs)",
    params=("matrix", "rhs"), attrs=(Attr("adjoint", False, bool, omit_default=True),),
    tf_names=("tf.linalg.solve",),
    doc="Solves systems of linear equations: matrix @ out = rhs.",
))


def _band(shape: tuple[int, ...], num_lower: int, num_upper: int) -> np.ndarray:
    """True inside the band: at most num_lower below the diagonal, num_upper above (negative: all)."""
    i = np.arange(shape[-2])[:, None]
    j = np.arange(shape[-1])[None, :]
    return ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))


def _band_forward(a: np.ndarray, num_lower: int, num_upper: int) -> np.ndarray:
    if a.ndim < 2:
        raise ValueError(f"band_part: input must be at least 2-D, got shape {a.shape}")
    return np.where(_band(a.shape, num_lower, num_upper), a, 0).astype(a.dtype, copy=False)


def _band_explain(c: ChainContext) -> Product:
    el = c.element
    inside = bool(_band(c.inputs[0].shape, c.attrs["num_lower"], c.attrs["num_upper"])[el[-2], el[-1]])
    return Product(float(c.upstream[el]), "1 (inside the band)" if inside else "0 (outside the band)", float(c.sent[el]))


register(OpDef(
    "band_part", _band_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.band_part(g, rec.attrs["num_lower"], rec.attrs["num_upper"]),),
    derivative="∂out/∂a = 1 inside the band, 0 outside (g keeps the same band)",
    explain=_band_explain, params=("input",),
    attrs=(Attr("num_lower", convert=as_int), Attr("num_upper", convert=as_int)),
    tf_names=("tf.linalg.band_part",),
    doc="Copies a tensor, setting everything outside a central band in each innermost matrix to zero.",
))


# ---------------------------------------------------------------------------------------
# det and log|det|: d det(a) = det(a)·tr(a⁻¹·da), so ∂det/∂a = det(a)·a⁻ᵀ


def _det_forward(input: np.ndarray) -> np.ndarray:
    _square(input, "det")
    return np.linalg.det(input).astype(input.dtype, copy=False)


def _log_abs_det_forward(input: np.ndarray) -> np.ndarray:
    _square(input, "slogdet")
    return np.linalg.slogdet(input)[1].astype(input.dtype, copy=False)


def _det_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    scale = xp.expand_dims(xp.expand_dims(xp.multiply(g, rec.output), -1), -1)
    return (xp.multiply(scale, xp.inv(a, adjoint=True)),)


def _log_abs_det_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    return (xp.multiply(xp.expand_dims(xp.expand_dims(g, -1), -1), xp.inv(a, adjoint=True)),)


register(OpDef(
    "det", _det_forward, arity=1, vjp=_det_vjp, params=("input",),
    derivative="∂det(a)/∂a = det(a)·(a⁻¹)ᵀ  (from d det(a) = det(a)·tr(a⁻¹·da))",
    tf_names=("tf.linalg.det",),
    doc="Computes the determinant of one or more square matrices.",
))
register(OpDef(
    "log_abs_det", _log_abs_det_forward, arity=1, vjp=_log_abs_det_vjp, params=("input",),
    derivative="∂log|det(a)|/∂a = (a⁻¹)ᵀ",
    doc="Computes log|det(a)| of one or more square matrices (the second result of tf.linalg.slogdet).",
))
