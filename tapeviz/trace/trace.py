"""A recorded trace: the engine's events with small local ids, phases, iterations and graph.

``with record() as trace:`` collects events. Ids are renumbered from 1 in order of first
appearance, so the same program gives the same trace whatever ran before it in the process.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from threading import current_thread
from typing import Any

import numpy as np

from ..engine.events import (
    BackwardStep,
    Event,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    TensorRef,
    VariableAssigned,
    subscribe,
    unsubscribe,
)
from .budget import Budget, Meter
from .budget import current as current_budget
from .graph import Graph
from .ids import LocalIds as _Ids
from .own_code import leaves_the_program
from .sites import SiteRecorder, SourceSite

# Events taken out unfolded (``Trace._take_raw``): each thread's (name, events, the sites captured
# for them by index).
Taken = list[tuple[str, list[Event], dict[int, tuple[SourceSite, int | None]]]]

FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"
PHASES = (FORWARD, BACKWARD, UPDATE)


def phase_of(event: Event) -> str:
    if isinstance(event, OpRecorded):
        return BACKWARD if event.in_backward else FORWARD
    if isinstance(event, VariableAssigned):
        return UPDATE
    return BACKWARD


class Trace:
    """Events plus what is folded from them: graph, phase and iteration of every event, losses."""

    def __init__(self, title: str = "", meta: dict[str, Any] | None = None) -> None:
        self.title = title
        self.meta: dict[str, Any] = dict(meta or {})
        # Each thread's events wait in its own buffer (ident -> (name, events, sites)), appended
        # one thread after another: never interleaved. ``_raw`` is the last emitter's events.
        self._raw: list[Event] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None  # whose buffer _raw is
        self._buffers: dict[threading.Thread, tuple[str, list[Event], dict[int, tuple[SourceSite, int | None]]]] = {}
        self.threads: list[tuple[int, str]] = []  # (first event index, thread name) of each run
        self._meter: Meter | None = None  # the recording budget (budget.py), while one is set
        self._checkpoint: Callable[[], None] | None = None  # train_more's: may raise to stop the step
        self._events: list[Event] = []
        self._phases: list[str] = []
        self._iterations: list[int] = []
        self._tensor_ids, self._op_ids, self._tape_ids = _Ids(), _Ids(), _Ids()
        self._graph = Graph()
        self._iteration = 0
        self._iteration_has_gradient = False
        self._losses: dict[int, float] = {}
        self._values: dict[int, np.ndarray] = {}  # latest forward value of each tensor id
        self.trainer: Callable[[], Any] | None = None  # runs one more training iteration, if known
        self._nonfinite: dict[int, list[int]] = {}  # event index -> tensor ids given NaN/inf there
        self._nonfinite_checked = 0  # events before this index have been checked (done lazily)
        self._local_refs: dict[int, tuple[TensorRef, TensorRef]] = {}  # id(engine ref) -> (it, local copy)
        # The learner's code (see sites.py): op id -> the line that ran it; tensor id -> the
        # learner's name for it; file -> program text, for a source pane.
        self.sites: dict[int, SourceSite] = {}
        self.update_sites: dict[int, SourceSite] = {}  # event index -> the line a VariableAssigned came from
        self.tensor_names: dict[int, str] = self._graph.tensor_names
        self.sources: dict[str, str] = {}
        self._site_recorder: SiteRecorder | None = None  # made when record() first listens
        self._raw_sites: dict[int, tuple[SourceSite, int | None]] = {}  # index in _raw -> capture
        self._named_last: tuple[int, int, int] | None = None  # (token, op id, output id)
        # A bounded recording of a long run (keep.py): which iterations are kept, every
        # iteration's summary. None: every iteration is kept in full.
        self.run: Any = None
        self._iteration_order: list[int] | None = None  # loading a bounded trace: kept iterations

    # ---- ingesting --------------------------------------------------------------------
    def _listen(self, event: Event) -> None:
        with self._lock:
            thread = current_thread()  # not get_ident(): a finished thread's ident is reused by the next
            if thread is not self._thread:  # another thread: its own buffer
                buffer = self._buffers.setdefault(thread, (thread.name, [], {}))
                self._thread, self._raw, self._raw_sites = thread, buffer[1], buffer[2]
            if self._checkpoint is not None:
                self._checkpoint()
            if self._meter is not None:  # a recording budget (budget.py) is set
                self._meter.charge(event)
            self._raw.append(event)
            if type(event) is OpRecorded:
                recorder = self._site_recorder
                if recorder is None:
                    recorder = self._site_recorder = SiteRecorder()
                captured = recorder.capture(event)
                if captured is not None:
                    self._raw_sites[len(self._raw) - 1] = captured
            elif type(event) is GradientsReturned and self._site_recorder is not None:
                self._site_recorder.name_sources(event.sources)  # a source no op used: still "x"
            elif type(event) is VariableAssigned:  # the line that made this update (or fit's line)
                recorder = self._site_recorder = self._site_recorder or SiteRecorder()
                site = recorder.site_of_caller()
                if site is not None:
                    self._raw_sites[len(self._raw) - 1] = (site, None)

    def count_unsynced(self) -> int:
        """How many events the trace holds, without taking its lock or folding: for code that
        may run while this trace files an event (a warning shown from an object's ``__del__``
        during a garbage collection there would wait for the lock its own thread holds)."""
        return len(self._events) + sum(len(raw) for _, raw, _ in list(self._buffers.values()))

    def limit(self, budget: Budget | None) -> None:
        self._meter = Meter(budget) if budget is not None else None  # None: no limit

    def _sync(self) -> None:
        if self._buffers:
            self._fold_taken(self._take_raw())

    def _take_raw(self) -> Taken:
        """Take out the events filed since the last fold, unfolded: each thread's (name, events,
        captured sites), in the order the threads first filed. A bounded recording (keep.py)
        takes each iteration's so and folds only those it keeps."""
        with self._lock:
            buffers, self._buffers = self._buffers, {}
            self._thread, self._raw, self._raw_sites = None, [], {}
        return [buffer for buffer in buffers.values() if buffer[1]]

    def _fold_taken(self, taken: Taken, iteration: int | None = None) -> None:
        """Fold events ``_take_raw`` took out. ``iteration``: the iteration they all belong to,
        for a bounded recording that folds only the iterations it keeps (so the trace's own count
        may be behind); None: count on from the events before them."""
        if iteration is not None and iteration != self._iteration:
            self._iteration, self._iteration_has_gradient = iteration, False
        # The fold makes many small objects and no cycles: a collection run in the middle of it
        # would only walk the whole trace again (a third of the fold's time on a long run).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for name, raw, captured in taken:
                if not self.threads or self.threads[-1][1] != name:
                    self.threads.append((len(self._events), name))
                self._fold(raw, captured)
            self._local_refs.clear()  # the raw events are gone, so are the refs they shared
            recorder = self._site_recorder
            if recorder is not None:
                recorder.resolve_names()
                known, waiting = self._tensor_ids._map, {}
                for engine_id, name in recorder.tensor_names.items():
                    local_id = known.get(engine_id)
                    if local_id is not None:
                        self.tensor_names.setdefault(local_id, name)
                    else:  # a tensor of an iteration a bounded recording has not folded yet
                        waiting[engine_id] = name
                recorder.tensor_names = waiting
                self.sources.update(recorder.sources)
        finally:
            if collecting:
                gc.enable()

    def _discard_taken(self, taken: Taken) -> None:
        """Let go of events ``_take_raw`` took out, never folded (an iteration a bounded recording
        does not keep): the budget no longer counts them, and the names looked up for them are
        searched now rather than kept waiting (their copied scopes hold memory)."""
        if self._meter is not None:
            for _, raw, _ in taken:
                self._meter.refund(raw)
        recorder = self._site_recorder
        if recorder is not None:
            recorder.resolve_names()
            names = recorder.tensor_names
            for _, raw, _ in taken:  # (the names of leaves stay: a later iteration may read them)
                for e in raw:
                    if type(e) is OpRecorded:
                        names.pop(e.output.id, None)

    def _fold(self, raw: list[Event], captured: dict[int, tuple[SourceSite, int | None]]) -> None:
        """``_localize`` then ``_append`` each raw event (and place its captured site), written
        out in one loop for the kinds every op and update makes: OpRecorded, BackwardStep and
        VariableAssigned. The same events, ids, phases, iterations, graph and sites as the two
        methods give (tests/trace/test_recording_paths.py compares them)."""
        tensor_ids, op_ids, tape_ids = self._tensor_ids._map, self._op_ids._map, self._tape_ids._map
        local_refs = self._local_refs
        events, phases, iterations, values = self._events, self._phases, self._iterations, self._values
        add_op = self._graph.add_op
        for k, e in enumerate(raw):
            kind = type(e)
            if kind is OpRecorded:
                refs = []
                for r in e.inputs:  # (Trace._ref, inlined)
                    known = local_refs.get(id(r))
                    if known is not None and known[0] is r:
                        refs.append(known[1])
                    else:
                        raw_id = r.id
                        local_id = tensor_ids.get(raw_id) or _new_id(tensor_ids, raw_id)
                        ref = TensorRef(local_id, r.value, r.variable, r.trainable)
                        local_refs[id(r)] = (r, ref)
                        refs.append(ref)
                r = e.output
                known = local_refs.get(id(r))
                if known is not None and known[0] is r:
                    output = known[1]
                else:
                    raw_id = r.id
                    local_id = tensor_ids.get(raw_id) or _new_id(tensor_ids, raw_id)
                    output = TensorRef(local_id, r.value, r.variable, r.trainable)
                    local_refs[id(r)] = (r, output)
                raw_id, grad_fn_of = e.op_id, e.grad_fn_of
                local = OpRecorded(
                    op_ids.get(raw_id) or _new_id(op_ids, raw_id), e.op, e.scope, tuple(refs), output, e.attrs,
                    tuple([tape_ids.get(i) or _new_id(tape_ids, i) for i in e.tapes]), e.in_backward,
                    (op_ids.get(grad_fn_of) or _new_id(op_ids, grad_fn_of)) if grad_fn_of else 0, e.name,
                )
                # (Trace._append, inlined)
                if local.in_backward:
                    phase = BACKWARD
                else:
                    phase = FORWARD
                    if events and phases[-1] != FORWARD and self._iteration_has_gradient:
                        self._iteration = self._next_iteration()
                        self._iteration_has_gradient = False
                index, iteration = len(events), self._iteration
                events.append(local)
                phases.append(phase)
                iterations.append(iteration)
                add_op(local, index, iteration)
                for ref in refs:
                    if ref.id not in values:
                        values[ref.id] = ref.value
                values[output.id] = output.value
                site = captured.get(k)
                if site is not None:
                    self._place_site(local, *site)
            elif kind is BackwardStep:
                raw_id = e.tape_id
                tape_id = tape_ids.get(raw_id) or _new_id(tape_ids, raw_id)
                raw_id = e.op_id
                op_id = op_ids.get(raw_id) or _new_id(op_ids, raw_id)
                raw_id = e.output_id
                output_id = tensor_ids.get(raw_id) or _new_id(tensor_ids, raw_id)
                local = BackwardStep(
                    tape_id, op_id, e.op, e.scope, output_id, e.upstream,
                    tuple([tensor_ids.get(i) or _new_id(tensor_ids, i) for i in e.input_ids]), e.input_grads,
                )
                events.append(local)
                phases.append(BACKWARD)
                iterations.append(self._iteration)
            elif kind is VariableAssigned:
                raw_id = e.variable_id
                local = VariableAssigned(
                    tensor_ids.get(raw_id) or _new_id(tensor_ids, raw_id), e.name, e.method, e.before, e.after,
                    e.trainable,
                )
                events.append(local)
                phases.append(UPDATE)
                iterations.append(self._iteration)
                site = captured.get(k)
                if site is not None:
                    self.update_sites[len(events) - 1] = site[0]
            else:
                local = self._localize(e)
                self._append(local)
                site = captured.get(k)
                if site is not None:
                    if type(local) is OpRecorded:
                        self._place_site(local, *site)  # type: ignore[arg-type]
                    else:
                        self.update_sites[len(events) - 1] = site[0]

    def _place_site(self, event: OpRecorded, site: SourceSite, token: int | None) -> None:
        """Keep an op's site; an assigned name stays only on the latest op of its line's run."""
        self.sites[event.op_id] = site
        if token is None:
            return
        last = self._named_last
        if last is not None and last[0] == token:
            self.sites[last[1]] = self._site_recorder.nameless(self.sites[last[1]])  # type: ignore[union-attr]
            self._graph.assigned_names.pop(last[2], None)
        self._named_last = (token, event.op_id, event.output.id)
        self._graph.assigned_names[event.output.id] = site.assigned_name  # type: ignore[assignment]

    def restore_names(
        self, sites: dict[int, SourceSite], tensor_names: dict[int, str], sources: dict[str, str]
    ) -> None:
        """Put back what a trace file kept of the learner's code (used by the loader)."""
        outputs = {e.op_id: e.output.id for e in self.events if isinstance(e, OpRecorded)}
        self.sites.update((k, s) for k, s in sites.items() if k in outputs)
        for op_id, site in self.sites.items():
            if site.assigned_name:
                self._graph.assigned_names[outputs[op_id]] = site.assigned_name
        self.tensor_names.update(tensor_names)
        self.sources.update(sources)

    def _localize(self, e: Event) -> Event:
        t = self._tensor_ids
        # Built field by field (half the cost of dataclasses.replace); tests/engine/test_fast_paths.py
        # checks they equal the replace()d events.
        if isinstance(e, OpRecorded):
            return OpRecorded(
                self._op_ids(e.op_id), e.op, e.scope, tuple([self._ref(r) for r in e.inputs]), self._ref(e.output),
                e.attrs, tuple([self._tape_ids(i) for i in e.tapes]), e.in_backward, self._op_ids(e.grad_fn_of),
                e.name,
            )
        if isinstance(e, BackwardStep):
            return BackwardStep(
                self._tape_ids(e.tape_id), self._op_ids(e.op_id), e.op, e.scope, t(e.output_id), e.upstream,
                tuple([t(i) for i in e.input_ids]), e.input_grads,
            )
        if isinstance(e, GradientAccumulated):
            return GradientAccumulated(self._tape_ids(e.tape_id), t(e.tensor_id), e.before, e.added, e.total)
        if isinstance(e, GradientStarted):
            return GradientStarted(
                self._tape_ids(e.tape_id), tuple([t(i) for i in e.targets]), tuple([t(i) for i in e.sources]), e.seeds,
            )
        if isinstance(e, GradientsReturned):
            return GradientsReturned(
                self._tape_ids(e.tape_id), tuple([t(i) for i in e.targets]), tuple([t(i) for i in e.sources]), e.grads,
                e.reasons,
            )
        if isinstance(e, VariableAssigned):
            return VariableAssigned(t(e.variable_id), e.name, e.method, e.before, e.after, e.trainable)
        raise TypeError(f"unknown event type {type(e).__name__}")

    def _ref(self, r: TensorRef) -> TensorRef:
        """``r`` with a local id. The engine gives a tensor one ref for all its events; so do we."""
        known = self._local_refs.get(id(r))
        if known is not None and known[0] is r:
            return known[1]
        local = _ref(r, self._tensor_ids)
        self._local_refs[id(r)] = (r, local)
        return local

    def _append(self, event: Event) -> None:
        """Add one localized event: assign its phase and iteration and fold it into the graph."""
        phase = phase_of(event)
        if phase == FORWARD and self._events:
            if self._phases[-1] != FORWARD and self._iteration_has_gradient:
                self._iteration = self._next_iteration()
                self._iteration_has_gradient = False
        index = len(self._events)
        self._events.append(event)
        self._phases.append(phase)
        self._iterations.append(self._iteration)
        if isinstance(event, OpRecorded):
            self._graph.add_op(event, index, self._iteration)
            for ref in event.inputs:
                self._values.setdefault(ref.id, ref.value)
            self._values[event.output.id] = event.output.value
        elif isinstance(event, GradientStarted):
            self._iteration_has_gradient = True
            if self._iteration not in self._losses and event.targets:
                value = self._values.get(event.targets[0])
                if value is not None and value.size == 1:
                    self._losses[self._iteration] = float(value.reshape(()))

    def _next_iteration(self) -> int:
        order = self._iteration_order
        if order is None:
            return self._iteration + 1
        k = order.index(self._iteration) + 1 if self._iteration in order else len(order)
        return order[k] if k < len(order) else self._iteration + 1

    def _flag_nonfinite(self, index: int, event: Event) -> None:
        """Flag the events where a NaN or infinity *appears*: non-finite results computed from
        finite arguments. Later ops that merely carry it along are not flagged again."""
        produced: list[tuple[int, np.ndarray | None]]
        arguments: list[np.ndarray | None]
        if isinstance(event, OpRecorded):
            produced = [(event.output.id, event.output.value)]
            arguments = [r.value for r in event.inputs]
        elif isinstance(event, BackwardStep):
            produced = list(zip(event.input_ids, event.input_grads))
            arguments = [event.upstream]  # where a NaN/inf first enters the gradients
        elif isinstance(event, GradientAccumulated):
            produced = [(event.tensor_id, event.total)]
            arguments = [event.before, event.added]
        elif isinstance(event, VariableAssigned):
            produced = [(event.variable_id, event.after)]
            arguments = [event.before]
        else:
            return
        bad = [i for i, v in produced if _has_nonfinite(v)]
        if bad and not any(_has_nonfinite(v) for v in arguments):
            self._nonfinite[index] = bad

    # ---- reading ----------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        self._sync()
        return self._events

    @property
    def graph(self) -> Graph:
        self._sync()
        return self._graph

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def phase(self, index: int) -> str:
        self._sync()
        return self._phases[index]

    def iteration(self, index: int) -> int:
        """The 0-based training iteration an event belongs to."""
        self._sync()
        return self._iterations[index]

    @property
    def phases(self) -> list[str]:
        self._sync()
        return self._phases

    @property
    def iterations(self) -> list[int]:
        self._sync()
        return self._iterations

    @property
    def iteration_count(self) -> int:
        self._sync()
        recorded = self._iterations[-1] + 1 if self._iterations else 0
        return max(recorded, self.run.iterations) if self.run is not None else recorded

    def is_summarised(self, iteration: int) -> bool:
        """Whether a bounded recording (``record(keep=...)``) kept only a summary of an iteration."""
        return self.run is not None and not self.run.is_kept(iteration)

    def iteration_range(self, iteration: int) -> range:
        """Indexes of the events of one iteration."""
        its = self.iterations
        import bisect

        return range(bisect.bisect_left(its, iteration), bisect.bisect_right(its, iteration))

    def phase_boundaries(self) -> list[int]:
        """Indexes where a phase begins (the first event, and every change of phase or iteration)."""
        ph, it = self.phases, self._iterations
        return [i for i in range(len(ph)) if i == 0 or ph[i] != ph[i - 1] or it[i] != it[i - 1]]

    def first_of(self, phase: str, iteration: int = 0) -> int | None:
        """Index of the first event of ``phase`` in ``iteration``, or None."""
        for i in self.iteration_range(iteration):
            if self._phases[i] == phase:
                return i
        return None

    def last_of(self, phase: str, iteration: int = 0) -> int | None:
        found = None
        for i in self.iteration_range(iteration):
            if self._phases[i] == phase:
                found = i
        return found

    @property
    def losses(self) -> list[float]:
        """The loss (first scalar gradient target) of each iteration that took a gradient."""
        self._sync()
        return [self._losses[i] for i in sorted(self._losses)]

    def loss_at(self, iteration: int) -> float | None:
        self._sync()
        return self._losses.get(iteration)

    def thread_of(self, index: int) -> str:
        """The name of the thread that ran event ``index`` ("" for a trace that does not know)."""
        self._sync()
        k = bisect.bisect_right(self.threads, index, key=lambda run: run[0]) - 1
        return self.threads[k][1] if k >= 0 else ""

    def nonfinite_at(self, index: int) -> list[int]:
        """Tensor ids given a NaN or infinity at event ``index`` from finite arguments (usually empty)."""
        self._check_nonfinite()
        return self._nonfinite.get(index, [])

    @property
    def first_nonfinite(self) -> int | None:
        """Index of the first event that produced a NaN or infinity, or None if all is finite."""
        self._check_nonfinite()
        return min(self._nonfinite) if self._nonfinite else None

    def _check_nonfinite(self) -> None:
        # Checked on first question rather than while recording: it is a pass over every
        # array, and most traces are never asked.
        events = self.events
        for index in range(self._nonfinite_checked, len(events)):
            self._flag_nonfinite(index, events[index])
        self._nonfinite_checked = len(events)

    def value_of(self, tensor_id: int) -> np.ndarray | None:
        """The latest recorded forward value of a tensor id (leaves: the value first read)."""
        self._sync()
        return self._values.get(tensor_id)

    # ---- growing ----------------------------------------------------------------------
    def record_more(self, fn: Callable[[], Any]) -> int:
        """Run ``fn`` while recording into this trace; returns how many events it added."""
        before = len(self)
        with record(self):
            fn()
        return len(self) - before

    @leaves_the_program
    def train_more(self, iterations: int = 1, limit: Budget | None = None,
                   checkpoint: Callable[[], None] | None = None) -> int:
        """Run the program's own training step ``iterations`` more times, appending events.

        The recording budget (``limit``, else the process's, budget.py) counts everything the
        trace holds, so a step that records forever raises ``BudgetExceeded`` there; what it
        recorded before stays. ``checkpoint`` is called before each event is filed, in the
        step's own thread; whatever it raises ends the step the same way (the UI's Esc)."""
        if self.trainer is None:
            raise RuntimeError("this trace has no training step to run (the program defines no train_step())")
        meter = Meter(limit if limit is not None else current_budget())
        meter.charge_held(self.events)
        self._meter, outer = meter, self._meter
        self._checkpoint = checkpoint
        added = 0
        try:
            for _ in range(iterations):
                added += self.record_more(self.trainer)
        finally:
            self._meter = outer
            self._checkpoint = None
        return added

    # ---- forgetting (bounded recordings, see keep.py) ----------------------------------
    def _forget_iteration(self, iteration: int) -> None:
        """Drop the events of one iteration, and its nodes, values and names, keeping the rest
        consistent (later events move down; their graph nodes' event indexes follow). Its loss
        stays (``losses`` keeps every iteration's). Meant for an iteration near the end."""
        self._sync()
        span = self.iteration_range(iteration)
        if not span:
            return
        start, n = span.start, len(span)
        graph = self._graph
        dropped_ops = graph._by_iteration.pop(iteration, [])
        dropped = set(dropped_ops)
        later: set[int] = set()  # tensors the iterations after it still read
        for it in sorted({self._iterations[i] for i in range(span.stop, len(self._iterations))}):
            for op_id in graph._by_iteration.get(it, []):
                node = graph.nodes[op_id]
                later.update(node.inputs)
                if node.event is not None and node.event >= span.stop:
                    node.event -= n
        for op_id in dropped_ops:
            for src in graph.nodes[op_id].inputs:
                leaf = graph.nodes.get(src)
                if leaf is not None and leaf.kind != "op" and leaf.iteration == iteration and src not in later:
                    dropped.add(src)
        edge_count = sum(len(graph.nodes[op_id].inputs) for op_id in dropped_ops)
        for node_id in dropped:
            graph.nodes.pop(node_id, None)
            self._values.pop(node_id, None)
            graph.assigned_names.pop(node_id, None)
            graph.tensor_names.pop(node_id, None)
        ops_of = {e.op_id for e in self._events[start:span.stop] if isinstance(e, OpRecorded)}
        for op_id in ops_of:
            self.sites.pop(op_id, None)
        if self._named_last is not None and self._named_last[1] in ops_of:
            self._named_last = None
        # edges are appended op by op: the dropped ops' edges sit together, near the end
        edges, found, k = graph.edges, 0, len(graph.edges)
        while found < edge_count and k > 0:
            k -= 1
            if edges[k].dst in dropped:
                found += 1
        if found == edge_count:
            edges[k:] = [e for e in edges[k:] if e.dst not in dropped]
        for e in self._events[start:span.stop]:
            if isinstance(e, OpRecorded):
                graph._role_counts.pop((iteration, f"{e.scope}/{e.op}" if e.scope else e.op), None)
        if self._meter is not None:  # the recording budget counts what the trace holds
            self._meter.refund(self._events[start:span.stop])
        del self._events[start:span.stop], self._phases[start:span.stop], self._iterations[start:span.stop]
        self.update_sites = {(i - n if i >= span.stop else i): site
                             for i, site in self.update_sites.items() if i not in span}
        self.threads = _threads_without(self.threads, span, len(self._events))
        self._nonfinite = {(i - n if i >= span.stop else i): v for i, v in self._nonfinite.items() if i not in span}
        if self._nonfinite_checked > start:
            self._nonfinite_checked = max(start, self._nonfinite_checked - n)
        self.__dict__.pop("_leaf_cache", None)

    # ---- files ------------------------------------------------------------------------
    def save(self, path: Any) -> None:
        """Write the trace to ``path`` atomically (see ``tapeviz.trace.fileformat``)."""
        from .fileformat import save_trace

        save_trace(self, path)

    def __repr__(self) -> str:
        return f"<Trace {self.title!r}: {len(self)} events, {self.iteration_count} iteration(s), {len(self.graph.nodes)} nodes>"


