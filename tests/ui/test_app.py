"""Pilot tests of the terminal UI: stepping, phases, inspector numbers, training, export, sources."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tapeviz.engine.events import BackwardStep, OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.trace import event_node, load_trace
from tapeviz.ui import load_app, run_app
from tapeviz.ui.explain import explain, fmt
from tapeviz.ui.graph_pane import GraphPane
from tapeviz.ui.help_screen import HelpScreen
from tapeviz.ui.keys import bindings_of, help_of
from tapeviz.ui.main_screen import MainScreen
from tapeviz.view.custom import op_title
from tapeviz.view.names import display_name
from tests.support.ui_helpers import make_app, settle

SIZE = (120, 40)


def inspector_text(app) -> str:  # noqa: ANN001
    return app.screen.query_one("#inspector").text


def status_text(app) -> str:  # noqa: ANN001
    return app.screen.query_one("#status").last_text


async def test_step_through_one_whole_iteration_of_seed(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    trace = app.trace
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        seen_phases = []
        for i in range(len(trace)):
            if i:
                await pilot.press("right")
            assert app.index == i
            phase = trace.phase(i)
            seen_phases.append(phase)
            status = status_text(app)
            assert status.strip().startswith(phase) and f"event {i + 1}/{len(trace)}" in status
            node = event_node(trace, i)
            pane = app.screen.query_one(GraphPane)
            if node is not None and node in app.spec.lid_of:
                assert pane.states[app.spec.lid_of[node]] == "current", i
            text = inspector_text(app)
            event = trace.events[i]
            if isinstance(event, OpRecorded):
                assert f"forward: {op_title(trace, event)}" in text  # x = relu: the learner's name, then the op
                assert trace.graph.nodes[event.output.id].label in text
            elif isinstance(event, BackwardStep):
                assert f"backward: ∂ {event.op}" in text and "upstream" in text
                g = next(g for g in event.input_grads if g is not None)
                flat = np.asarray(g).reshape(-1)
                assert fmt(flat[np.argmax(np.abs(flat))]) in text
            elif isinstance(event, VariableAssigned) and event.trainable:
                assert "after = before − lr × gradient" in text and "learning rate 0.01" in text
                assert "updated value" in text and "change (after − before)" in text
        assert seen_phases[0] == "forward" and "backward" in seen_phases and seen_phases[-1] == "update"
        assert not await pilot.press("right") and app.index == len(trace) - 1


async def test_end_then_home_and_phase_jumps(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("end")
        assert app.index == len(app.trace) - 1 and "update" in status_text(app)
        await pilot.press("home")
        assert app.index == 0 and status_text(app).strip().startswith("forward")
        await pilot.press("right_square_bracket")
        assert app.index == app.trace.first_of("backward")
        await pilot.press("right_square_bracket")
        assert app.index == app.trace.first_of("update")
        await pilot.press("left_square_bracket")
        assert app.index == app.trace.first_of("backward")
        await pilot.press("l", "l", "h")
        assert app.index == app.trace.first_of("backward") + 1


async def test_stepping_back_restores_exactly_what_was_shown(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*["right"] * 12)
        await pilot.pause()
        before = (app.export_screenshot(), inspector_text(app))
        await pilot.press(*["right"] * 5, *["left"] * 5)
        await pilot.pause()
        assert (app.export_screenshot(), inspector_text(app)) == before


async def test_train_three_times_appends_iterations_2_to_4_and_the_loss_falls(tmp_path: Path) -> None:
    app = make_app("seed-fixed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        n = len(app.trace)
        for _ in range(3):
            await pilot.press("t")
            await settle(app, pilot)
        trace = app.trace
        assert trace.iteration_count == 4
        assert len(trace) == 4 * n
        losses = trace.losses
        assert len(losses) == 4 and all(b < a for a, b in zip(losses, losses[1:]))
        assert app.index == trace.iteration_range(3).start  # the cursor shows the new iteration
        assert "iteration 4/4" in status_text(app)
        await pilot.press("end")
        assert app.index == len(trace) - 1 and app.cursor.length == len(trace)


async def test_train_on_a_saved_trace_says_it_cannot(tmp_path: Path) -> None:
    path = tmp_path / "seed.tapeviz"
    EXAMPLES["seed"].build().save(path)
    app = load_app(str(path), out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert app.trace.iteration_count == 1
        assert any("cannot train" in n.message for n in app._notifications)  # noqa: SLF001


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot draws the exported image")
async def test_e_exports_the_current_view_as_an_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tapeviz.render as render_module
    from tapeviz.render import dot_source

    asked: list[object] = []
    real = render_module.render

    def spy(trace, path, at=None, **kw):  # noqa: ANN001, ANN202
        asked.append(at)
        return real(trace, path, at=at, **kw)

    monkeypatch.setattr(render_module, "render", spy)
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("right_square_bracket", "right", "right")
        await pilot.press("e")
        await settle(app, pilot)
        assert app.last_export is not None and app.last_export.exists()
        assert app.last_export.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert any(str(app.last_export) in n.message for n in app._notifications)  # noqa: SLF001
        # one numbering: the status line, the file name and the image title all say event N
        number = app.index + 1
        assert f"event {number}/{len(app.trace)}" in status_text(app)
        assert app.last_export.name.endswith(f"-event{number}.png")
        assert asked == [number]
        assert f"event {number} of {len(app.trace)}" in dot_source(app.trace, number)


async def test_s_saves_a_trace_that_loads_back(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert app.last_save is not None
        assert len(load_trace(app.last_save)) == len(app.trace)


async def test_g_c_n_and_click_change_the_view_not_the_cursor(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("right_square_bracket", "right", "right")
        index = app.index
        assert app.mode == "grads" and "gradients" in status_text(app)  # the backward pass, by itself
        await pilot.press("g")
        assert app.mode == "values" and "values" in status_text(app)
        first = app.selected_node
        await pilot.press("n")
        assert app.selected_node != first and app.index == index
        selected = app.trace.graph.nodes[app.selected_node]
        text = inspector_text(app)
        assert display_name(app.trace, selected.id) in text and f"scope {selected.scope}" in text
        await pilot.press("N")
        assert app.selected_node == app.spec.members[app.spec.order[app.spec.order.index(app.spec.lid_of[app.selected_node])]][-1]
        # collapse the scope of the node at the cursor, then expand it again
        app.select_node(app.trace.events[app.trace.first_of("forward")].output.id)
        await pilot.press("c")
        await settle(app, pilot)
        assert "simple_model/dense" in app.collapsed and app.layout_ready
        assert any(lid.startswith("scope:") for lid in app.spec.kinds)
        await pilot.press("c")
        await settle(app, pilot)
        assert not app.collapsed
        # a click on a box selects its node
        pane = app.screen.query_one(GraphPane)
        lid = app.spec.order[0]
        box = pane.graph_layout.nodes[lid]
        pane.scroll_to(box.x, box.y, animate=False, immediate=True)
        await pilot.pause()
        x = box.x - int(pane.scroll_offset.x) + min(1, box.w - 1)  # inside the box (a fit view's
        y = box.y - int(pane.scroll_offset.y) + min(1, box.h - 1)  # outline row is one cell high)
        await pilot.click(GraphPane, offset=(x + 1, y + 1))  # +1: the pane's border
        assert app.selected_node == app.spec.members[lid][-1] and app.index == index


async def test_the_cursor_is_a_reactive_and_the_lesson_api(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        moves: list[int] = []
        app.screen.watch(app, "index", lambda index: moves.append(index), init=False)
        app.goto(7)
        await pilot.pause()
        app.goto(10_000)
        await pilot.pause()
        app.goto(10_000)  # no move, no call
        await pilot.press("home")
        assert moves == [7, len(app.trace) - 1, 0]
        assert app.session.index == 0 and "event 1/" in status_text(app)
        node = app.trace.graph.find("kernel")[0].id
        app.select_node(node)
        await pilot.pause()
        assert app.selected_node == node and "kernel" in inspector_text(app)
        await pilot.press("right")  # a move shows the new event's own node again
        assert app.selected is None and app.selected_node == event_node(app.trace, 1)


async def test_fast_key_repeat_resize_and_small_terminal(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press(*["right"] * 60)
        assert app.index == len(app.trace) - 1
        await pilot.resize_terminal(60, 20)
        await pilot.press(*["left"] * 30)
        await pilot.resize_terminal(160, 50)
        await pilot.press("space")
        await pilot.pause(0.1)
        await pilot.press("space", "plus", "minus")
        assert not app.playing
        await settle(app, pilot)
        assert app.index <= len(app.trace) - 1 and "event" in status_text(app)


async def test_a_large_terminal_draws_the_graph_after_trying_bigger_drawings(tmp_path: Path) -> None:
    # At 200×60 the fit view lays out compact and tiny boxes to see whether they fit, shows
    # "laying out…" meanwhile, and then falls back to the outline it had drawn first: the
    # pane must draw that outline again, not keep the message.
    app = make_app("seed", tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(GraphPane)
        assert pane.canvas is not None, pane.message
        assert "loss = divide" in str(pane.canvas)


async def test_play_steps_by_itself(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(5):
            await pilot.press("plus")
        await pilot.press("space")
        assert app.playing
        # Wait for the timer to step three times; the bound is generous so that a loaded
        # machine (CI runs beside other work) cannot fail this, only a player that never steps.
        for _ in range(600):
            await pilot.pause(0.05)
            if app.index >= 3:
                break
        await pilot.press("space")
        assert not app.playing and app.index >= 3


async def test_help_screen_and_command_palette_list_every_action(tmp_path: Path) -> None:
    app = make_app("seed", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for binding in [*app.BINDINGS, *bindings_of(MainScreen)]:
            assert help_of(binding)[0] in titles


async def test_q_quits() -> None:
    app = make_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)


# ---- opening each kind of source ----------------------------------------------------------------

PROGRAM = textwrap.dedent(
    """
    import tapeviz.tf as tf

    w = tf.Variable([[0.5], [-0.25]], name="w")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[1.0], [0.0]])

    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        g = tape.gradient(loss, [w])
        w.assign_sub(0.1 * g[0])

    train_step()
    """
)


@pytest.mark.parametrize("kind", ["example", "program", "trace-file"])
async def test_open_each_kind_of_source(kind: str, tmp_path: Path) -> None:
    if kind == "example":
        source = "seed"
    elif kind == "program":
        source = str(tmp_path / "prog.py")
        Path(source).write_text(PROGRAM)
    else:
        source = str(tmp_path / "seed.tapeviz")
        EXAMPLES["seed"].build().save(source)
    app = load_app(source, out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.layout_ready and "event 1/" in status_text(app)
        await pilot.press("end")
        assert "update" in status_text(app)
        if kind == "program":
            assert app.trace.trainer is not None
            await pilot.press("t")
            await settle(app, pilot)
            assert app.trace.iteration_count == 2


BAD_PROGRAMS = {
    "records-nothing": ("x = 1 + 1\n", "recorded nothing"),
    "import-fails": ("import no_such_module_for_tapeviz\n", "ModuleNotFoundError"),
    "raises": ("import tapeviz.tf as tf\nx = tf.constant(1.0)\nraise ValueError('boom here')\n", "boom here"),
    "syntax": ("def broken(:\n", "syntax error"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROGRAMS))
def test_bad_programs_give_one_clear_line_not_an_empty_screen(case: str, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    source, expected = BAD_PROGRAMS[case]
    path = tmp_path / f"{case}.py"
    path.write_text(source)
    assert run_app(str(path)) == 2
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith("tapeviz: error: ") and str(path) in first
    assert expected in err


def test_unknown_source_and_missing_file(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert run_app("no-such-example") == 2
    assert "not a built-in example" in capsys.readouterr().err
    assert run_app(str(tmp_path / "missing.py")) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.tapeviz"
    bad.write_text("not a trace")
    assert run_app(str(bad)) == 2
    assert capsys.readouterr().err.startswith("tapeviz: error: ")


async def test_nonfinite_values_are_flagged_in_status_and_inspector(tmp_path: Path) -> None:
    program = tmp_path / "nan.py"
    program.write_text(
        "import tapeviz.tf as tf\nx = tf.Variable([1.0, 0.0], name='x')\nwith tf.GradientTape() as tape:\n"
        "    y = tf.reduce_sum(tf.math.log(x))\ntape.gradient(y, x)\n"
    )
    from tapeviz.trace import run_program
    from tapeviz.ui import TapevizApp

    app = TapevizApp(run_program(program).trace, source=str(program), out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.goto(0)
        await pilot.pause()
        assert "NaN/inf since event 1" in app.screen.query_one("#status").last_text
        explanation = explain(app.trace, 0)
        assert explanation.lines[0].startswith("⚠ a NaN or infinity appears here, in log")
        assert not explain(app.trace, 1).lines[0].startswith("⚠")  # the sum only carries it


async def test_program_warnings_are_kept_in_the_messages_panel(tmp_path: Path) -> None:
    from tapeviz.sources import load_source
    from tapeviz.ui import TapevizApp

    trace = load_source("seed")  # the article's pitfalls: from_logits on a softmax, labels not one-hot
    assert any(w.startswith("LogitsWarning") for w in trace.meta["warnings"])
    app = TapevizApp(trace, source="seed", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        shown = [n.message for n in app._notifications]  # noqa: SLF001
        assert shown == ["2 warnings: press m to read them"]  # one line pointing at the panel
        await pilot.press("m")
        kept = app.screen.query_one("#messages-body").text
        assert "from_logits=True" in kept and "not one-hot" in kept
