"""Shared helpers for the terminal UI tests: build apps, and the one way to wait for one.

Every UI test (Pilot tests, snapshot ``run_before`` hooks, lesson screens) waits with ``settle``:
after a key, a screen switch or ``enter_step``, it returns once the app is ready to be looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp


def make_app(name: str = "seed", tmp: Path | None = None, engine: str = "layered", **kw: object) -> TapevizApp:
    """An app on a freshly built example; ``engine="layered"`` keeps layouts free of Graphviz versions."""
    return TapevizApp(EXAMPLES[name].build(), source=name, out_dir=tmp, layout_engine=engine, **kw)  # type: ignore[arg-type]


async def settle(pilot, until: Callable[[TapevizApp], bool] | None = None, rounds: int = 1000) -> None:  # noqa: ANN001
    """Wait until ``pilot.app`` is ready: queued messages handled (keys, screen switches), the graph
    at the cursor laid out, no training or export running, and every worker done. ``until``: one
    more condition to wait for (e.g. the graph pane has its size). ``rounds`` is generous: a loaded
    machine lays out slowly, never wrongly, so a test waits for the state and never for a time."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if app.idle and app.layout_ready and (until is None or until(app)):
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()
