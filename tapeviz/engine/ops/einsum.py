"""``einsum``: a sum of products named by index letters (``"ij,jk->ik"``, ``"bxby->bxy"``).

The gradient for operand k is again an einsum: the upstream gradient times every other
operand, summed over the letters operand k does not have. Two cases need care. A letter only
operand k has (summed away in the forward pass, as ``j`` in ``"ij->i"``) comes back through a
ones vector; a letter repeated in operand k (a diagonal, as ``b`` in ``"bxby->bxy"``) is
computed once and put back on the diagonal with an identity matrix.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..attrs import Attr
from ..errors import ShapeError
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__ = ["parse_equation"]


def parse_equation(equation: str, count: int) -> tuple[list[str], str]:
    """The index letters of each operand and of the output (numpy's implicit output if no ``->``)."""
    text = str(equation).replace(" ", "")
    if "." in text:
        raise ShapeError(f"einsum {equation!r}: '...' (broadcast axes) is not done in tapeviz; name every axis with a letter")
    lhs, arrow, out = text.partition("->")
    specs = lhs.split(",")
    if len(specs) != count:
        raise ShapeError(f"einsum {equation!r}: names {len(specs)} operand(s) but got {count}")
    if not all(s.isalpha() or s == "" for s in [*specs, out]):
        raise ShapeError(f"einsum {equation!r}: index names must be letters")
    if not arrow:
        letters = "".join(specs)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return specs, out


def _forward(*arrays: np.ndarray, equation: str) -> np.ndarray:
    specs, out = parse_equation(equation, len(arrays))
    return np.asarray(np.einsum(f"{','.join(specs)}->{out}", *arrays))


def _constant(array: np.ndarray) -> Tensor:
    array.setflags(write=False)
    return Tensor._wrap(array)


def _vjp(xp: Any, g: Any, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Any, ...]:
    specs, out = parse_equation(rec.attrs["equation"], len(rec.inputs))
    sizes = {c: d for s, t in zip(specs, rec.inputs) for c, d in zip(s, t._value.shape)}
    dtype = rec.output._value.dtype
    grads: list[Any] = []
    for k, (spec, need) in enumerate(zip(specs, needs)):
        if not need:
            grads.append(None)
            continue
        unique = "".join(dict.fromkeys(spec))
        others = [(s, t) for j, (s, t) in enumerate(zip(specs, rec.inputs)) if j != k]
        seen = set(out).union(*(set(s) for s, _ in others))
        ones = [(c, _constant(np.ones(sizes[c], dtype))) for c in unique if c not in seen]
        terms = [(out, g), *others, *ones]
        summed = xp.einsum([t for _, t in terms], f"{','.join(s for s, _ in terms)}->{unique}")
        if len(unique) == len(spec):
            grads.append(summed if spec == unique else xp.einsum([summed], f"{unique}->{spec}"))
            continue
        # a repeated letter: a fresh letter for each repeat, tied to the first by an identity matrix
        fresh = iter(c for c in string.ascii_letters if c not in spec)
        target, ties, used = "", [], set()
        for c in spec:
            if c in used:
                f = next(fresh)
                target += f
                ties.append((c + f, _constant(np.eye(sizes[c], dtype=dtype))))
            else:
                used.add(c)
                target += c
        operands = [summed, *(t for _, t in ties)]
        grads.append(xp.einsum(operands, f"{','.join([unique, *(s for s, _ in ties)])}->{target}"))
    return tuple(grads)


def _describe(*inputs: Tensor, equation: str) -> str:
    try:
        parse_equation(equation, len(inputs))
    except ShapeError as exc:
        return str(exc).removeprefix("einsum ")
    shapes = ", ".join(str(tuple(t._value.shape)) for t in inputs)
    return f"einsum {equation!r} does not fit operands with shapes {shapes}"


register(OpDef(
    "einsum", _forward, vjp=_vjp, arity=-1, params=("values",),
    derivative="∂L/∂a_k = einsum of g with the other operands, over the letters a_k does not have",
    attrs=(Attr("equation", convert=str),), describe=_describe,
    doc="Tensor contraction over the indices named by an Einstein-summation equation.",
))
