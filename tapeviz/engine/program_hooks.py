"""What a library built on the engine does around a learner's program (as ops register, so do libraries).

The program runner (``tapeviz.trace.runner``) runs a ``.py`` file and records it. A library above
the engine (``tapeviz.keras``) keeps state across a run that the runner must reset or read: layer
names that count up, the trainer the last ``model.fit`` leaves, the optimizers made. The library
registers its ``ProgramHooks`` here when it is imported; the runner calls every registered hook
and never imports (or looks up by name) the library itself, so the layers still point one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HOOKS", "LOADED_RANDOM", "ProgramHooks", "register_program_hooks", "unregister_program_hooks"]


def _nothing() -> None:
    return None


def _no_meta() -> dict[str, Any]:
    return {}


def _no_random_state() -> Callable[[], None]:
    return _nothing


@dataclass(frozen=True)
class ProgramHooks:
    """A library's part in running a program: each callable takes no arguments."""

    fresh: Callable[[], None] = field(default=_nothing)  # before: names start again, as in a new process
    trainer: Callable[[], Any] = field(default=_nothing)  # after: what trains one more batch, or None
    meta: Callable[[], dict[str, Any]] = field(default=_no_meta)  # after: entries for ``trace.meta``
    # a checkpoint (trace/replay.py): saves the library's random state, returns what puts it back
    save_random: Callable[[], Callable[[], None]] = field(default=_no_random_state)


HOOKS: dict[str, ProgramHooks] = {}  # library name -> its hooks, in registration order
# library name -> what puts its random state back as it was when the library was loaded: a program
# that imported the library while it was recorded started from that state (trace/replay.py).
LOADED_RANDOM: dict[str, Callable[[], None]] = {}


def register_program_hooks(library: str, hooks: ProgramHooks) -> None:
    """Install (or replace) ``library``'s hooks; the runner calls them from its next run on."""
    HOOKS[library] = hooks
    LOADED_RANDOM.setdefault(library, hooks.save_random())


def unregister_program_hooks(library: str) -> None:
    HOOKS.pop(library, None)
