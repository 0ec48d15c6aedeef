"""Data the library made from the program's arrays is named after them: a batch ``fit`` or a
``Dataset`` took from ``images`` is ``images[0:16]`` (``images[batch]`` when shuffled), and a sparse
loss's one-hot labels are ``one_hot(labels[0:16])``. A name the program bound itself still wins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tapeviz.engine import origins
from tapeviz.trace import Trace, run_program

HEAD = """\
import numpy as np
import tapeviz.tf as tf

tf.keras.utils.set_random_seed(1)
images = np.random.uniform(0, 1, size=(32, 4)).astype("float32")
labels = (np.arange(32) % 2).astype("int32")
model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
"""


def _inputs_by_iteration(trace: Trace) -> list[tuple[str | None, str | None]]:
    """Per iteration: the name of the first matmul's data input and of the loss's one-hot labels."""
    graph, out = trace.graph, []
    for iteration in sorted(set(trace.iterations)):
        ops = [graph.nodes[n] for n in graph.iteration_nodes(iteration) if graph.nodes[n].is_op and not graph.nodes[n].in_backward]
        matmul = next(n for n in ops if n.op == "matmul")
        loss = next(n for n in ops if n.op == "softmax_cross_entropy_with_logits")
        out.append((graph.user_name(matmul.inputs[0]), graph.user_name(loss.inputs[0])))
    return out


def _run(tmp_path: Path, body: str) -> Trace:
    program = tmp_path / "prog.py"
    program.write_text(HEAD + body)
    return run_program(program).trace


@pytest.mark.parametrize(("body", "names"), [
    ("model.fit(images, labels, batch_size=16, shuffle=False, epochs=1, verbose=0)\n",
     [("images[0:16]", "one_hot(labels[0:16])"), ("images[16:32]", "one_hot(labels[16:32])")]),
    ("model.fit(images, labels, batch_size=16, epochs=1, verbose=0)\n",
     [("images[batch]", "one_hot(labels[batch])")] * 2),
    # the training part of a split: its batches are rows of the program's arrays
    ("model.fit(images, labels, batch_size=8, shuffle=False, validation_split=0.5, epochs=1, verbose=0)\n",
     [("images[0:8]", "one_hot(labels[0:8])"), ("images[8:16]", "one_hot(labels[8:16])")]),
    ("train_ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)\n"
     "model.fit(train_ds, epochs=1, verbose=0)\n",
     [("images[0:16]", "one_hot(labels[0:16])"), ("images[16:32]", "one_hot(labels[16:32])")]),
    ("train_ds = tf.data.Dataset.from_tensor_slices((images, labels)).skip(8).take(16).batch(8)\n"
     "model.fit(train_ds, epochs=1, verbose=0)\n",
     [("images[8:16]", "one_hot(labels[8:16])"), ("images[16:24]", "one_hot(labels[16:24])")]),
    # rows taken after a map are no longer the program's rows: no name
    ("train_ds = tf.data.Dataset.from_tensor_slices((images, labels)).map(lambda x, y: (x * 2.0, y)).batch(32)\n"
     "model.fit(train_ds, epochs=1, verbose=0)\n",
     [(None, None)]),
    ("train_ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(32).batch(16)\n"
     "model.fit(train_ds, epochs=1, verbose=0)\n",
     [("images[batch]", "one_hot(labels[batch])")] * 2),
    # the program's own names for a batch win; the loss's one-hot is named after them
    ("train_ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)\n"
     "loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
     "for x_batch, y_batch in train_ds:\n"
     "    with tf.GradientTape() as tape:\n"
     "        loss = loss_fn(y_batch, model(x_batch))\n"
     "    grads = tape.gradient(loss, model.trainable_variables)\n"
     "    model.optimizer.apply_gradients(zip(grads, model.trainable_variables))\n",
     [("x_batch", "one_hot(y_batch)")] * 2),
])
def test_batches_are_named_after_the_programs_arrays(tmp_path: Path, body: str,
                                                     names: list[tuple[str | None, str | None]]) -> None:
    assert _inputs_by_iteration(_run(tmp_path, body)) == names


def test_a_tensor_passed_to_fit_names_its_batches(tmp_path: Path) -> None:
    body = ("points = tf.constant(images)\n"
            "model.fit(points, labels, batch_size=32, shuffle=False, epochs=1, verbose=0)\n")
    assert _inputs_by_iteration(_run(tmp_path, body)) == [("points[0:32]", "one_hot(labels[0:32])")]


def test_data_the_program_never_named_stays_unnamed(tmp_path: Path) -> None:
    body = "model.fit(np.ones((16, 4), 'float32'), np.zeros(16, 'int32'), batch_size=16, epochs=1, verbose=0)\n"
    ((data, one_hot),) = _inputs_by_iteration(_run(tmp_path, body))
    assert data is None and one_hot is None


def test_a_noted_array_is_forgotten_with_it() -> None:
    source = np.arange(6.0)
    rows = origins.note(source[[1, 2]], source, rows=np.array([1, 2]))
    assert origins.made_from(rows) == (source, "{}[1:3]")
    key = id(rows)
    del rows
    assert key not in origins._made_from
    assert origins.made_from(np.zeros(2)) is None
    assert origins.rows_taken(3) == "{}[3]" and origins.rows_taken(np.array([4, 1])) == "{}[batch]"


def test_the_line_that_calls_fit_names_no_op_but_the_models_own_lines_do(tmp_path: Path) -> None:
    body = ("class Net(tf.keras.Model):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.dense = tf.keras.layers.Dense(2)\n"
            "    def call(self, x):\n"
            "        logits = self.dense(x)\n"
            "        return logits\n"
            "net = Net()\n"
            "net.compile(optimizer='sgd', loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "history = net.fit(images, labels, batch_size=16, epochs=1, verbose=0)\n"
            "scores = net.evaluate(images, labels, verbose=0)\n")
    graph = _run(tmp_path, body).graph
    names = {graph.user_name(n) for n, node in graph.nodes.items() if node.is_op}
    assert "logits" in names and not names & {"history", "scores"}, names
