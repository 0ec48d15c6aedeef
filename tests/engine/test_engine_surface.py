"""The engine's public surface: ``__all__`` everywhere, the random state, the tape's public methods."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import tapeviz
import tapeviz.engine as E
import tapeviz.tf as tf
from tapeviz.keras.utils import set_random_seed

ROOT = Path(tapeviz.__file__).parent
PUBLIC = ["tapeviz.engine", "tapeviz.tf"]


def _public_modules() -> list[str]:
    names = []
    for package in PUBLIC:
        names.append(package)
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if not info.name.rsplit(".", 1)[-1].startswith("_") and not info.name.endswith(".keras"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_public_modules_declare_all(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def test_engine_exports_no_helpers() -> None:
    for helper in ("np", "Any", "builtins", "Sequence"):
        assert helper not in E.__all__
        assert not hasattr(E, helper)
    namespace: dict[str, object] = {}
    exec("from tapeviz.engine import *", namespace)
    assert "np" not in namespace and "reduce_sum" in namespace and "GradientTape" in namespace


def test_keras_seeding_and_tf_random_share_the_engine_state() -> None:
    set_random_seed(7)
    a = tf.random.normal((3,)).numpy()
    E.random.set_seed(7)
    b = tf.random.normal((3,)).numpy()
    tf.random.set_seed(7)
    c = tf.random.normal((3,)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_keras_utils_does_not_import_the_tf_facade() -> None:
    tree = ast.parse((ROOT / "keras" / "utils.py").read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m.startswith("tf") or ".tf" in m]


def test_tf_reaches_the_tape_only_through_public_methods() -> None:
    source = (ROOT / "tf" / "_tensor.py").read_text()
    for private in ("._watched", "._variables", "._watch_accessed", "registry import state"):
        assert private not in source


def test_assign_reads_a_variable_the_tape_then_watches() -> None:
    v = tf.Variable(2.0)
    w = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        w.assign(v)
    assert v in tape.watched_variables()
    with tf.GradientTape(watch_accessed_variables=False) as quiet:
        w.assign(v)
    assert quiet.watched_variables() == ()
