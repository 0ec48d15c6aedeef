"""A class opening ``tapeviz serve`` at once: time to each tab's first screen, memory per tab.

Serves the article's network on a free loopback port (never another address) and opens N
websocket sessions together, as N browser tabs would; a tab's first screen has arrived when its
screen data says ``event 1/``. Memory is each session process's proportional set size (PSS:
memory shared between sessions counted once, split between them) and its resident size (RSS),
read from /proc while all N are open. Every wait is bounded.

    python bench/bench_serve.py --tabs 1 10 40 [--no-prefork]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

FIRST_SCREEN = "event 1/"
LIMIT_S = 120.0  # no tab waits longer than this
ANSI = re.compile(r"\x1b(\[[0-9;:?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78])")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, parent in parents.items() if parent == p]
        found += kids
        todo += kids
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of one process in MB."""
    pss = rss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
            elif line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return pss, rss


async def tab(http: aiohttp.ClientSession, url: str, opened: asyncio.Event, hold: asyncio.Event) -> float:
    """Open one session; seconds until its first screen; keep it open until ``hold`` is set."""
    start = time.monotonic()
    async with http.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_json(["resize", {"width": 120, "height": 40}])
        text = ""
        elapsed = float("nan")
        while time.monotonic() - start < LIMIT_S:
            try:
                message = await ws.receive(timeout=LIMIT_S)
            except asyncio.TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                text = text[-200:] + ANSI.sub("", message.data.decode("utf-8", "replace"))
                if FIRST_SCREEN in text:
                    elapsed = time.monotonic() - start
                    break
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
        opened.set()
        await hold.wait()
        return elapsed


async def measure(n: int, server_pid: int, url: str) -> dict[str, float]:
    holds = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        events = [asyncio.Event() for _ in range(n)]
        tasks = [asyncio.create_task(tab(http, url, e, holds)) for e in events]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), LIMIT_S + 30)
        await asyncio.sleep(1)
        mem = [memory_mb(p) for p in children(server_pid)]
        mem = [m for m in mem if m[1] > 20]  # the app processes (not helpers that came and went)
        holds.set()
        times = await asyncio.gather(*tasks)
    return {
        "tabs": n, "median_s": statistics.median(times), "max_s": max(times),
        "pss_mb": statistics.mean(m[0] for m in mem) if mem else float("nan"),
        "rss_mb": statistics.mean(m[1] for m in mem) if mem else float("nan"), "processes": len(mem),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--no-prefork", dest="prefork", action="store_false",
                        help="serve with --no-prefork (a new Python per tab, as before)")
    args, _ = parser.parse_known_args()
    port = free_port()
    home = tempfile.mkdtemp(prefix="tapeviz-bench-serve-")
    log = Path(home) / "serve.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "tapeviz", "serve", "--port", str(port), "--max-sessions", str(max(args.tabs) + 5),
             *([] if args.prefork else ["--no-prefork"])],
            stdout=out, stderr=subprocess.STDOUT, text=True, cwd=home, env={**os.environ, "HOME": home},
        )
    try:
        found = None
        deadline = time.monotonic() + 60
        while found is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
            found = re.search(r"token=([\w-]+)", log.read_text())
        if not found:
            print("bench_serve: the server did not start", file=sys.stderr)
            return 1
        url = f"http://127.0.0.1:{port}/ws/{found.group(1)}?width=120&height=40"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # listening only once started (with --prefork: after recording)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, {'prefork' if args.prefork else 'a Python per tab'}")
        print(f"{'tabs':>5} {'median first screen':>20} {'slowest':>8} {'PSS/tab':>8} {'RSS/tab':>8}")
        for n in args.tabs:
            r = asyncio.run(measure(n, server.pid, url))
            print(f"{n:>5} {r['median_s']:>19.2f}s {r['max_s']:>7.2f}s {r['pss_mb']:>6.0f}MB {r['rss_mb']:>6.0f}MB"
                  f"  ({r['processes']} processes)", flush=True)
            time.sleep(8)  # the closed tabs' processes end (quit, grace) before the next round
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
