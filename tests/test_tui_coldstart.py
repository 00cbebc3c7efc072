"""The dashboard while the cache builds (issue 13): a progress line, pane keys
that answer, ctrl+q that stops the build, and on r the previous figures kept,
dimmed, until the new ones come. The build is made slow by a test hook on the
cache's writes (a DuckDB query that runs until interrupted, or a wait for the
test's go-ahead), never by a sleep in the product."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import duckdb
import pytest
from textual.widgets import ContentSwitcher

from queries.cache import FactCache
from queries.engine import default_memory_limit
from tests.test_cache_build import duckdb_says, memory_limit_of
from tests.test_tui_data import build_region
from tests.test_tui_pilot import FROZEN, cells, make_app, settle
from tui.widgets.build_progress import BuildProgressLine
from tui.widgets.context_bar import ContextBar

SLOW_STEP = "SELECT sum(i % 7) FROM range(10000000000) t(i)"  # 10 s of work unless stopped


@pytest.fixture
def region(tmp_path, monkeypatch):
    monkeypatch.setenv("WRP_TUI_CACHE", str(tmp_path / "cache"))  # a cold cache
    return build_region(tmp_path / "region")


class SlowFacts:
    """Hooks the cache build: the claim facts step waits, either running a
    DuckDB query until it is interrupted, or until the test says go."""

    def __init__(self, monkeypatch, interruptible: bool) -> None:
        self.started, self.go = threading.Event(), threading.Event()
        self.interrupted = threading.Event()
        self.interruptible = interruptible
        write = FactCache._write

        def slow(connection, source, order, target):
            if target.parent.name == "claim_facts" and not self.started.is_set():
                self.started.set()
                self.wait(connection)
            write(connection, source, order, target)

        monkeypatch.setattr(FactCache, "_write", staticmethod(slow))

    def wait(self, connection) -> None:
        if not self.interruptible:
            assert self.go.wait(60), "the test never let the build go on"
            return
        try:
            connection.execute(SLOW_STEP)
        except duckdb.InterruptException:
            self.interrupted.set()
            raise


async def until(pilot, condition, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {what}")


def line_text(app) -> str:
    return app.query_one(BuildProgressLine).render().plain


@pytest.mark.asyncio
async def test_quit_during_a_cold_build_stops_it_and_keeps_nothing(region, tmp_path, monkeypatch):
    slow = SlowFacts(monkeypatch, interruptible=True)
    app = make_app(region, tmp_path, threads=1)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, slow.started.is_set, "the build reached the claim facts")
        await until(pilot, lambda: "claim_facts" in line_text(app), "the line shows the stage")
        line = app.query_one(BuildProgressLine)
        assert line.shown and line.display
        text = line_text(app)
        # The step, the time so far and the time left; at 80 columns the stage gives way.
        assert re.fullmatch(r"cache build 8/24 · \d+:\d\d so far · about \d+:\d\d left"
                            r" · claim_facts, 2024-05 to 2025-03", text), text
        # The pane keys answer while the build runs.
        await pilot.press("2")
        assert app.query_one(ContentSwitcher).current == "users"
        await pilot.press("4")
        assert app.query_one(ContentSwitcher).current == "adequacy"
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app ended")
    assert slow.interrupted.wait(10), "the build's step was not interrupted"
    assert app.opened.wait(10), "the build's thread did not let go"
    cache = tmp_path / "cache"
    assert [p for p in cache.glob("*/*") if p.is_dir()] == []  # no version, no partial


@pytest.mark.asyncio
async def test_reload_keeps_the_previous_figures_dimmed_until_the_new_ones(
    region, tmp_path, monkeypatch
):
    app = make_app(region, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # The dashboard's engine runs under the default memory limit, as every command's.
        assert memory_limit_of(app.engine) == duckdb_says(default_memory_limit())
        line, switcher = app.query_one(BuildProgressLine), app.query_one(ContentSwitcher)
        assert not line.shown and not switcher.has_class("-previous")
        before, version = cells(app), app.context.version
        # Tonight's extract lands (a new version to build) and the dashboard notices.
        claims = region / "claims.parquet"
        stat = claims.stat()
        os.utime(claims, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        slow = SlowFacts(monkeypatch, interruptible=False)
        app.post_message(app.ExtractsChanged())
        await until(pilot, lambda: app.query_one(ContextBar).new_data, "the new-data notice")
        assert any("changed on disk" in n.message for n in app._notifications)

        await pilot.press("r")
        # The notice goes at once; the old figures stay, dimmed and labelled.
        assert not app.query_one(ContextBar).new_data
        assert not any("changed on disk" in n.message for n in app._notifications)
        await until(pilot, slow.started.is_set, "the new version's build reached the facts")
        await until(pilot, lambda: "claim_facts" in line_text(app), "the line shows the stage")
        assert switcher.has_class("-previous")
        assert line_text(app).startswith("previous version, dimmed · cache build 8/24 · ")
        assert cells(app) == before and not app.active_pane.query_one("FigureTable").loading
        await pilot.press("3")  # the keys answer during the reload too
        assert switcher.current == "invoices"
        await pilot.press("1")

        slow.go.set()
        await until(pilot, lambda: app.context.version == version + 1, "the new extracts")
        await settle(pilot)
        await until(pilot, lambda: not switcher.has_class("-previous"), "undimmed")
        assert not line.shown
        assert cells(app) == before  # the same claims: the same figures, now of the new version


def test_snapshot_of_a_reload_while_the_new_version_builds(snap_compare, tmp_path, monkeypatch):
    """At 80x24: the Overview's figures dimmed under the line that says they
    are the previous version's, and how far the new version's build is."""
    monkeypatch.setenv("WRP_TUI_CACHE", str(tmp_path / "cache"))
    region = build_region(tmp_path / "region")
    for extract in region.rglob("*.parquet"):
        os.utime(extract, (FROZEN.timestamp(), FROZEN.timestamp()))
    monkeypatch.setattr(BuildProgressLine, "clock", staticmethod(lambda: 0.0))

    async def reload_during_a_build(pilot):
        app = pilot.app
        await settle(pilot)
        os.utime(region / "claims.parquet", (FROZEN.timestamp(), FROZEN.timestamp() + 1))
        slow = SlowFacts(monkeypatch, interruptible=True)  # the snapshot's quit stops it
        await pilot.press("r")
        await until(pilot, slow.started.is_set, "the new version's build reached the facts")
        await until(pilot, lambda: "claim_facts" in line_text(app), "the line shows the stage")

    monkeypatch.chdir(region.parent)  # a relative folder: the context bar reads the same
    app = make_app(Path(region.name), region.parent, threads=1)
    assert snap_compare(app, terminal_size=(80, 24), run_before=reload_during_a_build)
