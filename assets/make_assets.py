"""Regenerate every committed image in assets/ (``make assets``).

Each part lives beside this file: make_images.py (Graphviz pictures and the GIF) and
make_screenshot.py (the terminal UI's own SVG export), make_browser_screenshot.py (``tapeviz
serve`` in headless Chromium). Parts not written yet are skipped.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for part in ("make_images.py", "make_screenshot.py", "make_browser_screenshot.py"):
    script = HERE / part
    if script.exists():
        print(f"assets: running {part}")
        runpy.run_path(str(script), run_name="__main__")
    else:
        print(f"assets: {part} not present, skipped", file=sys.stderr)
