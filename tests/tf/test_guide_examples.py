"""The built-in examples taken from TF's autodiff guide record what the guide says they show."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from tapeviz.engine.events import GradientsReturned, OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.trace import load_trace

GUIDE_EXAMPLES = ["guide-intermediate", "guide-control-flow", "guide-disconnected"]


def _returned(trace) -> list[list[float | None]]:
    """The gradients of each gradient() call, as floats (None stays None)."""
    out = []
    for e in trace.events:
        if isinstance(e, GradientsReturned):
            out.append([None if g is None else float(np.asarray(g)) for g in e.grads])
    return out


@pytest.mark.parametrize("name", GUIDE_EXAMPLES)
def test_guide_example_is_registered_and_one_shot(name: str) -> None:
    example = EXAMPLES[name]
    assert example.description and example.title
    trace = example.build()
    assert trace.trainer is None  # nothing to train: the whole program is in the trace
    assert trace.iteration_count == 1
    assert "forward" in trace.phases and "backward" in trace.phases


@pytest.mark.parametrize("name", GUIDE_EXAMPLES)
def test_guide_example_survives_a_save_and_load(name: str, tmp_path: Path) -> None:
    trace = EXAMPLES[name].build()
    path = tmp_path / f"{name}.json"
    trace.save(path)
    again = load_trace(path)
    assert len(again) == len(trace)
    assert [type(e).__name__ for e in again.events] == [type(e).__name__ for e in trace.events]


def test_intermediate_gradients_stop_at_u_or_go_on_to_x() -> None:
    trace = EXAMPLES["guide-intermediate"].build()
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [e.op for e in ops] == ["multiply", "multiply", "multiply"]
    assert float(np.asarray(ops[-1].output.value)) == 64.0  # v = (2·2)³
    assert _returned(trace) == [[48.0, 192.0]]  # dv/du = 3u², dv/dx = 6x⁵


def test_control_flow_records_only_the_path_taken() -> None:
    trace = EXAMPLES["guide-control-flow"].build()
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    # three loop multiplies (2 → 4 → 8 → 16), then w_pos · y; no comparison is recorded
    assert [e.op for e in ops] == ["multiply"] * 4
    assert [float(np.asarray(e.output.value)) for e in ops] == [4.0, 8.0, 16.0, 8.0]
    assert {r.variable for e in ops for r in e.inputs if r.variable} == {"w_pos"}
    assert _returned(trace) == [[16.0, 16.0, None]]  # x, w_pos, w_neg


def test_disconnected_variables_get_none() -> None:
    trace = EXAMPLES["guide-disconnected"].build()
    assigned = [e for e in trace.events if isinstance(e, VariableAssigned)]
    assert [(e.name, e.method, float(e.before), float(e.after)) for e in assigned] == [
        ("total", "assign_add", 0.0, 1.0)
    ]
    names = {r.variable for e in trace.events if isinstance(e, OpRecorded) for r in e.inputs if r.variable}
    assert names == {"used", "total"}  # unused is never read; step only fed the assignment
    assert _returned(trace) == [[6.0, None, None, 2.0]]  # used, unused, step, total


@pytest.mark.parametrize("name", GUIDE_EXAMPLES)
async def test_guide_example_opens_in_the_ui_and_steps(name: str) -> None:
    ui = importlib.import_module("tapeviz.ui")
    app = ui.load_app(name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("home")
        await pilot.pause()
        start = app.cursor.index
        for _ in range(3):
            await pilot.press("right")
        await pilot.pause()
        assert app.cursor.index == start + 3


@pytest.mark.parametrize("name", GUIDE_EXAMPLES)
def test_guide_example_exports_as_an_image(name: str, tmp_path: Path) -> None:
    export = importlib.import_module("tapeviz.render.export")
    trace = EXAMPLES[name].build()
    dot = export.render(trace, tmp_path / f"{name}.dot")
    assert "digraph" in dot.read_text()
    if shutil.which("dot"):
        png = export.render(trace, tmp_path / f"{name}.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
