"""Long runs: the MLP 784→128→64→10 of tests/data/programs (batch 16, SGD) trained in a loop and
recorded with ``tapeviz save`` under a keep policy (trace/keep.py), at several lengths.

For each length it reports the time of ``tapeviz save`` (the run, recording and writing), its
peak RSS, the trace file's size, and the time and peak RSS of opening the file (``load_trace``,
what ``tapeviz events`` and the UI do first). Then, in the headless UI (Textual's Pilot, 120×40):
process start → first paint of the opened file, and → its graph laid out; key → screen in the
run view (median of 40 presses of →/←, beside 40 presses of a key bound to nothing: what Pilot's
press and wait for idle cost by themselves); and the time from Enter on a summarised iteration in the
run view to that iteration shown in full (replayed: the program runs again up to it, see
trace/replay.py), for the summarised iteration nearest the end (the worst case) and one in the
middle. Each measurement runs in its own process so peak RSS is that command's own. The targets
(issue 25) are printed beside the figures. Run:

    .venv/bin/python bench/bench_long_run.py [--iterations 1000 10000] [--keep POLICY] [--full 100]

``--full N`` adds a recording of N iterations that keeps everything (``--keep all``), the
figure before bounded recordings (issue 25: 100 iterations, 8.0 s, 143 MB, an 87 MB file).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "data" / "programs" / "mlp_784.py"

_SAVE = """
import json, resource, sys, time
from tapeviz.cli import main
t = time.perf_counter()
code = main(["save", sys.argv[1], "-o", sys.argv[2], "--keep", sys.argv[3]])
elapsed = time.perf_counter() - t
print(json.dumps({"code": code, "seconds": elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

_PLAIN = """
import json, runpy, sys, time
import tapeviz.tf  # noqa: F401  (imported before the clock starts, as in a replay)
t = time.perf_counter()
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

_OPEN = """
import json, resource, sys, time
t = time.perf_counter()
from tapeviz.trace import load_trace
trace = load_trace(sys.argv[1])
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "events": len(trace), "iterations": trace.iteration_count,
                  "kept": len(set(trace.iterations))}))
"""


_UI = """
import asyncio, json, resource, sys, time
start = time.perf_counter()
from tapeviz.trace import load_trace
from tapeviz.ui import TapevizApp
from tapeviz.ui.run_screen import RunScreen

class TimedOut(Exception):
    pass

async def pause_until(pilot, done, limit=float(sys.argv[2]), poll=0.005):
    t = time.perf_counter()
    while not done():
        if time.perf_counter() - t > limit:
            raise TimedOut
        await pilot.pause(poll)

async def replay_time(app, pilot, run, iteration):
    if not isinstance(app.screen, RunScreen):
        await pilot.press("r")
        await pause_until(pilot, lambda: isinstance(app.screen, RunScreen))
    screen = app.screen
    screen.cursor = iteration
    screen.refresh_plot()
    await pilot.pause()
    shown = app.trace
    # noted before the press (a refused replay says so at once); told apart by identity, not by
    # count: the opening toast can expire during a long replay
    before = {n.identity for n in app._notifications}
    def new_notices():
        return [n.message for n in app._notifications if n.identity not in before]
    t = time.perf_counter()
    await pilot.press("enter")
    def done():
        return (app.trace is not shown and app.layout_ready) or (not app._replaying and new_notices() and app.trace is shown)
    try:  # polled every 50 ms: Pilot's pause runs the event loop, and polling often takes the GIL from the replay
        await pause_until(pilot, done, poll=0.05)
    except TimedOut:
        return None, [f"(gave up waiting after {time.perf_counter() - t:.0f} s; the status line said: {app.busy})"]
    seconds = time.perf_counter() - t
    ok = app.trace is not shown and set(app.trace.iterations) == {iteration}
    return seconds if ok else None, new_notices()

