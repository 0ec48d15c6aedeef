"""Write assets/tapeviz-main-screen.svg: Textual's own SVG export of the main screen on ``seed``.

Runs the app headless at 120×40, steps to the middle of the backward pass (the chain rule with
numbers in the inspector, gradients flowing back in the graph) and saves the screenshot.
``make assets`` runs this; the pure-Python layered layout keeps the picture independent of the
installed Graphviz version.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp

HERE = Path(__file__).resolve().parent
OUT = HERE / "tapeviz-main-screen.svg"
SIZE = (120, 40)


async def _shoot(path: Path) -> Path:
    app = TapevizApp(EXAMPLES["seed"].build(), source="seed", layout_engine="layered")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if app.layout_ready:
                break
        trace = app.trace
        target = (trace.first_of("backward") + trace.last_of("backward")) // 2 + 1
        while app.index < target:
            await pilot.press("right")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(app.export_screenshot(title="tapeviz — seed, mid-backward"), encoding="utf-8")
        tmp.replace(path)
    return path


def main() -> None:
    path = asyncio.run(_shoot(OUT))
    print(f"assets: wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
