"""A pane: a drillable table with a breadcrumb, notes and a status line.

Figures load in a thread worker that posts a message; handlers on the UI
thread update the widgets. Each pane keeps its drilldown as a stack of
levels, with the last result of each so that Escape is instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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
from tui.widgets.notes import Notes
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
    cursor: tuple[int, int] | None = None  # None: where the level starts it


PERIOD = re.compile(r"FY\d{4}-\d{2}|\d{4}-\d{2}")  # a fiscal year or a month in a crumb
COUNTY_IN_CRUMB = re.compile(r"^\d{2} ([A-Za-z]+)")  # `25 Modoc 2025-02` -> Modoc


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
        Binding("v", "toggle_view", "Month/year", show=False,
                tooltip="Invoices: the context month or the whole fiscal year"),
        Binding("g", "chart", "Chart", show=False, tooltip="A chart of the table, or the table"),
        Binding("n", "unfold", "Lines", show=False, tooltip="Every line under the table, or fold"),
    ]
    MIN_TABLE_ROWS: ClassVar[int] = 12  # rows the notes leave to the table when folded
    views: ClassVar[tuple[str, ...]] = ()  # the top levels `v` switches between, if several
    # Columns of the top level shown first after the pinned ones: the figures
    # that answer the pane's question stay on screen at 80 columns.
    column_priority: ClassVar[tuple[str, ...]] = ()

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
        def __init__(self, generation: int, result: LevelResult) -> None:
            super().__init__()
            self.generation = generation
            self.result = result

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.stack: list[Step] = []
        self.generation = 0
        self.loading_now = False
        self.view = 0  # which of `views` the top level is
        self.charting = False  # `g`: the level's chart in place of its table

    @property
    def wrp(self) -> WrpApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Notice()
        yield FigureTable()
        yield Notes()
        yield FilterInput(placeholder="rows containing… (enter applies, empty clears, esc closes)",
                          classes="filter")  # fmt: skip
        yield Static("", classes="status")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # hidden from the footer at the top level, unless it cancels
            filtered = self.figures is not None and bool(self.figures.filter_text)
            return len(self.stack) > 1 or self.loading_now or filtered
        if action == "toggle_view":
            return len(self.views) > 1
        if action == "chart":
            step = self.step
            return step is not None and step.result is not None and step.result.chart is not None
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
        mask = self.wrp.mask_members
        figures = self.figures
        self.query_one(Breadcrumb).set_crumbs(
            [step.level.crumb_for(mask) for step in self.stack],
            filter_text=figures.filter_text if figures is not None else "",
        )
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
        priority = self.column_priority if step is self.stack[0] else ()
        self.run_load(self.generation, step.level, engine, ctx, self.wrp.mask_members, priority)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def run_load(self, generation: int, level: Level, engine, ctx: Context, mask: bool,
                 priority: tuple[str, ...] = ()) -> None:  # fmt: skip
        from queries.engine import DataError, QueryCancelled

        worker = get_current_worker()
        try:
            result = level.run(engine, ctx, mask, priority)
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
        self.query_one(Notes).show_lines([])
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
        if step.cursor is None:
            step.cursor = self.start_cursor(step)
        await table.show(result.figures, cursor=step.cursor,
                         fixed_columns=step.level.fixed_columns, focus=self.is_active)  # fmt: skip
        self.show_chart(result)
        self.query_one(Notes).show_lines(result.lines)
        self.show_crumbs()
        self.fold_notes()
        self.call_after_refresh(self.fold_notes)  # again once the grid knows its scrollbar
        self.show_status()

    # -- the chart (`g`) ----------------------------------------------------------------------
    def action_chart(self) -> None:
        step = self.step
        if step is None or step.result is None or step.result.chart is None:
            return
        self.charting = not self.charting
        self.show_chart(step.result)
        self.show_status()

    def show_chart(self, result: LevelResult) -> None:
        """The chart in place of the table while charting, if the level has one."""
        charted = self.charting and result.chart is not None
        if charted and not self.query("ChartView"):
            from tui.widgets.chart import ChartView  # plotext loads on the first `g`

            self.mount(ChartView(), after=self.query_one(FigureTable))
        for view in self.query("ChartView"):
            view.display = charted
            if charted:
                view.show_chart(result.chart)
                if self.is_active:
                    view.focus()  # the pane's keys (g, esc, /) reach it from the chart
        self.query_one(FigureTable).display = not charted
        if not charted and self.is_active:
            self.query_one(FigureTable).focus_grid()

    def start_cursor(self, step: Step) -> tuple[int, int]:
        """Row 0, on the level's start column (the context month) when it has one."""
        names = [c.name for c in step.result.figures.columns]
        start = step.level.start_column
        return (0, names.index(start) if start in names else 0)

    # -- the notes under the table, folded to leave the table its rows ---------------------
    def on_resize(self) -> None:
        self.fold_notes()

    def fold_notes(self) -> None:
        """Fold the notes so the table keeps MIN_TABLE_ROWS rows (or all of
        them, when fewer), with its header and scrollbar."""
        if not self.size.height or not self.query(Notes):
            return  # not laid out yet, or a pane without notes (the console)
        notes, table = self.query_one(Notes), self.query_one(FigureTable)
        others = sum(child.outer_size.height for child in self.children
                     if child.display and child not in (notes, table))  # fmt: skip
        rows = self.figures.shown.height if self.figures is not None else self.MIN_TABLE_ROWS
        # The grid's horizontal scrollbar is always reserved: whether it shows is
        # known only a refresh or two after the figures arrive, and a fold that
        # waits for it draws the notes twice (and differently, by timing).
        table_needs = 1 + min(rows, self.MIN_TABLE_ROWS) + 1  # header, rows, scrollbar
        border = 1 if notes.styles.border_top[0] not in ("", "none") else 0
        notes.fold_to(max(self.size.height - others - table_needs - border, 1))

    def action_unfold(self) -> None:
        notes = self.query_one(Notes)
        if not notes.lines:
            return
        notes.toggle()
        notes.set_class(notes.expanded, "-expanded")

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
        if figures.filter_text:
            parts.append("esc clears")
        if extra:
            parts.append(extra)
        keys = []
        if step.level.drill is not None and figures.row_count:
            keys.append(f"↵ {step.level.enter_hint}")
        if step.result is not None and step.result.chart is not None:
            keys.append("g table" if self.charting else "g chart")
        if len(self.stack) > 1:
            keys.append("esc back")
        elif len(self.views) > 1:
            keys.append(f"v {self.views[(self.view + 1) % len(self.views)]}")
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

    def action_toggle_view(self) -> None:
        """The top level's other view (the month, or the fiscal year)."""
        ctx = self.wrp.context
        if len(self.views) < 2 or ctx is None:
            return
        self.cancel_load()
        self.view = (self.view + 1) % len(self.views)
        self.stack = [Step(self.root(ctx))]
        self.refresh_step()
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.figures is not None and self.figures.filter_text and not self.loading_now:
            self.apply_filter("")  # Escape clears the filter before it leaves the level
            return
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
        self.apply_filter(event.value.strip())

    def apply_filter(self, text: str) -> None:
        """Keep the rows containing `text` (every row when empty); totals follow."""
        if self.figures is not None:
            self.step.cursor = (0, self.query_one(FigureTable).cursor[1])
            self.run_refigure(self.generation, self.figures, {"filter_text": text})

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
                step.result = step.level.summarized(step.result, figures)
        if self.figures is not None and self.wrp.active_pane is self:
            self.call_later(self.show_result, self.step)
        elif self.stack:
            self.show_crumbs()

    def run_refigure(self, generation: int, figures: Figures, changes: dict) -> None:
        step = self.step
        if step is not None and step.result is not None:
            self.refigure_worker(generation, step.level, step.result, changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="refigure")
    def refigure_worker(self, generation: int, level: Level, result: LevelResult,
                        changes: dict) -> None:  # fmt: skip
        from tui.presenting import refigure

        figures = refigure(result.figures, **changes)
        self.post_message(self.Refigured(generation, level.summarized(result, figures)))

    @on(Refigured)
    async def _refigured(self, message: Refigured) -> None:
        step = self.step
        if message.generation != self.generation or step is None or step.result is None:
            return
        step.result = message.result
        await self.show_result(step)  # the new grid scrolls to the sorted column itself

    def export_parts(self) -> tuple[str, ...]:
        """What an export's name says: the pane, the county and the month or
        fiscal year of the level shown (the context month when it names none)."""
        ctx, step = self.wrp.context, self.step
        crumb = step.level.crumb if step is not None else ""
        period = PERIOD.search(crumb)
        county = COUNTY_IN_CRUMB.match(crumb)
        return (
            self.id or "",
            county.group(1).lower() if county else "",
            period.group(0) if period else ctx.month.strftime("%Y-%m") if ctx else "",
        )

    def action_export(self) -> None:
        """`e`: the table as CSV to the export folder, through the same writer
        (and the same masking) as `E`."""
        from tui.exporting import ExportRequest, default_path, export_stem

        table = self.export_table()
        if table is None:
            return
        path = default_path(self.wrp.export_dir, export_stem(*self.export_parts()), "csv")
        self.start_export(table, ExportRequest(path, "csv"))

    def export_table(self):
        """The ExportTable of the table shown, or None."""
        from tui.exporting import figures_table

        if self.figures is None:
            return None
        return figures_table(self.figures, self.question(), self.wrp.engine)

    def start_export(self, table, request) -> None:
        """Write an export. With member IDs revealed on screen, asks again
        whether the file gets them too; if so, its own audit record is
        written before the file (no record, no file with IDs)."""
        from tui.screens.pickers import ChoiceScreen

        if self.wrp.mask_members or not table.members or request.public:
            self.run_export_as(table, request)
            return

        def chosen(choice: str | None) -> None:
            if choice == "masked":
                self.run_export_as(table, request)
            elif choice == "reveal" and self.wrp.record_export(request.path, table):
                self.run_export_as(table, replace(request, reveal=True))

        choices = [("masked", "Export with member IDs masked"),
                   ("reveal", "Export the full member IDs — writes an audit record"),
                   ("cancel", "Cancel")]  # fmt: skip
        self.app.push_screen(ChoiceScreen("42 CFR Part 2: the file leaves the screen", choices,
                                          "masked"), chosen)  # fmt: skip

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
        from tui.exporting import default_path, export_stem
        from tui.screens.export import ExportScreen

        table = self.export_table()
        if table is None:
            return
        crumb = self.step.level.crumb
        path = default_path(self.wrp.export_dir, export_stem(*self.export_parts()), "csv")
        extracts = self.wrp.engine.data_dir if self.wrp.engine else None

        def chosen(request) -> None:
            if request is not None:
                self.start_export(table, request)

        self.app.push_screen(ExportScreen(crumb, path, extracts, rows=table.frame.height,
                                          revealed=not self.wrp.mask_members), chosen)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="export")
    def run_export_as(self, table, request) -> None:
        from tui.exporting import ExportRefused, write_export

        extracts = self.wrp.engine.data_dir if self.wrp.engine else None
        try:
            rows = write_export(table, request, extracts)
        except ExportRefused as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not exported",
                                      severity="error")  # fmt: skip
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Could not write {request.path}: {exc}",
                                      title="Export failed", severity="error")  # fmt: skip
        except Exception as exc:  # noqa: BLE001 (a public form's query failed: say so)
            from queries.privacy import mask_text

            self.app.call_from_thread(self.notify, mask_text(f"{type(exc).__name__}: {exc}"),
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
