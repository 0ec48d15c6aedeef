"""Answers and placeholders computed from the recorded trace, never typed into a lesson.

A lesson writes small expressions such as ``grad("x")``, ``2 * value("x")`` or
``shape(grad("layer1/w"))``. They are parsed with ``ast`` and run by a tiny interpreter that
knows arithmetic, comparisons, indexing and the functions in ``Evaluator.functions``: nothing
else (no attributes, no imports, no Python builtins), so a lesson file cannot run code.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.events import (
    BackwardStep,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from ..engine.registry import REGISTRY
from ..trace import Trace
from .limits import MAX_EXPRESSION, Deadline, check_binop, check_size, parse_limited, small_spec
from .resolve import ResolveError, Resolver
from .values import (
    ExpressionError,
    array_of,
    as_scalar,
    comparable,
    first_index,
    format_value,
    format_with,
    numpy_function,
    op_function,
    parse_number,
    plain,
    truth,
)

PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}", re.S)

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.MatMult: operator.matmul,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}


class Evaluator:
    """Evaluates lesson expressions against one trace (and, for programs, their namespace)."""

    def __init__(self, trace: Trace, resolver: Resolver | None = None, namespace: dict[str, Any] | None = None) -> None:
        self.trace = trace
        self.resolver = resolver or Resolver(trace)
        self.namespace = namespace
        self.functions: dict[str, Callable[..., Any]] = {
            # ops whose definitions allow lessons to call them (abs, exp, log, softmax, ...)
            **{op.lesson: op_function(op) for op in REGISTRY.values() if op.lesson},
            # trace facts
            "value": self.value, "grad": self.grad, "upstream": self.upstream, "sent": self.sent,
            "before": self.before, "after": self.after, "loss": self.loss, "losses": self.losses,
            "iterations": lambda: self.trace.iteration_count, "returned": self.returned,
            "calls": lambda iteration=1: len(self.resolver.calls(iteration - 1)), "program": self.program,
            "shape": self.shape, "name": lambda p: self.resolver.node(p).name,
            "inputs": lambda p: len(self.resolver.node(p).inputs), "uses": self.uses,
            "event": lambda p: self.resolver.resolve(p).event,
            # numbers
            "sum": numpy_function(np.sum), "mean": numpy_function(np.mean), "max": numpy_function(np.max), "min": numpy_function(np.min),
            "count": lambda x, axis=None: plain(np.count_nonzero(array_of(x), axis=axis)),
            "all": lambda x, axis=None: plain(np.all(array_of(x), axis=axis)),
            "any": lambda x, axis=None: plain(np.any(array_of(x), axis=axis)),
            "argmax": lambda x, axis=None: plain(np.argmax(array_of(x), axis=axis)),
            "argmin": lambda x, axis=None: plain(np.argmin(array_of(x), axis=axis)),
            "matmul": lambda a, b: np.matmul(array_of(a), array_of(b)),
            "ones_like": lambda x: np.ones_like(array_of(x)), "zeros_like": lambda x: np.zeros_like(array_of(x)),
            "allclose": lambda a, b, tol=1e-5: bool(np.allclose(array_of(a), array_of(b), rtol=tol, atol=tol)),
            "size": lambda x: int(array_of(x).size), "len": len, "float": lambda x: float(array_of(x).reshape(())),
            "int": lambda x: int(array_of(x).reshape(())), "round": lambda x, n=0: plain(np.round(array_of(x), n)),
            "array": lambda *xs: np.array(xs if len(xs) != 1 else xs[0], dtype=float),
            "is_none": lambda x: x is None, "fmt": lambda x, spec: format_with(x, small_spec(spec)), "first": first_index,
        }

    # ---- trace facts -----------------------------------------------------------------
    def value(self, pointer: str) -> np.ndarray:
        """The forward value of a node in its iteration (a variable: the value it was read at)."""
        node, iteration, _ = self.resolver.node_in(pointer)
        events = self.trace.events
        if node.is_op:
            e = events[node.event]  # type: ignore[index]
            assert isinstance(e, OpRecorded)
            return e.output.value
        for i in self.trace.iteration_range(iteration):
            e = events[i]
            if isinstance(e, OpRecorded):
                for ref in e.inputs:
                    if ref.id == node.id:
                        return ref.value
        raise ResolveError(f"{pointer!r}: {node.name} was not read in iteration {iteration + 1}")

    def grad(self, pointer: str, call: int | None = None) -> np.ndarray | None:
        """The total gradient a node received in one gradient call (None if it received none)."""
        node, iteration, call_no = self.resolver.node_in(pointer)
        c = self.resolver.call(iteration, call if call is not None else call_no, pointer)
        events = self.trace.events
        end = events[c.end]
        assert isinstance(end, GradientsReturned)
        for s, g in zip(end.sources, end.grads):
            if s == node.id:
                return g
        total: np.ndarray | None = None
        for i in range(c.start, c.end + 1):
            e = events[i]
            if isinstance(e, GradientStarted):
                for t, seed in zip(e.targets, e.seeds):
                    if t == node.id:
                        total = seed if total is None else total + seed
            elif isinstance(e, BackwardStep):
                for src, g in zip(e.input_ids, e.input_grads):
                    if src == node.id and g is not None:
                        total = g if total is None else total + g
        return total

    def _backward_step(self, pointer: str, call: int | None) -> BackwardStep:
        node, iteration, call_no = self.resolver.node_in(pointer)
        c = self.resolver.call(iteration, call if call is not None else call_no, pointer)
        for i in range(c.start, c.end + 1):
            e = self.trace.events[i]
            if isinstance(e, BackwardStep) and e.output_id == node.id:
                return e
        raise ResolveError(f"{pointer!r}: the backward pass never visited {node.name}")

    def upstream(self, pointer: str, call: int | None = None) -> np.ndarray:
        """The gradient arriving at op ``pointer`` from above in its backward step."""
        return self._backward_step(pointer, call).upstream

    def sent(self, pointer: str, k: int, call: int | None = None) -> np.ndarray | None:
        """The gradient op ``pointer``'s backward step sent to its input ``k`` (from 0)."""
        step = self._backward_step(pointer, call)
        if not 0 <= k < len(step.input_grads):
            raise ExpressionError(f"sent({pointer!r}, {k}): the op has inputs 0..{len(step.input_grads) - 1}")
        return step.input_grads[k]

    def _assignments(self, pointer: str) -> list[VariableAssigned]:
        node, iteration, _ = self.resolver.node_in(pointer)
        found = [
            e for i in self.trace.iteration_range(iteration)
            if isinstance(e := self.trace.events[i], VariableAssigned) and e.variable_id == node.id
        ]
        if not found:
            raise ResolveError(f"{pointer!r}: {node.name} was not assigned in iteration {iteration + 1}")
        return found

    def before(self, pointer: str) -> np.ndarray:
        """A variable's value just before its (first) update in the iteration."""
        return self._assignments(pointer)[0].before

    def after(self, pointer: str) -> np.ndarray:
        """A variable's value after its (last) update in the iteration."""
        return self._assignments(pointer)[-1].after

    def loss(self, iteration: int = 1) -> float:
        value = self.trace.loss_at(iteration - 1)
        if value is None:
            raise ExpressionError(f"loss({iteration}): iteration {iteration} has no scalar gradient target")
        return value

    def losses(self) -> np.ndarray:
        return np.array(self.trace.losses, dtype=float)

    def returned(self, call: int = 1, iteration: int = 1) -> list[np.ndarray | None]:
        """The gradients one ``gradient()`` call returned, one per source (None where unconnected)."""
        c = self.resolver.call(iteration - 1, call, f"returned({call}, {iteration})")
        end = self.trace.events[c.end]
        assert isinstance(end, GradientsReturned)
        return list(end.grads)

    def program(self, name: str) -> Any:
        """A number the lesson's program defined (for showing, e.g., its learning rate)."""
        if self.namespace is None:
            raise ExpressionError(f"program({name!r}): this lesson runs a built-in example, not a program")
        if name not in self.namespace:
            raise ExpressionError(f"program({name!r}): the program defines no {name!r}")
        v = self.namespace[name]
        if isinstance(v, (bool, int, float, np.ndarray, np.generic)):
            return v
        if hasattr(v, "numpy"):
            return np.asarray(v.numpy())
        raise ExpressionError(f"program({name!r}) is a {type(v).__name__}, not a number or array")

    def uses(self, pointer: str) -> int:
        """How many op inputs in the node's iteration read this node (x * x counts twice)."""
        node, iteration, _ = self.resolver.node_in(pointer)
        ops = set(self.trace.graph.iteration_nodes(iteration))
        return sum(1 for e in self.trace.graph.edges if e.src == node.id and e.dst in ops)

    def shape(self, x: Any) -> tuple[int, ...]:
        if isinstance(x, str):
            return tuple(self.resolver.node(x).shape)
        return tuple(array_of(x).shape)

    # ---- evaluation --------------------------------------------------------------------
    def evaluate(self, source: str) -> Any:
        """The value of one expression; ExpressionError with one clear line on any problem."""
        shown = source.strip() if len(source.strip()) <= 80 else source.strip()[:79] + "…"
        try:
            tree = parse_limited(source.strip(), MAX_EXPRESSION, f"expression {shown!r}")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression {shown!r}: {exc.msg}") from None
        self._deadline = Deadline()
        try:
            return self._eval(tree.body)
        except ExpressionError:
            raise
        except ResolveError as exc:
            raise ExpressionError(str(exc)) from None
        except (ArithmeticError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise ExpressionError(f"{shown!r}: {type(exc).__name__}: {str(exc)[:200]}") from None
        except (MemoryError, RecursionError):
            raise ExpressionError(f"{shown!r}: too large to compute") from None

    def render(self, text: str) -> str:
        """Replace every ``{{ expression }}`` in a text by its formatted value."""
        return PLACEHOLDER_RE.sub(lambda m: format_value(self.evaluate(m.group(1))), text)

    def placeholders(self, text: str) -> list[str]:
        return [m.group(1) for m in PLACEHOLDER_RE.finditer(text)]

    _deadline = Deadline(float("inf"))

    def _eval(self, node: ast.AST) -> Any:
        self._deadline.check()
        return check_size(self._eval_node(node))

    def _eval_node(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float, str, bool)) or node.value is None:
                return node.value
            raise ExpressionError(f"constant {node.value!r} is not allowed")
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            if node.id in self.functions:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(...)")
            raise ExpressionError(f"unknown name {node.id!r} (functions: {', '.join(sorted(self.functions))})")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = self._eval(node.left), self._eval(node.right)
            if a is None or b is None:
                raise ExpressionError("arithmetic on None (a gradient that does not exist)")
            a, b = comparable(a), comparable(b)
            check_binop(type(node.op), a, b)
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not truth(v)
            if isinstance(node.op, ast.USub):
                return -comparable(v)
            if isinstance(node.op, ast.UAdd):
                return +comparable(v)
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                result: Any = True
                for v in node.values:
                    result = self._eval(v)
                    if not truth(result):
                        return result
                return result
            for v in node.values:
                result = self._eval(v)
                if truth(result):
                    return result
            return result
        if isinstance(node, ast.Compare):
            left = self._eval(node.left)
            if len(node.ops) == 1 and not isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
                right = self._eval(node.comparators[0])
                if left is None or right is None:
                    raise ExpressionError("comparing None (a gradient that does not exist): use 'is None'")
                result = _CMPOPS[type(node.ops[0])](comparable(left), comparable(right))
                return plain(result) if isinstance(result, (np.ndarray, np.generic)) else result
            for op, right_node in zip(node.ops, node.comparators):
                right = self._eval(right_node)
                if type(op) not in _CMPOPS:
                    raise ExpressionError("comparison not allowed")
                if isinstance(op, (ast.Is, ast.IsNot)):
                    ok = _CMPOPS[type(op)](left, right)
                else:
                    ok = truth(_CMPOPS[type(op)](comparable(left), comparable(right)))
                if not ok:
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self._eval(node.body) if truth(self._eval(node.test)) else self._eval(node.orelse)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(f"unknown function {name!r} (functions: {', '.join(sorted(self.functions))})")
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise ExpressionError("* and ** arguments are not allowed")
            args = [self._eval(a) for a in node.args]
            kwargs = {k.arg: self._eval(k.value) for k in node.keywords}
            return self.functions[node.func.id](*args, **kwargs)
        if isinstance(node, ast.Subscript):
            base = self._eval(node.value)
            if base is None:
                raise ExpressionError("indexing None (a gradient that does not exist)")
            return plain(comparable(base)[self._index(node.slice)]) if not isinstance(base, (list, tuple)) else base[self._index(node.slice)]
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [self._eval(e) for e in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        raise ExpressionError(f"{type(node).__name__} is not allowed in a lesson expression")

    def _index(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Slice):
            return slice(
                self._eval(node.lower) if node.lower else None,
                self._eval(node.upper) if node.upper else None,
                self._eval(node.step) if node.step else None,
            )
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        return self._eval(node)


__all__ = ["Evaluator", "ExpressionError", "as_scalar", "format_value", "parse_number", "truth"]
