"""The source pane (o), the messages panel (m), the full matrix (v), focus and scrolling,
the header's loss once computed and gradient mode following the backward pass (issue 12)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from tapeviz.engine.events import BackwardStep, GradientStarted, OpRecorded, VariableAssigned
from tapeviz.engine.registry import REGISTRY
from tapeviz.trace import load_trace, run_program, save_trace
from tapeviz.ui import TapevizApp
from tapeviz.ui.matrix_screen import MatrixScreen
from tapeviz.ui.messages_pane import program_messages, summary_line
from tapeviz.ui.source_pane import SourcePane, event_spot
from tapeviz.view.numbers import cell_text
from tests.support.ui_helpers import make_app, settle

PROGRAM = textwrap.dedent("""\
    import sys
    import warnings
    import tapeviz.tf as tf

    print("hello from the program")
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        z = tf.math.log(y - 9.0)
    print("to stderr", file=sys.stderr)
    warnings.warn("a learner's warning")
    g = tape.gradient(z, x)
    x.assign_sub(0.1 * g)
    """)


def _program(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    return path


def test_runner_keeps_stdout_stderr_and_warnings_in_the_trace(tmp_path: Path) -> None:
    run = run_program(_program(tmp_path))
    meta = run.trace.meta
    assert meta["stdout"] == "hello from the program\n" and meta["stderr"] == "to stderr\n"
    assert run.output == "hello from the program\nto stderr\n"  # both, in the order printed
    assert meta["warnings"] == ["UserWarning: a learner's warning"]
    found = program_messages(load_trace(save_trace(run.trace, tmp_path / "t.tapeviz")))
    assert found["stdout"] == ["hello from the program"] and found["stderr"] == ["to stderr"]
    first = run.trace.first_nonfinite
    assert first is not None and found["nonfinite"][0].startswith(f"event {first + 1}: NaN/inf first in z")
    assert summary_line(run.trace) == "1 warning, program output, NaN/inf: press m to read them"


def test_the_toast_for_output_alone_reads_as_one_thing(tmp_path: Path) -> None:
    path = tmp_path / "prints.py"
    path.write_text("import tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n"
                    "    y = x * x\nprint(t.gradient(y, x))\n")
    assert summary_line(run_program(path).trace) == "Program output: press m to read it"
    assert summary_line(run_program(path).trace, output=False) == ""  # a lesson: m still shows it, no toast


def test_every_event_points_at_its_line(tmp_path: Path) -> None:
    trace = run_program(_program(tmp_path)).trace
    lines = PROGRAM.splitlines()
    for index, event in enumerate(trace.events):
        spot = event_spot(trace, index)
        assert spot.site is not None, (index, event)
        text = lines[spot.site.line - 1]
        if isinstance(event, (OpRecorded, BackwardStep)):
            assert text.strip().startswith(("y =", "z =")), text
        elif isinstance(event, GradientStarted):
            assert text.strip().startswith("z ="), text  # the loss's line
        elif isinstance(event, VariableAssigned):
            assert "assign_sub" in text


async def test_source_pane_default_by_width_and_o_toggles(tmp_path: Path) -> None:
    for width, shown in ((140, True), (120, False)):
        app = make_app("seed", tmp_path)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            pane = app.screen.query_one(SourcePane)
            assert pane.display is shown
            await pilot.press("o")
            await pilot.pause()
            assert pane.display is not shown
            await pilot.press("o")
            await pilot.pause()
            assert pane.display is shown
            if shown:
                site = app.trace.sites[app.trace.events[0].op_id]
                assert f"▶{site.line}" in pane.text.replace(" ", "")
                assert app.trace.sources[site.file].splitlines()[site.line - 1].strip() in pane.text


async def test_source_pane_from_a_trace_file(tmp_path: Path) -> None:
    trace = load_trace(save_trace(run_program(_program(tmp_path)).trace, tmp_path / "t.tapeviz"))
    app = TapevizApp(trace, source="t.tapeviz", layout_engine="layered")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(SourcePane)
        assert pane.display and "y = x * x" in pane.text
        assert "▶" in next(line for line in pane.text.splitlines() if "y = x * x" in line)


async def test_messages_panel_and_one_line_toast(tmp_path: Path) -> None:
    app = TapevizApp(run_program(_program(tmp_path)).trace, source="prog.py", layout_engine="layered")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        toasts = [n.message for n in app._notifications]  # noqa: SLF001
        assert toasts == ["1 warning, program output, NaN/inf: press m to read them"]
        panel = app.screen.query_one("#messages")
        assert not panel.display
        await pilot.press("m")
        await pilot.pause()
        assert panel.display and app.focused is panel
        text = app.screen.query_one("#messages-body").text
        for said in ("a learner's warning", "hello from the program", "to stderr", "NaN/inf first in z"):
            assert said in text
        await pilot.press("m")
        await pilot.pause()
        assert not panel.display and app.focused is app.screen.query_one("#inspector")


async def test_tab_focus_order_and_inspector_scrolls(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.goto(app.trace.first_of("update"))
        await settle(pilot)
        inspector = app.screen.query_one("#inspector")
        assert app.focused is inspector
        assert inspector.virtual_size.height > inspector.size.height  # there is something to scroll
        await pilot.press("pagedown")
        await pilot.pause()
        assert inspector.scroll_y > 0
        await pilot.press("up")
        await pilot.pause()
        low = inspector.scroll_y
        await pilot.press("down")
        await pilot.pause()
        assert inspector.scroll_y == low + 1
        order = []
        for _ in range(4):
            await pilot.press("tab")
            order.append(app.focused.id if app.focused else None)
        assert order == ["source", "timeline", "graph", "inspector"]


async def test_full_matrix_shows_every_column(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        forward = [e for e in app.trace.events if isinstance(e, OpRecorded)]
        wide = next(e for e in forward if e.output.value.shape == (32, 2))
        app.goto(app.trace.first_of("update") - 1)
        await pilot.pause()
        app.select_node(wide.output.id)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, MatrixScreen)
        text = app.screen.text
        rows = [line for line in text.splitlines() if line.strip() and line.strip()[0] in "-0123456789"]
        assert len(rows) == 64 and all(len(r.split()) == 2 for r in rows)  # the value, then the gradient
        assert rows[31].split()[1] == cell_text(np.asarray(wide.output.value)[31, 1])
        assert "gradient" in text  # its gradient too, once one has reached it
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MatrixScreen)


async def test_derivative_once_and_no_internal_ids(tmp_path: Path) -> None:
    app = make_app("square", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(len(app.trace) - 1):
            text = app.screen.query_one("#inspector").text
            assert "∂ ∂" not in text
            assert not any(f"{e}#" in text for e in REGISTRY), text
            await pilot.press("right")


async def test_loss_in_header_once_computed_and_mode_follows_phase(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        trace = app.trace
        start = trace.first_of("backward")
        status = app.screen.query_one("#status")
        assert "loss —" in status.last_text and app.mode == "values"
        app.goto(start - 1)  # the loss is computed by the last forward op
        await pilot.pause()
        assert f"loss {trace.losses[0]:.4f}" in status.last_text
        await pilot.press("right")
        assert app.mode == "grads"
        app.goto(trace.first_of("update"))
        await pilot.pause()
        assert app.mode == "values"
        await pilot.press("g")  # the learner's choice holds from now on
        app.goto(start)
        await pilot.pause()
        assert app.mode == "grads"
        app.goto(0)
        await pilot.pause()
        assert app.mode == "grads"


async def test_loss_pane_shows_the_iterations_loss_when_the_header_does(tmp_path: Path) -> None:
    """One rule for both: the loss appears once the op computing it has been recorded."""
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        trace = app.trace
        loss = f"{trace.losses[0]:.4f}"
        computes = trace.first_of("backward") - 1  # the last forward op computes the loss
        status, pane = app.screen.query_one("#status"), app.screen.query_one("#loss")
        for index, shown in ((0, False), (computes - 1, False), (computes, True), (computes + 3, True)):
            app.goto(index)
            await pilot.pause()
            text = pane._shown.plain
            assert (loss in text) is shown and (loss in status.last_text) is shown, (index, text)
            assert ("here  —" in text) is not shown
        app.goto(0)
        await pilot.pause()
        assert f"until event {computes + 1}" in pane._shown.plain  # events count from 1
        assert pane._shown.plain.startswith("0 of 1 iteration")
