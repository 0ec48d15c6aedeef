"""Where in the learner's program each recorded op came from, and the names the learner used.

While :func:`~tapeviz.trace.record` listens, every recorded op is traced back to the first stack
frame outside the tapeviz package (programs run by the runner, tests and notebooks are the
learner's code; so are the built-in examples in ``tapeviz/examples``: they are the program
there). That frame's file, line and function make the op's :class:`SourceSite`.

Names come from the program's own text and variables:

- an op's ``assigned_name``: when its line assigns the result to a plain name
  (``logits = model(x)``), the name goes to the *last* op that execution of the line recorded,
  the one whose output was assigned. A ``return`` line passes the question to the line that
  called it (``loss = self.loss()``), so helper functions do not hide the caller's name.
- a tensor's name: an op input bound to a local or global name in the learner's frame at the
  time (``x``, ``labels``, ``w``), found by the identity of the Tensor objects there.

All of this runs inside the trace's listener, so it costs nothing when no listener records.
"""

from __future__ import annotations

import ast
import linecache
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from ..engine.events import OpRecorded
from ..engine.tensor import Tensor

__all__ = ["SiteRecorder", "SourceSite"]


@dataclass(frozen=True, slots=True)
class SourceSite:
    """The learner's line that ran an op: ``file``, 1-based ``line``, enclosing ``function``
    (``"<module>"`` at top level), and ``assigned_name``: the plain name the op's output was
    assigned to, when it is the result the line assigned (else None). For a ``return`` line the
    name is the one its caller's line assigned the returned value to."""

    file: str
    line: int
    function: str
    assigned_name: str | None = None


_RETURN = ""  # marks a line that returns a value: its caller's line names the result
_PACKAGE = str(Path(__file__).resolve().parent.parent) + "/"
_EXAMPLES = _PACKAGE + "examples/"
_LIBRARIES = tuple(
    {str(Path(p).resolve()) + "/" for key in ("stdlib", "platstdlib", "purelib", "platlib")
     if (p := sysconfig.get_paths().get(key))}
)
_MAX_RETURN_HOPS = 8


