"""How a node of the trace's graph is named in each kind of text (tables, prose, formulas)."""

from __future__ import annotations

from ..trace import Trace

__all__ = ["display_name", "node_label", "node_name", "node_short", "node_where"]


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
    if node.kind == "variable":
        return "/".join(node.name.split("/")[-2:])
    user = trace.graph.user_name(tensor_id)
    if user:
        return user
    return node.label  # never an internal id (power#3): the scope beside it tells two apart


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
