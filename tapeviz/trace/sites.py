"""Where in the learner's program each recorded op came from, and the names the learner used.

While :func:`~tapeviz.trace.record` listens, every recorded op is traced back to the first stack
frame that is not tapeviz's own code nor the standard library's, told by the frame's module
(programs run by the runner, tests, notebook cells and temporary files are the learner's code,
wherever the file sits, site-packages included; so are the built-in examples in
``tapeviz/examples`` and the lessons and examples a wheel bundles in ``tapeviz/_bundled``). That frame's file, line and function make the op's :class:`SourceSite`.

Names come from the program's own text and variables:

- an op's ``assigned_name``: when its line assigns the result to a plain name
  (``logits = model(x)``), the name goes to the *last* op that execution of the line recorded,
  the one whose output was assigned. A ``return`` line passes the question to the line that
  called it (``loss = self.loss()``), so helper functions do not hide the caller's name.
- a tensor's name: an op input bound to a local or global name in the learner's frame at the
  time (``x``, ``labels``, ``w``), found by the identity of the Tensor objects there (or a copy
  Keras made of one in another dtype, by its values). Data the library made from the program's
  objects is named after them, as :mod:`~tapeviz.engine.origins` notes it: a batch ``fit`` took
  from ``images`` is ``images[0:16]``, a sparse loss's one-hot labels ``one_hot(labels)``.

All of this runs inside the trace's listener, so it costs nothing when no listener records:
the names are copied as each op is emitted and searched when the trace folds its events.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Optional

import numpy as np

from ..engine import origins
from ..engine.events import OpRecorded, quick_init
from ..engine.tensor import Tensor
from .line_names import _RETURN, _names_by_line
from .own_code import is_library_code, is_tapeviz_code, program_edges  # noqa: F401  (is_*: re-exported)

__all__ = ["SiteRecorder", "SourceSite", "is_library_code", "is_tapeviz_code"]


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


quick_init(SourceSite)  # (one is made for each op whose line's name moves on to a later op)

_MAX_RETURN_HOPS = 8
_OUTSIDE_PROGRAM: Any = object()  # the frame walk met a function that runs the program from outside it
_Naming = tuple[Optional[str], Optional[FrameType], int, Optional[FrameType]]


class SiteRecorder:
    """Per-trace state while recording: the current line execution and what is known of files.

    ``capture`` is called for each OpRecorded as it is emitted (the stack is still there);
    it returns the site and a token naming the line execution whose assigned name the op may
    carry. The trace keeps the name only on the latest op of each token.
    """

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}  # file -> program text
        self.tensor_names: dict[int, str] = {}  # engine tensor id -> name (not yet renumbered)
        # Code objects are looked up by id(): hashing a code object hashes its bytecode and
        # constants on every lookup, and the walk does one lookup per frame per op. Both tables
        # keep the code objects alive, so an id cannot be reused while it is a key.
        self._library: dict[int, CodeType] = {}
        self._learner: dict[int, _LearnerCode] = {}
        self._line_names: dict[str, dict[int, str]] = {}  # file -> line -> name or _RETURN
        self._sites: dict[tuple[str, int, str, str | None], SourceSite] = {}
        self._frame: FrameType | None = None  # the learner's frame of the current line execution
        self._line = 0
        self._lasti = -1  # the instruction that frame was at for the last op (same: same line)
        self._scope: _Scope | None = None  # the names of the line's frame, when copied
        self._globals_copy: dict[str, Any] | None = None  # its module's names, copied once a call
        self._globals_frame: FrameType | None = None
        # id(module's names) -> (those names, their (keys, ids of values), the copy made of them)
        self._module_copies: dict[int, tuple[dict[str, Any], tuple[tuple[str, ...], tuple[int, ...]], dict[str, Any]]] = {}
        # Tensor ids this run of the line needs no lookup for: its own outputs (not bound to a
        # name yet) and the inputs already looked up in its scope.
        self._line_settled: set[int] = set()
        self._lookups: list[tuple[int, _Scope]] = []  # to search when resolving, in order
        self._first_lookup: dict[int, _Scope] = {}  # each id's first lookup (or _SEARCHED)
        self._values: dict[int, Any] = {}  # looked-up inputs' values, for names by value
        self._indexes: dict[int, _BoundTensors] = {}  # id(copied names) -> their tensors, once searched
        # id(object) -> (the object, its name): the program's objects library-made data was named
        # after (images for images[0:16]), for data made with no frame of the program on the stack
        self._source_names: dict[int, tuple[Any, str]] = {}
        # The program's line that called the last model.fit (nameless): the line of a step the UI
        # trains later (t), which runs the fit's own training step with no line of the program
        self._call_site: SourceSite | None = None
        self._site: SourceSite | None = None  # the current line's site
        # The line whose result gets the name: (name, its frame, its line) for the current line.
        self._naming: _Naming = (None, None, 0, None)
        self._namer: FrameType | None = None  # ... and the run of it the last op belonged to
        self._namer_line = 0
        self._namer_name: str | None = None
        self._namer_lasti = -1  # the instruction the namer frame was at (its call in the line)
        self._namer_callee: FrameType | None = None  # the frame that call made
        self._last_output = 0
        self.token = 0

    def release(self) -> None:  # (called when recording stops)
        """Drop the frames held between ops."""
        self._frame = self._namer = self._namer_callee = self._globals_frame = None
        self._scope, self._globals_copy = None, None
        self._naming = (None, None, 0, None)
        self._module_copies = {}

    def capture(self, event: OpRecorded) -> tuple[SourceSite, int | None] | None:
        """The site of ``event`` (None outside any learner frame) and its naming token."""
        # _learner_frame, inlined (this runs for every op). Frames 0-2 are this method,
        # Trace._listen and the engine function that called it (the registry's _record, which
        # emits an op's event itself, or emit, or a bounded recording's listener): all tapeviz's own.
        frame: FrameType | None = sys._getframe(3)
        library, learner_codes = self._library, self._learner
        callee = None
        while frame is not None:
            code_id = id(frame.f_code)
            if code_id not in library:
                learner = learner_codes.get(code_id) or self._classify(frame)
                if learner is not None:
                    break
            callee, frame = frame, frame.f_back
        if frame is None or learner is _OUTSIDE_PROGRAM:
            if self._source_names:
                self._name_outside_program(event)
            return None if frame is None or self._call_site is None else (self._call_site, None)
        lasti = frame.f_lasti
        if frame is not self._frame or lasti != self._lasti:  # (same instruction: same line)
            self._lasti = lasti
            line = learner.lines.get(lasti) or learner.line_at(frame, lasti)
            if frame is not self._frame or line != self._line:  # another line (or run of it)
                self._frame, self._line = frame, line
                self._scope = None
                self._line_settled = set()
                site = learner.sites.get(line)  # (known for lines that do not return)
                if site is not None:
                    self._naming, self._site = (site.assigned_name, frame, line, None), site
                else:
                    self._naming = naming = self._assigned_name(frame, line, learner)
                    self._site = self._site_of(learner.code, line, naming[0])
                    if naming[1] is frame:
                        learner.sites[line] = self._site
        name, namer, namer_line, hop_callee = self._naming
        if name is not None and event.in_backward and namer is not frame:
            name = None  # a gradient function's return goes back to the tape, not to the caller's name
        if name is not None and origins.calls_without_tensor_result and origins.waits_for_no_tensor(namer):
            name = None  # history = model.fit(...): the line binds what fit returns, not an op's output
        if name is not None:
            # Which run of the naming line is this op part of? Within one run the naming frame's
            # instruction only moves forward, and ops of one call come from the same callee frame;
            # only when neither tells (a loop calling the line's function again) do we look
            # whether the name already holds the previous result.
            namer_lasti = namer.f_lasti  # type: ignore[union-attr]
            callee = hop_callee or callee
            same = namer is self._namer and namer_line == self._namer_line and name == self._namer_name
            if same and namer_lasti <= self._namer_lasti and callee is not self._namer_callee:
                same = not self._result_assigned(namer, name)  # type: ignore[arg-type]
            if not same:  # a new run of it: a new token
                self._namer, self._namer_line, self._namer_name = namer, namer_line, name
                self.token += 1
                if namer is frame:
                    self._scope, self._line_settled = None, set()  # the line runs again: look again
            self._namer_lasti, self._namer_callee = namer_lasti, callee
            self._last_output = event.output.id
        named, settled = self.tensor_names, self._line_settled
        for ref in event.inputs:
            engine_id = ref.id
            if engine_id not in settled and engine_id not in named:
                settled.add(engine_id)
                self._look_up(engine_id, frame)
                if ref.variable is None and engine_id not in self._values:
                    self._values[engine_id] = ref.value  # (for a copy the library made: see below)
        settled.add(event.output.id)
        if name is None:  # (a site carries its line's name into a saved file: not for this op)
            site = self._site
            return (site if site.assigned_name is None else self.nameless(site)), None
        return self._site, self.token

    def nameless(self, site: SourceSite) -> SourceSite:
        """``site`` without the name its line assigns (one shared SourceSite per line: the
        capture gives it to an op whose line's name was dropped, the trace to an op a later op
        of the same line run took the name from)."""
        key = (site.file, site.line, site.function, None)
        found = self._sites.get(key)
        if found is None:
            found = self._sites[key] = SourceSite(*key)
        return found

    def _name_of_source(self, scope: _Scope, source: Any) -> str | None:
        """The name ``scope`` binds ``source`` to, remembered for ``_name_outside_program``."""
        name = _bound_name(scope, source)
        if name is not None:
            self._source_names[id(source)] = (source, name)
        return name

    def _remembered_name(self, source: Any) -> str | None:
        known = self._source_names.get(id(source))
        return known[1] if known is not None and known[0] is source else None

    def _name_outside_program(self, event: OpRecorded) -> None:
        """Name the inputs of an op run with no frame of the program on the stack (the UI's ``t``
        training a ``fit`` program one more batch) that the library made from an object data was
        already named after: the new batch of ``images`` is ``images[batch]`` too."""
        named = self.tensor_names
        for ref in event.inputs:
            if ref.variable is None and ref.id not in named:
                name = _made_from_name(ref.value, self._remembered_name)
                if name is not None:
                    named[ref.id] = name

    def site_of_caller(self) -> SourceSite | None:
        """The learner's line an update came from (its assign or apply_gradients, or model.fit)."""
        frame, learner, _ = self._learner_frame(sys._getframe(1))
        if frame is None or learner is None:
            return self._call_site if learner is _OUTSIDE_PROGRAM else None
        lasti = frame.f_lasti
        site = learner.calls.get(lasti)
        if site is None:
            site = learner.calls[lasti] = self._site_of(learner.code, learner.line_at(frame, lasti), None)
        if origins.calls_without_tensor_result and origins.waits_for_no_tensor(frame):
            self._call_site = site  # (the fit line: where a step the UI trains after it comes from)
        return site

    def _site_of(self, code: CodeType, line: int, name: str | None) -> SourceSite:
        """One shared SourceSite per (file, line, function, name)."""
        key = (code.co_filename, line, code.co_name, name)
        site = self._sites.get(key)
        if site is None:
            site = self._sites[key] = SourceSite(*key)
        return site

    def _look_up(self, engine_id: int, frame: FrameType) -> None:
        """Queue the search for an input's name among ``frame``'s names as they are now.

        A tensor met again (a variable, the data: each step uses them) is searched for in the
        scope of its first lookup right away, so that once named it is not looked up again.
        """
        first = self._first_lookup.get(engine_id)
        if first is None:
            self._first_lookup[engine_id] = self._scope or self._copy_scope(frame)
            return
        if first is not _SEARCHED:
            self._first_lookup[engine_id] = _SEARCHED
            name = self._name_in(first, engine_id)
            if name is not None:
                self.tensor_names[engine_id] = name
                return
        self._lookups.append((engine_id, self._scope or self._copy_scope(frame)))

    def _copy_scope(self, frame: FrameType) -> _Scope:
        """The names of ``frame`` now (its module's: as at its first lookup in this call)."""
        local_names = frame.f_locals
        if frame.f_globals is local_names:  # module level: one dict
            self._scope = (local_names.copy(), None)
        else:
            if self._globals_frame is not frame:
                self._globals_frame, self._globals_copy = frame, self._copy_globals(frame.f_globals)
            self._scope = (local_names.copy(), self._globals_copy)
        return self._scope

    def _copy_globals(self, module_names: dict[str, Any]) -> dict[str, Any]:
        """A copy of a module's names; the previous copy again when the module still binds the
        same names to the very same objects (a training loop calls the same functions every
        step: one copy, and one index of its tensors, serves them all). The previous copy holds
        its objects, so none of their ids can have been reused by another object."""
        known = self._module_copies.get(id(module_names))
        if known is not None and known[0] is module_names:
            if known[1] == (tuple(module_names), tuple(map(id, module_names.values()))):
                return known[2]
        copy = module_names.copy()  # (one call: what another thread rebinds meanwhile is in it or not)
        self._module_copies[id(module_names)] = (module_names, (tuple(copy), tuple(map(id, copy.values()))), copy)
        return copy

    def _name_in(self, scope: _Scope, engine_id: int) -> str | None:
        """The first name the copied ``scope`` binds the tensor to (locals, then globals)."""
        for names in scope:
            if names is not None:
                name = self._index_of(names).name_of(engine_id)
                if name is not None:
                    return name
        return None

    def _index_of(self, names: dict[str, Any]) -> _BoundTensors:
        """The tensors a copied dict of names binds (made once per copy)."""
        index = self._indexes.get(id(names))
        if index is None:  # (the index keeps the dict, so its id stays unique)
            index = self._indexes[id(names)] = _BoundTensors(names)
        return index

    def name_sources(self, engine_ids: tuple[int, ...]) -> None:
        """Name the sources a ``gradient()`` call was given that no op named yet (a variable the
        target never used), from the learner's frame that made the call. A source an op used
        is already being looked up where the ops ran (a model's weights, every step)."""
        named, used = self.tensor_names, self._first_lookup
        unnamed = [i for i in engine_ids if i and i not in named and i not in used]
        if not unnamed:
            return
        frame, _, _ = self._learner_frame(sys._getframe(2))
        if frame is None:
            return
        local_names = frame.f_locals
        module_names = frame.f_globals
        scope = (local_names.copy(), None if module_names is local_names else self._copy_globals(module_names))
        self._lookups += [(engine_id, scope) for engine_id in unnamed]

    def resolve_names(self) -> None:
        """Search the copied scopes for the tensors looked up so far (into ``tensor_names``):
        for each tensor, the first scope that binds it names it, as if searched at the time."""
        named = self.tensor_names
        firsts = [(i, scope) for i, scope in self._first_lookup.items() if scope is not _SEARCHED]
        lookups = firsts + self._lookups
        for engine_id, scope in lookups:  # (a first lookup comes before the others)
            if engine_id not in named:
                name = self._name_in(scope, engine_id)
                if name is not None:
                    named[engine_id] = name
        # A copy the library made of the learner's tensor in another dtype (Keras casts int
        # labels to the predictions' float) is named as the program named the original.
        for engine_id, scope in lookups:
            value = self._values.get(engine_id)
            if engine_id not in named and value is not None:
                name = _cast_copy_of([self._index_of(names).tensors for names in scope if names is not None], value)
                if name is None:
                    name = _made_from_name(value, lambda source, scope=scope: self._name_of_source(scope, source))
                if name is not None:
                    named[engine_id] = name
        self._first_lookup, self._lookups, self._indexes, self._values = {}, [], {}, {}
        self._module_copies = {}

    # ---- finding the learner's frame and line -----------------------------------------------

    def _learner_frame(
        self, frame: FrameType | None
    ) -> tuple[FrameType, _LearnerCode, FrameType | None] | tuple[None, None, None]:
        """The first learner frame from ``frame`` outward, its code, and the frame it called."""
        library, learner_codes = self._library, self._learner
        below = None
        while frame is not None:
            code_id = id(frame.f_code)
            if code_id not in library:
                learner = learner_codes.get(code_id) or self._classify(frame)
                if learner is _OUTSIDE_PROGRAM:
                    return None, _OUTSIDE_PROGRAM, None
                if learner is not None:
                    return frame, learner, below
            below, frame = frame, frame.f_back
        return None, None, None

    def _classify(self, frame: FrameType) -> _LearnerCode | None:
        """Learner code or library code (tapeviz, the standard library, installed packages)?"""
        code = frame.f_code
        if id(code) in program_edges:  # (before the library: it is tapeviz's own code)
            self._learner[id(code)] = _OUTSIDE_PROGRAM  # type: ignore[assignment]
            return _OUTSIDE_PROGRAM  # type: ignore[return-value]
        file = code.co_filename
        path = str(Path(file).resolve()) if file and not file.startswith("<") else file
        learner = not is_library_code(frame.f_globals.get("__name__"), path)
        if not learner:
            self._library[id(code)] = code
            return None
        self._read_source(file, frame.f_globals)
        found = self._learner[id(code)] = _LearnerCode(code, self._line_names[file])
        return found

    def _read_source(self, file: str, module_globals: dict[str, Any]) -> None:
        if file in self._line_names:
            return
        text = "".join(linecache.getlines(file, module_globals))
        self._line_names[file] = _names_by_line(text)
        if text:
            self.sources[file] = text

    def _assigned_name(self, frame: FrameType, line: int, learner: _LearnerCode) -> _Naming:
        """The plain name the result of ``line`` goes to, following ``return`` lines outward:
        ``(name, naming frame, its line, the frame it called when that took a hop)``."""
        callee = None
        for _ in range(_MAX_RETURN_HOPS):
            name = learner.names.get(line)
            if name != _RETURN:
                return name, frame, line, callee
            caller, caller_code, below = self._learner_frame(frame.f_back)
            if caller_code is None:
                break
            callee = below or frame
            frame, learner, line = caller, caller_code, caller_code.line_at(caller, caller.f_lasti)
        return None, None, 0, None

    def _result_assigned(self, frame: FrameType, name: str) -> bool:
        """True when ``name`` already holds the last op's output: the line has run again."""
        value = frame.f_locals.get(name, frame.f_globals.get(name))
        return isinstance(value, Tensor) and value._id == self._last_output != 0


