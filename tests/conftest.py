"""Every test's engine caches under a temporary folder, never in ~/.cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_in_tmp(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WRP_TUI_CACHE", str(tmp_path_factory.mktemp("wrp-cache")))
    # Crash files (queries/crash.py) of a test go to a temporary state folder.
    mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("wrp-state")))
    yield
    mp.undo()
