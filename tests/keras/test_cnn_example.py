"""examples/cnn_images.py: a CNN on random images records one conv2d / max_pool2d op per layer
call, trains, and its convolution's backward step is written out with numbers."""

from __future__ import annotations

from pathlib import Path

from tapeviz.engine.events import BackwardStep, OpRecorded
from tapeviz.trace.runner import run_program
from tapeviz.view.chain_rule import chain_rule_lines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cnn_images.py"


def test_cnn_example_records_one_op_per_layer_and_explains_the_convolution():
    run = run_program(EXAMPLE)
    trace = run.trace
    assert "epoch 2: loss" in run.output and run.warnings == []
    assert trace.iteration_count == 4 and len(trace.losses) == 4  # 32 images, batches of 16, 2 epochs
    first = [e for e in trace.events if isinstance(e, OpRecorded)][:9]
    assert [(e.op, e.scope) for e in first[:7]] == [
        ("conv2d", "sequential/conv"), ("add", "sequential/conv"), ("relu", "sequential/conv"),
        ("max_pool2d", "sequential/pool"),
        ("conv2d", "sequential/conv_2"), ("add", "sequential/conv_2"), ("relu", "sequential/conv_2"),
    ]
    step = next(e for e in trace.events if isinstance(e, BackwardStep) and e.scope == "sequential/conv_2" and e.op == "conv2d")
    text = "\n".join(chain_rule_lines(trace, step))
    assert "∂L/∂max_pool2d[" in text and "the transposed convolution of g" in text
    assert "∂L/∂conv_2/kernel[" in text and "the correlation of max_pool2d with g" in text
