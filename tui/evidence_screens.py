"""Pictures of the dashboard for the evidence pack: the Overview, Invoices,
Reconciliation and Close panes drawn headless at a fixed size, as SVG.

The clock is frozen at the newest extract file's time, so the same extracts
draw the same pictures on every run.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

from tui.app import DashboardSettings, WrpApp, build_app
from tui.clocks import Clocks
from tui.freshness import file_times

PACK_PANES = (("overview", "1"), ("invoices", "3"), ("reconciliation", "5"), ("close", "6"))
SIZE = (120, 40)


def _clocks(data_dir: Path) -> Clocks:
    times = file_times(data_dir)
    newest = max(times.values()) if times else datetime(2000, 1, 1).astimezone()
    return Clocks(now=lambda: newest, file_times=lambda engine: file_times(engine.data_dir))


async def _settle(pilot) -> None:
    """Until every worker finished and every pane has its figures."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers) and not any(
            p.loading_now for p in app.query("Pane")
        ):
            return
    raise RuntimeError("the dashboard did not finish loading")


async def _shoot(app: WrpApp, label: str) -> dict[str, str]:
    shots = {}
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for name, key in PACK_PANES:
            await pilot.press(key)
            await _settle(pilot)
            shots[name] = app.export_screenshot(title=f"wrp-tui {name} {label}")
    return shots


def pane_screens(data_dir: Path, month: date, as_of: date,
                 store: Path | None = None) -> dict[str, str]:  # fmt: skip
    """SVG text of each pack pane, by pane name (member IDs masked)."""
    settings = DashboardSettings(data_dir, as_of=as_of, month=month, store=store)
    app = build_app(settings, clocks=_clocks(data_dir), watch=False)
    return asyncio.run(_shoot(app, f"{month:%Y-%m} as of {as_of}"))