class SiteRecorder:
    """Per-trace state while recording: the current line execution and what is known of files.

    ``capture`` is called for each OpRecorded as it is emitted (the stack is still there);
    it returns the site and a token naming the line execution whose assigned name the op may
    carry. The trace keeps the name only on the latest op of each token.
    """

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}  # file -> program text
        self.tensor_names: dict[int, str] = {}  # engine tensor id -> name (not yet renumbered)
        self._user_code: dict[CodeType, bool] = {}
        self._line_names: dict[str, dict[int, str]] = {}  # file -> line -> name or _RETURN
        self._sites: dict[tuple[str, int, str, str | None], SourceSite] = {}
        self._frame: FrameType | None = None  # the learner's frame of the current line execution
        self._line = 0
        self._bound: _BoundTensors | None = None  # the line's frame's locals, when looked at
        self._globals_bound: _BoundTensors | None = None
        self._globals_frame: FrameType | None = None
        self._line_outputs: set[int] = set()  # outputs of the ops this line has run so far
        self._naming: tuple[str | None, FrameType, int] = (None, None, 0)  # type: ignore[assignment]
        self._namer_lasti = -1
        self._namer: FrameType | None = None  # frame whose line gives the assigned name
        self._namer_line = 0
        self._namer_name: str | None = None
        self._last_output = 0
        self.token = 0

    def release(self) -> None:
        """Drop the frames held between ops (called when recording stops)."""
        self._frame = self._namer = self._globals_frame = None
        self._bound = self._globals_bound = None
        self._naming = (None, None, 0)  # type: ignore[assignment]

    def capture(self, event: OpRecorded) -> tuple[SourceSite, int | None] | None:
        """The site of ``event`` (None outside any learner frame) and its naming token."""
        frame = self._learner_frame(sys._getframe(2))
        if frame is None:
            return None
        line = frame.f_lineno
        if frame is not self._frame or line != self._line:  # another line (or run of it)
            self._frame, self._line = frame, line
            self._bound = None
            self._line_outputs = set()
            self._naming = self._assigned_name(frame, line)
        self._name_inputs(event, frame)
        self._line_outputs.add(event.output.id)
        name, namer, namer_line = self._naming
        if name is not None:
            if (
                namer is not self._namer
                or namer_line != self._namer_line
                or name != self._namer_name
                or (namer.f_lasti <= self._namer_lasti and self._result_assigned(namer, name))
            ):  # a new execution of the naming line (a loop runs it again)
                self._namer, self._namer_line, self._namer_name = namer, namer_line, name
                self.token += 1
            self._namer_lasti = namer.f_lasti
            self._last_output = event.output.id
        code = frame.f_code
        key = (code.co_filename, line, code.co_name, name)
        site = self._sites.get(key)
        if site is None:
            site = self._sites[key] = SourceSite(*key)
        return site, (self.token if name is not None else None)

    def _name_inputs(self, event: OpRecorded, frame: FrameType) -> None:
        """Name the op's inputs bound to names in ``frame``; look only when one may be."""
        for ref in event.inputs:
            if ref.id in self.tensor_names or ref.id in self._line_outputs:
                continue  # named already, or made earlier on this line: not bound to a name yet
            if self._bound is None:
                self._bound = _BoundTensors(frame.f_locals)
            name = self._bound.name_of(ref.id)
            if name is None and frame.f_globals is not frame.f_locals:
                if self._globals_bound is None or self._globals_frame is not frame:
                    self._globals_frame = frame
                    self._globals_bound = _BoundTensors(frame.f_globals)
                name = self._globals_bound.name_of(ref.id)
            if name is not None:
                self.tensor_names[ref.id] = name

    # ---- finding the learner's frame and line -----------------------------------------------

    def _learner_frame(self, frame: FrameType | None) -> FrameType | None:
        while frame is not None:
            if self._is_learner_code(frame):
                return frame
            frame = frame.f_back
        return None

    def _is_learner_code(self, frame: FrameType) -> bool:
        code = frame.f_code
        known = self._user_code.get(code)
        if known is None:
            file = code.co_filename
            path = str(Path(file).resolve()) if file and not file.startswith("<") else file
            if path.startswith(_EXAMPLES):  # the built-in examples are the program there
                known = True
            else:
                library = path.startswith(_LIBRARIES) or file.startswith("<frozen")
                known = not (path.startswith(_PACKAGE) or library)
            self._user_code[code] = known
            if known:
                self._read_source(file, frame.f_globals)
        return known

    def _read_source(self, file: str, module_globals: dict[str, Any]) -> None:
        if file in self._line_names:
            return
        text = "".join(linecache.getlines(file, module_globals))
        self._line_names[file] = _names_by_line(text)
        if text:
            self.sources[file] = text

    def _assigned_name(self, frame: FrameType, line: int) -> tuple[str | None, FrameType, int]:
        """The plain name the result of ``line`` goes to, following ``return`` lines outward."""
        for _ in range(_MAX_RETURN_HOPS):
            name = self._line_names.get(frame.f_code.co_filename, {}).get(line)
            if name != _RETURN:
                return name, frame, line
            caller = self._learner_frame(frame.f_back)
            if caller is None:
                break
            frame, line = caller, caller.f_lineno
        return None, frame, line

    def _result_assigned(self, frame: FrameType, name: str) -> bool:
        """True when ``name`` already holds the last op's output: the line has run again."""
        value = frame.f_locals.get(name, frame.f_globals.get(name))
        return isinstance(value, Tensor) and value._id == self._last_output != 0


class _BoundTensors:
    """The Tensors bound to names in one scope (locals or globals), found by identity.

    The objects are kept, not their ids: a tensor gets its engine id only when it first takes
    part in a recording, which may be after the scope was looked at (a line's second op).
    """

    def __init__(self, scope: dict[str, Any]) -> None:
        self._pairs = [
            (name, value)
            for name, value in list(scope.items())
            if isinstance(value, Tensor) and not name.startswith("__")
        ]
        self._by_id: dict[int, str] = {}
        self._unnumbered = len(self._pairs)  # tensors whose id was still 0 when last indexed

    def name_of(self, engine_id: int) -> str | None:
        """The first name bound to the tensor with ``engine_id``, or None."""
        name = self._by_id.get(engine_id)
        if name is None and self._unnumbered:
            self._unnumbered = 0
            for n, value in self._pairs:
                if value._id:
                    self._by_id.setdefault(value._id, n)
                else:
                    self._unnumbered += 1
            name = self._by_id.get(engine_id)
        return name


def _names_by_line(text: str) -> dict[int, str]:
    """Line -> the plain name its statement assigns, or ``_RETURN`` for ``return <value>``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    out: dict[int, str] = {}
    for node in ast.walk(tree):
        name: str | None = None
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            name = node.targets[0].id  # type: ignore[attr-defined]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            name = node.target.id if node.value is not None else None
        elif isinstance(node, ast.Return) and node.value is not None:
            name = _RETURN
        if name is not None:
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                out[line] = name
    return out
