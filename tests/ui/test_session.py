"""The UI session: a plain object (no Textual) that holds what the learner looks at."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

import tapeviz.ui.jobs as jobs_module
import tapeviz.ui.session as session_module
from tapeviz.examples import EXAMPLES
from tapeviz.trace import event_node
from tapeviz.ui.session import Session


@pytest.fixture()
def session() -> Session:
    return Session(EXAMPLES["seed"].build(), source="seed", layout_engine="layered")


@pytest.mark.parametrize("module", [session_module, jobs_module])
def test_no_textual_import(module) -> None:  # noqa: ANN001
    tree = ast.parse(Path(module.__file__).read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] in ("textual", "rich")], names


def test_moves_clear_the_selection_and_frames_follow_the_cursor(session: Session) -> None:
    frame = session.frame()
    assert frame is not None and frame.index == 0 and frame.node == event_node(session.trace, 0)
    session.select(5)
    assert session.frame().node == 5
    assert session.goto(7) and session.selected is None
    frame = session.frame()
    assert frame.index == 7 and frame.node == event_node(session.trace, 7) and frame.length == len(session.trace)
    assert not session.goto(7)  # no move, nothing changes
    assert session.goto(10_000) and session.index == len(session.trace) - 1


def test_collapse_and_expand_and_the_spec_cache(session: Session) -> None:
    session.frame()
    session.select(session.trace.events[0].output.id)  # the first matmul, inside simple_model/dense
    assert session.toggle_collapse().startswith("collapsed simple_model/dense")
    spec = session.frame().spec
    assert "scope:simple_model/dense" in spec.kinds and session.frame().spec is spec  # cached
    assert session.toggle_collapse() == "expanded simple_model/dense" and not session.collapsed


def test_tab_order_cycles_through_every_box(session: Session) -> None:
    session.frame()
    seen = set()
    for _ in range(len(session.spec.order)):
        assert session.cycle_node(1)
        seen.add(session.spec.lid_of[session.selected])
    assert seen == set(session.spec.order)


def test_no_frame_while_training_holds_the_trace(session: Session) -> None:
    held, release = threading.Event(), threading.Event()

    def trainer() -> None:
        with session.lock:
            held.set()
            release.wait(5)

    worker = threading.Thread(target=trainer)
    worker.start()
    held.wait(5)
    try:
        assert session.frame() is None
    finally:
        release.set()
        worker.join()
    assert session.frame() is not None


def test_layouts_are_requested_once_and_stored(session: Session) -> None:
    session.toggle_view()  # the detail view: full boxes, laid out by a worker
    assert session.view == "detail"
    frame = session.frame()
    assert frame.layout is None and not session.layout_ready
    assert session.wants_layout(frame.spec) and not session.wants_layout(frame.spec)
    layout, canvas, notice = jobs_module.lay_out(frame.spec, "layered")
    session.store_layout(frame.spec.key, layout, canvas, notice)
    assert session.frame().layout == (layout, canvas) and session.layout_ready and notice == ""
