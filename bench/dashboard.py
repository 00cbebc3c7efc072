"""The dashboard, driven headless from the keyboard (Textual's Pilot), timed.

Run in a fresh process per scale:
    python -m bench.dashboard DATA_DIR --spawned EPOCH [--memory-limit 1GB] [--threads 2]
prints one JSON object of timings in seconds. Definitions:

- first frame: the first screen update Textual hands to its driver
  (`App._display` with a renderable); `first_frame_from_spawn` counts from the
  parent's spawn of this process (interpreter start and imports included),
  `first_frame_from_app` from just before `App.run_test`.
- a step's time runs from the key event reaching the driver (or the context
  change) to the first frame drawn once the step took effect (pane, drilldown
  depth or context changed) and the active pane holds figures loaded for the
  current context (or shows an error). Keys are sent as the terminal driver
  sends them; Pilot.press is not used because it also waits for the process to
  go idle.

`queries` lists each question the panes ran (`Engine.run`) with its seconds, to
show where a slow step spends its time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

T0 = time.perf_counter()  # as early as this module allows
# Care (8) before reconciliation: the month filter step is taken on reconciliation.
PANE_KEYS = {"1": "overview", "2": "users", "3": "invoices", "4": "adequacy", "8": "care",
             "5": "reconciliation"}  # fmt: skip
DRILL_COUNTY = "25"  # Modoc: the county filter the benchmark sets
TIMEOUT = 1800.0
STEP_TIMEOUT = 20.0  # a console step that takes this long has frozen


class QueryLog:
    """Every `Engine.run` with its duration, tagged with the step running."""

    def __init__(self) -> None:
        self.step = "open"
        self.entries: list[dict] = []

    def install(self) -> None:
        from queries.engine import Engine

        original = Engine.run
        log = self

        def timed_run(engine, question, **params):
            started = time.perf_counter()
            try:
                return original(engine, question, **params)
            finally:
                log.entries.append({"step": log.step, "question": question,
                                    "seconds": time.perf_counter() - started})  # fmt: skip

        Engine.run = timed_run


class Frames:
    """Watches the frames the app hands to its driver: notes the first, and
    resolves a waiter at the first frame drawn once its condition holds.

    Headless, Textual composes each update but skips writing it; the hook
    renders it to terminal segments as a real terminal would, so that cost
    is counted too."""

    def __init__(self, app) -> None:
        self.app = app
        self.first: float | None = None
        self.waiter: tuple | None = None  # (condition, future)
        original = app._display

        def display(screen, renderable):
            if renderable is not None:
                if app.is_headless and hasattr(renderable, "render_segments"):
                    renderable.render_segments(app.console)
                self.drawn()
            return original(screen, renderable)

        app._display = display

    def drawn(self) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if self.waiter is not None:
            condition, future = self.waiter
            if condition() and not future.done():
                future.set_result(now)

    async def until(self, condition) -> float:
        """The time of the first frame drawn while `condition()` holds."""
        future = asyncio.get_running_loop().create_future()
        self.waiter = (condition, future)
        deadline = time.perf_counter() + TIMEOUT
        try:
            while not future.done():
                if time.perf_counter() > deadline:
                    raise TimeoutError("the dashboard did not show its figures")
                await asyncio.wait([future], timeout=0.02)
                if not future.done() and condition():
                    self.app.screen.refresh()  # nothing left to draw: ask for one frame
            return future.result()
        finally:
            self.waiter = None


def state(app) -> tuple:
    """What a step changes: the pane, the drilldown depth, the context."""
    pane = app.active_pane
    ctx = app.context
    return (pane.id if pane else None, len(pane.stack) if pane else 0,
            ctx.key() if ctx else None)  # fmt: skip


def figures_shown(app, before: tuple) -> bool:
    """The step took effect and the active pane shows figures for the context
    (or an error in their place)."""
    pane = app.active_pane
    if pane is None or app.context is None or pane.loading_now or state(app) == before:
        return False
    if pane.query_one("Notice").has_class("-shown"):
        return True
    step = pane.step
    return step is not None and step.result is not None and step.loaded_for == app.context.key()


# key name -> the character a terminal sends
CHARACTERS = {
    "enter": "\r",
    "escape": "\x1b",
    "down": None,
    "left_square_bracket": "[",
    "pagedown": None,
    "end": None,
    "home": None,
}


def send_key(app, key: str) -> None:
    """A key press as the terminal driver delivers it (Pilot.press would also
    wait for the process to go idle, which would be counted in the step)."""
    from textual import events

    event = events.Key(key, CHARACTERS.get(key, key))
    event.set_sender(app)
    app._driver.send_message(event)


class Timings:
    """Named step times, with the figures' row count and any error shown."""

    def __init__(self, app, frames: Frames, log: QueryLog) -> None:
        self.app = app
        self.frames = frames
        self.log = log
        self.steps: dict[str, dict] = {}

    async def step(self, name: str, *keys: str, change=None) -> float:
        """Press `keys` (or call `change()`); time to the first frame that shows
        the figures."""
        self.log.step = name
        before = state(self.app)
        started = time.perf_counter()
        if change is not None:
            change()
        for key in keys:
            send_key(self.app, key)
        shown_at = await self.frames.until(lambda: figures_shown(self.app, before))
        self.steps[name] = {"seconds": shown_at - started, **self.shown()}
        await self.app.workers.wait_for_complete()  # let the next step start clean
        return shown_at - started

    def shown(self) -> dict:
        pane = self.app.active_pane
        figures = pane.figures
        notice = pane.query_one("Notice")
        error = str(notice.render()) if notice.has_class("-shown") else None
        return {"pane": pane.id, "rows": figures.row_count if figures else 0, "error": error}


