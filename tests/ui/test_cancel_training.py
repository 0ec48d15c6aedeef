"""``t`` on a train step that never returns: Esc cancels it, ``q`` quits (issue 27, item 7)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tapeviz.ui import load_app
from tests.support.ui_helpers import settle

FOREVER = textwrap.dedent('''
    import tapeviz.tf as tf
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x)

    def train_step():
        while True:  # never returns{extra}
            with tf.GradientTape() as t:
                z = x * x
''')


async def wait_until(pilot, condition, rounds: int = 300) -> bool:  # noqa: ANN001
    for _ in range(rounds):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


async def test_escape_cancels_a_train_step_that_never_returns(tmp_path: Path) -> None:
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra=""))
    app = load_app(str(program), layout_engine="layered", out_dir=tmp_path)
    before = len(app.trace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        assert await wait_until(pilot, lambda: app.training)
        await pilot.pause(0.2)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not app.training)
        await settle(app, pilot)
        assert len(app.trace) > before  # what the step recorded before it was cancelled is kept
        await pilot.press("right")  # the UI answers again
    assert app._exception is None


def test_q_quits_while_training_runs_forever(tmp_path: Path) -> None:
    """In a real process: ``t`` then ``q`` ends the process (it stayed at 100% CPU)."""
    program = tmp_path / "forever.py"
    program.write_text(FOREVER.format(extra="\n        pass"))
    script = textwrap.dedent(f'''
        import sys
        from tapeviz.ui import load_app
        from tapeviz.ui.crash import run_reporting

        app = load_app({str(program)!r}, layout_engine="layered")

        async def keys(pilot):
            await pilot.pause(0.5)
            await pilot.press("t")
            await pilot.pause(0.5)
            await pilot.press("q")

        sys.exit(run_reporting(app, headless=True, size=(100, 30), auto_pilot=keys))
    ''')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
