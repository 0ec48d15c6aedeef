"""Functions derived from an op's definition: its API function and its fastops twin.

``api_function(op, prepare)`` gives ``engine.api.<name>``: it converts the tensor arguments
with ``prepare`` (Python numbers and lists become tensors of the right dtype), turns the
keyword arguments into the op's recorded attributes and runs the op. ``fast_function(op)``
gives ``engine.fastops.<name>``: the same signature, computing on plain arrays without
recording. Both carry a real signature (``help(tf.reduce_sum)`` shows ``a, axis=None,
keepdims=False``), made by a two-line ``def`` the way ``dataclasses`` makes ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .attrs import REQUIRED, Attr
from .registry import OpDef, apply
from .tensor import Tensor

__all__ = ["api_function", "arrays", "as_array", "fast_function", "signature_text"]

_PLAIN = {("a",), ("a", "b")}  # parameter names the plain closures below already carry


def signature_text(op: OpDef) -> str:
    """``a, axis=None, keepdims=False``: the op's tensor parameters, then its attributes."""
    parts = list(op.params)
    for attr in op.attrs:
        parts.append(attr.name if attr.default is REQUIRED else f"{attr.name}={attr.default!r}")
    return ", ".join(parts)


def _with_signature(op: OpDef, call: Callable[..., Any], doc: str) -> Callable[..., Any]:
    """``def <name>(<signature>): return call(<arguments>)``: keyword arguments and defaults work."""
    names = [*op.params, *(a.name for a in op.attrs)]
    source = f"def {op.name}({signature_text(op)}):\n    return _call({', '.join(names)})\n"
    namespace: dict[str, Any] = {"_call": call}
    # Compiled under this file's name: tracebacks and the recorder's search for the learner's
    # own frame see the wrapper as part of tapeviz, like a hand-written function.
    exec(compile(source, __file__, "exec"), namespace)  # noqa: S102  (text built from the op's own names only)
    fn = namespace[op.name]
    fn.__doc__ = doc
    return fn


def _doc(op: OpDef) -> str:
    return f"The ``{op.name}`` op ({op.derivative})."


def _attrs(specs: tuple[Attr, ...], values: tuple[Any, ...]) -> dict[str, Any] | None:
    """The recorded attributes: converted, and left out when ``omit_default`` and at the default."""
    attrs = {}
    for spec, value in zip(specs, values):
        if spec.convert is not None:
            value = spec.convert(value)
        if not (spec.omit_default and value == spec.default):
            attrs[spec.name] = value
    return attrs or None


def _named(op: OpDef, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


def api_function(
    op: OpDef,
    convert: Callable[[Any], Tensor],
    pair: Callable[[Any, Any, str], tuple[Tensor, Tensor]],
    many: Callable[[Any, str], tuple[Tensor, ...]],
) -> Callable[..., Any]:
    """``engine.api.<name>``: make tensors of the arguments, build the attributes, apply the op.

    ``convert`` makes one tensor, ``pair`` two of one dtype (TF's rule for Python numbers),
    ``many`` a sequence of one dtype.
    """
    name, n, specs = op.name, len(op.params), op.attrs
    if not specs and op.arity == 1 and op.params in _PLAIN:  # the common cases, without *args

        def unary(a: Any) -> Any:
            return apply(op, (a if isinstance(a, Tensor) else convert(a),))

        return _named(op, unary, _doc(op))
    if not specs and op.arity == 2 and op.params in _PLAIN:

        def binary(a: Any, b: Any) -> Any:
            return apply(op, pair(a, b, name))

        return _named(op, binary, _doc(op))

    def tensors(args: tuple[Any, ...]) -> tuple[Tensor, ...]:
        if op.arity == -1:
            return many(args[0], name)
        if n == 1:
            a = args[0]
            return (a if isinstance(a, Tensor) else convert(a),)
        if n == 2:
            return pair(args[0], args[1], name)
        return many(args, name)

    def call(*args: Any) -> Any:
        return apply(op, tensors(args[:n]), _attrs(specs, args[n:]))

    return _with_signature(op, call, _doc(op))


def _value(x: Any) -> Any:
    inner = getattr(x, "_value", None)
    return x if inner is None else inner


def arrays(args: tuple[Any, ...] | list[Any]) -> list[np.ndarray]:
    """Tensors give their arrays; Python numbers take the dtype of the first float array (TF's rule)."""
    values = [_value(a) for a in args]
    dtype = None
    for a in values:
        if type(a) is np.ndarray and a.dtype.kind == "f":
            dtype = a.dtype
            break
    return [a if type(a) is np.ndarray else np.asarray(a, dtype=dtype) for a in values]


def as_array(out: Any) -> np.ndarray:
    """An ndarray (a full reduction gives a numpy scalar)."""
    return out if type(out) is np.ndarray else np.asarray(out)


def fast_function(op: OpDef) -> Callable[..., Any]:
    """``engine.fastops.<name>``: the registered forward on plain arrays, nothing recorded."""
    forward, n, specs = op.forward, len(op.params), op.attrs
    variadic = op.arity == -1
    if not specs and op.arity == 2 and op.params in _PLAIN:

        def binary(a: Any, b: Any) -> np.ndarray:  # the common case: arrays already, no packing
            a, b = _value(a), _value(b)
            if type(a) is not np.ndarray or type(b) is not np.ndarray:
                a, b = arrays((a, b))
            return as_array(forward(a, b))

        return _named(op, binary, f"{_doc(op)[:-1]} on arrays, not recorded.")
    if not specs and op.arity == 1 and op.params in _PLAIN:

        def unary(a: Any) -> np.ndarray:
            a = _value(a)
            return as_array(forward(a if type(a) is np.ndarray else np.asarray(a)))

        return _named(op, unary, f"{_doc(op)[:-1]} on arrays, not recorded.")

    def call(*args: Any) -> np.ndarray:
        inputs = arrays(list(args[0]) if variadic else args[:n])
        attrs = {}
        for spec, value in zip(specs, args[n:]):
            attrs[spec.name] = value if spec.convert is None else spec.convert(value)
        return as_array(forward(*inputs, **attrs))

    return _with_signature(op, call, f"{_doc(op)[:-1]} on arrays, not recorded.")