async def main():
    trace = load_trace(sys.argv[1])
    loaded = time.perf_counter() - start
    app = TapevizApp(trace, source=sys.argv[1])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pause_until(pilot, lambda: app.frame is not None)
        await pilot.pause()
        first = time.perf_counter() - start
        await pause_until(pilot, lambda: app.layout_ready)
        drawn = time.perf_counter() - start
        await pilot.press("r")
        await pause_until(pilot, lambda: isinstance(app.screen, RunScreen))
        screen, keys, own = app.screen, [], []
        refresh = screen.refresh_plot
        def timed_refresh():
            t0 = time.perf_counter()
            refresh()
            own.append(time.perf_counter() - t0)
        screen.refresh_plot = timed_refresh
        idle = []  # the harness's own cost: a key nothing is bound to, pressed the same way
        for k in range(40):
            t = time.perf_counter()
            await pilot.press("right" if k < 20 else "left")
            await pilot.pause()
            keys.append(time.perf_counter() - t)
            t = time.perf_counter()
            await pilot.press("f24")
            await pilot.pause()
            idle.append(time.perf_counter() - t)
        run = trace.run
        summarised = [i for i in range(run.iterations) if trace.is_summarised(i)]
        worst, said_worst = await replay_time(app, pilot, run, summarised[-1])
        middle, said_middle = await replay_time(app, pilot, run, summarised[len(summarised) // 2])
    keys.sort()
    own.sort()
    idle.sort()
    print(json.dumps({"load": loaded, "first": first, "drawn": drawn, "key": keys[len(keys) // 2], "own": own[len(own) // 2] if own else float("nan"),
                      "idle": idle[len(idle) // 2],
                      "worst_it": summarised[-1], "worst": worst, "middle_it": summarised[len(summarised) // 2],
                      "middle": middle, "said": said_worst + said_middle,
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))

asyncio.run(main())
"""


def loop_program(iterations: int) -> str:
    """The MLP program with its one training step run ``iterations`` times. Keras's initializers
    are seeded too (``tf.keras.utils.set_random_seed``): a trace file is replayed in another
    process, where an unseeded generator would draw other weights (the replay says so)."""
    text = PROGRAM.read_text().replace("tf.random.set_seed(0)\n", "tf.random.set_seed(0)\ntf.keras.utils.set_random_seed(0)\n")
    head, step = text.split("with tf.GradientTape() as tape:")
    body = "with tf.GradientTape() as tape:" + step
    indented = "\n".join("    " + line if line.strip() else line for line in body.splitlines())
    return f"{head}for _step in range({iterations}):\n{indented}\n"


BLAS_THREADS: dict[str, str] = {}  # --blas-threads N: the children's OpenBLAS/OpenMP thread count


def child(script: str, *args: str) -> dict:
    env = {**os.environ, **BLAS_THREADS}
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False, env=env)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"bench child failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def measure(iterations: int, keep: str, folder: Path) -> dict:
    program = folder / f"mlp_loop_{iterations}.py"
    program.write_text(loop_program(iterations))
    trace = folder / f"mlp_loop_{iterations}_{'all' if keep == 'all' else 'kept'}.tapeviz"
    saved = child(_SAVE, str(program), str(trace), keep)
    opened = child(_OPEN, str(trace))
    plain = child(_PLAIN, str(program))  # what any replay of the last iterations must at least take
    return {"plain_s": plain["seconds"], "iterations": iterations, "keep": keep, "save_s": saved["seconds"], "save_rss": saved["rss"],
            "file": trace.stat().st_size, "open_s": opened["seconds"], "open_rss": opened["rss"],
            "kept": opened["kept"], "events": opened["events"], "trace": trace}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", default="first=5,last=5,every=100", help="keep policy (default: the defaults)")
    parser.add_argument("--full", type=int, default=0, help="also record this many iterations keeping everything")
    parser.add_argument("--replay-limit", type=float, default=600.0, help="seconds to wait for one replay in the UI")
    parser.add_argument("--blas-threads", type=int, default=0,
                        help="run every child with this many OpenBLAS/OpenMP threads (0: numpy's default). The "
                        "small matmuls of this MLP gain nothing from threads, and on a loaded machine the threads' "
                        "waiting dominates; a replay must use the count the run was recorded with")
    args = parser.parse_args()
    if args.blas_threads:
        BLAS_THREADS.update({k: str(args.blas_threads) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")})
    mb = 1 << 20
    print(f"MLP 784-128-64-10, batch 16, SGD; keep {args.keep}; BLAS threads "
          f"{args.blas_threads or 'numpy default'}; machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'iterations':>10} {'keep':>8} {'kept':>5} {'events':>8} {'save s':>8} {'save RSS':>9} {'file':>9} "
          f"{'open s':>7} {'open RSS':>9} {'s/it':>7}")
    runs = [(n, args.keep) for n in args.iterations] + ([(args.full, "all")] if args.full else [])
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, keep in runs:
            r = measure(n, keep, Path(tmp))
            print(f"{n:>10} {'all' if keep == 'all' else 'policy':>8} {r['kept']:>5} {r['events']:>8} "
                  f"{r['save_s']:>8.1f} {r['save_rss'] / mb:>7.0f}MB {r['file'] / mb:>7.1f}MB "
                  f"{r['open_s']:>7.2f} {r['open_rss'] / mb:>7.0f}MB {r['save_s'] / n * 1000:>5.1f}ms", flush=True)
            if keep != "all":
                r["ui"] = child(_UI, str(r["trace"]), str(args.replay_limit))
                results.append(r)
    for r in results:
        ui = r["ui"]

        def secs(x: float | None) -> str:
            return "failed" if x is None else f"{x:.2f} s"

        print(f"\n{r['iterations']:,} iterations, in the UI (headless, 120x40), targets of issue 25 in brackets:")
        print(f"  peak RSS: save {r['save_rss'] / mb:.0f} MB, UI {ui['rss'] / mb:.0f} MB  [≤ 1024 MB];  "
              f"file {r['file'] / mb:.1f} MB  [≤ 500 MB]")
        print(f"  open: load_trace {ui['load']:.2f} s, first paint {ui['first']:.2f} s, graph drawn {ui['drawn']:.2f} s "
              "(from process start)  [≤ 2 s]")
        print(f"  run view key → screen (press to Pilot idle): median {ui['key'] * 1000:.1f} ms; a key bound to nothing, "
              f"pressed alike: {ui['idle'] * 1000:.1f} ms (the harness); the difference "
              f"{(ui['key'] - ui['idle']) * 1000:.1f} ms, of which the run view's own redraw {ui['own'] * 1000:.1f} ms  [≤ 50 ms]")
        print(f"  a summarised iteration shown in full (replayed): iteration {ui['worst_it'] + 1:,} "
              f"{secs(ui['worst'])}, iteration {ui['middle_it'] + 1:,} {secs(ui['middle'])}  [≤ 3 s]")
        print(f"    the program itself, run with nothing recorded: {r['plain_s']:.2f} s for all {r['iterations']:,} "
              "iterations (a program's own loop replays from its start: the floor of the last iteration's replay)")
        for said in ui["said"]:
            print(f"    UI said: {said}")


if __name__ == "__main__":
    main()
