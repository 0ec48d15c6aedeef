"""Training more iterations can be cancelled: Esc stops it, ``q`` always quits (no Textual import).

``t`` runs the program's ``train_step()`` in a thread worker. A train step that never returns
used to freeze the UI, and ``q`` left the process at 100% CPU. The worker's thread is remembered
while it trains (``running``); cancelling raises ``TrainingCancelled`` in that thread at its
next Python instruction (CPython's ``PyThreadState_SetAsyncExc``), which ends the step; what it
recorded so far stays in the trace. The UI marks training as ``starting`` before the worker
runs, so an Esc pressed before the thread is scheduled still cancels it. A thread stuck inside
one C call cannot be interrupted: after ``q`` the process then ends once the UI has closed
(``finish_or_exit``). A step that records forever is also stopped by the recording budget
(``Trace.train_more``), so it cannot fill the machine's memory while nobody presses Esc.

Python ignores an exception raised inside a garbage-collection callback or a ``__del__``, so
the asynchronous cancel can be lost (CI saw it: hypothesis registers a gc callback, and the step
trained on). A step that records is therefore also stopped at the next event it files
(``check``, the trace's checkpoint), which runs in its own code, never in such a callback.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time

__all__ = ["TrainingCancelled", "cancel", "check", "finish_or_exit", "running", "starting"]

_threads: dict[int, threading.Thread | None] = {}  # id(session lock) -> its training thread (None: starting)
_cancelled: set[int] = set()  # locks whose training was cancelled before its thread registered
# Held while a cancel is sent and while a thread unregisters: a cancel is only sent to a thread
# still inside ``jobs.train``, whose handlers catch it (never into the worker's code after it).
_sending = threading.Lock()


class TrainingCancelled(BaseException):
    """Raised inside a training thread that the learner cancelled (Esc or q)."""


def starting(lock: object) -> None:
    """The UI is about to start training under ``lock``: a cancel from now on is not lost, even
    before the worker's thread has started (a busy machine can take a while to schedule it)."""
    _cancelled.discard(id(lock))
    _threads[id(lock)] = None


def running(lock: object, thread: threading.Thread | None) -> None:
    """Record (or, with None, forget) the thread training under ``lock``. Registering raises
    ``TrainingCancelled`` at once when the learner cancelled while the thread was starting."""
    if thread is None:
        # (No "drop the pending asynchronous cancel" here: PyThreadState_SetAsyncExc(id, NULL)
        # leaves CPython 3.11's eval breaker set for good, and the next function run under a
        # trace function, a lesson's rule check, then spins on its first instruction.)
        with _sending:
            _threads.pop(id(lock), None)
            _cancelled.discard(id(lock))
        return
    _threads[id(lock)] = thread
    if id(lock) in _cancelled:
        raise TrainingCancelled


def check(lock: object) -> None:
    """Raise ``TrainingCancelled`` when the training under ``lock`` was cancelled."""
    if id(lock) in _cancelled:
        raise TrainingCancelled


def cancel(lock: object) -> bool:
    """Ask the training under ``lock`` to stop; True if there was one (running or starting)."""
    if id(lock) not in _threads:
        return False
    if id(lock) in _cancelled:
        return True  # sent already: a second exception could land after the handlers of the first
    _cancelled.add(id(lock))
    with _sending:
        thread = _threads.get(id(lock))
        if thread is not None and thread.is_alive() and thread.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(TrainingCancelled))
    return True


def finish_or_exit(code: int, grace: float = 2.0) -> None:
    """After the UI closed: wait ``grace`` seconds for cancelled training threads, then end
    the process (with ``code``) rather than hang on a train step that never returns."""
    deadline = time.monotonic() + grace
    threads = [t for t in list(_threads.values()) if t is not None]
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        print("tapeviz: note: the program's train_step() did not stop; ending it", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(code)
