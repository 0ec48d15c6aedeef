"""The graph folded from a trace's events: one node per leaf tensor or recorded op."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..engine.events import OpRecorded, TensorRef, quick_init

_PRIMES = ("", "′", "″", "‴", "⁗")  # x, x′, x″: one name the program rebinds, told apart
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _primes(k: int) -> str:
    return _PRIMES[k] if k < len(_PRIMES) else f"⁽{str(k).translate(_SUPERSCRIPT)}⁾"


@functools.cache
def _dtype_name(dtype: np.dtype) -> str:
    """``dtype.name``, which numpy recomputes in Python (~2 us) every time it is asked."""
    return dtype.name


def _label(event: OpRecorded) -> str:
    """An op node's label: the op's name; a ``@tf.custom_gradient`` function's own name."""
    if event.op == "custom_gradient":
        return str(dict(event.attrs).get("f", event.op))
    return event.op


@dataclass(slots=True)
class Node:
    """A node of the tape's graph. An op node's id is the id of the tensor it produced.

    ``key`` names the node's role so that the same op in every training iteration has the
    same key (``simple_model/dense/matmul#0``): drawings lay a graph out once and reuse it.
    """

    id: int
    kind: str  # "variable", "constant" or "op"
    label: str  # op name, variable name, "input" (data handed in) or "constant" (a scalar)
    scope: str
    shape: tuple[int, ...]
    dtype: str
    iteration: int
    key: str
    op: str | None = None
    inputs: list[int] = field(default_factory=list)
    event: int | None = None  # index of the OpRecorded event (ops only)
    trainable: bool = False
    in_backward: bool = False  # recorded by an outer tape during a backward pass
    off_tape: bool = False  # run inside a tape's block on nothing it watched: no gradient (OpRecorded.off_tape)

    @property
    def is_op(self) -> bool:
        return self.kind == "op"

    @property
    def name(self) -> str:
        """Scope path plus label, e.g. ``simple_model/dense/matmul``."""
        return f"{self.scope}/{self.label}" if self.scope else self.label


@dataclass(frozen=True, slots=True)
class Edge:
    src: int
    dst: int
    index: int  # which input of ``dst`` this is


quick_init(Edge)


