"""Post-mortem in the drawing (issue 22, item 5): the op a program failed at is a box of its own
(✗, the op and line, its inputs' names and shapes, the error's one line) with an edge from each
input, in the graph pane (boxes and outline) and in images (the UI's ``e``); and an input
the learner or a lesson selects is drawn as a box of its own (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.engine.errors import ProgramError
from tapeviz.examples import EXAMPLES
from tapeviz.render.dot import build_scene, dot_source
from tapeviz.trace import run_program
from tapeviz.ui import jobs, load_app
from tapeviz.ui.graph_model import BOXES, build_spec, outline_rows
from tapeviz.ui.graph_pane import GraphPane
from tapeviz.ui.session import Session
from tapeviz.view.failure import FAILED_BOX, failed_box_lines, program_failure
from tests.support.ui_helpers import settle

CRASH = Path(__file__).resolve().parents[1] / "data" / "programs" / "crash.py"


def _crashed():  # noqa: ANN202
    with pytest.raises(ProgramError) as caught:
        run_program(CRASH)
    return caught.value.trace


def test_the_failed_box_says_what_failed_where_and_why() -> None:
    failure = program_failure(_crashed())
    assert failure is not None and failure.reason.startswith("InvalidArgumentError: matmul: (4, 2) @ (3, 2)")
    title, inputs, reason = failed_box_lines(failure)
    assert title == "✗ matmul failed · line 13"
    assert inputs == ["← t 4×2", "← w 3×2"]
    assert reason == ["InvalidArgumentError:", "(4, 2) @ (3, 2): inner", "dimensions 2 and 3 differ"]


@pytest.mark.parametrize("detail", BOXES)
def test_the_pane_draws_the_failed_op_as_a_box_with_its_inputs_as_edges(detail: str) -> None:
    trace = _crashed()
    spec = build_spec(trace, 0, detail=detail, max_height=40, max_width=100)
    t = next(i for i, n in trace.graph.nodes.items() if trace.graph.user_name(i) == "t")
    w = next(i for i, n in trace.graph.nodes.items() if n.name.startswith("w"))
    assert spec.kinds[FAILED_BOX] == "failed" and FAILED_BOX not in spec.order  # nothing selects it
    assert {(spec.lid_of[t], FAILED_BOX), (spec.lid_of[w], FAILED_BOX)} <= set(spec.edges)
    layout, canvas, _ = jobs.lay_out(spec, "layered")
    text = str(canvas)
    assert FAILED_BOX in layout.nodes
    for line in ("✗ matmul failed · line 13", "← t 4×2", "← w 3×2", "InvalidArgumentError:", "dimensions 2 and 3 differ"):
        assert line in text


def test_the_outline_ends_with_the_failed_op() -> None:
    trace = _crashed()
    rows = outline_rows(build_spec(trace, 0, detail="outline"))
    assert rows[-1].node == FAILED_BOX and rows[-1].text == "✗ matmul failed · line 13"
    assert [text for _, text in rows[-1].args] == ["t", "w"]


def test_a_program_that_ran_to_its_end_has_no_failed_box() -> None:
    trace = EXAMPLES["seed"].build()
    assert FAILED_BOX not in build_spec(trace, 0, detail="boxes").kinds
    assert all(n.id != FAILED_BOX for n in build_scene(trace, len(trace) - 1).nodes)


def test_the_image_at_the_last_event_draws_the_failed_op() -> None:
    trace = _crashed()
    scene = build_scene(trace, len(trace) - 1)
    failed = next(n for n in scene.nodes if n.id == FAILED_BOX)
    assert failed.nonfinite and failed.rows["title"] == "✗ matmul failed · line 13"  # the error colour, heavy border
    assert failed.rows["inputs"] == "← t 4×2\n← w 3×2"
    assert "inner dimensions 2 and 3 differ" in failed.rows["value"]
    assert sorted(e.src for e in scene.edges if e.dst == FAILED_BOX) == sorted({f"n{t}" for t in program_failure(trace).tensors})
    assert all(n.id != FAILED_BOX for n in build_scene(trace, 0).nodes)  # earlier events: not yet
    # drawn with inputs inside their ops, the failed op's inputs stay boxes with their edges
    assert {e.src for e in build_scene(trace, len(trace) - 1, inputs_inside=True).edges if e.dst == FAILED_BOX} == {
        e.src for e in scene.edges if e.dst == FAILED_BOX}
    assert "✗ matmul failed · line 13" in dot_source(trace)


def test_the_uis_export_of_a_crash_draws_the_failed_op(tmp_path: Path) -> None:
    """``e`` in the post-mortem UI (``jobs.export_image``) writes the image with the failed box;
    ``tapeviz export`` of a program that raises stays a bad input (exit 2, no file)."""
    trace = _crashed()
    path, error = jobs.export_image(trace, tmp_path / "crash.dot", len(trace) - 1, [])
    assert not error and "✗ matmul failed · line 13" in path.read_text(encoding="utf-8")
    assert main(["export", str(CRASH), "-o", str(tmp_path / "cli.dot")]) == 2 and not (tmp_path / "cli.dot").exists()


async def test_tapeviz_open_on_a_crash_draws_the_failed_box_in_the_pane() -> None:
    app = load_app(str(CRASH))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")  # the source pane closed: room for boxes
        await settle(pilot)
        assert app.session.spec.detail in BOXES
        pane = app.screen.query_one(GraphPane)
        text = "\n".join(pane.render_line(y).text for y in range(pane.size.height))
        assert "✗ matmul failed · line 13" in text and "← w 3×2" in text
        assert pane._styles[f"node:{FAILED_BOX}"] == app.colours.fg("nonfinite", bold=True)


def test_a_selected_input_is_drawn_as_a_box_of_its_own() -> None:
    trace = EXAMPLES["seed"].build()
    session = Session(trace, layout_engine="layered")
    session.pane_size = (104, 47)
    kernel = next(i for i, n in trace.graph.nodes.items() if n.kind == "variable" and n.name.endswith("dense/kernel"))
    spec = session.view_spec(0)
    assert spec.detail in BOXES and spec.lid_of[kernel] in spec.inputs  # inside its matmul's box
    session.select(kernel)
    spec = session.view_spec(0)
    lid = spec.lid_of[kernel]
    assert lid not in spec.host and any(n.id == lid for n in spec.nodes)
    assert any(t == lid for t, _ in spec.edges)  # with its edge into the op
    session.select(None)  # the cursor's node again: back inside its op
    assert session.view_spec(0).lid_of[kernel] in session.view_spec(0).inputs
