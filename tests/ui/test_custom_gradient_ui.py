"""The terminal UI on a custom gradient (lesson 15's program): the inspector at the custom op's
backward step names its gradient function, lists the ops it ran and the clipped gradient."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tapeviz.engine.events import BackwardStep, OpRecorded
from tapeviz.ui import load_app
from tapeviz.view.numbers import summary
from tests.support.ui_helpers import settle


def _flat(text: str) -> str:
    """The inspector's text with its line wrapping undone."""
    return " ".join(text.split())


PROGRAM = Path(__file__).resolve().parents[2] / "lessons" / "15-custom-gradient-clipping" / "program.py"


async def test_inspector_shows_the_custom_gradient_and_the_ops_that_made_it() -> None:
    app = load_app(str(PROGRAM), layout_engine="layered")
    trace = app.trace
    step = next(i for i, e in enumerate(trace.events) if isinstance(e, BackwardStep) and e.op == "custom_gradient")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        app.goto(step)
        await pilot.pause()
        text = _flat(app.screen.query_one("#inspector").text)
        assert "backward: ∂ clip_gradients by its custom gradient backward()" in text
        for op in ("reduce_sum(", "sqrt(", "maximum(", "divide("):
            assert op in text
        sent = trace.events[step].input_grads[0]
        assert summary(sent) in text and np.allclose(np.linalg.norm(sent), 0.5)
        app.goto(step - 1)  # the last op the gradient function ran: the divide that made it
        await pilot.pause()
        event = trace.events[step - 1]
        assert isinstance(event, OpRecorded) and event.grad_fn_of
        assert "custom gradient backward() of clip_gradients: divide" in _flat(app.screen.query_one("#inspector").text)
