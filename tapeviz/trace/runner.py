"""Run a learner's ``.py`` program under ``record()`` and return its trace.

The program runs in-process as ``__main__`` with its own folder on ``sys.path``. Its output is
captured (both streams together in ``ProgramRun.output``; each in ``trace.meta["stdout"]`` and
``["stderr"]``, its warnings in ``["warnings"]``, for the UI's messages panel), and when it fails the error shows the program's own frames only, never tapeviz's.
If the program defines ``train_step()``, the trace keeps it so the UI can train more; otherwise,
if it trained with ``model.fit``, one more batch of that fit is the trace's training step.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.errors import ProgramError
from ..engine.program_hooks import HOOKS
from . import budget
from .guards import BoundedText, KeyboardRead, ProcessExit, Tee, guarded
from .trace import Trace, record
from .warning_lines import learner_warnings


@dataclass
class ProgramRun:
    trace: Trace
    output: str
    namespace: dict[str, Any] = field(repr=False, default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def run_program(path: Any, argv: list[str] | None = None, require_events: bool = True,
                limit: budget.Budget | None = None, keep: Any = None) -> ProgramRun:
    """Execute the program at ``path`` while recording; raise ProgramError on any failure.
    ``keep`` bounds a long training loop (``record(keep=...)``, see keep.py)."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProgramError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProgramError(f"{path}: is a directory, not a Python program") from None
    except UnicodeDecodeError:
        raise ProgramError(f"{path}: not a text file (cannot decode it as UTF-8)") from None
    except OSError as exc:
        raise ProgramError(f"{path}: cannot read: {exc.strerror or exc}") from None
    filename = str(path.resolve())
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
        raise ProgramError(f"{where}: syntax error: {exc.msg}", _syntax_details(exc)) from None
    except ValueError as exc:  # e.g. null bytes in the source
        raise ProgramError(f"{path}: cannot compile: {exc}") from None

    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename, "__builtins__": __builtins__}
    output = BoundedText()  # both streams, interleaved as printed (ProgramRun.output)
    stdout, stderr = Tee(output), Tee(output)
    caught: list[warnings.WarningMessage] = []
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [str(path), *(argv or [])]
    sys.path.insert(0, str(path.resolve().parent))
    linecache.checkcache(filename)
    trace = Trace(title=path.name, meta={"source": filename})  # the full path: a replay opened from elsewhere finds it
    from .keep import as_policy

    keep = as_policy(keep)  # a bad policy fails here, in one line, not as the program's error
    for hooks in list(HOOKS.values()):  # e.g. Keras: layer names start at ``dense`` again
        hooks.fresh()
    trace.limit(budget.current() if limit is None else limit)
    stopped = ""
    if keep is not None:  # a bounded run replays from the generators as they are now (replay.py)
        from .replay import take_random_state

        random_start, libraries = take_random_state(), tuple(HOOKS)
    try:
        with warnings.catch_warnings(record=True) as caught, record(trace, keep=keep), guarded(), \
                contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            warnings.simplefilter("always")
            warnings.showwarning = learner_warnings(caught, trace)  # (restored by catch_warnings)
            exec(code, namespace)
    except budget.BudgetExceeded as exc:  # a runaway program: keep what it recorded
        stopped = str(exc)
    except KeyboardRead:
        where = _user_line(filename, sys.exc_info()[1])
        raise ProgramError(
            f"{path}{where}: this program reads from the keyboard (input()), and tapeviz runs it without one: "
            "write the value into the program instead", output.getvalue(),
        ) from None
    except ProcessExit as exc:  # os._exit() would end tapeviz too, silently, with its status
        raise ProgramError(
            f"{path}: the program ended the process itself (os._exit({exc.status})), so nothing could be "
            "shown; call sys.exit() or let the program end",
            output.getvalue(),
        ) from None
    except SystemExit as exc:
        if exc.code not in (None, 0):
            status = exc.code if isinstance(exc.code, int) else repr(str(exc.code))[:200]  # never raw control codes
            raise ProgramError(f"{path}: the program exited with status {status}", output.getvalue()) from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the learner's own error: show their frames only
        failure = _program_failure(path, filename, exc)
        _keep_for_post_mortem(failure, trace, exc, filename)
        raise failure from None
    finally:
        trace.limit(None)
        sys.argv = old_argv
        sys.path[:] = old_path
        # Kept in the trace (and its file) for the UI's messages panel: the screen did not exist yet.
        trace.meta["stdout"], trace.meta["stderr"] = stdout.own.getvalue(), stderr.own.getvalue()
    if trace.run is not None:  # a bounded run: its summarised iterations replay by running the program again
        from .replay import Program

        trace.run.program = Program(filename, tuple(argv or ()), source, random_start, libraries)
    trainer = namespace.get("train_step")
    if not callable(trainer):
        trainer = next((t for hooks in list(HOOKS.values()) if callable(t := hooks.trainer())), None)
    if callable(trainer):
        trace.trainer = _keeping_warnings(trainer, trace)
    for hooks in list(HOOKS.values()):  # e.g. Keras's optimizers: what the view needs to write update rules
        trace.meta.update(hooks.meta())
    if require_events and len(trace) == 0:
        raise ProgramError(
            f"{path}: the program ran but recorded nothing: no op ran inside a GradientTape on a "
            "watched tensor or a trainable variable"
        )
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    if stopped:
        trace.meta["stopped"] = stopped
        messages.append(f"tapeviz: {stopped}")
    if messages:
        trace.meta["warnings"] = list(messages)
    return ProgramRun(trace, output.getvalue(), namespace, messages)


