"""Recording: events → Trace (graph, phases, iterations), trace files, the program runner."""

from __future__ import annotations

from .errors import TraceFileError
from .fileformat import load_trace, save_trace
from .graph import Edge, Graph, Node
from .runner import ProgramRun, run_program
from .sites import SourceSite
from .snapshot import Snapshot, event_node, loss_node, snapshot, snapshots
from .trace import BACKWARD, FORWARD, PHASES, UPDATE, Trace, from_events, phase_of, record

__all__ = [
    "BACKWARD", "Edge", "FORWARD", "Graph", "Node", "PHASES", "ProgramRun", "Snapshot", "SourceSite", "Trace", "TraceFileError", "UPDATE",
    "event_node", "from_events", "loss_node", "load_trace", "phase_of", "record", "run_program", "save_trace", "snapshot", "snapshots",
]
