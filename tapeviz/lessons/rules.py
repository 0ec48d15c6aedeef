"""A backward rule the learner writes (``@write``): compiled, checked, and trained with.

The learner types ``def RULE(x, dy): return …`` in the lesson's editor: ``x`` is the input of
the program's ``@tf.custom_gradient`` function and ``dy`` the upstream gradient (numpy arrays),
the return value the gradient sent to ``x``. This module

* compiles it in a small namespace (``np``, ``tf`` and a few harmless builtins: no ``open``, no
  ``import``). This is the learner's own code running on the learner's own machine, not a
  sandbox against an attacker; what it guards against is a mistake taking tapeviz down: every
  error becomes a :class:`RuleError` naming the learner's line, and a call that runs longer
  than ``RULE_SECONDS`` (``while True:``) is stopped;
* checks it against central finite differences of the function's own forward pass at a few
  random points (:func:`check_rule`), reporting each point and where it disagrees;
* runs the lesson's program with the rule in place of the program's placeholder
  (:func:`run_with_rule`), so training uses it and a wrong rule shows in the loss curve.
"""

from __future__ import annotations

import ast
import builtins
import math
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.errors import TapevizError

__all__ = [
    "FILENAME", "Point", "RuleCheck", "RuleError", "check_rule", "compile_rule", "installed", "run_with_rule",
    "template",
]

FILENAME = "<your rule>"  # the learner's code, as tracebacks name it
RULE_SECONDS = 2.0  # one call of the learner's rule
RULE_TOTAL_SECONDS = 10.0  # every call of one try: the check's points and the training run
MAX_RULE_CHARS = 4000
POINTS = 4  # random points of the finite-difference check
STEP = 1e-6  # central differences in float64
RTOL, ATOL = 1e-4, 1e-6
BIG_DIGITS = 7  # a whole number this many digits long (range(10**8), np.ones(10**9)) is refused  # how close the rule must come to the finite differences
SAFE_BUILTINS = {
    name: getattr(builtins, name) for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len", "list", "max",
        "min", "pow", "range", "reversed", "round", "sorted", "sum", "tuple", "zip", "ValueError", "TypeError",
        "ArithmeticError", "ZeroDivisionError", "Exception", "True", "False", "None",
    ) if hasattr(builtins, name)
}


