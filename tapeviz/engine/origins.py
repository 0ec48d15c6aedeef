"""Where data the library made came from, so that it can be named in the program's own words.

``model.fit(images, labels)`` trains on batches: new arrays of rows taken from ``images`` and
``labels``, bound to no name in the program (so is a batch of ``tf.data.Dataset.from_tensor_slices``).
A sparse cross-entropy loss turns the labels it is given into a new one-hot array. The library
notes here which of the program's objects such an array was made from, and how (``"{}[0:16]"``,
``"one_hot({})"``); the trace's naming finds the program's name for that object and shows
``images[0:16]`` or ``one_hot(labels)``.

Arrays are noted by identity while they live: the events carry a tensor's own array, so the
library notes the array of the tensor it hands on, not one it copies from.

A library call whose result is not a tensor (``history = model.fit(...)`` binds a History) is
marked with :func:`returns_no_tensor`: none of the ops it runs takes the name its line assigns.
"""

from __future__ import annotations

import functools
import sys
import weakref
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

import numpy as np

# id(array) -> (a weak reference to it, its source, how it was made, the source's rows it holds)
_made_from: dict[int, tuple[weakref.ref[np.ndarray], Any, str, Any]] = {}


def note(array: np.ndarray, source: Any, how: str | None = None, rows: int | np.ndarray | None = None) -> np.ndarray:
    """Note that ``array`` was made from ``source`` (an object of the program, or another noted
    array) as ``how`` says, ``{}`` standing for the source's name; or, for rows taken from it,
    which ``rows`` (one row's number, or an array of them). Rows of rows are rows of the first
    source (a batch of the training part of ``validation_split`` is ``points[0:16]``, not
    ``points[0:36][0:16]``). Returns ``array``."""
    if rows is not None and how is None:
        outer = rows_from(source)
        if outer is not None:
            source, rows = outer[0], np.atleast_1d(outer[1])[rows]
    key = id(array)

    def forget(dead: weakref.ref[np.ndarray]) -> None:
        if _made_from.get(key, (None,))[0] is dead:  # (not a newer array that took the same id)
            del _made_from[key]

    _made_from[key] = (weakref.ref(array, forget), source, rows_taken(rows) if how is None else how, rows)
    return array


def _entry(array: Any) -> tuple[Any, ...] | None:
    found = _made_from.get(id(array))
    return found if found is not None and found[0]() is array else None


def made_from(array: Any) -> tuple[Any, str] | None:
    """``(source, how)`` for a noted array that is still alive, else None."""
    found = _entry(array)
    return None if found is None else (found[1], found[2])


def rows_from(array: Any) -> tuple[Any, int | np.ndarray] | None:
    """``(source, rows)`` for a noted array made of rows of ``source``, else None."""
    found = _entry(array)
    return None if found is None or found[3] is None else (found[1], found[3])


def rows_taken(rows: Any) -> str:
    """How rows were taken: ``"{}[3]"`` for one row, ``"{}[16:32]"`` for consecutive rows,
    ``"{}[batch]"`` for rows in another order (a shuffled batch)."""
    if isinstance(rows, (int, np.integer)):
        return f"{{}}[{int(rows)}]"
    rows = np.asarray(rows)
    if rows.size and np.array_equal(rows, np.arange(rows[0], rows[0] + rows.size)):
        return f"{{}}[{int(rows[0])}:{int(rows[0]) + rows.size}]"
    return "{}[batch]"


# The frames that called a library function marked returns_no_tensor, while it runs.
calls_without_tensor_result: list[FrameType] = []
_F = TypeVar("_F", bound=Callable[..., Any])


def returns_no_tensor(function: _F) -> _F:
    """Mark a library function whose result is not a tensor (``Model.fit``): the line that
    calls it assigns something other than the ops it runs, so none of them takes its name."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1)
        calls_without_tensor_result.append(caller)
        try:
            return function(*args, **kwargs)
        finally:
            calls_without_tensor_result.remove(caller)
            del caller

    return call  # type: ignore[return-value]


def waits_for_no_tensor(frame: FrameType) -> bool:
    """Whether ``frame`` is (or is outside) a call to a function marked ``returns_no_tensor``:
    what its line assigns is not the result of an op."""
    for caller in calls_without_tensor_result:
        outward: FrameType | None = caller
        while outward is not None:
            if outward is frame:
                return True
            outward = outward.f_back
    return False


__all__ = ["calls_without_tensor_result", "made_from", "note", "returns_no_tensor", "rows_from", "rows_taken",
           "waits_for_no_tensor"]
