"""SVG snapshots of the main screen (pytest-textual-snapshot) at 120×40 with the seed example,
the graph pane in its detail view (``z``; the fit view has test_snapshots_fit.py).

The layered layout (pure Python) is used so the pictures do not depend on the installed
Graphviz version. Update the baselines (every tests/ui/test_snapshots*.py file) with
``make snapshots`` only after looking at the new SVGs (the failing test's report shows them).
"""

from __future__ import annotations

from tapeviz.examples import EXAMPLES
from tapeviz.ui import TapevizApp
from tests.support.ui_helpers import settle

SIZE = (120, 40)


def _app() -> TapevizApp:
    trace = EXAMPLES["seed"].build()
    trace.meta.pop("warnings", None)  # the start-up notifications would cover what these pictures check
    return TapevizApp(trace, source="seed", layout_engine="layered")


def _goto(index_of):  # noqa: ANN001, ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("z")  # the detail view: full boxes with values
        await settle(pilot)
        app = pilot.app
        target = index_of(app.trace)
        while app.index < target:
            await pilot.press("right")
        await settle(pilot)

    return run_before


def test_snapshot_start(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_goto(lambda t: 0))


def test_snapshot_mid_backward(snap_compare) -> None:  # noqa: ANN001
    def mid(trace):  # noqa: ANN001, ANN202
        start, end = trace.first_of("backward"), trace.last_of("backward")
        return (start + end) // 2

    assert snap_compare(_app(), terminal_size=SIZE, run_before=_goto(mid))


def test_snapshot_after_update(snap_compare) -> None:  # noqa: ANN001
    def first_weight_update(trace):  # noqa: ANN001, ANN202
        return trace.first_of("update")

    assert snap_compare(_app(), terminal_size=SIZE, run_before=_goto(first_weight_update))
