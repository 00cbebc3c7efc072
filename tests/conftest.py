"""Every test's engine caches under a temporary folder, never in ~/.cache,
and notes go to a temporary store, never ~/.local/state."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_in_tmp(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WRP_TUI_CACHE", str(tmp_path_factory.mktemp("wrp-cache")))
    # Crash files (queries/crash.py) and the notes store of a test go to a temporary state folder.
    state = tmp_path_factory.mktemp("wrp-state")
    mp.setenv("XDG_STATE_HOME", str(state))
    mp.setenv("WRP_TUI_STORE", str(state / "notes.sqlite"))
    yield
    mp.undo()
