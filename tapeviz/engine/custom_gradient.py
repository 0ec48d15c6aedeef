"""``custom_gradient``: a function whose gradient the program writes itself (TF's ``tf.custom_gradient``).

The decorated ``f(*args)`` returns ``(y, grad_fn)``. As in TensorFlow's eager mode, the tapes
record ``f``'s own ops (so a second derivative can follow values ``f`` computed), and then one
more op, ``custom_gradient``, from ``f``'s tensor arguments (and the trainable variables ``f``
read that are not arguments) to a new tensor holding ``y``. Gradients reach the inputs only
through that op: its VJP calls ``grad_fn(upstream)``, or ``grad_fn(upstream, variables=[...])``
when ``f`` read variables, which then returns ``(input_grads, variable_grads)``.

What a learner sees: with a listener attached, every op ``grad_fn`` runs is announced as an
``OpRecorded`` event with ``grad_fn_of`` set to the custom op's id (also when no tape records it,
then with ``tapes=()``), just before that op's ``BackwardStep``. The op's attributes name ``f``
and ``grad_fn``. When an outer tape is recording, ``grad_fn``'s ops are recorded on it like any
backward-pass op, which gives second derivatives through a custom gradient.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .chain import ChainContext, Formula
from .errors import TapevizError
from .events import listeners
from .nest import flatten, pack_like
from .registry import OpDef, OpRecord, _record, register, state
from .scope import name_scope
from .tensor import Tensor, Variable

__all__ = ["CustomGradientError", "custom_gradient"]


class CustomGradientError(TapevizError, ValueError):
    """A custom-gradient function broke TF's contract in a way TF itself reports as ValueError."""


class CustomRecord(OpRecord):
    """A custom-gradient op as a tape remembers it: the user's gradient function comes along."""

    __slots__ = ("grad_fn", "n_args", "variables")


def _not_called(*arrays: np.ndarray) -> np.ndarray:
    raise TypeError("the custom_gradient op has no forward of its own: use the custom_gradient decorator")


def _vjp(xp: Any, g: Any, rec: CustomRecord, needs: tuple[bool, ...]) -> tuple[Any, ...]:
    """Call the program's gradient function on the upstream gradient; check what it returns."""
    recorded = isinstance(g, Tensor)  # the recording API gives tensors, fastops arrays
    upstream = g if recorded else Tensor._wrap(_read_only(g))
    before = state.grad_fn_op
    if listeners:
        state.grad_fn_op = rec.id
    try:
        with name_scope(grad_fn_scope(rec.attrs)):
            returned = rec.grad_fn(upstream, variables=list(rec.variables)) if rec.variables else rec.grad_fn(upstream)
        if rec.variables:
            try:
                input_grads, variable_grads = returned  # type: ignore[misc]
            except (TypeError, ValueError):
                raise CustomGradientError(
                    f"custom_gradient {rec.attrs['f']}: grad_fn {rec.attrs['grad_fn']} must return "
                    "(input_grads, variable_grads) because the function uses variables"
                ) from None
            variable_grads = list(variable_grads)
            if len(variable_grads) != len(rec.variables):
                raise CustomGradientError("Must return gradient for each variable from @custom_gradient grad_fn.")
        else:
            input_grads, variable_grads = returned, []
    finally:
        state.grad_fn_op = before
    flat = flatten(input_grads)
    if len(flat) != rec.n_args:
        raise CustomGradientError(
            f"custom_gradient function expected to return {rec.n_args} gradients, but returned {len(flat)} instead."
        )
    grads = []
    for t, need, grad in zip(rec.inputs, needs, [*flat, *variable_grads]):
        if grad is None or not need:
            grads.append(None)
            continue
        if not isinstance(grad, Tensor):  # a number or array: a constant of the input's dtype
            grad = Tensor._wrap(_read_only(np.asarray(grad, dtype=t._value.dtype)))
        grads.append(grad if recorded else grad._value)
    return tuple(grads)


def _read_only(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable:
        a = a.view()
        a.setflags(write=False)
    return a


def grad_fn_scope(attrs: dict[str, Any]) -> str:
    """The scope of the ops a custom gradient function runs: ``clip_gradients.backward``."""
    return f"{attrs.get('f', 'custom_gradient')}.{attrs.get('grad_fn', 'grad_fn')}"


def _explain(c: ChainContext) -> Formula:
    """``∂L/∂x = backward(g) = backward(1) = 0.5``: the gradient function's answer, not a rule."""
    name = c.attrs.get("grad_fn", "grad_fn")
    if c.upstream.shape == c.sent.shape:
        return Formula(f"{name}(g)", f"{name}({{}})", (float(c.upstream[c.element]),), float(c.sent[c.element]))
    return Formula(f"{name}(g)", f"{name}(g {c.upstream.shape})", (), float(c.sent[c.element]))


CUSTOM_GRADIENT = register(OpDef(
    "custom_gradient", _not_called, vjp=_vjp, arity=-1, api="none", explain=_explain,
    derivative="∂L/∂inputs = grad_fn(upstream): the program's own gradient function",
    doc="A function with the gradient the program defines (tf.custom_gradient).",
))


def _accepts_variables(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True  # cannot tell (a builtin): let the call say
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _call(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``f`` watching the variables it reads, then record the custom op on the tapes."""
    from .api import convert  # api imports the registry, which this module is imported by

    seen: dict[int, Variable] = {}
    state.variable_watchers.append(seen)
    try:
        with name_scope(_name(f)):  # the ops f runs sit in its own scope: drawn inside its cluster
            returned = f(*args, **kwargs)
    finally:
        state.variable_watchers.remove(seen)
    try:
        result, grad_fn = returned
    except (TypeError, ValueError):
        raise CustomGradientError(
            f"custom_gradient {_name(f)}: the function must return (result, grad_fn), got {type(returned).__name__}"
        ) from None
    flat_args = [a if isinstance(a, Tensor) else convert(a) for a in flatten(list(args))]
    everything = [*flat_args, *flatten(list(kwargs.values()))]
    variables = [v for v in seen.values() if not any(v is a for a in everything)]
    if variables and not _accepts_variables(grad_fn):
        names = ", ".join(v.path for v in variables)
        raise TypeError(
            "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function uses "
            f"variables: {names}"
        )
    outputs = flatten(result)
    if len(outputs) != 1:
        raise CustomGradientError(
            f"custom_gradient {_name(f)}: returned {len(outputs)} tensors; tapeviz records a custom gradient "
            "with exactly one output tensor (stack several results into one tensor)"
        )
    y = outputs[0] if isinstance(outputs[0], Tensor) else convert(outputs[0])
    out = Tensor._wrap(y._value)  # a new tensor (TF's identity): gradients reach f's inputs through grad_fn only
    if state.tapes or state.grad_fn_op:
        inputs = tuple([*flat_args, *variables])
        rec = _record(CUSTOM_GRADIENT, inputs, out, {"f": _name(f), "grad_fn": _name(grad_fn)}, CustomRecord)
        if rec is not None:
            rec.grad_fn, rec.n_args, rec.variables = grad_fn, len(flat_args), tuple(variables)
    return pack_like(result, [out])


def custom_gradient(f: Callable[..., Any] | None = None) -> Any:
    """Decorate ``f`` (returning ``(y, grad_fn)``) so that gradients through it come from ``grad_fn``."""
    if f is None:
        return lambda fn: custom_gradient(fn)

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        return _call(f, args, kwargs)

    return decorated
