"""How a node of the trace's graph is named in each kind of text (tables, prose, formulas).

Every name a person reads is the learner's own (``x``, ``logits``) where the program gave one,
else a short name that says where the node sits (``dense/kernel``, ``dense/matmul``); never an
internal id (``power#3``). Only the inspector's facts line spells out the full scope path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..trace import Trace

__all__ = ["display_name", "leaf_names", "node_label", "node_short", "node_where", "row_names", "variable_name"]

UNWATCHED = "(unwatched source)"  # a gradient() source the tape never watched: it has no id in the trace
UNUSED = "(a tensor no recorded op used)"


def leaf_names(trace: Trace, ids: Iterable[int]) -> dict[int, str]:
    """Numbered names (``input 1``, ``input 2``) for data the learner did not name, when one
    iteration has several: two unrelated tensors must not both read ``input``."""
    gnodes = trace.graph.nodes
    unnamed: dict[str, list[int]] = {}
    for nid in ids:
        node = gnodes[nid]
        if node.kind == "constant" and not trace.graph.user_name(nid):
            unnamed.setdefault(node.label, []).append(nid)
    return {nid: f"{label} {k}" for label, group in unnamed.items() if len(group) > 1
            for k, nid in enumerate(group, 1)}


def node_where(trace: Trace, tensor_id: int) -> str:
    """A node for prose: ``matmul in dense_1`` (label, then its innermost scope)."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return f"#{tensor_id}"
    scope = node.scope.rsplit("/", 1)[-1]
    name = display_name(trace, tensor_id)
    return f"{name} in {scope}" if scope else name


def node_label(trace: Trace, tensor_id: int) -> str:
    """A node as the learner named it, with its op (``logits = add``), else the op name."""
    return display_name(trace, tensor_id)


def node_short(trace: Trace, tensor_id: int) -> str:
    """A node in a formula: the learner's name (``y``), ``dense/kernel``, ``matmul``, ``input``."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return f"#{tensor_id}"
    user = trace.graph.user_name(tensor_id)
    if node.kind == "variable" and not (user and node.label.startswith("Variable")):
        return "/".join(node.name.split("/")[-2:])  # its own name says more, unless TF made it up
    if user:
        return user
    return node.label  # never an internal id (power#3): the scope beside it tells two apart


def _qualified(trace: Trace, tensor_id: int, depth: int) -> str:
    """The node's label (numbered if its iteration has several unnamed inputs) under the last
    ``depth`` parts of its scope: ``dense/matmul`` at depth 1; every part when depth is 0."""
    node = trace.graph.nodes[tensor_id]
    label = node.label
    if node.kind == "constant" and not trace.graph.user_name(tensor_id):
        label = leaf_names(trace, trace.graph.iteration_nodes(node.iteration)).get(tensor_id, label)
    parts = [p for p in node.scope.split("/") if p]
    return "/".join([*parts[-depth:], label] if depth else [*parts, label])


def _table_name(trace: Trace, tensor_id: int) -> str:
    """A node in a table row: the learner's name (``x``, ``labels``), else ``dense/kernel``,
    ``dense/matmul``, ``categorical_crossentropy/input``."""
    if not tensor_id:
        return UNWATCHED
    user = trace.graph.user_name(tensor_id)
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return user or UNUSED
    if user and not (node.kind == "variable" and not node.label.startswith("Variable")):
        return user  # (a variable's own name, ``dense/kernel``, says more unless TF made it up)
    return _qualified(trace, tensor_id, 1)


def row_names(trace: Trace, ids: Sequence[int]) -> list[str]:
    """Names for the nodes of one table row, in order, that tell different nodes apart.

    Each node goes by :func:`_table_name`; when two different nodes of the row would read the
    same, those go by their label under more of their scope, then under all of it, and as a
    last resort they are numbered by their place in the row (``h 1``, ``h 2``).
    """
    first = [_table_name(trace, i) for i in ids]
    names = list(first)
    for depth in (1, 2, 0):
        clashes = _clashing(ids, names)
        if not clashes:
            return names
        for k in clashes:
            if ids[k] in trace.graph.nodes:
                names[k] = _qualified(trace, ids[k], depth)
    numbers: dict[tuple[str, int], int] = {}
    for k in _clashing(ids, names):
        taken = sum(1 for name, _ in numbers if name == first[k])
        n = numbers.setdefault((first[k], ids[k]), taken + 1)
        names[k] = f"{first[k]} {n}"
    return names


def variable_name(trace: Trace, variable_id: int, path: str) -> str:
    """The variable an update assigns: ``dense/kernel`` (or the learner's name of a variable TF
    named ``Variable``); the last two parts of ``path`` for one not in the graph (the
    optimizer's own ``SGD/iteration``)."""
    if variable_id in trace.graph.nodes:
        return _table_name(trace, variable_id)
    return "/".join(path.split("/")[-2:])


def _clashing(ids: Sequence[int], names: Sequence[str]) -> list[int]:
    """Positions whose name another position with a different node also has."""
    owners: dict[str, set[int]] = {}
    for i, name in zip(ids, names):
        owners.setdefault(name, set()).add(i)
    return [k for k, name in enumerate(names) if len(owners[name]) > 1]


def display_name(trace: Trace, node_id: int) -> str:
    """A node as a person reads it: the learner's name with the op (``logits = add``), the
    learner's name of an input (``x``) or of a variable TF named ``Variable``, else the op,
    variable, ``input`` or ``constant`` label."""
    node = trace.graph.nodes.get(node_id)
    if node is None:
        return f"#{node_id}"
    user = trace.graph.user_name(node_id)
    if not user or user == node.label:
        return node.label
    if node.kind == "variable" and not node.label.startswith("Variable"):
        return node.label  # a variable's own name (``kernel``) says more, unless TF made it up
    return f"{user} = {node.label}" if node.kind == "op" else user
