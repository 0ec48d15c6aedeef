"""Every event has the right line: each of several updates in one step, the updates model.fit
makes (its line, "inside model.fit"), kept when the trace is saved."""

from __future__ import annotations

from pathlib import Path

from tapeviz.engine.events import VariableAssigned
from tapeviz.trace import load_trace, run_program
from tapeviz.ui.source_pane import event_spot

PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "programs"


def _updates(trace) -> list[tuple[str, int, str]]:
    return [(e.name, event_spot(trace, i).site.line, event_spot(trace, i).why)
            for i, e in enumerate(trace.events) if isinstance(e, VariableAssigned)]


def test_each_of_two_updates_points_at_its_own_line(tmp_path: Path) -> None:
    trace = run_program(PROGRAMS / "two_updates.py").trace
    lines = PROGRAMS.joinpath("two_updates.py").read_text().splitlines()
    assert "weights.assign_sub" in lines[18] and "bias.assign_sub" in lines[19]
    updates = _updates(trace)
    assert [(name, line) for name, line, _ in updates] == [("weights", 19), ("bias", 20)] * 2
    assert updates[1][2] == "update of bias: this line changes the weights"
    saved = tmp_path / "two.tapeviz"
    trace.save(saved)
    assert _updates(load_trace(saved)) == updates


def test_the_updates_model_fit_makes_point_at_the_fit_line() -> None:
    trace = run_program(PROGRAMS / "fit_updates.py").trace
    fit_line = 1 + next(k for k, text in enumerate(PROGRAMS.joinpath("fit_updates.py").read_text().splitlines())
                        if text.startswith("model.fit("))
    updates = _updates(trace)
    assert updates and {line for _, line, _ in updates} == {fit_line}
    assert all("inside model.fit" in why for _, _, why in updates)
    assert updates[0][0] == "sequential/dense/kernel"


def test_a_custom_gradient_functions_ops_sit_in_its_scope_on_their_own_lines() -> None:
    from tapeviz.engine.events import OpRecorded
    from tapeviz.view import build_graph, describe_event

    trace = run_program(PROGRAMS / "custom_gradient.py").trace
    text = PROGRAMS.joinpath("custom_gradient.py").read_text().splitlines()
    line_of = {marker: 1 + next(k for k, t in enumerate(text) if marker in t)
               for marker in ("e = tf.exp", "return upstream", "return tf.math.log", "y = log1pexp")}
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    where = [(e.op, e.scope, trace.sites[e.op_id].line, trace.sites[e.op_id].function) for e in ops]
    assert where[:4] == [
        ("exp", "log1pexp", line_of["e = tf.exp"], "log1pexp"),
        ("add", "log1pexp", line_of["return tf.math.log"], "log1pexp"),
        ("log", "log1pexp", line_of["return tf.math.log"], "log1pexp"),
        ("custom_gradient", "", line_of["y = log1pexp"], "<module>"),
    ]
    grad_ops = where[4:]
    assert grad_ops and all(s == "log1pexp.grad" and ln == line_of["return upstream"] and fn == "grad"
                            for _, s, ln, fn in grad_ops)
    # the gradient function's result is not the caller's dy_dx: it goes back to the tape
    assert all(trace.graph.user_name(e.output.id) is None for e in ops[4:])
    # one name for the custom op in the events table and on the graph's box
    row = describe_event(trace, ops[3])[0]
    assert row == "y = log1pexp [∇ grad]"
    assert row in {n.title.removesuffix(" (loss)") for n in build_graph(trace, 0).nodes}
    # log's value is what log1pexp returns: drawn flowing into its box, not leading nowhere
    graph = build_graph(trace, 0)
    title = {n.id: n.title.removesuffix(" (loss)") for n in graph.nodes}
    assert ("log", "y = log1pexp [∇ grad]") in {(title[e.src], title[e.dst]) for e in graph.edges}
    # the terminal's graph (no outer tape's backward ops) still draws the gradient function's ops in its cluster
    drawn = {(n.title, n.cluster) for n in build_graph(trace, 0, backward_ops=False).nodes}
    assert {("divide", "log1pexp.grad"), ("multiply", "log1pexp.grad"), ("log", "log1pexp"), ("e = exp", "log1pexp")} <= drawn


def test_a_numpy_warning_names_the_learners_line_and_the_event(tmp_path: Path) -> None:
    program = tmp_path / "overflow.py"
    program.write_text("import tapeviz.tf as tf\n\nx = tf.Variable([1.0, 1000.0])\nwith tf.GradientTape() as tape:\n"
                       "    h = x * 2.0\n    e = tf.exp(h)\n    loss = tf.reduce_sum(e)\n")
    run = run_program(program)
    assert run.warnings == ["RuntimeWarning: overflow encountered in exp (line 6 of overflow.py, event 2)"]
    assert run.trace.events[1].op == "exp" and run.trace.sites[run.trace.events[1].op_id].line == 6
    assert "registry.py" not in " ".join(run.trace.meta["warnings"])


def test_a_warning_raised_while_an_event_is_filed_does_not_hang_the_recording(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A warning can fire while the trace files an event and holds its lock: a garbage collection
    there runs any object's ``__del__`` (a leftover zmq socket warned, and a full test run hung).
    Naming the warning's event must not wait for that lock."""
    import threading
    import warnings

    import numpy as np

    from tapeviz.trace import sites

    capture = sites.SiteRecorder.capture

    def capture_and_warn(self, event):  # noqa: ANN001, ANN202
        warnings.warn_explicit("a socket was not closed", ResourceWarning, str(Path(np.__file__)), 1)
        return capture(self, event)

    monkeypatch.setattr(sites.SiteRecorder, "capture", capture_and_warn)
    program = tmp_path / "prog.py"
    program.write_text("import tapeviz.tf as tf\n\nx = tf.Variable(2.0)\nwith tf.GradientTape() as tape:\n    y = x * x\n")
    done: list = []
    failed: list = []

    def record() -> None:
        try:
            done.append(run_program(program))
        except Exception as exc:  # noqa: BLE001  (said by the assertion below)
            failed.append(exc)

    worker = threading.Thread(target=record, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not failed, failed
    assert done, "the recording hung on its own lock"
    [said] = done[0].warnings  # (its line is this test's: the warning is raised here, not in a library)
    assert said.startswith("ResourceWarning: a socket was not closed (line ") and ", event 2)" in said
