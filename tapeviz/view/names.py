"""How a node of the trace's graph is named in each kind of text (tables, prose, formulas)."""

from __future__ import annotations

from ..trace import Trace

__all__ = ["node_label", "node_name", "node_short", "node_where"]


def node_name(trace: Trace, tensor_id: int) -> str:
    """A node's full path for tables (``simple_model/dense/matmul``)."""
    if not tensor_id:  # a source the tape never watched: it has no id in the trace
        return "(unwatched source)"
    node = trace.graph.nodes.get(tensor_id)
    return node.name if node else f"tensor #{tensor_id} (not used by a recorded op)"


def node_where(trace: Trace, tensor_id: int) -> str:
    """A node for prose: ``matmul in dense_1`` (label, then its innermost scope)."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return f"#{tensor_id}"
    scope = node.scope.rsplit("/", 1)[-1]
    return f"{node.label} in {scope}" if scope else node.label


def node_label(trace: Trace, tensor_id: int) -> str:
    node = trace.graph.nodes.get(tensor_id)
    return node.label if node is not None else f"#{tensor_id}"


def node_short(trace: Trace, tensor_id: int) -> str:
    """A node in a formula: the learner's name (``y``), ``dense/kernel``, ``matmul``, ``input``."""
    node = trace.graph.nodes.get(tensor_id)
    if node is None:
        return f"#{tensor_id}"
    if node.kind == "op" and trace.graph.user_name(tensor_id):
        return trace.graph.user_name(tensor_id)  # type: ignore[return-value]  (the learner's name, not power#3)
    if node.kind == "variable":
        return "/".join(node.name.split("/")[-2:])
    return node.label  # never an internal id (power#3): the scope beside it tells two apart
