"""Built-in examples, addressable by name from the CLI and the API (``tapeviz.examples``).

An example's ``make()`` sets up its program (data, weights) and returns a ``train_step``
callable, or None for a one-shot program that records everything in ``make()`` itself.
``build()`` records ``make()`` and one ``train_step()`` into a fresh Trace that keeps the
step, so the UI can train more iterations on the live model.

An example may instead be a plain program beside this file (``program``, as the article's
network is: ``article_network.py``): ``build()`` runs it as ``tapeviz open FILE`` would, so the
source pane shows the program itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..trace import Trace, record, run_program

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    make: Callable[[], Callable[[], Any] | None] | None = None
    program: str | None = None  # a plain program beside this file, run instead of make()

    @property
    def program_path(self) -> Path | None:
        return HERE / self.program if self.program else None

    def build(self) -> Trace:
        if self.program_path is not None:
            run = run_program(self.program_path)
            trace = run.trace
            trace.title = self.name
            trace.meta.update(example=self.name, description=self.description)
            return trace
        assert self.make is not None, f"example {self.name} has neither make() nor a program"
        trace = Trace(title=self.name, meta={"example": self.name, "description": self.description})
        with record(trace):
            step = self.make()
            if step is not None:
                step()
        trace.trainer = step
        warned = getattr(step, "warnings", None)  # the pitfalls' explanations, kept off the screen
        if warned:
            trace.meta["warnings"] = list(warned)
        return trace


EXAMPLES: dict[str, Example] = {}


def register(example: Example) -> Example:
    EXAMPLES[example.name] = example
    return example


def get(name: str) -> Example:
    try:
        return EXAMPLES[name]
    except KeyError:
        raise KeyError(f"no built-in example {name!r}; examples: {', '.join(sorted(EXAMPLES))}") from None


# Importing these registers their examples (square, two-layer; guide-*; seed, seed-fixed).
from . import basic, guide_examples, keras_examples  # noqa: E402,F401
