"""Exports and saves from the terminal UI go to ./tapeviz-out/, and the toast shows where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot draws the exported image")
async def test_e_and_s_write_into_tapeviz_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = TapevizApp(EXAMPLES["square"].build(), source="square", layout_engine="layered")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("e", "s")
        folder = tmp_path / "tapeviz-out"
        for _ in range(600):  # bounded: the export runs in a worker thread
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if (folder / "square-event1.png").exists() and (folder / "square.tapeviz").exists():
                break
        assert sorted(p.name for p in folder.iterdir()) == ["square-event1.png", "square.tapeviz"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tapeviz-out"]  # nothing else in the folder
        said = [str(n.message) for n in app._notifications]  # noqa: SLF001
        assert any(str(folder / "square-event1.png") in m for m in said), said
        assert any(str(folder / "square.tapeviz") in m for m in said), said
