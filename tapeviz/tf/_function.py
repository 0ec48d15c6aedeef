"""``tf.function``: here a decorator that runs the function eagerly, op by op, on the tape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine as _E

__all__ = ["Function", "function"]


def _as_outputs(value: Any) -> Any:
    """Python and numpy numbers a function returns become tensors, as a TF graph function's outputs do."""
    if isinstance(value, _E.Tensor) or value is None:
        return value
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        return _E.constant(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_as_outputs(v) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_as_outputs(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_outputs(v) for k, v in value.items()}
    return value


def _bind_signature(signature: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> tuple[Any, ...]:
    """Check positional arguments against ``input_signature`` (TensorSpecs), converting numbers."""
    from ._tensor_spec import TensorSpec, bind

    specs = list(signature)
    if kwargs or len(args) != len(specs):
        raise TypeError(
            f"tf.function {name!r} has an input_signature of {len(specs)} TensorSpec(s); call it with exactly "
            f"{len(specs)} positional argument(s) (got {len(args)} positional, {len(kwargs)} keyword)"
        )
    return tuple(bind(s, a, name, i) if isinstance(s, TensorSpec) else a for i, (s, a) in enumerate(zip(specs, args)))


class Function:
    """What ``@tf.function`` returns: calls the Python function eagerly every time.

    TensorFlow traces the function into a graph once and then runs the graph; tapeviz does not
    build graphs, so every call runs the Python body again and records each op on the tape,
    which is what lets you watch it. Gradients come out the same. One visible difference:
    Python side effects such as ``print`` happen on every call here, not only while tracing.
    """

    def __init__(self, python_function: Callable[..., Any], name: str | None = None, **options: Any) -> None:
        functools.update_wrapper(self, python_function)
        self.python_function = python_function
        self.options = options
        self._name = name or getattr(python_function, "__name__", "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._run((), args, kwargs)

    def _run(self, bound: tuple[Any, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Check ``args`` against the signature (a method's ``self`` is not part of it), then run."""
        signature = self.options.get("input_signature")
        if signature is not None:
            args = _bind_signature(signature, args, kwargs, self._name)
        return _as_outputs(self.python_function(*bound, *args, **kwargs))

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        method = functools.partial(self._run, (instance,))
        return functools.update_wrapper(lambda *args, **kwargs: method(args, kwargs), self.python_function)

    def __repr__(self) -> str:
        return f"<tapeviz.tf.function {self._name} (runs eagerly)>"


def function(
    func: Callable[..., Any] | None = None,
    input_signature: Any = None,
    autograph: bool = True,
    jit_compile: Any = None,
    reduce_retracing: bool = False,
    experimental_implements: Any = None,
    experimental_autograph_options: Any = None,
    experimental_attributes: Any = None,
    experimental_relax_shapes: Any = None,
    experimental_compile: Any = None,
    experimental_follow_type_hints: Any = None,
    name: str | None = None,
) -> Any:
    """``@tf.function`` / ``@tf.function(...)``: the function runs eagerly (no graph is built).

    Every call executes the Python body, so its ops are recorded on any active GradientTape and
    appear in tapeviz's trace one by one. ``input_signature`` (a list of ``tf.TensorSpec``) is
    checked on every call and converts Python numbers and lists to the spec's dtype, as in TF; the
    other graph-building options (``jit_compile``, ``autograph``, ...) are accepted and ignored.
    """
    options = {"input_signature": input_signature, "jit_compile": jit_compile}
    if func is None:
        return lambda f: Function(f, name=name, **options)
    return Function(func, name=name, **options)
