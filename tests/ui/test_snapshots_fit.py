"""SVG snapshots of the graph pane's fit view (the whole graph in the pane) at 80×24, 120×40 and 200×60:
boxes with values (forward), gradients (backward) and the weights' changes (update).

Update with ``--snapshot-update`` only after looking at the new SVGs: every node of the article's
network must be in the graph pane.
"""

from __future__ import annotations

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp
from tests.support.ui_helpers import settle


def _app() -> TapevizApp:
    trace = EXAMPLES["seed"].build()
    trace.meta.pop("warnings", None)  # the start-up notifications would cover the graph pane
    return TapevizApp(trace, source="seed", layout_engine="layered")


def _at(index_of, *keys: str):  # noqa: ANN001, ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        await settle(pilot, until=lambda app: app.session.pane_size is not None)
        target = index_of(app.trace)
        while app.index < target:
            await pilot.press("right")
        if keys:
            await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_fit_view_at_start_120x40(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(120, 40), run_before=_at(lambda t: 0))


def test_fit_view_at_start_80x24(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_at(lambda t: 0))


def test_fit_view_mid_backward_gradients_80x24(snap_compare) -> None:  # noqa: ANN001
    def mid(trace):  # noqa: ANN001, ANN202
        return (trace.first_of("backward") + trace.last_of("backward")) // 2

    # no "g": the graph switches to gradients by itself in the backward pass
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_at(mid))


def _mid_backward(trace):  # noqa: ANN001, ANN202
    return (trace.first_of("backward") + trace.last_of("backward")) // 2


def _last_update(trace):  # noqa: ANN001, ANN202
    return len(trace) - 1  # every weight updated: each box shows before → after or Δ


def test_fit_view_at_start_200x60(snap_compare) -> None:  # noqa: ANN001
    # all nine ops as boxes, nothing folded, values as heatmaps
    assert snap_compare(_app(), terminal_size=(200, 60), run_before=_at(lambda t: 0))


def test_fit_view_mid_backward_gradients_120x40(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(120, 40), run_before=_at(_mid_backward))


def test_fit_view_mid_backward_gradients_200x60(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(200, 60), run_before=_at(_mid_backward))


def test_fit_view_update_120x40(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(120, 40), run_before=_at(_last_update))


def test_fit_view_update_80x24(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_at(_last_update))


def test_fit_view_update_200x60(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(200, 60), run_before=_at(_last_update))