class _LearnerCode:
    """One code object of the learner's program: the names its file's lines assign, and the
    line of each instruction an op was called from (``f_lineno`` decodes the line table on
    every read; the instruction offset ``f_lasti`` is a plain field)."""

    __slots__ = ("code", "names", "lines", "sites", "calls")

    def __init__(self, code: CodeType, names: dict[int, str]) -> None:
        self.code = code
        self.names = names
        self.lines: dict[int, int] = {}  # f_lasti -> line
        self.sites: dict[int, SourceSite] = {}  # line -> its site, for lines that do not return
        self.calls: dict[int, SourceSite] = {}  # f_lasti -> the nameless site of an update made there

    def line_at(self, frame: FrameType, lasti: int) -> int:
        """The line of ``frame`` (running this code) at instruction ``lasti``."""
        line = self.lines.get(lasti)
        if line is None:
            line = self.lines[lasti] = frame.f_lineno
        return line


# The names of a learner's frame when an op used an unnamed tensor there: copies of its locals
# and of its module's globals (None at module level, where the locals are the globals).
_Scope = tuple[dict[str, Any], Optional[dict[str, Any]]]
_SEARCHED: Any = object()  # a first lookup already searched


def _cast_copy_of(scope: list[list[tuple[str, Tensor]]], value: Any) -> str | None:
    """The name of the one tensor in ``scope`` (the tensors of its dicts of names, as indexed by
    ``_BoundTensors``) that ``value`` copies in another dtype."""
    found = {name for tensors in scope for name, t in tensors
             if not name.startswith("_") and (v := t._value).shape == value.shape
             and v.dtype != value.dtype and v.size > 1 and np.array_equal(v, value)}
    return found.pop() if len(found) == 1 else None  # (two candidates: no guess)


