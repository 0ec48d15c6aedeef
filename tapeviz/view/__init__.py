"""The view layer: what every picture of a trace says, as plain data and strings.

Between the trace and the pixels, and importable without Textual, rich or graphviz:

* ``tapeviz.view.graph`` — one iteration's boxes, edges and scope clusters (``build_graph``);
* ``tapeviz.view.scene`` — how they look at an event (``node_state``, ``node_rows``,
  ``box_line``, ``edge_word``) and an image's whole ``Scene`` (``build_scene``);
* ``tapeviz.view.events`` — every event in words from one describer per event kind
  (``describe_event``, ``event_sentence``, ``explain``) and the numbering people see
  (``event_number``: events count from 1; ``trace.events[i]`` stays a 0-based list index);
* ``tapeviz.view.chain_rule`` — a backward step's chain rule as data (``ChainStep``: upstream ×
  local = sent with the real numbers), read by the inspector, the Jupyter stepper and images;
* ``tapeviz.view.numbers`` — numbers and shapes as text.

The render layer turns this into DOT and images, the ui layer into terminal widgets.
"""

from __future__ import annotations

from .chain_rule import ChainStep, chain_rule, chain_rule_lines
from .events import (
    Explanation,
    describe_event,
    event_index,
    event_number,
    event_sentence,
    explain,
    learning_rate,
    update_lines,
)
from .graph import (
    GROUP_PREFIX,
    SceneEdge,
    SceneGraph,
    SceneNode,
    build_graph,
    cached_graph,
    display_name,
    inlined_leaves,
    outermost,
    scope_chain,
    scope_prefixes,
)
from .scene import (
    SHOW_CHOICES,
    SLOTS,
    DrawEdge,
    DrawNode,
    NodeState,
    Scene,
    box_line,
    build_scene,
    edge_word,
    fold_inputs,
    headline,
    loss_known,
    node_nonfinite,
    node_rows,
    node_state,
)

__all__ = [
    "ChainStep", "DrawEdge", "DrawNode", "Explanation", "GROUP_PREFIX", "NodeState", "SHOW_CHOICES", "SLOTS", "Scene",
    "SceneEdge", "SceneGraph", "SceneNode", "box_line", "build_graph", "build_scene", "cached_graph", "fold_inputs", "inlined_leaves", "chain_rule", "chain_rule_lines", "describe_event", "display_name", "edge_word",
    "event_index", "event_number", "event_sentence", "explain", "headline", "learning_rate", "loss_known", "node_nonfinite", "node_rows", "node_state",
    "outermost", "scope_chain", "scope_prefixes", "update_lines",
]
