"""Functions derived from an op's definition: its API function and its fastops twin.

``api_function(op, convert, pair, many)`` gives ``engine.api.<name>``: it converts the tensor
arguments (Python numbers and lists become tensors of the right dtype), turns the keyword
arguments into the op's recorded attributes and runs the op. ``fast_function(op)`` gives
``engine.fastops.<name>``: the same signature, computing on plain arrays without recording.

The common ops (``a`` or ``a, b``, no attributes) get the two small closures below. An op with
attributes or other parameters gets a real signature (``help(tf.reduce_sum)`` shows ``a,
axis=None, keepdims=False``), written as Python text the way ``dataclasses`` writes
``__init__``. The text spells out, once when the op registers, what each call does with the
op's parameters and attributes, so no call loops over the attribute definitions.
For ``reduce_sum`` the API function is::

    def reduce_sum(a, axis=None, keepdims=False):
        inputs = (a if isinstance(a, _Tensor) else _convert(a),)
        attrs = {}
        axis = _convert_axis(axis)
        if not (axis == _default_axis):
            attrs['axis'] = axis
        keepdims = _convert_keepdims(keepdims)
        if not (keepdims == _default_keepdims):
            attrs['keepdims'] = keepdims
        return _apply(_op, inputs, attrs or None)

(``signature_source(api.reduce_sum)`` returns that text; a test keeps this example true.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .attrs import REQUIRED, Attr
from .registry import OpDef, apply
from .tensor import Tensor

__all__ = ["api_function", "arrays", "as_array", "fast_function", "signature_source", "signature_text"]

_PLAIN = {("a",), ("a", "b")}  # parameter names the plain closures below already carry


def signature_text(op: OpDef) -> str:
    """``a, axis=None, keepdims=False``: the op's tensor parameters, then its attributes."""
    parts = list(op.params)
    for attr in op.attrs:
        parts.append(attr.name if attr.default is REQUIRED else f"{attr.name}={attr.default!r}")
    return ", ".join(parts)


def _doc(op: OpDef) -> str:
    return f"The ``{op.name}`` op ({op.derivative})."


def _named(op: OpDef, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


def _defined(op: OpDef, body: list[str], namespace: dict[str, Any], doc: str) -> Callable[..., Any]:
    """``def <name>(<signature>):`` with ``body``, its free names looked up in ``namespace``."""
    source = f"def {op.name}({signature_text(op)}):\n" + "".join(f"    {line}\n" for line in body)
    # Compiled under this file's name: tracebacks and the recorder's search for the learner's
    # own frame see the function as part of tapeviz, like a hand-written one.
    exec(compile(source, __file__, "exec"), namespace)  # noqa: S102  (text built from the op's own names only)
    fn = namespace[op.name]
    fn.__doc__ = doc
    fn.__source__ = source  # for signature_source (and a curious reader)
    return fn


def signature_source(fn: Callable[..., Any]) -> str | None:
    """The Python text a derived function was made from (None for the plain closures)."""
    return getattr(fn, "__source__", None)


def _converted(attr: Attr, namespace: dict[str, Any]) -> str:
    """The expression for an attribute's value as recorded: the argument, through its ``convert``."""
    if attr.convert is None:
        return attr.name
    namespace[f"_convert_{attr.name}"] = attr.convert
    return f"_convert_{attr.name}({attr.name})"


def _check_names(op: OpDef) -> None:
    taken = {"inputs", "attrs"}  # the API function's own locals
    for name in [*op.params, *(a.name for a in op.attrs)]:
        if name in taken or name.startswith("_"):
            raise ValueError(f"op {op.name!r}: {name!r} cannot be a parameter name of its API function")
        taken.add(name)


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
    name = op.name
    if not op.attrs and op.arity == 1 and op.params in _PLAIN:  # the common cases, written out

        def unary(a: Any) -> Any:
            return apply(op, (a if isinstance(a, Tensor) else convert(a),))

        return _named(op, unary, _doc(op))
    if not op.attrs and op.arity == 2 and op.params in _PLAIN:

        def binary(a: Any, b: Any) -> Any:
            return apply(op, pair(a, b, name))

        return _named(op, binary, _doc(op))

    _check_names(op)
    namespace: dict[str, Any] = {
        "_op": op, "_name": name, "_apply": apply, "_Tensor": Tensor, "_convert": convert, "_pair": pair, "_many": many,
    }
    params = op.params
    if op.arity == -1:
        tensors = f"_many({params[0]}, _name)"
    elif len(params) == 1:
        tensors = f"({params[0]} if isinstance({params[0]}, _Tensor) else _convert({params[0]}),)"
    elif len(params) == 2:
        tensors = f"_pair({params[0]}, {params[1]}, _name)"
    else:
        tensors = f"_many(({', '.join(params)}), _name)"
    body = [f"inputs = {tensors}"]
    if not op.attrs:
        body.append("return _apply(_op, inputs)")
    elif not any(a.omit_default for a in op.attrs):
        items = ", ".join(f"{a.name!r}: {_converted(a, namespace)}" for a in op.attrs)
        body.append(f"return _apply(_op, inputs, {{{items}}})")
    else:  # an attribute at its default is left out of the record (``reduce_sum(x)`` records none)
        body.append("attrs = {}")
        for a in op.attrs:
            if a.omit_default:
                namespace[f"_default_{a.name}"] = a.default
                body += [
                    f"{a.name} = {_converted(a, namespace)}",
                    f"if not ({a.name} == _default_{a.name}):",
                    f"    attrs[{a.name!r}] = {a.name}",
                ]
            else:
                body.append(f"attrs[{a.name!r}] = {_converted(a, namespace)}")
        body.append("return _apply(_op, inputs, attrs or None)")
    return _defined(op, body, namespace, _doc(op))


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
    forward = op.forward
    doc = f"{_doc(op)[:-1]} on arrays, not recorded."
    if not op.attrs and op.arity == 2 and op.params in _PLAIN:

        def binary(a: Any, b: Any) -> np.ndarray:  # the common case: arrays already, no packing
            a, b = _value(a), _value(b)
            if type(a) is not np.ndarray or type(b) is not np.ndarray:
                a, b = arrays((a, b))
            return as_array(forward(a, b))

        return _named(op, binary, doc)
    if not op.attrs and op.arity == 1 and op.params in _PLAIN:

        def unary(a: Any) -> np.ndarray:
            a = _value(a)
            return as_array(forward(a if type(a) is np.ndarray else np.asarray(a)))

        return _named(op, unary, doc)

    _check_names(op)
    namespace: dict[str, Any] = {"_forward": forward, "_arrays": arrays, "_as_array": as_array}
    inputs = f"list({op.params[0]})" if op.arity == -1 else f"({', '.join(op.params)},)"
    arguments = [f"*_arrays({inputs})", *(f"{a.name}={_converted(a, namespace)}" for a in op.attrs)]
    return _defined(op, [f"return _as_array(_forward({', '.join(arguments)}))"], namespace, doc)
