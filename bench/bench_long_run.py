"""Long runs: the MLP 784→128→64→10 of tests/data/programs (batch 16, SGD) trained in a loop and
recorded with ``tapeviz save`` under a keep policy (trace/keep.py), at several lengths.

For each length it reports the time of ``tapeviz save`` (the run, recording and writing), its
peak RSS, the trace file's size, and the time and peak RSS of opening the file (``load_trace``,
what ``tapeviz events`` and the UI do first). Each measurement runs in its own process so peak
RSS is that command's own. Run:

    .venv/bin/python bench/bench_long_run.py [--iterations 1000 10000] [--keep POLICY] [--full 100]

``--full N`` adds a recording of N iterations that keeps everything (``--keep all``), the
figure before bounded recordings (issue 25: 100 iterations, 8.0 s, 143 MB, an 87 MB file).
"""

from __future__ import annotations

import argparse
import json
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


def loop_program(iterations: int) -> str:
    """The MLP program with its one training step run ``iterations`` times."""
    text = PROGRAM.read_text()
    head, step = text.split("with tf.GradientTape() as tape:")
    body = "with tf.GradientTape() as tape:" + step
    indented = "\n".join("    " + line if line.strip() else line for line in body.splitlines())
    return f"{head}for _step in range({iterations}):\n{indented}\n"


def child(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False)
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
    return {"iterations": iterations, "keep": keep, "save_s": saved["seconds"], "save_rss": saved["rss"],
            "file": trace.stat().st_size, "open_s": opened["seconds"], "open_rss": opened["rss"],
            "kept": opened["kept"], "events": opened["events"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", default="first=5,last=5,every=100", help="keep policy (default: the defaults)")
    parser.add_argument("--full", type=int, default=0, help="also record this many iterations keeping everything")
    args = parser.parse_args()
    mb = 1 << 20
    print(f"MLP 784-128-64-10, batch 16, SGD; keep {args.keep}")
    print(f"{'iterations':>10} {'keep':>8} {'kept':>5} {'events':>8} {'save s':>8} {'save RSS':>9} {'file':>9} "
          f"{'open s':>7} {'open RSS':>9} {'s/it':>7}")
    runs = [(n, args.keep) for n in args.iterations] + ([(args.full, "all")] if args.full else [])
    with tempfile.TemporaryDirectory() as tmp:
        for n, keep in runs:
            r = measure(n, keep, Path(tmp))
            print(f"{n:>10} {'all' if keep == 'all' else 'policy':>8} {r['kept']:>5} {r['events']:>8} "
                  f"{r['save_s']:>8.1f} {r['save_rss'] / mb:>7.0f}MB {r['file'] / mb:>7.1f}MB "
                  f"{r['open_s']:>7.2f} {r['open_rss'] / mb:>7.0f}MB {r['save_s'] / n * 1000:>5.1f}ms", flush=True)


if __name__ == "__main__":
    main()
