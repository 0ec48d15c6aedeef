"""Training more iterations can be cancelled: Esc stops it, ``q`` always quits (no Textual import).

``t`` runs the program's ``train_step()`` in a thread worker. A train step that never returns
used to freeze the UI, and ``q`` left the process at 100% CPU. The worker's thread is remembered
while it trains (``running``); cancelling raises ``TrainingCancelled`` in that thread at its
next Python instruction (CPython's ``PyThreadState_SetAsyncExc``), which ends the step; what it
recorded so far stays in the trace. A thread stuck inside one C call cannot be interrupted:
after ``q`` the process then ends once the UI has closed (``finish_or_exit``).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time

__all__ = ["TrainingCancelled", "cancel", "finish_or_exit", "running"]

_threads: dict[int, threading.Thread] = {}  # id(session lock) -> the thread training with it


class TrainingCancelled(BaseException):
    """Raised inside a training thread that the learner cancelled (Esc or q)."""


def running(lock: object, thread: threading.Thread | None) -> None:
    """Record (or, with None, forget) the thread training under ``lock``."""
    if thread is None:
        _threads.pop(id(lock), None)
    else:
        _threads[id(lock)] = thread


def cancel(lock: object) -> bool:
    """Ask the thread training under ``lock`` to stop; True if one was training."""
    thread = _threads.get(id(lock))
    if thread is None or not thread.is_alive() or thread.ident is None:
        return False
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(TrainingCancelled))
    return True


def finish_or_exit(code: int, grace: float = 2.0) -> None:
    """After the UI closed: wait ``grace`` seconds for cancelled training threads, then end
    the process (with ``code``) rather than hang on a train step that never returns."""
    deadline = time.monotonic() + grace
    for thread in list(_threads.values()):
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in _threads.values()):
        print("tapeviz: note: the program's train_step() did not stop; ending it", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(code)
