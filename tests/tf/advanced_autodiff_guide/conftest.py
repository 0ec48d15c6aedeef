"""A fresh run of the guide's cells for each test (they take a tenth of a second in all)."""

from __future__ import annotations

import pytest

from .helpers import Notebook


@pytest.fixture
def notebook(tmp_path, monkeypatch) -> Notebook:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # a cell that writes files (the SavedModel one) writes here
    return Notebook()