def _made_from_name(value: Any, name_of: Callable[[Any], str | None], hops: int = 4) -> str | None:
    """``images[0:16]``: the name of data the library made from an object of the program (the
    array or tensor it passed), named by ``name_of``, written as :mod:`~tapeviz.engine.origins`
    noted it; made from data the library made in turn, the name says both (``one_hot(labels[0:16])``)."""
    found = origins.made_from(value)
    if found is None:
        return None
    source, how = found
    name = name_of(source)
    if name is None and hops:
        name = _made_from_name(source, name_of, hops - 1)
    return None if name is None else how.format(name)


def _bound_name(scope: _Scope, target: Any) -> str | None:
    """The first public name ``scope`` binds to ``target``, or to a tensor holding it."""
    for names in scope:
        for name, value in (names or {}).items():
            if (value is target or (isinstance(value, Tensor) and value._value is target)) and not name.startswith("_"):
                return name
    return None


class _BoundTensors:
    """The Tensors bound to names in one (copied) scope, found by identity.

    The objects are kept, not their ids: a tensor gets its engine id only when it first takes
    part in a recording, which may be after the scope was copied (a line's second op).
    """

    def __init__(self, scope: dict[str, Any]) -> None:
        self._scope = scope
        self._by_id: dict[int, str] = {}
        self.tensors: list[tuple[str, Tensor]] = [  # every (name, tensor), in the dict's order
            (name, value)
            for name, value in scope.items()
            if isinstance(value, Tensor) and not name.startswith("__")
        ]
        self._unnumbered = self.tensors  # not indexed yet: their id was still 0 when last looked at

    def name_of(self, engine_id: int) -> str | None:
        """The first name bound to the tensor with ``engine_id``, or None."""
        name = self._by_id.get(engine_id)
        if name is None and self._unnumbered:
            waiting = []
            for n, value in self._unnumbered:  # (a tensor's names wait together: the first still wins)
                if value._id:
                    self._by_id.setdefault(value._id, n)
                else:
                    waiting.append((n, value))
            self._unnumbered = waiting
            name = self._by_id.get(engine_id)
        return name
