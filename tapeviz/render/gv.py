"""Running Graphviz through the ``graphviz`` package, with its failures turned into tapeviz errors."""

from __future__ import annotations

import graphviz

from .errors import GraphvizMissing, RenderError


def pipe(engine: str, fmt: str, source: str | bytes, no_op: int | None = None) -> bytes:
    """``source`` through Graphviz's ``engine`` into format ``fmt``; GraphvizMissing if ``dot`` is absent."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    try:
        return graphviz.pipe(engine, fmt, data, neato_no_op=no_op, quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing() from None
    except graphviz.CalledProcessError as exc:
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        first = next((line.strip() for line in err.splitlines() if line.strip()), f"exit status {exc.returncode}")
        raise RenderError(f"Graphviz ({engine} -T{fmt}) failed: {first}") from None


def have_dot() -> bool:
    """Whether Graphviz's ``dot`` program can be run."""
    try:
        pipe("dot", "dot", "digraph { }")
    except GraphvizMissing:
        return False
    except RenderError:
        return True
    return True


__all__ = ["have_dot", "pipe"]
