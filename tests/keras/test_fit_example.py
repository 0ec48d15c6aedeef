"""examples/keras_fit_adam.py records one iteration per batch, shows Adam's slots updated next to
each weight, and the trace can train one more batch of the fit (the UI's ``t``)."""

from __future__ import annotations

from pathlib import Path

from tapeviz.engine.events import VariableAssigned
from tapeviz.trace.runner import run_program

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "keras_fit_adam.py"


def test_fit_example_records_batches_and_trains_more():
    run = run_program(EXAMPLE)
    trace = run.trace
    # 36 training samples (48 minus the last quarter), batches of 16: 3 per epoch, 2 epochs
    assert trace.iteration_count == 6 and len(trace.losses) == 6
    assert "epoch 2: loss" in run.output and run.warnings == []
    updates = [e for e in trace.events if isinstance(e, VariableAssigned)]
    first = [e.name for e in updates[:3]]
    assert first == ["adam/sequential_dense_kernel_momentum", "adam/sequential_dense_kernel_velocity",
                     "sequential/dense/kernel"]
    assert updates[12].name == "adam/iteration"
    assert trace.trainer is not None
    added = trace.train_more(1)
    assert added > 0 and trace.iteration_count == 7 and len(trace.losses) == 7


def test_same_program_same_trace():
    a, b = run_program(EXAMPLE).trace, run_program(EXAMPLE).trace
    assert a.losses == b.losses and len(a) == len(b)


async def test_t_in_the_ui_trains_one_more_batch_of_the_fit(tmp_path: Path) -> None:
    from tapeviz.ui import load_app

    app = load_app(str(EXAMPLE), out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.trace.iteration_count == 6
        await pilot.press("t")
        for _ in range(500):  # training runs in a worker: wait until its iteration arrives
            await app.workers.wait_for_complete()
            await pilot.pause(0.02)
            if app.trace.iteration_count == 7:
                break
        assert app.trace.iteration_count == 7 and len(app.trace.losses) == 7
        # the new batch is named as the fit's were, and the UI's own worker thread (an installed
        # package's frames, outside train_more) is not taken for the program's line
        graph = app.trace.graph
        data = [graph.user_name(graph.nodes[n].inputs[0]) for it in (5, 6) for n in graph.iteration_nodes(it)
                if graph.nodes[n].is_op and graph.nodes[n].op == "matmul" and not graph.nodes[n].in_backward][::2]
        assert data == ["points[batch]", "points[batch]"]
        assert list(app.trace.sources) == [str(EXAMPLE)]
        # its ops and updates come from the line that called fit, as the fit's own steps did
        fit_line = 1 + EXAMPLE.read_text().splitlines().index(
            next(line for line in EXAMPLE.read_text().splitlines() if "model.fit(" in line))
        trace = app.trace
        new = trace.iteration_range(6)
        lines = {site.line for i in new if (site := trace.sites.get(getattr(trace.events[i], "op_id", -1)))}
        updates = {site.line for i in new if (site := trace.update_sites.get(i))}
        assert lines == updates == {fit_line}