class RuleError(TapevizError):
    """The learner's rule cannot be used: one line naming its line number and what went wrong."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


def template(rule: str) -> str:
    """What the editor starts with: the signature, what the arguments are, an empty return."""
    return (
        f"def {rule}(x, dy):\n"
        "    # x: the op's input\n"
        "    # dy: upstream gradient\n"
        "    return ...\n"
    )


class _Timeout(BaseException):
    """Raised inside the learner's frames once the time budget is spent. Not an Exception, so
    ``except Exception:`` in the learner's code does not catch it; a bare ``except:`` does, but
    the next line event raises it again, so it still gets out."""


def _refuse(tree: ast.AST) -> None:
    """Refuse, before running, what would hang in C or reach tapeviz's internals: a huge integer
    power (``10**10**10`` computes for ever without a line event), dunder attributes, and
    assigning to an attribute (``np.exp = …`` would change numpy for tapeviz too)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise RuleError("import is not available here: np and tf are already there", node.lineno)
        if isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            raise RuleError(f"attribute {node.attr} is not available here", node.lineno)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            # np and tf are tapeviz's own modules: np.exp = … would change them for everyone
            raise RuleError(f"assigning to .{node.attr} is not available here: use a name of your own",
                            node.lineno)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exp, base = node.right, node.left
            big = isinstance(exp, ast.Constant) and isinstance(exp.value, int) and abs(exp.value) > 1000
            if isinstance(base, ast.Constant) and isinstance(base.value, int) and isinstance(exp, ast.Constant) \
                    and isinstance(exp.value, int) and abs(base.value) > 1:
                big = big or exp.value * math.log10(abs(base.value)) > BIG_DIGITS  # range(10 ** 12)
            if big or (isinstance(exp, ast.BinOp) and isinstance(exp.op, ast.Pow)):
                raise RuleError("that power is too large to compute", node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and abs(node.value) >= 10 ** BIG_DIGITS:
            # a loop or an array that large runs in C, where the time limit cannot stop it
            raise RuleError(f"{node.value} is too large a number for a rule", node.lineno)


@dataclass
class LearnerRule:
    """The learner's compiled rule: call it with numpy arrays or tapeviz tensors."""

    name: str
    function: Callable[..., Any]
    source: str
    failed: RuleError | None = None  # the last error (a program run reports it in its own words)

    spent: float = 0.0  # seconds in all calls so far (a check and a training run share a budget)

    def __call__(self, x: Any, dy: Any) -> np.ndarray:
        xa, dya = _array(x), _array(dy)
        start = time.monotonic()
        try:
            if self.spent > RULE_TOTAL_SECONDS:
                raise RuleError(f"the rule took {self.spent:.1f} s in all, too slow to train with: "
                                "write it without Python loops (numpy works on whole arrays)")
            return _result(_call(self.function, xa, dya), xa.shape)
        except RuleError as exc:
            self.failed = exc
            raise
        finally:
            self.spent += time.monotonic() - start


def _array(value: Any) -> np.ndarray:
    value = value.numpy() if hasattr(value, "numpy") else value
    out = np.array(value, dtype=np.float64)  # a copy: the learner may change it in place
    return out


def compile_rule(source: str, name: str) -> LearnerRule:
    """The learner's text compiled into a rule; RuleError (with its line) when it cannot be."""
    if len(source) > MAX_RULE_CHARS:
        raise RuleError(f"the rule is {len(source)} characters long; at most {MAX_RULE_CHARS} are read")
    try:
        tree = ast.parse(source, FILENAME, "exec")
    except SyntaxError as exc:
        raise RuleError(f"SyntaxError: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise RuleError(f"cannot read the rule: {type(exc).__name__}") from None
    _refuse(tree)
    import tapeviz.tf as tf

    namespace: dict[str, Any] = {"__builtins__": dict(SAFE_BUILTINS), "np": np, "tf": tf, "__name__": "rule"}
    try:
        code = compile(tree, FILENAME, "exec")
        _guarded(lambda: exec(code, namespace))
    except RuleError:
        raise
    except Exception as exc:  # e.g. a NameError at the top level of the learner's text
        raise _learner_error(exc) from None
    function = namespace.get(name)
    if not callable(function):
        raise RuleError(f"your code defines no function {name}(x, dy): write 'def {name}(x, dy):'")
    return LearnerRule(name, function, source)


def _learner_line(exc: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    return frames[-1].lineno if frames else None


def _learner_error(exc: BaseException) -> RuleError:
    message = str(exc).split("\n")[0]
    return RuleError(f"{type(exc).__name__}: {message}" if message else type(exc).__name__, _learner_line(exc))


def _guarded(run: Callable[[], Any]) -> Any:
    """``run()`` with a time budget on the learner's frames (a trace function that raises in
    them once ``RULE_SECONDS`` have passed); the previous trace function comes back after."""
    end = time.monotonic() + RULE_SECONDS
    state = {"line": None}

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event in ("line", "opcode"):
            state["line"] = frame.f_lineno
            if time.monotonic() > end:
                raise _Timeout()
        return local

    def outer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == FILENAME:
            # every instruction, not only new lines: ``while True: pass`` on one line jumps back
            # to itself without a line event
            frame.f_trace_opcodes = True
            return local
        return None

    before = sys.gettrace()
    sys.settrace(outer)
    try:
        return run()
    except _Timeout:
        raise RuleError(f"still running after {RULE_SECONDS:g} s (a loop that never ends?): stopped",
                        state["line"]) from None
    except RecursionError:
        raise RuleError("RecursionError: the rule calls itself without end", state["line"]) from None
    finally:
        sys.settrace(before)


def _call(function: Callable[..., Any], x: np.ndarray, dy: np.ndarray) -> Any:
    try:
        return _guarded(lambda: function(x, dy))
    except RuleError:
        raise
    except Exception as exc:
        raise _learner_error(exc) from None


def _result(returned: Any, shape: tuple[int, ...]) -> np.ndarray:
    """What the rule returned as a float array of ``x``'s shape; RuleError otherwise."""
    if returned is None:
        raise RuleError("the rule returned None: end it with 'return …'")
    if returned is Ellipsis:
        raise RuleError("the rule still returns ...: replace the ... with your formula")
    if isinstance(returned, (tuple, list)) and len(returned) != (shape[0] if shape else -1):
        raise RuleError(f"the rule returned a {type(returned).__name__} of {len(returned)}; return one array")
    returned = returned.numpy() if hasattr(returned, "numpy") else returned
    try:
        out = np.asarray(returned, dtype=np.float64)
    except (TypeError, ValueError):
        raise RuleError(f"the rule returned {type(returned).__name__}, not numbers") from None
    if out.shape != shape:
        raise RuleError(f"the rule returned shape {out.shape}, but x has shape {shape}: "
                        "return one gradient per entry of x")
    return out


@dataclass(frozen=True)
class Point:
    """One point of the check: where the rule and the finite differences differ most."""

    number: int  # 1-based
    index: tuple[int, ...]  # the entry of x with the largest gap
    x: float
    dy: float
    yours: float
    expected: float
    ok: bool

    def line(self) -> str:
        at = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        mark = "✓" if self.ok else "✗"
        return (f"{mark} point {self.number}: x{at} = {self.x:.4g}, dy = {self.dy:.4g}: "
                f"yours {self.yours:.6g}, finite differences {self.expected:.6g}")


@dataclass(frozen=True)
class RuleCheck:
    """The finite-difference check of a rule: every point, and whether all agree."""

    points: tuple[Point, ...]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.points)

    @property
    def first_wrong(self) -> Point | None:
        return next((p for p in self.points if not p.ok), None)


def check_rule(rule: Callable[[Any, Any], np.ndarray], forward: Callable[[np.ndarray], np.ndarray],
               shape: tuple[int, ...], seed: int = 0, points: int = POINTS) -> RuleCheck:
    """``rule`` against central finite differences of ``forward`` at ``points`` random points of
    ``shape``: x uniform in [−3, 3], dy normal. The expected gradient is d(Σ dy·f(x))/dx, entry
    by entry, so the check holds for elementwise ops and for ops such as softmax alike."""
    rng = np.random.default_rng(seed)
    found = []
    for k in range(points):
        x = rng.uniform(-3.0, 3.0, size=shape)
        y0 = np.asarray(forward(x), dtype=np.float64)
        dy = rng.normal(size=y0.shape)
        yours = rule(x.copy(), dy.copy())
        expected = np.zeros(shape)
        for index in np.ndindex(*shape):
            up, down = x.copy(), x.copy()
            up[index] += STEP
            down[index] -= STEP
            expected[index] = (np.sum(dy * forward(up)) - np.sum(dy * forward(down))) / (2 * STEP)
        gap = np.abs(yours - expected) - (ATOL + RTOL * np.abs(expected))
        gap = np.where(np.isnan(gap), np.inf, gap)
        worst = np.unravel_index(int(np.argmax(gap)), shape) if shape else ()
        worst = tuple(int(i) for i in worst)
        dy_at = float(dy[worst]) if dy.shape == x.shape else float("nan")
        found.append(Point(k + 1, worst, float(x[worst]), dy_at, float(yours[worst]), float(expected[worst]),
                           bool(np.all(gap <= 0))))
    return RuleCheck(tuple(found))


# ---- the program with the learner's rule in place ---------------------------------------------
_PENDING: dict[str, Callable[..., Any]] = {}


def installed(name: str) -> Callable[..., Any]:
    """The rule a program run by ``run_with_rule`` uses for ``name`` (bound now: training later
    keeps the same rule)."""
    try:
        return _PENDING[name]
    except KeyError:
        raise RuleError(f"no rule {name} was given to this run") from None


def with_rule_source(source: str, name: str) -> str:
    """``source`` with its top-level ``def name`` replaced by the installed rule, line count kept
    (errors in the program keep their line numbers)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            last = node.end_lineno or node.lineno
            lines = source.splitlines(keepends=True)
            line = f"{name} = __import__('tapeviz.lessons.rules', fromlist=['installed']).installed({name!r})\n"
            lines[first - 1: last] = [line + "\n" * (last - first)]
            return "".join(lines)
    raise RuleError(f"the lesson's program has no top-level 'def {name}(x, dy)' for the rule to replace")


def run_with_rule(program: Path, name: str, rule: Callable[..., Any], overrides: dict[str, Any] | None = None) -> Any:
    """Run ``program`` (a ``ProgramRun``) with the learner's ``rule`` in place of its ``def name``."""
    from ..trace import run_program
    from .whatif import changed_source, find_slot

    source = program.read_text(encoding="utf-8")
    for key, value in (overrides or {}).items():
        source = changed_source(source, find_slot(source, key), value)
    source = with_rule_source(source, name)
    _PENDING[name] = rule
    try:
        with tempfile.TemporaryDirectory(prefix="tapeviz-rule-") as tmp:
            copy = Path(tmp) / program.name
            copy.write_text(source, encoding="utf-8")
            run = run_program(copy)
    finally:
        _PENDING.pop(name, None)
    run.trace.meta["source"] = str(program)
    return run
