"""An op's API function and its fastops twin, derived from its definition.

``engine.api.<name>`` (what ``tf.nn.relu`` is) converts the tensor arguments (Python numbers
and lists become tensors of the right dtype), turns the keyword arguments into the op's
recorded attributes and runs the op with TensorFlow's ``name=``. For the ops tapeviz defines,
these functions are real definitions in ``engine/_generated_api.py``, a module written from
the registry by ``python -m tapeviz.engine.generate`` (``make api``) and checked in: "go to
definition" finds them, ``help(tf.reduce_sum)`` shows their docstring, and
``tests/engine/test_generated_api.py`` fails while the file and the registry disagree.
``api_source(op)`` writes one such definition. For ``reduce_sum``::

    def reduce_sum(a, axis=None, keepdims=False, name=None):
        _inputs = (a if isinstance(a, _Tensor) else _convert(a),)
        return _apply_attrs(_R['reduce_sum'], _inputs, name, axis=as_axis(axis), keepdims=bool(keepdims))

(its docstring left out here; a test keeps this example true): each attribute converted, and
``apply_attrs`` records it, leaving one the op declares ``omit_default`` out at its default
(``reduce_sum(x)`` records no axis). An op registered while a
program runs (``tests/engine/test_adding_an_op.py`` does) is in no generated file: it gets
the same function as a closure, ``api_function(op, ...)``, which binds its arguments by the
same signature.

``engine.fastops.<name>`` has the same signature without ``name`` and computes on plain arrays
without recording (what backward passes use): ``engine/_generated_fastops.py`` holds its
definitions (``fast_source``), written by the same generator; ``fast_function(op)`` makes it
for an op registered later. Nothing here runs ``exec``.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from . import attrs as _attrs_module
from .attrs import REQUIRED, Attr
from .registry import OpDef, apply
from .tensor import Tensor

__all__ = [
    "api_docstring", "api_function", "api_source", "apply_attrs", "arrays", "as_array", "fast_function", "fast_source",
    "signature_text",
]

_PLAIN = {("a",), ("a", "b")}  # parameter names the plain closures below already carry

_NAME_DOC = (
    "A name for the operation (optional). In tapeviz it labels the result's node in the graph,\n"
    "timeline, inspector and images, ahead of the variable the result is assigned to."
)
# What the common parameters mean, for ops whose definition does not say it itself.
_ARG_DOCS = {
    "axis": "The axis (or axes) to work along; None: all of them.",
    "keepdims": "If true, reduced axes stay in the result with length 1.",
    "shape": "The shape of the result.",
    "perm": "The permutation of the axes; None reverses them.",
    "values": "A list of tensors (Python numbers, lists or NumPy arrays are converted).",
    "inputs": "A list of tensors of one shape and dtype.",
    "transpose_a": "If true, a is transposed before the multiplication.",
    "transpose_b": "If true, b is transposed before the multiplication.",
    "adjoint": "If true, use the (conjugate) transpose of the matrix.",
    "alpha": "The slope where the input is negative.",
    "approximate": "If true, use the tanh approximation.",
    "dtype": "The dtype of the result.",
    "equation": "The Einstein-summation equation, e.g. 'ij,jk->ik'.",
    "ord": "The order of the norm: 'euclidean', 'fro', 1, 2, np.inf or any p > 0.",
    "num_lower": "How many subdiagonals to keep (negative: all).",
    "num_upper": "How many superdiagonals to keep (negative: all).",
}


def signature_text(op: OpDef, name: bool = False) -> str:
    """``a, axis=None, keepdims=False``: the op's tensor parameters, then its attributes (then ``name=None``)."""
    parts = list(op.params)
    for attr in op.attrs:
        parts.append(attr.name if attr.default is REQUIRED else f"{attr.name}={_literal(attr.default)}")
    if name:
        parts.append("name=None")
    return ", ".join(parts)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def api_docstring(op: OpDef, detail: str = "") -> str:
    """The docstring of ``engine.api.<name>``, laid out like TensorFlow's (summary, Args, Returns).

    ``detail``: a paragraph after the summary (a hand-written function's own docstring).
    """
    where = ", ".join(f"``{n}``" for n in op.tf_names)
    summary = op.doc or f"The ``{op.name}`` op."
    lines = [summary, ""]
    if detail:
        lines += [inspect.cleandoc(detail), ""]
    if where:
        lines += [f"Exposed as {where}.", ""]
    lines.append("Args:")
    for p in op.params:
        text = _ARG_DOCS.get(p) if p in ("values", "inputs") and op.arity == -1 else None
        lines.append(f"  {p}: {text or 'A tensor (a Python number, list or NumPy array is converted to one).'}")
    for a in op.attrs:
        text = a.doc or _ARG_DOCS.get(a.name) or ""
        default = "required" if a.default is REQUIRED else f"default {a.default!r}"
        lines.append(f"  {a.name}: {text} ({default})" if text else f"  {a.name}: ({default})")
    lines.append("  name: " + _NAME_DOC.replace("\n", "\n    "))
    lines += ["", "Returns:"]
    if op.differentiable:
        lines.append("  A tensor, recorded on every GradientTape that watches one of the inputs.")
    else:
        lines.append("  A tensor (never recorded: the op has no gradient).")
    lines += ["", "Gradient:", f"  {op.derivative}"]
    return "\n".join(lines)


