"""Write assets/tapeviz-serve.png: ``tapeviz serve`` as headless Chromium shows it.

Runs the serve test that opens the page in Chromium (tests/cli/test_serve.py) with
``TAPEVIZ_SCREENSHOT`` set: it serves the article's network on a free loopback port, waits for
the first screen, steps to the start of the backward pass (the loss known), lets the start-up
toast go and takes the picture. Without Chromium (scripts/ensure-chromium.sh installs it where
allowed) the test is skipped and the old picture stays.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "tapeviz-serve.png"

done = subprocess.run(
    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE.parent / "tests" / "cli" / "test_serve.py"),
     "-k", "first_screen_reaches"],
    env={**os.environ, "TAPEVIZ_SCREENSHOT": str(OUT)}, cwd=HERE.parent, timeout=900,
)
if done.returncode != 0:
    sys.exit(f"assets: the browser screenshot failed (pytest exit {done.returncode})")
print(f"assets: wrote {OUT}")
