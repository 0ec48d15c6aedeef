"""What a learner's program may not do to tapeviz while it runs in-process under ``run_program``.

* ``os._exit()`` would end tapeviz silently with exit code 0: it raises ``ProcessExit`` instead.
* ``input()`` (or any read of ``sys.stdin``) waited on a blank screen that looked hung: it
  raises ``KeyboardRead``, reported as "this program reads from the keyboard".
* Printing a million lines kept them all (50 s to the first screen, 2.6 GB): each stream is a
  ``BoundedText`` that keeps the first and last lines and counts the rest.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import sys
import threading
from collections.abc import Iterator

__all__ = ["BoundedText", "KeyboardRead", "ProcessExit", "guarded", "printable"]

HEAD_LINES = 500
TAIL_LINES = 500
LINE_CHARS = 2000


class ProcessExit(BaseException):
    """A program called ``os._exit(status)`` while it ran under tapeviz."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class KeyboardRead(BaseException):
    """A program read from the keyboard (``input()``, ``sys.stdin``) while it ran under tapeviz."""


class _NoKeyboard(io.TextIOBase):
    """``sys.stdin`` while a program runs: every read raises ``KeyboardRead``."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise KeyboardRead()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise KeyboardRead()

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """``os._exit`` raises ``ProcessExit`` and stdin reads raise ``KeyboardRead`` in the
    calling thread (another thread of the program still ends the process with ``os._exit``)."""
    real_exit, real_stdin, owner = os._exit, sys.stdin, threading.get_ident()

    def _exit(status: int) -> None:
        if threading.get_ident() != owner:
            real_exit(status)
        raise ProcessExit(int(status))

    os._exit = _exit  # type: ignore[assignment]
    sys.stdin = _NoKeyboard()
    try:
        yield
    finally:
        os._exit = real_exit
        sys.stdin = real_stdin


CHUNK = 1 << 20  # characters written between two compactions


class BoundedText(io.StringIO):
    """A text stream that keeps at most ``head`` first and ``tail`` last lines (each cut to
    ``LINE_CHARS``) and counts the lines in between; ``getvalue()`` says how many it left out.

    Writes go to the C ``StringIO`` as they come (a program may print a million lines: a Python
    ``write`` per line would be slow); ``compact()``, called every ``CHUNK`` characters, moves
    whole lines into the head and tail."""

    def __init__(self, head: int = HEAD_LINES, tail: int = TAIL_LINES) -> None:
        super().__init__()
        self._head: list[str] = []
        self._tail: collections.deque[str] = collections.deque(maxlen=tail)
        self._limit = head
        self.dropped = 0

    def compact(self) -> None:
        lines = super().getvalue().split("\n")
        partial = lines.pop()
        self.seek(0)
        self.truncate()
        super().write(partial[:LINE_CHARS])
        lines = [line if len(line) <= LINE_CHARS else line[:LINE_CHARS] for line in lines]
        room = self._limit - len(self._head)
        if room > 0:
            self._head.extend(lines[:room])
            lines = lines[room:]
        tail = self._tail
        self.dropped += max(0, len(tail) + len(lines) - (tail.maxlen or 0))
        tail.extend(lines)

    def getvalue(self) -> str:
        self.compact()
        lines = list(self._head)
        if self.dropped:
            lines.append(f"… {self.dropped:,} more lines not kept …")
        lines.extend(self._tail)
        text = "\n".join(lines)
        return (text + "\n" if lines else "") + super().getvalue()


class Tee(BoundedText):
    """One captured stream: kept on its own (``own``) and written into the shared ``output``."""

    def __init__(self, output: BoundedText) -> None:
        super().__init__()
        self.own, self._output = self, output
        self._write_own = io.StringIO.write.__get__(self)

    def write(self, text: str) -> int:
        output = self._output
        io.StringIO.write(output, text)
        n = self._write_own(text)
        if self.tell() > CHUNK:
            self.compact()
        if output.tell() > CHUNK:
            output.compact()
        return n


def printable(text: str) -> str:
    """``text`` with control characters shown escaped (``\\x1b``): a program's message must not
    drive the terminal (clear it, move the cursor); newlines and tabs stay."""
    return "".join(c if c in "\n\t" or (c.isprintable() and c not in "\x7f") else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
