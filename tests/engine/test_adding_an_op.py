"""An op defined in one place shows up everywhere: tf namespaces, the DOT, the UI, lessons."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tapeviz.engine as E
import tapeviz.tf as tf
from tapeviz.engine import fastops
from tapeviz.engine.events import BackwardStep
from tapeviz.engine.registry import REGISTRY, OpDef, register, unregister
from tapeviz.lessons.answers import Evaluator
from tapeviz.render import dot_source
from tapeviz.trace import record
from tapeviz.view.chain_rule import chain_rule_lines

CUBE = OpDef(
    "cube_for_test", lambda a: a * a * a, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.multiply(3, xp.square(rec.inputs[0]))),),
    derivative="∂out/∂a = 3a²",
    local=lambda a, out: (3 * a * a,),
    tf_names=("tf.cube_for_test", "tf.math.cube_for_test"),
    lesson="cube_for_test",
)


@pytest.fixture
def cube() -> Iterator[OpDef]:
    register(CUBE)
    try:
        yield CUBE
    finally:
        unregister(CUBE.name)


def test_a_new_op_is_everywhere_it_should_be(cube: OpDef) -> None:
    assert tf.cube_for_test is tf.math.cube_for_test is E.cube_for_test
    assert "cube_for_test" in dir(tf) and "cube_for_test" in tf.math.__all__
    np.testing.assert_array_equal(fastops.cube_for_test(np.array([2.0])), [8.0])

    x = tf.Variable(np.array([1.0, -2.0, 0.5]), name="x")
    with record() as trace:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.cube_for_test(x))
        g = tape.gradient(y, x)
    np.testing.assert_allclose(np.asarray(g), 3 * np.array([1.0, -2.0, 0.5]) ** 2)

    assert "cube_for_test" in dot_source(trace)
    step = next(e for e in trace.events if isinstance(e, BackwardStep) and e.op == "cube_for_test")
    lines = chain_rule_lines(trace, step)
    # the largest gradient is at x[1] = −2: upstream 1 × local 3·(−2)² = 12
    assert lines == ["∂L/∂x[1]: upstream 1 × local 12 = sent 12"]

    assert Evaluator(trace).evaluate("cube_for_test(2.0)") == 8.0
    assert Evaluator(trace).evaluate("cube_for_test(value('x'))[1]") == -8.0


def test_unregistering_removes_what_was_derived(cube: OpDef) -> None:
    unregister(cube.name)
    try:
        assert cube.name not in REGISTRY
        for space in (tf, tf.math, E, fastops):
            assert not hasattr(space, cube.name)
        assert "cube_for_test" not in tf.__all__
    finally:
        register(cube)  # the fixture unregisters it again


def test_a_hand_written_api_must_exist() -> None:
    with pytest.raises(ValueError, match="api='hand'"):
        register(OpDef("no_such_api_for_test", np.negative, vjp=None, derivative="-", arity=1, api="hand"))
    REGISTRY.pop("no_such_api_for_test", None)


def test_every_registered_op_has_a_fast_function() -> None:
    missing = [name for name in REGISTRY if not callable(getattr(fastops, name, None))]
    assert not missing


def test_api_signatures_come_from_the_definition() -> None:
    import inspect

    assert str(inspect.signature(tf.reduce_sum)) == "(a, axis=None, keepdims=False, name=None)"
    assert str(inspect.signature(tf.nn.softmax)) == "(logits, axis=-1, name=None)"
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tf.reduce_sum(x, keepdims=True, axis=[0]).numpy(), [[4.0, 6.0]])


def test_the_wrappers_docstring_shows_the_text_reduce_sum_is_made_from() -> None:
    from tapeviz.engine import wrappers

    source = wrappers.api_source(REGISTRY["reduce_sum"], docstring=False)
    shown = "\n".join(line[4:] for line in wrappers.__doc__.splitlines() if line.startswith("    "))
    assert source.strip() in shown


def test_attributes_at_their_default_are_left_out_of_the_record() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        tf.reduce_sum(x)
        tf.reduce_sum(x, axis=np.int64(1), keepdims=1)
        tf.nn.softmax(x)
    assert [r.attrs for r in tape._records] == [{}, {"axis": 1, "keepdims": True}, {"axis": -1}]
    assert [type(v) for v in tape._records[1].attrs.values()] == [int, bool]


def test_an_op_registered_at_run_time_gets_a_real_api_function(cube: OpDef) -> None:
    import inspect

    assert str(inspect.signature(tf.cube_for_test)) == "(a, name=None)"
    assert "∂out/∂a = 3a²" in (tf.cube_for_test.__doc__ or "")
    x = tf.Variable(np.array([2.0]), name="x")
    with record() as trace:
        with tf.GradientTape():
            y = tf.cube_for_test(x, name="cubed")  # noqa: F841
    node = next(n for n in trace.graph.nodes.values() if n.op == "cube_for_test")
    assert trace.graph.user_name(node.id) == "cubed"
    with pytest.raises(TypeError, match=r"cube_for_test\(a, name=None\): too many positional"):
        tf.cube_for_test(x, 1, 2)
