"""Every test's engine caches under a temporary folder, never in ~/.cache, and
keeps its state (pseudonym key, audit log, notes, crash files) and exports
under temporary ones."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_in_tmp(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WRP_TUI_CACHE", str(tmp_path_factory.mktemp("wrp-cache")))
    state = tmp_path_factory.mktemp("wrp-state")
    mp.setenv("XDG_STATE_HOME", str(state))
    mp.setenv("WRP_TUI_STORE", str(state / "notes.sqlite"))
    mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("wrp-data")))
    yield
    mp.undo()
