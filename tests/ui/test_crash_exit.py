"""A crashed terminal UI says so in one line, writes the full report to a file, exits non-zero."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapeviz.ui.crash import EXIT_CRASH, run_reporting
from tests.support.ui_helpers import make_app, settle


def test_a_crash_is_one_line_a_report_file_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = make_app("square", tmp_path)

    def explode() -> None:
        raise ValueError("All-NaN slice encountered")

    app.call_later(explode)
    code = run_reporting(app, headless=True, size=(80, 24))
    err = capsys.readouterr().err
    assert code == EXIT_CRASH != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    found = re.fullmatch(r"tapeviz: error: the terminal UI crashed: ValueError: All-NaN slice encountered \(full report: (.+)\)", lines[0])
    assert found, lines[0]
    report = Path(found.group(1))
    assert report.parent == tmp_path and "explode" in report.read_text() and "Traceback" in report.read_text()


def test_quitting_normally_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app("square", tmp_path)

    async def quit_with_q(pilot) -> None:  # noqa: ANN001
        await settle(app, pilot)
        await pilot.press("q")

    assert run_reporting(app, headless=True, size=(80, 24), auto_pilot=quit_with_q) == 0
    assert capsys.readouterr().err == ""
