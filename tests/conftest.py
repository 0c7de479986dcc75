import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch):
    """Tests see only the plugins they ask for, not whatever the machine has installed."""
    monkeypatch.setenv("CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD", "1")
