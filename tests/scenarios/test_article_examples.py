"""The article's code blocks in examples/: they run with only their imports changed, and the
pitfalls of the second block are explained where they happen."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tapeviz.engine.errors import ProgramError
from tapeviz.trace import run_program
from tests.support.paths import REPO

EXAMPLES = REPO / "examples"


def test_only_the_imports_differ_from_tensorflow_code():
    for name in ("article_1_gradient.py", "article_2_network.py", "article_3_apply_gradients.py"):
        code = [line for line in (EXAMPLES / name).read_text().splitlines() if line and not line.startswith("#")]
        imports = [line for line in code if "import" in line]
        assert imports[0] == "import tapeviz.tf as tf"
        assert imports[1:] in ([], ["from tapeviz.tf.keras import Model, layers"])


def test_first_block_prints_the_gradient_6():
    out = subprocess.run([sys.executable, str(EXAMPLES / "article_1_gradient.py")], capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout == "Gradient of y with respect to x: 6.0\n"


def test_fixed_second_block_prints_one_gradient_per_variable():
    run = run_program(EXAMPLES / "article_network_fixed.py")
    lines = run.output.splitlines()
    assert re.fullmatch(r"Loss: \d+\.\d{4}", lines[0])
    assert lines[1:] == [
        "Gradient for simple_model/dense/kernel: shape (10, 5)",
        "Gradient for simple_model/dense/bias: shape (5,)",
        "Gradient for simple_model/dense_1/kernel: shape (5, 2)",
        "Gradient for simple_model/dense_1/bias: shape (2,)",
    ]
    assert run.warnings == []
    assert run.trace.iteration_count == 1 and run.trace.trainer is not None
    run.trace.train_more(2)
    assert run.trace.iteration_count == 3


def test_verbatim_second_block_explains_its_pitfalls():
    run = run_program(EXAMPLES / "article_2_network.py")
    assert run.output == ""  # trainable_vars was empty, so the loop printed nothing
    kinds = [w.split(":")[0] for w in run.warnings]
    assert kinds == ["NotBuiltWarning", "LogitsWarning", "LabelsWarning"]
    not_built, logits, labels = run.warnings
    assert "trainable_variables is an empty list" in not_built and "model(inputs)" in not_built
    assert "received `from_logits=True`, but the `output` argument was produced by a Softmax activation" in logits
    assert "softmax" in logits.split("Was this intended?")[1]
    assert "not one-hot" in labels and "maxval=2" in labels
    # the forward pass and the loss were still recorded: the model ran under the tape
    assert run.trace.graph.find("simple_model/dense_1/softmax") is not None


def test_third_block_fails_with_a_clear_reason():
    with pytest.raises(ProgramError) as info:
        run_program(EXAMPLES / "article_3_apply_gradients.py")
    headline = str(info.value)
    assert headline.startswith(f"{EXAMPLES / 'article_3_apply_gradients.py'}:31: OptimizerError: ")
    assert "not enough values to unpack (expected 2, got 0)" in headline
    assert "before the model's first call" in headline and "model(inputs)" in headline
