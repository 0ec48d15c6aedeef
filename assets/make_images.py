"""Regenerate the README's Graphviz pictures of the ``seed`` network (run by ``make assets``).

Each image is exactly what a ``tapeviz export`` command writes (the command is printed next to
it), so a reader can reproduce any of them:

* ``seed-forward.png``  — end of the first forward pass (every op computed, the loss known);
* ``seed-backward.png`` — the middle of the first backward pass (gradients half-way back);
* ``seed-update.png``   — after the first SGD update (each parameter's before → after);
* ``seed-iteration.gif`` — one frame per event of the first training iteration.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tapeviz.cli import main  # noqa: E402
from tapeviz.examples import EXAMPLES  # noqa: E402

EXAMPLE = "seed" if "seed" in EXAMPLES else "two-layer"

JOBS = [
    ("seed-forward.png", ["--at", "forward"]),
    ("seed-backward.png", ["--at", "backward"]),
    ("seed-update.png", ["--at", "update"]),
    ("seed-iteration.gif", []),
]


def run() -> int:
    if EXAMPLE != "seed":
        print("assets: the 'seed' example is missing; drawing 'two-layer' instead", file=sys.stderr)
    for name, extra in JOBS:
        argv = ["export", EXAMPLE, "-o", str(HERE / name), *extra]
        start = time.perf_counter()
        code = main(argv)
        if code:
            return code
        print(f"assets:   tapeviz {' '.join(a if a != str(HERE / name) else f'assets/{name}' for a in argv)}"
              f"  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    code = run()
    if code:  # (returning normally on success lets make_assets.py go on to its next part)
        sys.exit(code)