def _threads_without(threads: list[tuple[int, str]], span: range, length: int) -> list[tuple[int, str]]:
    """``threads`` (first event of each thread's run) after the events of ``span`` were deleted:
    later runs move down, a run left without events goes, and two runs of one thread that now
    meet become one."""
    n = len(span)
    out: list[tuple[int, str]] = []
    for start, name in threads:
        start = start - n if start >= span.stop else min(start, span.start)
        if out and out[-1][0] == start:  # the run before it kept no events
            out.pop()
        if start >= length:
            continue
        if out and out[-1][1] == name:
            continue
        out.append((start, name))
    return out


def _has_nonfinite(value: np.ndarray | None) -> bool:
    return value is not None and value.dtype.kind == "f" and not bool(np.isfinite(value).all())


def _new_id(ids: dict[int, int], raw: int) -> int:
    """The local id of an engine id not met before (0 stays 0), as ``LocalIds`` numbers them."""
    if not raw:
        return 0
    local = ids[raw] = len(ids) + 1
    return local


def _ref(r: TensorRef, ids: _Ids) -> TensorRef:
    return TensorRef(ids(r.id), r.value, r.variable, r.trainable)


@contextlib.contextmanager
def record(trace: Trace | None = None, title: str = "", keep: Any = None) -> Iterator[Trace]:
    """Collect every engine event emitted inside the block into a Trace.

    ``keep`` bounds a long run (see :mod:`.keep`): a ``KeepPolicy``, its text
    (``"first=5,last=5,every=100"``) or True for the defaults. Without it every iteration keeps
    every array, unless ``trace`` was recorded with a policy before (it goes on with it).
    """
    trace = trace if trace is not None else Trace(title)
    if keep is not None and keep is not False:
        from .keep import Run, as_policy

        policy = as_policy(keep)
        if policy is not None and trace.run is None:
            trace.run = Run(policy)
    run = trace.run
    listener = subscribe(run.listener(trace) if run is not None else trace._listen)
    try:
        yield trace
    finally:
        unsubscribe(listener)
        if run is not None:
            run.finish(trace)  # (it folds what it keeps, in order)
        trace._sync()
        if trace._site_recorder is not None:
            trace._site_recorder.release()


def from_events(
    events: list[Event], title: str = "", meta: dict[str, Any] | None = None, iterations: list[int] | None = None
) -> Trace:
    """Build a trace from already-localized events (used by the file loader). ``iterations``: the
    numbers of the iterations the events belong to, ascending, when a bounded recording kept
    only some (default 0, 1, 2, ...)."""
    trace = Trace(title, meta)
    if iterations:
        trace._iteration_order = list(iterations)
        trace._iteration = iterations[0]
    for event in events:
        trace._append(event)
    return trace
