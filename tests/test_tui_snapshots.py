"""Screenshots of every pane at 80x24 (an SSH session) and 160x50, on the
hand-made region with a frozen clock and frozen file times."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_tui_data import build_region
from tests.test_tui_pilot import FROZEN, make_app, settle

PANES = {"overview": "1", "users": "2", "invoices": "3", "adequacy": "4", "reconciliation": "5",
         "close": "6", "query": "7", "care": "8"}  # fmt: skip
SIZES = {"80x24": (80, 24), "160x50": (160, 50)}


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    folder = build_region(tmp_path_factory.mktemp("snapshots") / "region")
    for extract in folder.rglob("*.parquet"):  # the close's freshness check reads file times
        os.utime(extract, (FROZEN.timestamp(), FROZEN.timestamp()))
    return folder


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("pane", PANES)
def test_pane(snap_compare, region, monkeypatch, pane, size):
    async def open_pane(pilot):
        await settle(pilot)
        await pilot.press(PANES[pane])
        await settle(pilot)

    # a relative folder, so the context bar reads the same on every run
    monkeypatch.chdir(region.parent)
    app = make_app(Path(region.name), region.parent)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=open_pane)


def test_chart_without_colour(snap_compare, region, monkeypatch):
    """Pane 3's chart (g) at 80x24 with NO_COLOR: markers and the legend tell
    billed from paid."""
    async def open_chart(pilot):
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(region.parent)
    app = make_app(Path(region.name), region.parent)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_chart)
