"""Compare one guide cell run under tapeviz with the same cell run under TensorFlow 2.21."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tests.support.notebook import same_text
from tests.support.paths import DATA

__all__ = ["check_cell", "reference"]


@cache
def reference() -> dict[str, Any]:
    """tests/data/guides_tf_reference.json, made by tests/data/make_guides_tf_reference.py."""
    return json.loads((DATA / "guides_tf_reference.json").read_text())


def check_cell(got: dict[str, Any], want: dict[str, Any], name: str, out_of_scope: str | None = None) -> None:
    """Same printed text and displayed value (numbers within float32 rounding), same kind of error.

    An out-of-scope cell must instead raise tapeviz's one clear error saying it is not done.
    """
    if out_of_scope is not None:
        assert got["error"] is not None, f"{name}: tapeviz should refuse ({out_of_scope})"
        assert "not done in tapeviz" in got["error"]["message"], got["error"]
        return
    if want["error"] is None:
        assert got["error"] is None, f"{name}: tapeviz raised {got['error']}"
    else:
        assert got["error"] is not None, f"{name}: TF raised {want['error']['type']}, tapeviz did not"
        shared = set(got["error"]["bases"]) & set(want["error"]["bases"]) - {"BaseException", "Exception"}
        assert shared, f"{name}: TF raised {want['error']}, tapeviz {got['error']}"
    assert same_text(got["stdout"], want["stdout"]), f"{name} printed\n{got['stdout']}\nTF printed\n{want['stdout']}"
    assert (got["display"] is None) == (want["display"] is None), f"{name}: {got['display']!r} vs {want['display']!r}"
    if want["display"] is not None:
        assert same_text(got["display"], want["display"]), f"{name} shows\n{got['display']}\nTF shows\n{want['display']}"
