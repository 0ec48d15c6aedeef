"""The run view (key r): loss and per-weight norms over every iteration of a long run, a cursor,
zoom, and Enter into a kept iteration's tape (ui/run_screen.py, view/run_view.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tapeviz.ui import TapevizApp
from tapeviz.ui.run_screen import RunScreen, area_rows, log_sparkline
from tapeviz.view.run_view import bucket_means, columns, run_data, window
from tests.support.ui_helpers import settle
from tests.trace.test_keep import train


def test_columns_cover_the_window_and_buckets_average_finite_values() -> None:
    cols = columns(0, 10, 4)
    assert [len(r) for r in cols] == [2, 3, 2, 3] and cols[0].start == 0 and cols[-1].stop == 10
    assert columns(5, 8, 40) == [range(5, 6), range(6, 7), range(7, 8)]
    assert window(1000, 990, 0) == (0, 1000) and window(1000, 990, 2) == (750, 1000) and window(1000, 10, 3) == (0, 125)
    series = np.array([1.0, 3.0, np.nan, np.inf, 2.0, np.nan])
    means = bucket_means(series, [range(0, 2), range(2, 4), range(4, 6)])
    assert means[0] == 2.0 and np.isnan(means[1]) and means[2] == 2.0


def test_plots_scale_between_their_extremes() -> None:
    rows, lo, hi = area_rows([1.0, 2.0, float("nan"), 3.0], 2)
    assert (lo, hi) == (1.0, 3.0) and rows[0][3] == "█" and rows[0][0] == " " and rows[1][2] == " "
    bars, lo, hi = log_sparkline([0.001, 0.1, float("nan"), 10.0])
    assert bars == "▁▅·█" and (round(lo, 6), round(hi, 6)) == (0.001, 10.0)


def test_a_full_trace_is_summarised_on_the_spot() -> None:
    full, bounded = train(6), train(30, keep="first=2,last=2,every=10")
    data = run_data(full)
    assert data.kept == list(range(6)) and data.iterations == 6 and np.isfinite(data.losses).all()
    data = run_data(bounded)
    assert data.kept == [0, 1, 10, 20, 28, 29] and data.iterations == 30
    assert data.nearest_kept(6) == 10 and data.nearest_kept(5) == 1 and data.nearest_kept(15) == 10
    assert "sequential/dense/kernel" in data.weights() and data.dead_fraction_ops() == ["sequential/dense/relu#0"]


async def test_r_opens_the_run_view_arrows_move_its_cursor_and_enter_opens_a_kept_iteration(tmp_path: Path) -> None:
    trace = train(40, keep="first=2,last=2,every=10")
    app = TapevizApp(trace, source="loop", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert "40 iterations, 7 kept in full, the rest summarised: r shows the whole run" in said
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        assert "iteration 1 of 40" in screen.text and "kept in full (every, first)" in screen.text
        assert "sequential/dense/kernel" in screen.text and "fraction of zeros after each ReLU" in screen.text
        before = app.index
        for _ in range(5):
            await pilot.press("right")
        await settle(pilot)
        assert app.index == before  # the arrows moved the run view's cursor, not the tape's
        assert screen.cursor == 5 and "iteration 6 of 40" in screen.text
        assert "summarised: Enter replays it in full" in screen.text
        await pilot.press("plus")
        await settle(pilot)
        assert "zoom 2×" in screen.text
        await pilot.press("end")
        await pilot.press("left", "left", "left", "left", "left", "left", "left", "left", "left")
        await settle(pilot)
        assert screen.cursor == 30
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, RunScreen)
        assert app.trace.iteration(app.index) == 30 and app.index == app.trace.iteration_range(30).start
        await pilot.press("r")
        await settle(pilot)
        for _ in range(3):
            await pilot.press("left")
        await pilot.press("enter")  # iteration 28 was summarised, and this loop cannot run again: one line says so
        await settle(pilot)
        assert isinstance(app.screen, RunScreen) and app.screen.cursor == 27 and app.trace.is_summarised(27)
        said = [n.message for n in app._notifications if "iteration 28 cannot be replayed" in n.message]
        assert said == ["iteration 28 cannot be replayed: the trace does not know the program it came from "
                        "(recorded from Python code of its own, or a file without its program); its summary is shown here"]
        assert "iteration 28 of 40" in app.screen.text and "loss " in app.screen.text  # the summary stays in view
