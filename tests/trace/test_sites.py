"""Each recorded op remembers the learner's line that ran it and the names the learner used."""

from __future__ import annotations

from pathlib import Path

import pytest

import tapeviz.tf as tf
from tapeviz.engine.errors import ProgramError
from tapeviz.engine.events import OpRecorded
from tapeviz.examples import EXAMPLES
from tapeviz.trace import SourceSite, Trace, load_trace, record, run_program

HERE = str(Path(__file__).resolve())
ROOT = Path(__file__).resolve().parents[2]


def _line_of(marker: str) -> int:
    """The line of this file holding ``# <marker>``."""
    lines = Path(__file__).read_text().splitlines()
    return next(k for k, text in enumerate(lines, 1) if text.endswith(f"# {marker}"))


def _named(trace: Trace) -> dict[str, list[str]]:
    """Op name (or leaf label) -> learner names of the nodes, in graph order."""
    out: dict[str, list[str]] = {}
    for nid, node in trace.graph.nodes.items():
        name = trace.graph.user_name(nid)
        if name is not None:
            out.setdefault(node.label, []).append(name)
    return out


def test_the_tf_guide_snippet_names_x_and_y() -> None:
    with record() as trace:
        x = tf.constant(3.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x  # y-line
        tape.gradient(y, x)
    (op,) = [e for e in trace.events if isinstance(e, OpRecorded)]
    site = trace.sites[op.op_id]
    assert site == SourceSite(
        HERE, _line_of("y-line"), "test_the_tf_guide_snippet_names_x_and_y", "y"
    )
    assert trace.graph.user_name(op.output.id) == "y"
    assert trace.graph.user_name(op.inputs[0].id) == "x"
    assert trace.tensor_names == {op.inputs[0].id: "x"}
    assert trace.sources[HERE] == Path(HERE).read_text()


def test_the_name_goes_to_the_last_op_of_each_run_of_a_line() -> None:
    """``h = relu(h * w)`` three times in a loop: each relu is ``h``, no multiply is."""
    with record() as trace:
        w = tf.Variable(0.5, name="w")
        h = tf.constant(2.0)
        with tf.GradientTape():
            for _ in range(3):
                h = tf.nn.relu(h * w)
    assert _named(trace) == {"w": ["w"], "constant": ["h"], "relu": ["h′", "h″", "h‴"]}  # (told apart)
    assert [s.assigned_name for s in trace.sites.values()] == [None, "h"] * 3


def _mean_square(p: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(p * p)  # return-line


def test_a_return_line_takes_the_name_its_caller_assigned() -> None:
    with record() as trace:
        v = tf.Variable([1.0, 2.0], name="v")
        with tf.GradientTape():
            loss = _mean_square(v * 3.0)  # caller-line
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [trace.sites[e.op_id].line for e in ops] == [_line_of("caller-line")] + [
        _line_of("return-line")
    ] * 2
    assert trace.sites[ops[-1].op_id].function == "_mean_square"
    assert trace.graph.user_name(ops[-1].output.id) == "loss"
    assert trace.graph.user_name(ops[0].output.id) == "p"  # bound to p when the helper used it
    assert loss is not None


def test_the_seed_example_is_the_articles_program_and_names_what_it_assigns() -> None:
    """The article's network is a plain program (tapeviz/examples/article_network.py): its
    ``x = self.dense1(x)`` rebinds ``x``, so the input is ``x`` and dense1's output ``x′``;
    ``predictions = model(inputs)`` names the model's ``return self.dense2(x)``. The int32
    labels Keras casts to float keep the program's name ``labels``."""
    trace = EXAMPLES["seed"].build()
    names = {node.name: trace.graph.user_name(nid) for nid, node in trace.graph.nodes.items()}
    assert names["simple_model/dense/input"] == "x"
    assert names["simple_model/dense/relu"] == "x′"
    assert trace.graph.program_name(trace.graph.find("simple_model/dense/relu")[0].id) == "x"
    assert names["simple_model/dense_1/softmax"] == "predictions"
    loss_op = trace.events[trace.last_of("forward")]
    assert trace.graph.user_name(loss_op.output.id) == "loss"
    assert names["categorical_crossentropy/input"] == "labels"
    assert names["simple_model/dense/matmul"] is None and names["simple_model/dense/kernel"] is None
    files = {site.file for site in trace.sites.values()}
    assert len(files) == 1 and files.pop().endswith("tapeviz/examples/article_network.py")
    (source,) = trace.sources.values()
    assert "class SimpleModel(Model):" in source and "def train_step():" in source
    assert "dataclass" not in source and "E.GradientTape" not in source
    # the second iteration tells its tensors apart the same way
    trace.train_more(1)
    second = {trace.graph.user_name(n) for n in trace.graph.iteration_nodes(1)}
    assert {"x", "x′", "predictions", "loss", "labels"} <= second


def test_no_two_tensors_of_an_iteration_share_a_name() -> None:
    """``h = relu(h * w)`` three times: four tensors were ``h``; they read h, h′, h″, h‴."""
    with record() as trace:
        w = tf.Variable(0.5, name="w")
        h = tf.constant(2.0)
        with tf.GradientTape():
            for _ in range(3):
                h = tf.nn.relu(h * w)
    relus = [nid for nid, node in trace.graph.nodes.items() if node.op == "relu"]
    assert [trace.graph.user_name(n) for n in relus] == ["h′", "h″", "h‴"]
    assert [trace.graph.program_name(n) for n in relus] == ["h", "h", "h"]
    (const,) = [nid for nid, node in trace.graph.nodes.items() if node.label == "constant"]
    assert trace.graph.user_name(const) == "h"


PROGRAM = """\
import tapeviz.tf as tf

x = tf.constant([[1.0, 2.0]])
labels = tf.constant([[0.0, 1.0]])
w = tf.Variable([[0.5, -0.5], [0.25, 0.75]], name="w")
with tf.GradientTape() as tape:
    logits = tf.matmul(x, w)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels, logits))
grad = tape.gradient(loss, w)
"""


def test_a_program_run_by_the_runner_is_the_learners_code(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM)
    trace = run_program(program).trace
    leaves = [
        trace.graph.user_name(nid) for nid, node in trace.graph.nodes.items() if not node.is_op
    ]
    assert leaves == ["x", "w", "labels"]
    ops = {
        node.op: trace.graph.user_name(nid) for nid, node in trace.graph.nodes.items() if node.is_op
    }
    assert ops["matmul"] == "logits" and ops["reduce_mean"] == "loss"
    assert ops["log_softmax"] is None and ops["multiply"] is None
    file = str(program.resolve())
    assert {s.file for s in trace.sites.values()} == {file}
    assert sorted({s.line for s in trace.sites.values()}) == [7, 8]
    assert trace.sources == {file: PROGRAM}


def test_a_program_under_site_packages_is_still_the_learners_code(tmp_path: Path, monkeypatch) -> None:
    """Where a file sits does not make it library code: a program copied into an installation's
    site-packages (inside the standard library's folder, as in a prefix/lib/python3.X layout)
    keeps its names and lines."""
    from tapeviz.trace import own_code as sites

    lib = tmp_path / "lib" / "python3.X"
    site = lib / "site-packages"
    site.mkdir(parents=True)
    monkeypatch.setattr(sites, "_STDLIB", (str(lib.resolve()) + "/",))
    monkeypatch.setattr(sites, "_SITE", (str(site.resolve()) + "/",))
    program = site / "prog.py"
    program.write_text(PROGRAM)
    trace = run_program(program).trace
    ops = {node.op: trace.graph.user_name(nid) for nid, node in trace.graph.nodes.items() if node.is_op}
    assert ops["matmul"] == "logits" and ops["reduce_mean"] == "loss"
    assert {s.file for s in trace.sites.values()} == {str(program.resolve())}
    # the same file in the standard library's own folder is library code: the sites skip it
    stdlib_copy = lib / "prog.py"
    stdlib_copy.write_text(PROGRAM)
    assert {s.file for s in run_program(stdlib_copy).trace.sites.values()} == {HERE}


def test_tapeviz_own_code_is_told_by_its_module_and_the_bundled_programs_are_the_learners() -> None:
    from tapeviz.trace import own_code as sites

    package = sites._PACKAGE
    assert sites.is_tapeviz_code("tapeviz.keras.layers", "/anywhere/layers.py")
    assert sites.is_tapeviz_code("__main__", package + "__main__.py")  # python -m tapeviz
    assert not sites.is_tapeviz_code("tapeviz.examples.keras_examples", package + "examples/keras_examples.py")
    assert not sites.is_tapeviz_code("__main__", package + "_bundled/lessons/01-first-tape/program.py")
    assert not sites.is_tapeviz_code("__main__", "/tmp/ipykernel_1/123.py")  # a notebook cell
    assert not sites.is_library_code("__main__", "/tmp/ipykernel_1/123.py")
    assert not sites.is_library_code("__main__", "<stdin>") and sites.is_library_code(None, "<frozen runpy>")


def test_sites_and_names_survive_saving(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM)
    trace = run_program(program).trace
    trace.save(tmp_path / "t.tapeviz")
    loaded = load_trace(tmp_path / "t.tapeviz")
    assert loaded.sites == trace.sites
    assert loaded.tensor_names == trace.tensor_names
    assert loaded.sources == trace.sources
    assert {n: loaded.graph.user_name(n) for n in loaded.graph.nodes} == {
        n: trace.graph.user_name(n) for n in trace.graph.nodes
    }


@pytest.mark.parametrize("program", sorted(str(p.relative_to(ROOT)) for p in [
    *(ROOT / "examples").glob("*.py"), *(ROOT / "lessons").glob("*/program.py")]))
def test_every_example_and_lesson_keeps_its_names_through_a_file(program: str, tmp_path: Path) -> None:
    """A name the live trace does not give an op must not come back from the file, where the
    loader names ops from their saved sites: history = model.fit(...) binds a History (the Keras
    examples), a custom gradient's return goes back to the tape (lessons 15 and 16)."""
    try:
        trace = run_program(ROOT / program).trace
    except ProgramError as failed:  # (the article's pitfall: a program that stops with its error)
        trace = failed.trace  # type: ignore[attr-defined]
    trace.save(tmp_path / "t.tapeviz")
    loaded = load_trace(tmp_path / "t.tapeviz")
    assert {n: loaded.graph.user_name(n) for n in loaded.graph.nodes} == {
        n: trace.graph.user_name(n) for n in trace.graph.nodes
    }


def test_a_file_saved_before_sites_existed_loads_without_names() -> None:
    trace = load_trace(Path(__file__).parent.parent / "data" / "trace" / "v1_all_kinds.tapeviz")
    assert trace.sites == {} and trace.tensor_names == {} and trace.sources == {}
    assert all(trace.graph.user_name(n) is None for n in trace.graph.nodes)


def test_a_helper_called_in_a_loop_names_each_result() -> None:
    with record() as trace:
        v = tf.Variable([1.0, 2.0], name="v")
        with tf.GradientTape():
            for _ in range(2):
                loss = _mean_square(v)
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [trace.graph.user_name(e.output.id) for e in ops] == [None, "loss", None, "loss′"]  # two tensors
    assert loss is not None


OFFSET = tf.constant([0.5, 0.5])


def test_inputs_bound_to_module_globals_are_named() -> None:
    with record() as trace:
        v = tf.Variable([1.0, 2.0], name="v")
        with tf.GradientTape() as tape:
            tape.watch(OFFSET)
            shifted = v + OFFSET
    (op,) = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [trace.graph.user_name(r.id) for r in op.inputs] == ["v", "OFFSET"]
    assert trace.graph.user_name(op.output.id) == "shifted" and shifted is not None


def test_inputs_are_named_as_bound_when_the_op_ran() -> None:
    """Names are searched after recording, in copies of the scopes made as the ops ran: a later
    rebinding does not rename a tensor, and one first met unbound is named where it is bound."""
    with record() as trace:
        a, b = tf.constant(1.0), tf.constant(2.0)
        held = [tf.constant(3.0)]
        with tf.GradientTape() as tape:
            tape.watch([a, b, held[0]])
            first = a * b
            a, b = b, a
            second = a * held[0]  # held[0] is bound to no name here
            c = held[0]
            third = c + b
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [[trace.graph.user_name(r.id) for r in op.inputs] for op in ops] == [
        ["a", "b"], ["b", "c"], ["c", "a"]
    ]
    assert first is not None and second is not None and third is not None
