"""A pane: a drillable table with a breadcrumb, notes and a status line.

Figures load in a thread worker that posts a message; handlers on the UI
thread update the widgets. Each pane keeps its drilldown as a stack of
levels, with the last result of each so that Escape is instant.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tui.context import Context
from tui.views import Level, LevelResult
from tui.widgets.figure_table import FigureTable
from tui.widgets.notice import Breadcrumb, Notice

if TYPE_CHECKING:
    from tui.app import WrpApp
    from tui.presenting import Figures


@dataclass
class Step:
    """One level of the drilldown, with what it last showed."""

    level: Level
    result: LevelResult | None = None
    loaded_for: tuple | None = None  # the context key the result belongs to
    cursor: tuple[int, int] = (0, 0)


class FilterInput(Input, can_focus=False):
    """The `/` field; Escape closes it instead of leaving the drilldown level.
    Focusable only while shown, so that keys never land in it unseen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close filter")]

    def action_close(self) -> None:
        pane = next(a for a in self.ancestors if isinstance(a, Pane))
        pane.close_filter()


class Pane(Vertical):
    """Base of panes 1-5. Subclasses give `title` and `root(context)`."""

    title: ClassVar[str] = ""
    prefetches: ClassVar[bool] = True  # its top level loads in the background (see app)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Up one drilldown level"),
        Binding("slash", "filter", "Filter", show=False, tooltip="Keep rows containing a text"),
        Binding("s", "sort", "Sort", show=False, tooltip="Sort by the cursor's column"),
        Binding("e", "export", "Export", show=False, tooltip="Write the table to a CSV file"),
        Binding("y", "copy", "Copy", show=False, tooltip="Copy the cell (OSC 52)"),
        Binding("E", "export_as", "Export as", show=False, tooltip="CSV, Parquet or Excel"),
        Binding("q", "open_sql", "SQL", show=False, tooltip="Open the query in the console (7)"),
    ]

    class Loaded(Message):
        def __init__(self, generation: int, result: LevelResult) -> None:
            super().__init__()
            self.generation = generation
            self.result = result

    class Failed(Message):
        def __init__(self, generation: int, title: str, message: str) -> None:
            super().__init__()
            self.generation = generation
            self.title = title
            self.message = message

    class Cancelled(Message):
        def __init__(self, generation: int) -> None:
            super().__init__()
            self.generation = generation

    class Refigured(Message):
        def __init__(self, generation: int, figures: Figures) -> None:
            super().__init__()
            self.generation = generation
            self.figures = figures

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.stack: list[Step] = []
        self.generation = 0
        self.loading_now = False

    @property
    def wrp(self) -> WrpApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Notice()
        yield FigureTable()
        yield Static("", classes="notes")
        yield FilterInput(placeholder="rows containing… (enter applies, empty clears, esc closes)",
                          classes="filter")  # fmt: skip
        yield Static("", classes="status")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # hidden from the footer at the top level, unless it cancels
            return len(self.stack) > 1 or self.loading_now
        return True

    # -- what subclasses provide ---------------------------------------------------
    def root(self, ctx: Context) -> Level:
        """The pane's top level for a context: every drillable pane defines it
        (the console, which has no levels, never calls it)."""
        raise NotImplementedError(f"{type(self).__name__} defines no top level")

    # -- the stack -------------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        return self.stack[-1] if self.stack else None

    @property
    def figures(self) -> Figures | None:
        step = self.step
        return step.result.figures if step and step.result else None

    def context_changed(self, old: Context | None, new: Context, active: bool) -> None:
        """Follow the context bar: back to the root when the county, month or
        data changed (the drilled rows belong to the old ones)."""
        keep_drill = (
            old is not None and self.stack
            and (old.data_dir, old.version, old.county, old.month)
            == (new.data_dir, new.version, new.county, new.month)
        )  # fmt: skip
        if keep_drill:
            self.stack[0] = Step(self.root(new), cursor=self.stack[0].cursor)
        else:
            self.stack = [Step(self.root(new))]
        if active:
            self.refresh_step()

    def refresh_step(self) -> None:
        """Show the current level, loading it when its figures are stale."""
        step, ctx = self.step, self.wrp.context
        if step is None or ctx is None:
            return
        self.show_crumbs()
        if step.result is not None and step.loaded_for == ctx.key():
            self.call_later(self.show_result, step)
        else:
            self.load(step)

    def show_crumbs(self) -> None:
        self.query_one(Breadcrumb).set_crumbs([step.level.crumb for step in self.stack])
        self.set_class(len(self.stack) == 1, "-root")

    # -- loading -----------------------------------------------------------------------
    def load(self, step: Step) -> None:
        engine, ctx = self.wrp.engine, self.wrp.context
        if engine is None or ctx is None:
            return
        if self.loading_now:
            engine.interrupt()  # the user moved on: stop the query we no longer need
        self.generation += 1
        self.loading_now = True
        table = self.query_one(FigureTable)
        table.display = True
        # After a reload the previous figures stay (dimmed) until the new ones come.
        table.loading = not self.wrp.awaiting_new_figures
        self.query_one(Notice).clear()
        self.set_status("loading…")
        self.run_load(self.generation, step.level, engine, ctx, self.wrp.mask_members)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def run_load(self, generation: int, level: Level, engine, ctx: Context, mask: bool) -> None:
        from queries.engine import DataError, QueryCancelled

        worker = get_current_worker()
        try:
            result = level.load(engine, ctx, mask)
            result.figures.grid_data  # noqa: B018 (laid out here, off the UI thread)
        except QueryCancelled:
            self.post_message(self.Cancelled(generation))
        except DataError as exc:
            self.post_message(self.Failed(generation, exc.title, exc.message))
        except Exception as exc:  # a bug must still read as a message, never a traceback
            from queries.crash import unexpected

            self.log.error("load failed", level.crumb, exc)
            where = f"dashboard, pane {self.id} {level.crumb}"
            self.post_message(self.Failed(generation, *unexpected(exc, where)))
        else:
            if not worker.is_cancelled:
                self.post_message(self.Loaded(generation, result))

    def cancel_load(self, status: str = "cancelled: shows again when you come back") -> None:
        """Stop the pane's query (it was hidden mid-load, or Escape pressed)."""
        if self.loading_now and self.wrp.engine is not None:
            self.wrp.engine.interrupt()
            self.workers.cancel_group(self, "load")
            self.generation += 1
            self.loading_now = False
            table = self.query_one(FigureTable)
            table.loading = False
            table.display = False  # what it shows belongs to the level or context left
            self.set_status(status)
            self.refresh_bindings()

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        if message.generation != self.generation or not self.stack:
            return
        self.loading_now = False
        step = self.step
        step.result = message.result
        step.loaded_for = self.wrp.context.key()
        if self.is_active:
            self.wrp.prefetch_panes()
        await self.show_result(step)

    # -- prefetch: the top levels of hidden panes, made while the user reads --------------
    def stale_root(self) -> Step | None:
        """The top level, when it is what a visit would load now (no drilldown,
        no load under way, figures missing or for another context)."""
        ctx = self.wrp.context
        if ctx is None or len(self.stack) != 1 or self.loading_now or self.is_active:
            return None
        step = self.stack[0]
        return None if step.result is not None and step.loaded_for == ctx.key() else step

    def prefetched(self, step: Step, key: tuple, mask: bool, result: LevelResult) -> None:
        """A prefetched top level arrived: keep it if it still applies (same
        level, same context, member IDs masked as they are now)."""
        ctx = self.wrp.context
        if self.stack and self.stack[0] is step and not self.loading_now and step.result is None:
            if ctx is not None and ctx.key() == key and mask == self.wrp.mask_members:
                step.result, step.loaded_for = result, key

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.generation != self.generation:
            return
        self.loading_now = False
        self.query_one(FigureTable).loading = False
        self.query_one(FigureTable).display = False
        self.query_one(".notes", Static).update("")
        self.query_one(Notice).show_error(message.title, message.message)
        self.set_status(f"{message.title}")

    @on(Cancelled)
    def _cancelled(self, message: Cancelled) -> None:
        if message.generation == self.generation:
            self.loading_now = False
            self.query_one(FigureTable).loading = False
            self.set_status("cancelled")

    async def show_result(self, step: Step) -> None:
        table = self.query_one(FigureTable)
        table.loading = False
        table.display = True
        self.query_one(Notice).clear()
        result = step.result
        await table.show(result.figures, cursor=step.cursor,
                         fixed_columns=step.level.fixed_columns, focus=self.is_active)  # fmt: skip
        notes = Text("\n").join(result.notes)
        self.query_one(".notes", Static).update(notes)
        self.query_one(".notes", Static).display = bool(result.notes)
        self.show_status()

    @property
    def is_active(self) -> bool:
        return self.wrp.active_pane is self and not self.wrp.screen.is_modal

    # -- status line ---------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        self.query_one(".status", Static).update(Text(text, style="italic"))

    def show_status(self, extra: str = "") -> None:
        figures, step = self.figures, self.step
        if figures is None or step is None:
            return
        parts = []
        shown = figures.shown.height
        if figures.filter_text:
            parts.append(f"{figures.row_count:,} of {figures.total_rows:,} rows match "
                         f"“{figures.filter_text}”")  # fmt: skip
        else:
            parts.append(f"{figures.row_count:,} rows" if figures.row_count != 1 else "1 row")
        if shown < figures.row_count:
            parts.append(f"showing {shown:,}")
        if figures.sort:
            label = next(c.label for c in figures.columns if c.name == figures.sort[0])
            parts.append(f"sorted by {label} {'▼' if figures.sort[1] else '▲'}")
        if extra:
            parts.append(extra)
        keys = []
        if step.level.drill is not None and figures.row_count:
            keys.append(f"↵ {step.level.enter_hint}")
        if len(self.stack) > 1:
            keys.append("esc back")
        text = Text(" · ".join(parts), style="italic")
        if keys:
            text.append("   " + " · ".join(keys), style="dim")
        self.query_one(".status", Static).update(text)

    # -- drilldown -----------------------------------------------------------------------
    @on(FigureTable.Selected)
    def _selected(self, message: FigureTable.Selected) -> None:
        self.drill(message.row, message.column)

    def drill(self, row: int, column: int) -> None:
        step, ctx = self.step, self.wrp.context
        if step is None or step.level.drill is None or self.figures is None or ctx is None:
            return
        if not 0 <= row < self.figures.row_count:
            return
        step.cursor = (row, column)
        target = step.level.drill(self.figures, row, column, ctx)
        if isinstance(target, str):
            self.notify(target, severity="warning")
            return
        if target is not None:
            self.stack.append(Step(target))
            self.refresh_step()
            self.refresh_bindings()

    def action_back(self) -> None:
        if len(self.stack) <= 1:
            self.cancel_load("cancelled: r or another pane and back loads it again")
            return
        self.cancel_load()
        self.stack.pop()
        self.refresh_step()
        self.refresh_bindings()

    # -- sort, filter, export, copy ---------------------------------------------------------
    def action_sort(self) -> None:
        figures = self.figures
        if figures is None or not figures.columns:
            return
        _row, column = self.query_one(FigureTable).cursor
        name = figures.columns[column].name
        descending = figures.sort == (name, False)  # second press flips the order
        self.step.cursor = (0, column)
        self.run_refigure(self.generation, figures, {"sort": (name, descending)})

    def action_filter(self) -> None:
        if self.figures is None:
            return
        field = self.query_one(".filter", Input)
        field.value = self.figures.filter_text
        field.add_class("-shown")
        field.can_focus = True
        field.focus()

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()
        if self.figures is not None:
            self.step.cursor = (0, self.query_one(FigureTable).cursor[1])
            self.run_refigure(self.generation, self.figures, {"filter_text": event.value.strip()})

    def close_filter(self) -> None:
        field = self.query_one(".filter", Input)
        field.remove_class("-shown")
        field.can_focus = False
        self.query_one(FigureTable).focus_grid()

    def remask(self, mask: bool) -> None:
        """Member IDs masked or revealed: reformat every level (no query)."""
        from tui.presenting import refigure

        for step in self.stack:
            if step.result is not None:
                figures = refigure(step.result.figures, mask_members=mask)
                step.result = LevelResult(figures, step.result.notes)
        if self.figures is not None and self.wrp.active_pane is self:
            self.call_later(self.show_result, self.step)

    @work(thread=True, exclusive=True, exit_on_error=False, group="refigure")
    def run_refigure(self, generation: int, figures: Figures, changes: dict) -> None:
        from tui.presenting import refigure

        figures = refigure(figures, **changes)
        figures.grid_data  # noqa: B018 (laid out here, off the UI thread)
        self.post_message(self.Refigured(generation, figures))

    @on(Refigured)
    async def _refigured(self, message: Refigured) -> None:
        step = self.step
        if message.generation != self.generation or step is None or step.result is None:
            return
        step.result = LevelResult(message.figures, step.result.notes)
        await self.show_result(step)

    def action_export(self) -> None:
        figures, ctx = self.figures, self.wrp.context
        if figures is None or ctx is None:
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = "-".join(
            "".join(ch if ch.isalnum() else "_" for ch in s.level.crumb)[:32] for s in self.stack
        )
        path = self.wrp.export_dir / f"wrp-{self.id}-{name}-{stamp}.csv"
        self.run_export(figures, path)

    @work(thread=True, exit_on_error=False, group="export")
    def run_export(self, figures: Figures, path: Path) -> None:
        from tui.presenting import csv_rows

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            header, rows = csv_rows(figures)
            with path.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(rows)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Could not write {path}: {exc.strerror}",
                                      title="Export failed", severity="error")  # fmt: skip
            return
        self.app.call_from_thread(self.exported, path, len(rows))

    def exported(self, path: Path, rows: int) -> None:
        self.wrp.last_export = path
        self.notify(f"{rows:,} rows → {path}", title="Exported")
        self.show_status(f"exported to {path}")

    def question(self) -> tuple[str, dict[str, object]] | None:
        """The question (queries/<name>.sql) and parameters behind the table shown."""
        step, ctx = self.step, self.wrp.context
        if step is None or ctx is None or step.level.query is None:
            return None
        return step.level.query(ctx)

    def action_open_sql(self) -> None:
        from tui.views.console import question_text

        asked = self.question()
        if asked is None:
            self.notify("This table has no single query to open.", severity="warning")
            return
        crumbs = " › ".join(step.level.crumb for step in self.stack)
        self.wrp.open_in_console(question_text(*asked, where=crumbs))

    def action_export_as(self) -> None:
        from tui.exporting import default_path, export_stem, figures_table
        from tui.screens.export import ExportScreen

        figures = self.figures
        if figures is None:
            return
        asked = self.question()
        table = figures_table(figures, asked[0] if asked else None)
        crumb = self.step.level.crumb
        path = default_path(self.wrp.export_dir, export_stem(self.id or "", crumb), "csv")
        extracts = self.wrp.engine.data_dir if self.wrp.engine else None

        def chosen(request) -> None:
            if request is not None:
                self.run_export_as(table, request)

        self.app.push_screen(ExportScreen(crumb, path, extracts, rows=figures.row_count), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def run_export_as(self, table, request) -> None:
        from tui.exporting import ExportRefused, write_export

        try:
            rows = write_export(table, request)
        except ExportRefused as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not exported",
                                      severity="error")  # fmt: skip
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Could not write {request.path}: {exc}",
                                      title="Export failed", severity="error")  # fmt: skip
        else:
            self.app.call_from_thread(self.exported, request.path, rows)

    def action_copy(self) -> None:
        figures = self.figures
        if figures is None or not figures.row_count:
            return
        row, column = self.query_one(FigureTable).cursor
        text = figures.cell_text(row, column)
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {text}", timeout=2)
