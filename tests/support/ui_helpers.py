"""Shared helpers for the terminal UI tests: build apps and wait for their workers."""

from __future__ import annotations

from pathlib import Path

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp


def make_app(name: str = "seed", tmp: Path | None = None, engine: str = "layered", **kw: object) -> TapevizApp:
    """An app on a freshly built example; ``engine="layered"`` keeps layouts free of Graphviz versions."""
    return TapevizApp(EXAMPLES[name].build(), source=name, out_dir=tmp, layout_engine=engine, **kw)  # type: ignore[arg-type]


async def settle(app: TapevizApp, pilot, rounds: int = 1000) -> None:  # noqa: ANN001
    """Wait until the graph is laid out and no training/export is running."""
    for _ in range(rounds):
        await pilot.pause()
        if app.idle and app.layout_ready:
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()