async def drive(app, timings: Timings, full: bool) -> None:
    """Open, then every pane, revisits, a drilldown and back, a county filter."""
    await timings.step("overview_open")
    if not full:
        return
    for key, pane in list(PANE_KEYS.items())[1:]:
        await timings.step(f"first_visit:{pane}", key)
    for key, pane in PANE_KEYS.items():
        await timings.step(f"revisit:{pane}", key)
    await timings.step("revisit_again:overview", "1")
    send_key(app, "down")  # from the region total to a county
    await timings.step("drilldown:overview", "enter")
    await timings.step("back:overview", "escape")
    await timings.step("filter_county:overview", change=lambda: app.set_county(DRILL_COUNTY))
    for key, pane in list(PANE_KEYS.items())[1:]:
        await timings.step(f"switch_after_filter:{pane}", key)
    await timings.step("filter_month:reconciliation", "left_square_bracket")
    await timings.step("filter_all_counties:reconciliation", change=lambda: app.set_county(None))
    await big_result(app, timings)


BIG_RESULT = "SELECT range AS i, range * 2 AS twice FROM range(500000)"


async def big_result(app, timings: Timings) -> None:
    """Issue 7: a 500,000-row result in the console appears, then pages
    (pagedown x 5, end, home) without freezing: each timed to its frame."""
    from tui.panes.console import ConsolePane, ResultsTable

    console = app.query_one("#query", ConsolePane)
    timings.log.step = "console:500k_rows"
    started = time.perf_counter()
    app.open_in_console(BIG_RESULT)
    console.action_run()
    shown = await asyncio.wait_for(
        timings.frames.until(lambda: not console.loading_now and console.result is not None),
        STEP_TIMEOUT,
    )
    timings.steps["console:500k_rows"] = {
        "seconds": shown - started, "pane": "query", "rows": console.result.total_rows,
        "error": None,
    }  # fmt: skip
    table = console.query_one(ResultsTable)
    # A person pages once the grid is on screen: wait for its layout (paging
    # a grid of height 0 moves nothing).
    await asyncio.wait_for(
        timings.frames.until(lambda: table.grid is not None and table.grid.size.height > 0),
        STEP_TIMEOUT,
    )
    actions = {"pagedown": "page_down", "end": "scroll_end", "home": "scroll_home"}
    for index, key in enumerate(["pagedown"] * 5 + ["end", "home"]):
        before = table.cursor[0]
        started = time.perf_counter()
        # The grid's own key action (where the focus lands after a run varies).
        await table.grid.run_action(actions[key])
        name = f"console:scroll_{index + 1}_{key}"
        try:
            moved = await asyncio.wait_for(
                timings.frames.until(lambda b=before: table.cursor[0] != b), STEP_TIMEOUT
            )
        except TimeoutError:
            timings.steps[name] = {"seconds": None, "pane": "query", "rows": None,
                                   "error": f"the cursor did not leave row {before}"}  # fmt: skip
            return
        timings.steps[name] = {
            "seconds": moved - started, "pane": "query", "rows": None, "error": None,
        }  # fmt: skip


async def measure(args) -> dict:
    log = QueryLog()
    from tui.app import DashboardSettings, build_app

    log.install()
    settings = DashboardSettings(Path(args.data_dir), memory_limit=args.memory_limit,
                                 threads=args.threads)  # fmt: skip
    app = build_app(settings, watch=False, export_dir=Path(os.devnull))
    frames = Frames(app)
    app_started = time.perf_counter()
    async with app.run_test(size=(80, 24), headless=True):
        timings = Timings(app, frames, log)
        await drive(app, timings, args.full)
        overview = _cells(app) if not args.full else None
    spawned_offset = time.time() - time.perf_counter()  # perf clock -> epoch
    return {
        "first_frame_from_spawn": frames.first + spawned_offset - args.spawned,
        "first_frame_from_app": frames.first - app_started,
        "overview_from_spawn": app_started
        + timings.steps["overview_open"]["seconds"]
        + spawned_offset
        - args.spawned,
        "imports_seconds": app_started - T0,
        "steps": timings.steps,
        "queries": log.entries,
        "overview_cells": overview,
        "cache_builds": _builds(),
    }


def _cells(app) -> list[list[str]]:
    shown = app.active_pane.figures.shown
    return [[str(v) for v in row] for row in shown.iter_rows()]


_BUILT: list[str] = []  # the cache files this process wrote


def count_cache_builds() -> None:
    """The cache renames its staging folder into place once per build. (os is
    patched, not queries.cache: importing that would load DuckDB before the
    first frame, which the dashboard itself does not.)"""
    original = os.replace

    def replace(src, dst, *a, **k):
        if str(src).endswith(".partial"):
            _BUILT.append(Path(dst).name)
        return original(src, dst, *a, **k)

    os.replace = replace


def _builds() -> list[str]:
    return list(_BUILT)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the dashboard headless.")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--spawned", type=float, required=True, help="epoch of the spawn")
    parser.add_argument("--memory-limit")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--open-only", dest="full", action="store_false",
                        help="only open the dashboard (two-dashboard check)")  # fmt: skip
    args = parser.parse_args()
    count_cache_builds()
    print(json.dumps(asyncio.run(measure(args))))


if __name__ == "__main__":
    main()
