"""Fixtures every test gets: fresh Keras layer names and a private progress folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tapeviz.keras import backend


@pytest.fixture(autouse=True)
def fresh_layer_names() -> Iterator[None]:
    """Each test starts at "dense", as a fresh Python process would."""
    backend.clear_session()
    yield
    backend.clear_session()


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Lesson progress goes to a temporary folder, never to the user's state directory."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home
