"""Every example opens by name from anywhere: the built-in ones and the shipped programs of
``examples/`` (``keras_fit_adam``, ``keras_fit_adam.py``, ``examples/keras_fit_adam.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.examples import EXAMPLES
from tapeviz.sources import bundled_dir, bundled_examples, find_example_program, load_source

ROOT = Path(__file__).resolve().parents[2]


def test_tapeviz_examples_lists_every_example_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines]
    programs = sorted(p.stem for p in bundled_dir("examples").glob("*.py"))
    assert listed == sorted(EXAMPLES) + programs
    assert "keras_fit_adam" in listed and "article_2_network" in listed
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines), "an example without its line"
    fixed = next(line for line in lines if line.startswith("article_network_fixed "))
    assert fixed.split(maxsplit=1)[1] == "The article's network, fixed."


@pytest.mark.parametrize("spec", ["keras_fit_adam", "keras_fit_adam.py", "examples/keras_fit_adam.py"])
def test_a_shipped_example_opens_by_name_from_any_folder(spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no examples/ folder here
    assert find_example_program(spec) == bundled_examples()["keras_fit_adam"]
    trace = load_source(spec)
    assert trace.title == "keras_fit_adam.py" and len(trace) > 0


def test_names_that_are_not_examples_are_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for spec in ("elsewhere/keras_fit_adam.py", "keras_fit_adam.txt", "no_such_example"):
        assert find_example_program(spec) is None
    # a file of the learner's own wins over the shipped example of the same name
    own = tmp_path / "keras_fit_adam.py"
    own.write_text("import tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n    y = x * x\n")
    assert len(load_source("keras_fit_adam.py")) == 1


def test_the_examples_own_instructions_name_what_opens() -> None:
    """Each `tapeviz open X` an example or the README writes names something that opens."""
    texts = [p.read_text() for p in bundled_dir("examples").glob("*.py")] + [(ROOT / "README.md").read_text()]
    said = {m for text in texts for m in re.findall(r"`tapeviz open ([\w./-]+)`", text)}
    assert "examples/keras_fit_adam.py" in said
    for spec in said - {"my_program.py"}:
        assert spec in EXAMPLES or find_example_program(spec) is not None, spec
