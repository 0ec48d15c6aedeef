"""Run every benchmark in bench/ (``make bench``); each prints its own ratios against numpy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
