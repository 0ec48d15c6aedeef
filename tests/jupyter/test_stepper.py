"""``tapeviz.step``: the Jupyter widget driven headless, as a notebook's front end would."""

from __future__ import annotations

from pathlib import Path

import pytest

import tapeviz
from tapeviz.render import to_graphviz
from tapeviz.render.gv import have_dot
from tapeviz.sources import bundled_dir, load_source
from tapeviz.view import describe_event

pytest.importorskip("ipywidgets", reason="tapeviz.step needs ipywidgets (pip install 'tapeviz[jupyter]')")

needs_dot = pytest.mark.skipif(not have_dot(), reason="Graphviz's dot draws the SVG")


@pytest.fixture(scope="module")
def trace() -> tapeviz.Trace:
    return load_source("seed")


@needs_dot
def test_moving_the_slider_shows_that_event(trace: tapeviz.Trace) -> None:
    widget = tapeviz.step(trace)
    n = len(trace)
    assert (widget.slider.min, widget.slider.max, widget.slider.value) == (1, n, 1)
    assert (widget.play.min, widget.play.max) == (1, n)
    first_svg = widget.graph.value
    for number in (7, n, 1, n // 2):
        widget.slider.value = number
        event = trace.events[number - 1]
        what, _, _ = describe_event(trace, event)
        line = widget.event_line.value
        assert f"event {number}/{n} · {trace.phase(number - 1)} ·" in line
        assert what.replace(">", "&gt;") in line
        expected = to_graphviz(trace, at=number).pipe(format="svg", encoding="utf-8")
        assert expected[expected.find("<svg"):] in widget.graph.value
    widget.slider.value = 1
    assert widget.graph.value == first_svg  # stepping back shows the same picture again
    widget.play.value = 3  # what ▶ does once a second in the browser
    assert widget.slider.value == 3 and f"event 3/{n} ·" in widget.event_line.value
    widget.slider.value = 5
    assert widget.play.value == 5  # play resumes from where the slider is


@needs_dot
def test_phase_buttons_jump_to_where_each_phase_begins(trace: tapeviz.Trace) -> None:
    widget = tapeviz.step(trace)
    for phase in ("backward", "update", "forward"):
        assert not widget.buttons[phase].disabled
        widget.buttons[phase].click()
        index = widget.number - 1
        assert trace.phase(index) == phase and (index == 0 or trace.phase(index - 1) != phase)
        assert f"· {phase} ·" in widget.event_line.value


@needs_dot
def test_a_backward_step_shows_its_chain_rule_with_the_traced_numbers(trace: tapeviz.Trace) -> None:
    """The stepper says upstream × local = sent as the inspector does (``tapeviz.view.chain_rule``)."""
    from tapeviz.engine.events import BackwardStep
    from tapeviz.view import explain

    widget = tapeviz.step(trace)
    assert widget.chain_rule.value == ""  # event 1 is a forward op: no chain rule
    relu = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op == "relu")
    widget.number = relu + 1
    product = next(line for line in explain(trace, relu).lines if "× local" in line)
    assert "upstream" in product and "= sent" in product
    assert product.replace(">", "&gt;") in widget.chain_rule.value


@needs_dot
def test_step_takes_a_source_name_and_a_start(tmp_path: object) -> None:
    widget = tapeviz.step("square", start=2)
    assert widget.number == 2 and "event 2/" in widget.event_line.value
    assert "<svg" in widget.graph.value
    assert widget.buttons["update"].disabled  # square has no update phase



def test_the_example_notebook_runs_in_a_kernel(tmp_path: Path) -> None:
    """examples/stepping.ipynb, executed headless by nbclient as Jupyter would: the widget is shown,
    the printed event lines match the trace, the static picture is an SVG."""
    nbformat = pytest.importorskip("nbformat", reason="running the notebook needs nbformat, nbclient, ipykernel")
    nbclient = pytest.importorskip("nbclient", reason="running the notebook needs nbclient")
    pytest.importorskip("ipykernel", reason="running the notebook needs ipykernel")
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(bundled_dir("examples") / "stepping.ipynb", as_version=4)
    nbformat.validate(nb)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit it without outputs"
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))  # no TCP port
    nbclient.NotebookClient(nb, timeout=180, km=kernel, resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}
    assert "application/vnd.jupyter.widget-view+json" in outputs["record"][0]["data"]
    trace = load_source("seed")
    printed = "".join(o.get("text", "") for o in outputs["drive"]).splitlines()
    backward = trace.first_of("backward")
    assert backward is not None
    assert printed[0].startswith(f"event {backward + 1}/{len(trace)} · backward ·")
    assert printed[1].startswith(f"event {len(trace)}/{len(trace)} · update ·")
    if have_dot():
        assert outputs["picture"][0]["data"]["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!--"))


def test_the_example_notebook_is_valid_and_its_code_runs() -> None:
    """examples/stepping.ipynb: nbformat 4 JSON whose code cells run in order in one namespace."""
    import json

    nb = json.loads((bundled_dir("examples") / "stepping.ipynb").read_text(encoding="utf-8"))
    assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5) and nb["metadata"]["kernelspec"]["language"] == "python"
    ids = [cell["id"] for cell in nb["cells"]]
    assert len(ids) == len(set(ids))
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            if have_dot() or "to_graphviz" not in "".join(cell["source"]):
                exec(compile("".join(cell["source"]), f"stepping.ipynb:{cell['id']}", "exec"), namespace)
    stepper = namespace["stepper"]
    assert stepper.number == len(stepper.trace)  # type: ignore[attr-defined]
    assert Path(bundled_dir("examples") / "stepping.ipynb").stat().st_size > 0
