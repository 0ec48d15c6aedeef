"""Linear algebra: matmul, with its chain rule written out as a sum of products."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr
from ..chain import ChainContext, SumOfProducts
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
        operands = (("g", g.shape), (f"{bn}ᵀ", b_in.shape))
    else:  # element of b: b_eff[p, q] = Σ_r a_eff[r, p] · g[r, q]
        p, q = (el[1], el[0]) if tb else el
        terms = tuple(zip(a[:, p].tolist(), g[:, q].tolist()))
        formula = f"Σ_r {an}[r,{p}]·g[r,{q}]" if not ta else f"Σ_r {an}[{p},r]·g[r,{q}]"
        operands = ((f"{an}ᵀ", a_in.shape), ("g", g.shape))
    return SumOfProducts(formula, operands, terms, float(c.sent[el]))


register(OpDef(
    "matmul", _matmul_forward, vjp=_matmul_vjp,
    derivative="∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g",
    describe=_matmul_describe, explain=_matmul_explain,
    attrs=(Attr("transpose_a", False, bool), Attr("transpose_b", False, bool)),
    api="hand", tf_names=("tf.matmul",),
))
