"""The recording budget: how many events and bytes of arrays a program may record.

A program that records forever (ops in an endless loop inside a tape) grew by ~70 MB/s until
the machine ran out of memory. While a program runs under ``run_program``, the trace counts
its events and the bytes of the arrays they hold; past the budget the next event raises
``BudgetExceeded`` inside the program (a ``BaseException``, so the program's own ``except
Exception`` cannot swallow it), the runner stops the program there and keeps what was
recorded, with a warning saying why. ``tapeviz open/events/save/export/export-run`` set it with
``--max-events`` and ``--max-mb``. The budget counts what the trace holds: the events of an
iteration a bounded recording drops (``--keep``, keep.py) are given back (``Meter.refund``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DEFAULT", "Budget", "BudgetExceeded", "Meter", "current", "configure"]


@dataclass(frozen=True)
class Budget:
    events: int = 2_000_000
    megabytes: int = 512

    @property
    def bytes(self) -> int:
        return self.megabytes << 20

    def describe(self) -> str:
        return f"{self.events:,} events or {self.megabytes:,} MB of arrays"


class BudgetExceeded(BaseException):
    """Raised from the engine's event emission once a recording passes its budget."""

    def __init__(self, budget: Budget, events: int, nbytes: int) -> None:
        super().__init__(f"recording stopped after {events:,} events ({nbytes >> 20:,} MB of arrays): "
                         f"the budget is {budget.describe()} (--max-events, --max-mb)")
        self.budget = budget


DEFAULT = Budget()
_current = DEFAULT


def current() -> Budget:
    """The budget programs are run with (``configure`` changes it for this process)."""
    return _current


def configure(events: int | None = None, megabytes: int | None = None) -> Budget:
    """Set the budget of the programs this process runs; None keeps a value as it is."""
    global _current
    _current = Budget(events if events is not None else _current.events,
                      megabytes if megabytes is not None else _current.megabytes)
    return _current


class Meter:
    """Counts what a trace records against a budget; ``charge`` raises past it (once)."""

    def __init__(self, budget: Budget) -> None:
        self.budget: Budget | None = budget
        self.events = 0
        self.bytes = 0  # of op outputs and upstream gradients

    def charge(self, event: object) -> None:
        budget = self.budget
        if budget is None:
            return
        self.events += 1
        self.bytes += _nbytes(event)
        if self.events > budget.events or self.bytes > budget.bytes:
            self.budget = None  # the program stops here; what it recorded stays readable
            raise BudgetExceeded(budget, self.events - 1, self.bytes)

    def charge_held(self, events: Iterable[object]) -> None:
        """Count events a trace already holds (training more), without raising: the next new
        event is the one that stops a trace already past its budget."""
        for event in events:
            self.events += 1
            self.bytes += _nbytes(event)

    def refund(self, events: Iterable[object]) -> None:
        """Events the trace no longer holds (a bounded recording dropped an iteration, keep.py):
        the budget counts what is held, so a long run under ``--keep`` is not stopped by it."""
        for event in events:
            self.events = max(self.events - 1, 0)
            self.bytes = max(self.bytes - _nbytes(event), 0)


def _nbytes(event: object) -> int:
    """The bytes an event is charged: its op output's, or its upstream gradient's."""
    value = getattr(event, "output", None)
    value = value.value if value is not None else getattr(event, "upstream", None)
    return value.nbytes if value is not None else 0