def _check_names(op: OpDef) -> None:
    taken = {"name"}  # TF's name argument (the function's own locals start with "_")
    for name in [*op.params, *(a.name for a in op.attrs)]:
        if name in taken or name.startswith("_"):
            raise ValueError(f"op {op.name!r}: {name!r} cannot be a parameter name of its API function")
        taken.add(name)


def _convert_text(attr: Attr) -> str:
    """The expression that converts an attribute in generated text: ``as_axis(axis)``, ``bool(keepdims)``."""
    fn = attr.convert
    if fn is None:
        return attr.name
    owner = fn.__module__
    if owner == "builtins" and getattr(builtins, fn.__name__, None) is fn:
        return f"{fn.__name__}({attr.name})"
    if getattr(_attrs_module, fn.__name__, None) is fn:
        return f"{fn.__name__}({attr.name})"
    raise ValueError(
        f"op attribute {attr.name!r}: its convert {fn.__qualname__} must be a builtin or live in "
        "engine/attrs.py, so the generated API module can name it"
    )


def _literal(value: Any) -> str:
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value  # None, -1, 'euclidean', ...
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f"default {value!r} has no literal the generated module could hold")
    return text


def _tensors_text(op: OpDef) -> str:
    params = op.params
    if op.index_params:  # each on its own: values as they are, indices as integers
        parts = [f"_indices({p}, {op.name!r})" if p in op.index_params else
                 f"({p} if isinstance({p}, _Tensor) else _convert({p}))" for p in params]
        return f"({', '.join(parts)},)"
    if op.arity == -1:
        return f"_many({params[0]}, {op.name!r})"
    if len(params) == 1:
        return f"({params[0]} if isinstance({params[0]}, _Tensor) else _convert({params[0]}),)"
    if len(params) == 2:
        return f"_pair({params[0]}, {params[1]}, {op.name!r})"
    return f"_many(({', '.join(params)}), {op.name!r})"


def api_body(op: OpDef) -> list[str]:
    """The statements of ``engine.api.<name>`` (without its docstring)."""
    _check_names(op)
    the_op = f"_R[{op.name!r}]"
    tensors = _tensors_text(op)
    if not op.attrs:
        return [f"return _apply({the_op}, {tensors}, None, name)"]
    values = ", ".join(f"{a.name}={_convert_text(a)}" for a in op.attrs)
    return [f"_inputs = {tensors}", f"return _apply_attrs({the_op}, _inputs, name, {values})"]


def apply_attrs(op: OpDef, inputs: tuple[Tensor, ...], name: str | None, /, **values: Any) -> Any:
    """Run ``op`` on ``inputs`` with its converted attribute ``values``: how every API function of an
    op with attributes ends (the generated ones and ``api_function``'s). An attribute the op declares
    ``omit_default`` is left out of the record at its default (``reduce_sum(x)`` records no axis)."""
    for a in op.attrs:
        if a.omit_default and (values[a.name] is None if a.default is None else values[a.name] == a.default):
            del values[a.name]
    return apply(op, inputs, values or None, name)


def api_source(op: OpDef, docstring: bool = True) -> str:
    """The definition of ``engine.api.<name>`` as the generated module holds it."""
    lines = [f"def {op.name}({signature_text(op, name=True)}):"]
    if docstring:
        doc = api_docstring(op).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        lines.append('    """' + _indent(doc, "    ")[4:] + "\n    \"\"\"")
    lines += [f"    {line}" for line in api_body(op)]
    return "\n".join(lines) + "\n"