def _keeping_warnings(trainer: Any, trace: Trace) -> Any:
    """``trainer``, its warnings kept in the trace's messages (each once), not printed over the UI."""
    import functools

    @functools.wraps(trainer)
    def train(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = trainer(*args, **kwargs)
        kept = trace.meta.setdefault("warnings", [])
        kept += [text for w in caught if (text := f"{w.category.__name__}: {w.message}") not in kept]
        if not kept:
            del trace.meta["warnings"]
        return result

    return train


def _user_line(filename: str, exc: BaseException | None) -> str:
    """``:N``, the line of the learner's file where ``exc`` was raised (empty if none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename] if exc else []
    return f":{frames[-1].lineno}" if frames else ""


def _program_failure(path: Path, filename: str, exc: BaseException) -> ProgramError:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    kind = type(exc).__name__
    hint = "" if ". Did you mean" in str(exc) else _did_you_mean(exc)  # tapeviz's own messages may hold it
    message = str(exc).split("\n")[0] + hint
    if frames:
        last = frames[-1]
        headline = f"{path}:{last.lineno}: {kind}: {message}"
    else:
        headline = f"{path}: {kind}: {message}"
    lines = ["Traceback (your program's frames):"]
    for f in frames:
        lines.append(f'  File "{path}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line.strip()}")
    lines.append(f"{kind}: {exc}{hint}")
    return ProgramError(headline, "\n".join(lines))


def _keep_for_post_mortem(failure: ProgramError, trace: Trace, exc: BaseException, filename: str) -> None:
    """The events recorded before the error, and the error, stay looked-at-able: ``failure.trace``."""
    from .postmortem import keep_failure

    keep_failure(trace, exc, filename, str(failure), failure.details)
    failure.trace = trace  # type: ignore[attr-defined]


def _did_you_mean(exc: BaseException) -> str:
    """Python's ". Did you mean: 'x'?" hint; before 3.12 only its own exception printer writes it."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
    text = said.getvalue()
    return text[text.index(". Did you mean"):].splitlines()[0] if ". Did you mean" in text else ""


def _syntax_details(exc: SyntaxError) -> str:
    if not exc.text:
        return ""
    caret = " " * max((exc.offset or 1) - 1, 0) + "^"
    return f"    {exc.text.rstrip()}\n    {caret}"
