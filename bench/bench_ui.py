"""Terminal UI speed on ``seed``: first paint, key press → updated screen, a 1,000-iteration trace.

Everything is measured headless with Textual's Pilot in this process, next to a baseline: the
same key press on a minimal Textual app that updates one label. Figures are medians; the ratio
says how much work tapeviz adds on top of Textual's own key handling and repaint. Run:

    .venv/bin/python bench/bench_ui.py [--presses 200] [--iterations 1000] [--source]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp

SIZE = (120, 40)
FIRST_PAINT = """
import time, asyncio
start = time.perf_counter()
from tapeviz.ui import load_app
async def main():
    app = load_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.layout_ready:
            await pilot.pause(0.005)
        await pilot.pause()
        print(time.perf_counter() - start)
asyncio.run(main())
"""


class Baseline(App[None]):
    """A minimal app: one label whose text changes on every key press."""

    BINDINGS = [("right", "bump", "bump"), ("left", "bump", "bump")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("0", id="label")

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#label", Static).update(str(self.count))


async def press_times(app: App, presses: int, length: int | None = None) -> tuple[list[float], list[float]]:
    """Seconds from each key press to (a) the end of its last screen repaint, (b) Pilot's idle."""
    times: list[float] = []
    paint: list[float] = []
    painted = [0.0]
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        original = screen._compositor_refresh  # noqa: SLF001

        def timed_refresh() -> None:
            original()
            painted[0] = time.perf_counter()

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]  # noqa: SLF001
        if isinstance(app, TapevizApp):
            while not app.layout_ready:
                await pilot.pause(0.005)
            if length is not None:
                app.goto(length - 60)
        await pilot.pause()
        for k in range(presses):
            key = "right" if (k // 20) % 2 == 0 else "left"
            painted[0] = 0.0
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()  # the repaint after the key's handler
            times.append(time.perf_counter() - start)
            if painted[0]:
                paint.append(painted[0] - start)
    return paint, times


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--source", action="store_true", help="with the source pane shown (o)")
    args = parser.parse_args()

    paints = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", FIRST_PAINT], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent.parent)
        paints.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"first paint (process start → graph drawn, headless): median {statistics.median(paints) * 1000:.0f} ms "
          f"(runs: {', '.join(f'{p * 1000:.0f}' for p in paints)} ms)")

    base_paint, base_idle = (statistics.median(x) for x in asyncio.run(press_times(Baseline(), args.presses)))
    app = TapevizApp(EXAMPLES["seed"].build(), source="seed")
    app.session.source_shown = args.source or None
    seed_paint, seed_idle = (statistics.median(x) for x in asyncio.run(press_times(app, args.presses)))
    print(f"key press → screen repainted, seed: median {seed_paint * 1000:.1f} ms "
          f"(baseline app {base_paint * 1000:.1f} ms, ratio {seed_paint / base_paint:.2f}×); "
          f"tapeviz's own state update {app.last_refresh_s * 1000:.1f} ms")
    print(f"key press → Pilot idle again (includes Pilot's own waiting): median {seed_idle * 1000:.1f} ms "
          f"(baseline app {base_idle * 1000:.1f} ms, ratio {seed_idle / base_idle:.2f}×)")
    seed = seed_paint

    trace = EXAMPLES["seed"].build()
    before = rss_mb()
    start = time.perf_counter()
    trace.train_more(args.iterations - 1)
    trained = time.perf_counter() - start
    big = TapevizApp(trace, source="seed")
    big.session.source_shown = args.source or None
    long = statistics.median(asyncio.run(press_times(big, args.presses, len(trace)))[0])
    print(f"{trace.iteration_count} iterations ({len(trace)} events, trained in {trained:.1f} s): "
          f"key press → repaint median {long * 1000:.1f} ms, ratio to the 1-iteration trace {long / seed:.2f}×; "
          f"peak RSS {rss_mb():.0f} MB (before training {before:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