def api_function(
    op: OpDef,
    convert: Callable[[Any], Tensor],
    pair: Callable[[Any, Any, str], tuple[Tensor, Tensor]],
    many: Callable[[Any, str], tuple[Tensor, ...]],
    indices: Callable[[Any, str], Tensor],
) -> Callable[..., Any]:
    """``engine.api.<name>`` for an op that is in no generated module (registered at run time).

    The same function as the generated text would be, as a closure: its arguments are bound
    by the op's signature (``convert`` makes one tensor, ``pair`` two of one dtype, ``many``
    a sequence of one dtype, ``indices`` an integer tensor).
    """
    _check_names(op)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(p, kind) for p in op.params]
    for a in op.attrs:
        default = inspect.Parameter.empty if a.default is REQUIRED else a.default
        parameters.append(inspect.Parameter(a.name, kind, default=default))
    parameters.append(inspect.Parameter("name", kind, default=None))
    signature = inspect.Signature(parameters)
    params, attrs, label = op.params, op.attrs, op.name

    def function(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{label}{signature}: {exc}") from None
        bound.apply_defaults()
        values = bound.arguments
        if op.index_params:
            inputs = tuple(indices(values[p], label) if p in op.index_params else
                           values[p] if isinstance(values[p], Tensor) else convert(values[p]) for p in params)
        elif op.arity == -1:
            inputs = many(values[params[0]], label)
        elif len(params) == 1:
            a = values[params[0]]
            inputs = (a if isinstance(a, Tensor) else convert(a),)
        elif len(params) == 2:
            inputs = pair(values[params[0]], values[params[1]], label)
        else:
            inputs = many(tuple(values[p] for p in params), label)
        converted = {a.name: values[a.name] if a.convert is None else a.convert(values[a.name]) for a in attrs}
        return apply_attrs(op, inputs, values["name"], **converted)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = api_docstring(op)
    function.__signature__ = signature  # type: ignore[attr-defined]
    return function


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


def _named(op: OpDef, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


def _fast_doc(op: OpDef) -> str:
    return f"The ``{op.name}`` op on arrays, not recorded ({op.derivative})."


def fast_source(op: OpDef) -> str:
    """The definition of ``engine.fastops.<name>`` as ``engine/_generated_fastops.py`` holds it."""
    _check_names(op)
    doc = _fast_doc(op).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = [f"def {op.name}({signature_text(op)}):", f'    """{doc}"""']
    forward = f"_R[{op.name!r}].forward"
    if not op.attrs and op.arity == 2 and op.params in _PLAIN:  # the common case: arrays already
        lines += [
            "    a, b = _value(a), _value(b)",
            "    if type(a) is not _ndarray or type(b) is not _ndarray:",
            "        a, b = _arrays((a, b))",
            f"    return _as_array({forward}(a, b))",
        ]
    elif not op.attrs and op.arity == 1 and op.params in _PLAIN:
        lines += ["    a = _value(a)", f"    return _as_array({forward}(a if type(a) is _ndarray else _asarray(a)))"]
    else:
        inputs = f"list({op.params[0]})" if op.arity == -1 else f"({', '.join(op.params)},)"
        arguments = [f"*_arrays({inputs})", *(f"{a.name}={_convert_text(a)}" for a in op.attrs)]
        lines.append(f"    return _as_array({forward}({', '.join(arguments)}))")
    return "\n".join(lines) + "\n"


def fast_function(op: OpDef) -> Callable[..., Any]:
    """``engine.fastops.<name>`` for an op in no generated module: the registered forward on plain
    arrays, nothing recorded, with the same signature as the generated text would have."""
    forward = op.forward
    doc = _fast_doc(op)
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
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([
        *(inspect.Parameter(p, kind) for p in op.params),
        *(inspect.Parameter(a.name, kind, default=inspect.Parameter.empty if a.default is REQUIRED else a.default)
          for a in op.attrs),
    ])
    params, attrs = op.params, op.attrs

    def with_attributes(*args: Any, **kwargs: Any) -> np.ndarray:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        tensors = list(values[params[0]]) if op.arity == -1 else [values[p] for p in params]
        keywords = {a.name: values[a.name] if a.convert is None else a.convert(values[a.name]) for a in attrs}
        return as_array(forward(*arrays(tensors), **keywords))

    with_attributes.__signature__ = signature  # type: ignore[attr-defined]
    return _named(op, with_attributes, doc)