class Graph:
    """Nodes and edges of everything recorded, with per-iteration views."""

    def __init__(self) -> None:
        self.nodes: dict[int, Node] = {}
        self._edges: list[Edge] = []
        # Ops whose edges are not made yet, (op node id, its inputs) in order: a trace folds
        # every op as it is recorded, and the edges are read far less often than ops are made.
        self._unmade_edges: list[tuple[int, list[int]]] = []
        self._by_iteration: dict[int, list[int]] = {}
        self._role_counts: dict[tuple[int, str], int] = {}
        # The learner's names (filled by the Trace from its source sites, see sites.py):
        self.assigned_names: dict[int, str] = {}  # op node id -> name its line assigned it to
        self.tensor_names: dict[int, str] = {}  # node id -> name it was bound to when used
        self._primes: dict[int, int] = {}  # (user_name's told-apart names, and what they were made of)
        self._primes_state: tuple[int, ...] = ()
        self.given_names: dict[int, str] = {}  # op node id -> TF's name= argument of its call

    def user_name(self, node_id: int) -> str | None:
        """The learner's own name for a node (``logits``, ``x``), or None: show the op name then.

        Two different tensors of one iteration never share a name: a name the program rebinds
        (``x = self.dense1(x)``) is told apart by primes in the order the tensors were used,
        ``x`` (the input), then ``x′`` (dense1's output). A name given with TF's ``name=``
        (``tf.matmul(a, b, name="logits")``) wins over the variable the line assigned the result
        to, and is shown as given."""
        given = self.given_names.get(node_id)
        if given:
            return given
        name = self.assigned_names.get(node_id) or self.tensor_names.get(node_id)
        if name is None:
            return None
        return name + _primes(self._rebound().get(node_id, 0))

    def program_name(self, node_id: int) -> str | None:
        """The name exactly as the program wrote it (``x`` for both ``x`` and ``x′``; a ``name=`` first)."""
        return self.given_names.get(node_id) or self.assigned_names.get(node_id) or self.tensor_names.get(node_id)

    def _rebound(self) -> dict[int, int]:
        """Node id -> how many other tensors its iteration bound to the same name before it."""
        state = (len(self.nodes), len(self.assigned_names), len(self.tensor_names), next(reversed(self.nodes), 0))
        if self._primes_state == state:
            return self._primes
        primes: dict[int, int] = {}
        for iteration, ops in self._by_iteration.items():
            seen: set[int] = set()
            count: dict[str, int] = {}
            for op_id in ops:
                for nid in (*self.nodes[op_id].inputs, op_id):
                    if nid in seen:
                        continue
                    seen.add(nid)
                    name = self.program_name(nid)
                    if name is None:
                        continue
                    k = count.get(name, 0)
                    count[name] = k + 1
                    if k and self.nodes[nid].iteration == iteration:  # (a leaf: in its first iteration)
                        primes[nid] = k
        self._primes, self._primes_state = primes, state
        return primes

    def add_op(self, event: OpRecorded, index: int, iteration: int) -> Node:
        nodes = self.nodes
        inputs = []
        for k, ref in enumerate(event.inputs):
            ref_id = ref.id
            if ref_id not in nodes:
                self._add_leaf(ref, iteration, event, k)
            inputs.append(ref_id)
        op, scope, output = event.op, event.scope, event.output
        node_id, value = output.id, output.value
        if event.name:
            self.given_names[node_id] = event.name
        path = f"{scope}/{op}" if scope else op
        role = (iteration, path)
        count = self._role_counts.get(role, 0)
        self._role_counts[role] = count + 1
        node = nodes[node_id] = Node(
            node_id, "op", _label(event) if op == "custom_gradient" else op, scope, tuple(value.shape),
            _dtype_name(value.dtype), iteration, f"{path}#{count}", op, inputs, index, False, event.in_backward,
            not event.tapes and not event.grad_fn_of,  # (event.off_tape)
        )
        ops = self._by_iteration.get(iteration)
        if ops is None:
            ops = self._by_iteration[iteration] = []
        ops.append(node_id)
        self._unmade_edges.append((node_id, inputs))
        return node

    @property
    def edges(self) -> list[Edge]:
        """Every edge, input to op, in the order the ops were added (input order within one)."""
        if self._unmade_edges:
            unmade, self._unmade_edges = self._unmade_edges, []
            self._edges += [Edge(src, node_id, k) for node_id, inputs in unmade for k, src in enumerate(inputs)]
        return self._edges

    def _add_leaf(self, ref: TensorRef, iteration: int, consumer: OpRecorded, position: int) -> None:
        if ref.variable is not None:
            kind, label, key = "variable", ref.variable, f"var:{ref.variable}"
            scope = ref.variable.rsplit("/", 1)[0] if "/" in ref.variable else ""
            label = ref.variable.rsplit("/", 1)[-1]
        else:
            consumer_path = f"{consumer.scope}/{consumer.op}" if consumer.scope else consumer.op
            count = self._role_counts.get((iteration, consumer_path), 0)
            # data handed in (a batch, labels) reads as "input"; a lone number as "constant"
            kind, label, scope = "constant", "input" if ref.value.size > 1 else "constant", consumer.scope
            key = f"const:{consumer_path}#{count}:{position}"
        self.nodes[ref.id] = Node(
            id=ref.id, kind=kind, label=label, scope=scope, shape=tuple(ref.value.shape),
            dtype=_dtype_name(ref.value.dtype), iteration=iteration, key=key, trainable=ref.trainable,
        )

    def iteration_nodes(self, iteration: int) -> list[int]:
        """Ids of the ops recorded in one iteration plus every leaf they read, leaves first."""
        ops = self._by_iteration.get(iteration, [])
        seen: set[int] = set(ops)
        leaves: list[int] = []
        for op_id in ops:
            for src in self.nodes[op_id].inputs:
                if src not in seen:
                    seen.add(src)
                    leaves.append(src)
        return leaves + list(ops)

    def iteration_edges(self, iteration: int) -> list[Edge]:
        ops = set(self._by_iteration.get(iteration, []))
        return [e for e in self.edges if e.dst in ops]

    def consumers(self, node_id: int) -> list[int]:
        return [e.dst for e in self.edges if e.src == node_id]

    def find(self, name: str, iteration: int | None = None) -> list[Node]:
        """Nodes whose path (``scope/label``) equals ``name`` or ends with ``/name``."""
        name = name.strip("/")
        found = []
        for node in self.nodes.values():
            if iteration is not None and node.kind == "op" and node.iteration != iteration:
                continue
            if node.name == name or node.name.endswith("/" + name):
                found.append(node)
        return found
