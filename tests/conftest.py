"""Every test's engine caches under a temporary folder, never in ~/.cache,
and state (the console's history) goes to one, never to ~/.local/state."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_in_tmp(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WRP_TUI_CACHE", str(tmp_path_factory.mktemp("wrp-cache")))
    mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("wrp-state")))
    yield
    mp.undo()
