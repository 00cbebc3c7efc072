"""The wrp-tui dashboard: the app, its settings and the factory the CLI and
the tests share."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import ContentSwitcher

from queries.calendar import add_months, first_of_month
from queries.reference import COUNTIES
from tui.clipboard import osc52
from tui.clocks import Clocks, system_clocks
from tui.commands import DashboardCommands, key_groups
from tui.context import Context
from tui.freshness import newest_file, signature
from tui.panes import PANES
from tui.panes.base import Pane
from tui.panes.close import CloseCommands
from tui.panes.console import ConsolePane
from tui.screens.keys import KeysScreen
from tui.screens.pickers import ChoiceScreen, PromptScreen
from tui.widgets.build_progress import BuildProgressLine
from tui.widgets.context_bar import ContextBar, short_age
from tui.widgets.figure_table import grid_class
from tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from queries.cache import BuildProgress
    from queries.engine import Engine

WATCH_SECONDS = 5.0  # how often the extracts folder is checked (file metadata only)


@dataclass(frozen=True)
class DashboardSettings:
    data_dir: Path
    county: str | None = None
    as_of: date | None = None
    fiscal_year: int | None = None
    month: date | None = None
    memory_limit: str | None = None
    threads: int | None = None
    reveal_phi: bool = False  # start with member IDs shown (audited)
    audit_log: Path | None = None  # None: queries.audit.default_audit_log()
    store: Path | None = None  # notes and sign-offs; None: queries.notes.default_store_path()


@dataclass(frozen=True)
class Extracts:
    """An opened data folder and the facts the context needs from it."""

    data_dir: Path  # as the user wrote it (the engine resolves it)
    engine: Engine
    latest_paid: date
    last_month: date | None
    signature: tuple
    left_out: tuple = ()  # Problems: rows with dates the rules cannot use, left out


class BuildAbandoned(Exception):
    """The dashboard is quitting: its cache build stops (nothing half-built is kept)."""


PANE_KEYS = Binding.Group("Panes", compact=True)


def pane_key(key: str, pane: str, name: str, tooltip: str) -> Binding:
    return Binding(key, f"pane('{pane}')", name, tooltip=tooltip, group=PANE_KEYS)


class WrpApp(App[None]):
    CSS_PATH = "app.tcss"
    # While a reload opens the new extracts the old figures stay, dimmed.
    CSS = "ContentSwitcher.-previous { opacity: 55%; }"
    TITLE = "WRP dashboard"
    COMMANDS = App.COMMANDS | {DashboardCommands, CloseCommands}
    AUTO_FOCUS = None  # the pane's table takes focus once its figures arrive
    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer shows the pane keys as one group, "12345678 Panes": their
        # names took 77 of 80 columns and pushed a pane's own keys and "? Keys"
        # off the screen (`?` and the palette list them by name).
        pane_key("1", "overview", "Overview", "The month at a glance"),
        pane_key("2", "users", "Users", "Monthly users, county × month"),
        pane_key("3", "invoices", "Invoices", "Expected vs billed, outstanding"),
        pane_key("4", "adequacy", "Adequacy", "Distance and timely access"),
        pane_key("5", "reconciliation", "Recon", "PUPM billed vs claims cost"),
        pane_key("6", "close", "Close", "Month-end close: checklist, supplementals"),
        pane_key("7", "query", "SQL", "SQL console over the extracts"),
        pane_key("8", "care", "Care", "Follow-up, readmissions, access, worklist"),
        Binding("c", "choose_county", "County", show=False, tooltip="Filter every pane"),
        Binding("m", "choose_month", "Month", show=False, tooltip="Type a month YYYY-MM"),
        Binding("left_square_bracket", "shift_month(-1)", "Prev month", show=False),
        Binding("right_square_bracket", "shift_month(1)", "Next month", show=False),
        Binding("f", "choose_fiscal_year", "Fiscal year", show=False),
        Binding("a", "choose_as_of", "As-of date", show=False, tooltip="Figures as known on"),
        Binding("d", "choose_data", "Data folder", show=False),
        Binding("r", "reload", "Reload", show=False, tooltip="Read the extracts again"),
        Binding("u", "toggle_mask", "Reveal IDs", show=False, tooltip="Mask/reveal member IDs"),
        Binding("question_mark", "keys", "Keys", tooltip="Every key"),
        Binding("ctrl+q", "quit", "Quit", show=False),  # q opens a pane's SQL (pane 7)
    ]

    context: reactive[Context | None] = reactive(None)
    mask_members: reactive[bool] = reactive(True)

    class Opened(Message):
        def __init__(self, extracts: Extracts, reload: bool) -> None:
            super().__init__()
            self.extracts = extracts
            self.reload = reload

    class OpenFailed(Message):
        def __init__(self, data_dir: Path, title: str, message: str) -> None:
            super().__init__()
            self.data_dir = data_dir
            self.title = title
            self.message = message

    class ExtractsChanged(Message):
        pass

    class BuildStepped(Message):
        def __init__(self, step: BuildProgress) -> None:
            super().__init__()
            self.step = step

    def __init__(self, settings: DashboardSettings, *, clocks: Clocks | None = None,
                 export_dir: Path | None = None, watch: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.settings = settings
        self.clocks = clocks or system_clocks()
        if export_dir is None:
            from tui.exporting import default_export_dir

            export_dir = default_export_dir()
        self.export_dir = export_dir
        self.watch_extracts = watch
        self.extracts: Extracts | None = None
        self.last_export: Path | None = None
        self.prefetched_for: Context | None = None
        self.opening = False  # extracts being opened (the cache perhaps being built)
        self.quitting = False  # read by the build's thread: stop at the next step
        self.interrupt_build = None  # stops the build step running now
        self.opened = threading.Event()  # set when the latest opening's worker has finished
        self.awaiting_new_figures = False  # reloaded: undim once the pane in view has them

    @property
    def engine(self) -> Engine | None:
        return self.extracts.engine if self.extracts else None

    @property
    def active_pane(self) -> Pane | None:
        switcher = self.query_one(ContentSwitcher)
        return switcher.get_child_by_id(switcher.current, Pane) if switcher.current else None

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ContextBar()
        yield BuildProgressLine()
        with ContentSwitcher(initial="overview"):
            for pane in PANES:
                yield pane(id=pane.title.lower())
        # 80 columns hold the pane keys and "? Keys"; ctrl+p is listed under "?".
        yield KeyBar(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.settings.reveal_phi:
            self.reveal_members("dashboard --reveal-phi")
        self.start_opening(Path(self.settings.data_dir), "opening the extracts…", reload=False)
        if self.watch_extracts:
            self.set_interval(WATCH_SECONDS, self.check_extracts)

    # -- opening the extracts (in a worker: the first frame never waits for it) ---------
    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def open_extracts(self, data_dir: Path, reload: bool, finished: threading.Event) -> None:
        try:
            self.open_in_thread(data_dir, reload)
        finally:
            finished.set()

    def open_in_thread(self, data_dir: Path, reload: bool) -> None:
        from queries.engine import DataError, Engine, Settings  # imported here: first frame first

        settings = Settings(data_dir, self.settings.memory_limit, self.settings.threads)
        try:
            engine = Engine(settings, self.build_stepped)
            if self.quitting:  # interrupted mid-step: the build left nothing behind
                engine.close()
                return
            facts = (engine.default_as_of(), engine.last_eligibility_month(), signature(data_dir))
            extracts = Extracts(data_dir, engine, *facts, tuple(engine.dates_left_out()))
        except BuildAbandoned:
            return
        except DataError as exc:
            self.post_message(self.OpenFailed(data_dir, exc.title, exc.message))
        except OSError as exc:
            self.post_message(self.OpenFailed(data_dir, "Cannot read the folder", str(exc)))
        except Exception as exc:  # never a screen left on "opening the extracts…"
            from queries.crash import unexpected

            title, message = unexpected(exc, "dashboard, opening the extracts")
            self.post_message(self.OpenFailed(data_dir, title, message))
        else:
            self.post_message(self.Opened(extracts, reload))
            grid_class()  # its imports (pyarrow) load here while the Overview's queries run

    def start_opening(self, data_dir: Path, what: str, reload: bool,
                      previous: bool = False) -> None:  # fmt: skip
        self.opening = True
        self.query_one(BuildProgressLine).start(what, previous)
        self.opened = threading.Event()
        self.open_extracts(data_dir, reload, self.opened)

    def build_stepped(self, step: BuildProgress) -> None:
        """The cache build's listener, in the build's thread: never touches a widget."""
        self.interrupt_build = step.interrupt
        if self.quitting:
            raise BuildAbandoned
        self.post_message(self.BuildStepped(step))

    @on(BuildStepped)
    def _build_stepped(self, message: BuildStepped) -> None:
        if self.opening:
            self.query_one(BuildProgressLine).stepped(message.step)

    def abandon_build(self) -> None:
        """Stop a cache build under way: its step now is interrupted, the next
        one refused; the staging folder is removed, no version is left. The
        process cannot end before the build's thread does."""
        if self.quitting:
            return
        self.quitting = True
        if self.opening and not self.opened.is_set():
            threading.Thread(target=self._interrupt_until_opened, args=(self.opened,),
                             daemon=True).start()  # fmt: skip

    def _interrupt_until_opened(self, opened: threading.Event) -> None:
        """Interrupt the build's steps until its thread has let go: an interrupt
        between two steps reaches no query (the next step refuses to start)."""
        while not opened.wait(0.05):
            if (interrupt := self.interrupt_build) is not None:
                try:
                    interrupt()
                except Exception:  # noqa: S110 (its connection closed: nothing left to stop)
                    pass

    async def action_quit(self) -> None:
        self.abandon_build()
        self.exit()

    def on_unmount(self) -> None:
        self.abandon_build()

    def done_opening(self) -> None:
        self.opening = False
        self.interrupt_build = None
        self.query_one(BuildProgressLine).finish()

    def undim(self) -> None:
        self.awaiting_new_figures = False
        self.query_one(ContentSwitcher).remove_class("-previous")

    @on(Pane.Loaded)
    @on(Pane.Failed)
    @on(Pane.Cancelled)
    def _pane_done(self, message: Pane.Loaded | Pane.Failed | Pane.Cancelled) -> None:
        """The pane in view has its new figures (or a message): the previous
        version's figures are gone from the screen, so the dimming goes too."""
        pane = self.active_pane
        if self.awaiting_new_figures and pane is not None and not pane.loading_now:
            self.call_after_refresh(self.undim)

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.done_opening()
        previous, self.extracts = self.extracts, message.extracts
        if previous is not None:
            previous.engine.interrupt()
            previous.engine.close()
        bar = self.query_one(ContextBar)
        bar.new_data = False
        bar.status = ""
        self.show_data_age()
        self.awaiting_new_figures = message.reload
        self.context = self.initial_context(message.extracts, self.context)
        active = self.active_pane
        if active is None or not active.loading_now:  # no load follows: nothing to wait for
            self.undim()
        if message.reload:
            self.notify("Extracts reloaded", timeout=3)
        for problem in message.extracts.left_out:
            self.notify(problem.describe(), title="Rows left out", severity="warning", timeout=20)

    @on(OpenFailed)
    def _open_failed(self, message: OpenFailed) -> None:
        self.done_opening()
        self.undim()
        self.query_one(ContextBar).status = f"{message.title}: {message.message}"
        if self.extracts is not None:  # keep showing the folder that works
            self.notify(message.message, title=message.title, severity="error")
            return
        for pane in self.query(Pane):
            pane.query_one("Notice").show_error(message.title, message.message)

    def initial_context(self, extracts: Extracts, old: Context | None) -> Context:
        """The context for newly opened extracts: the user's choices are kept;
        an as-of left at its default follows the new latest paid date."""
        latest = extracts.latest_paid
        data_dir = extracts.data_dir
        if old is not None:
            as_of = latest if old.as_of_is_default else old.as_of
            version = old.version + 1
            return replace(old, data_dir=data_dir, as_of=as_of, latest_paid=latest, version=version)
        s = self.settings
        as_of = s.as_of or latest
        month = s.month or min(extracts.last_month or first_of_month(as_of), first_of_month(as_of))
        ctx = Context(data_dir, as_of, first_of_month(month), s.county, latest,
                      notes_store=s.store)
        if s.fiscal_year and not s.month:
            ctx = ctx.with_fiscal_year(s.fiscal_year)
        return ctx

    # -- the context every pane follows --------------------------------------------------
    def watch_context(self, old: Context | None, new: Context | None) -> None:
        if new is None:
            return
        self.query_one(ContextBar).context = new
        active = self.active_pane
        for pane in self.query(Pane):
            pane.context_changed(old, new, active=pane is active)

    def watch_mask_members(self, mask: bool) -> None:
        for pane in self.query(Pane):
            pane.remask(mask)

    def prefetch_panes(self) -> None:
        """Once the pane in view has its figures, load the top levels of the
        hidden panes 1-5 in the background, so that switching to one shows it
        at once. Answers are remembered by the engine, so a pane visited
        before its prefetch finishes shares the work."""
        engine, ctx = self.engine, self.context
        if engine is None or ctx is None or ctx is self.prefetched_for:
            return
        self.prefetched_for = ctx  # once per context: later loads are the user's own
        waiting = [(pane, step) for pane in self.query(Pane)
                   if pane.prefetches and (step := pane.stale_root()) is not None]  # fmt: skip
        if waiting:
            self.run_prefetch(waiting, engine, ctx, self.mask_members)

    @work(thread=True, exit_on_error=False, group="prefetch")
    def run_prefetch(self, waiting: list, engine: Engine, ctx: Context, mask: bool) -> None:
        from queries.engine import DataError, QueryCancelled

        for pane, step in waiting:
            if self.context is not ctx:  # the user moved on: a new prefetch follows
                return
            try:
                result = step.level.run(engine, ctx, mask, pane.column_priority)
            except (DataError, QueryCancelled):
                continue  # the pane shows the problem itself when visited
            except Exception as exc:  # a bug surfaces when the pane is visited
                self.log.error("prefetch failed", pane.id, exc)
                continue
            self.call_from_thread(pane.prefetched, step, ctx.key(), mask, result)

    def action_pane(self, pane_id: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == pane_id:
            return
        leaving = self.active_pane
        if leaving is not None:
            leaving.cancel_load()
        switcher.current = pane_id
        pane = self.active_pane
        pane.refresh_step()
        pane.query_one("FigureTable").focus_grid()

    def action_choose_county(self) -> None:
        if self.context is None:
            return
        choices = [("all", "All counties")] + [(c.code, f"{c.code} {c.name}") for c in COUNTIES]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.set_county(None if value == "all" else value)

        self.push_screen(ChoiceScreen("County of responsibility", choices,
                                      self.context.county or "all"), chosen)  # fmt: skip

    def set_county(self, county: str | None) -> None:
        if self.context is not None:
            self.context = replace(self.context, county=county)

    def action_choose_month(self) -> None:
        if self.context is None:
            return

        def chosen(value: str | None) -> None:
            if value:
                self.set_month(parse_month(value))

        self.push_screen(PromptScreen("Month", self.context.month.strftime("%Y-%m"),
                                      "YYYY-MM, e.g. 2025-03", month_problem), chosen)  # fmt: skip

    def set_month(self, month: date) -> None:
        ctx = self.context
        if ctx is None:
            return
        if month > first_of_month(ctx.as_of):
            self.notify(f"No figures after the as-of date {ctx.as_of}", severity="warning")
            month = first_of_month(ctx.as_of)
        self.context = ctx.with_month(month)

    def action_shift_month(self, months: int) -> None:
        if self.context is not None:
            self.set_month(add_months(self.context.month, months))

    def action_choose_fiscal_year(self) -> None:
        if self.context is None:
            return

        def chosen(value: str | None) -> None:
            if value and self.context is not None and self.engine is not None:
                self.land_on_data(self.engine, self.context, parse_fiscal_year(value))

        self.push_screen(PromptScreen("Fiscal year", str(self.context.fiscal_year),
                                      "ending year, e.g. 2025 for FY2024-25",
                                      fiscal_year_problem), chosen)  # fmt: skip

    class Landed(Message):
        """The month a fiscal-year change lands on (None: the year has no data)."""

        def __init__(self, asked: Context, fiscal_year: int, month: date | None) -> None:
            super().__init__()
            self.asked = asked
            self.fiscal_year = fiscal_year
            self.month = month

    @work(thread=True, exclusive=True, exit_on_error=False, group="land")
    def land_on_data(self, engine: Engine, ctx: Context, fiscal_year: int) -> None:
        """A new fiscal year opens on its latest month with users (as known on
        the as-of date), never on a month with no data yet."""
        from queries.engine import DataError
        from queries.months import latest_month_with_users

        try:
            month = latest_month_with_users(engine, ctx.as_of, fiscal_year)
        except DataError:
            month = None
        self.post_message(self.Landed(ctx, fiscal_year, month))

    @on(Landed)
    def _landed(self, message: Landed) -> None:
        if self.context is not message.asked:
            return  # the context moved on while we looked
        if message.month is None:
            from queries.display import fiscal_year_label

            label = fiscal_year_label(message.fiscal_year)
            self.notify(f"No services known in {label} as of {message.asked.as_of}",
                        severity="warning")  # fmt: skip
            self.set_month(message.asked.with_fiscal_year(message.fiscal_year).month)
            return
        self.set_month(message.month)

    def action_choose_as_of(self) -> None:
        ctx = self.context
        if ctx is None:
            return

        def chosen(value: str | None) -> None:
            if value is None or self.context is None:
                return
            as_of = date.fromisoformat(value) if value else self.context.latest_paid
            ctx = replace(self.context, as_of=as_of)
            if ctx.month > first_of_month(as_of):
                ctx = ctx.with_month(first_of_month(as_of))
            self.context = ctx

        hint = f"YYYY-MM-DD; empty: latest paid date {ctx.latest_paid}"
        self.push_screen(PromptScreen("Figures as known on", ctx.as_of.isoformat(), hint,
                                      as_of_problem), chosen)  # fmt: skip

    def action_choose_data(self) -> None:
        current = str(self.context.data_dir if self.context else self.settings.data_dir)

        def chosen(value: str | None) -> None:
            if value:
                self.query_one(ContextBar).status = f"opening {value}…"
                self.start_opening(Path(value).expanduser(), f"opening {value}…", reload=False)

        self.push_screen(PromptScreen("Folder of parquet extracts", current,
                                      "a folder with claims.parquet, eligibility.parquet, …",
                                      folder_problem), chosen)  # fmt: skip

    def action_reload(self) -> None:
        folder = self.extracts.data_dir if self.extracts else Path(self.settings.data_dir)
        bar = self.query_one(ContextBar)
        bar.status = "reloading…"
        if bar.new_data:  # the reload answers the "new data" notice: it goes
            bar.new_data = False
            self.clear_notifications()
        previous = self.extracts is not None  # its figures stay, dimmed, until the new ones
        self.query_one(ContentSwitcher).set_class(previous, "-previous")
        self.start_opening(folder, "reloading the extracts…", reload=True, previous=previous)

    def action_toggle_mask(self) -> None:
        if not self.mask_members:
            self.mask_members = True
            self.notify("Member IDs masked", timeout=3)
            return

        def confirmed(choice: str | None) -> None:
            if choice == "reveal":
                self.reveal_members("dashboard reveal")

        choices = [("reveal", "Reveal member IDs — writes an audit record"),
                   ("keep", "Keep them masked")]  # fmt: skip
        self.push_screen(ChoiceScreen("42 CFR Part 2: reveal member IDs?", choices, "keep"),
                         confirmed)  # fmt: skip

    def reveal_members(self, action: str) -> None:
        """Unmask member IDs after writing exactly one audit record; without the
        record nothing is revealed."""
        from queries.audit import AuditError, record_disclosure

        pane, ctx = self.active_pane, self.context
        scope = f"data={self.settings.data_dir} pane={pane.title if pane else '-'}"
        if ctx is not None:  # plain words, never a repr
            scope += (f" county={ctx.county or 'all'} month={ctx.month:%Y-%m}"
                      f" as_of={ctx.as_of}")  # fmt: skip
        try:
            record_disclosure(action, scope, self.settings.audit_log)
        except AuditError as exc:
            self.notify(f"Not revealed: {exc}", severity="error", timeout=10)
            return
        self.mask_members = False
        self.notify("Member IDs revealed on this screen and recorded in the audit log "
                    "(42 CFR Part 2: minimum necessary). u masks them again.",
                    severity="warning")  # fmt: skip

    def record_export(self, path: Path, table) -> bool:
        """The audit record of a file about to get full member IDs; False
        (and a message) when it cannot be written: then no such file."""
        from queries.audit import AuditError, record_disclosure

        pane = self.active_pane
        scope = (f"data={self.settings.data_dir} pane={pane.title if pane else '-'} "
                 f"file={path} rows={table.frame.height} "
                 f"columns={','.join(sorted(table.members))}")  # fmt: skip
        try:
            record_disclosure("export revealed IDs", scope, self.settings.audit_log)
        except AuditError as exc:
            self.notify(f"Not exported: {exc}", severity="error", timeout=10)
            return False
        return True

    def _fatal_error(self) -> None:
        """An unexpected error ends the app with a short message: Textual's own
        report shows local variables, which may hold member IDs."""
        from rich.panel import Panel
        from rich.segment import Segments

        from queries.crash import short_message, write_crash_file
        from queries.privacy import mask_text

        error = self._exception
        if error is not None:
            message = short_message(error, write_crash_file(error, "dashboard"))
        else:
            message = "wrp-tui stopped on an unexpected error. The extracts were not changed."
        self.bell()
        panel = Panel(mask_text(message), title="wrp-tui", border_style="red")
        self._exit_renderables.append(Segments(self.console.render(panel, self.console.options)))
        self._close_messages_no_wait()

    def open_in_console(self, sql: str) -> None:
        """Drill to SQL: a pane's query, parameters filled in, in pane 7."""
        console = self.query_one("#query", ConsolePane)
        console.set_sql(sql)
        self.action_pane("query")
        console.focus_editor()

    def action_keys(self) -> None:
        self.push_screen(KeysScreen(key_groups(self)))

    # -- watching the folder (metadata only; never runs a query) ---------------------------
    def show_data_age(self) -> None:
        """How old the newest extract file is (from the signature: no I/O)."""
        newest = newest_file(self.extracts.signature) if self.extracts else None
        if newest is not None:
            self.query_one(ContextBar).data_age = short_age(newest, self.clocks.now())

    def check_extracts(self) -> None:
        self.show_data_age()
        bar = self.query_one(ContextBar)
        if self.extracts is not None and not self.opening and not bar.new_data:
            self.look_for_changes(self.extracts.data_dir, self.extracts.signature)

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def look_for_changes(self, data_dir: Path, seen: tuple) -> None:
        try:
            changed = signature(data_dir) != seen
        except OSError:
            changed = True
        if changed:
            self.post_message(self.ExtractsChanged())

    @on(ExtractsChanged)
    def _extracts_changed(self) -> None:
        bar = self.query_one(ContextBar)
        if not bar.new_data:
            bar.new_data = True
            self.notify("The extracts changed on disk. Press r to reload.", title="New data")

    # -- over SSH -------------------------------------------------------------------------
    def copy_to_clipboard(self, text: str) -> None:
        """A plain OSC 52 (tmux forwards it with set-clipboard; no passthrough)."""
        self._clipboard = text
        if self._driver is not None:
            self._driver.write(osc52(text))


# -- validation of typed values (the rules: queries/options.py, as for the CLI) ------------
def _problem(validate, text: str) -> str | None:
    from queries.options import OptionError

    try:
        validate(text)
    except OptionError as exc:
        return str(exc)
    return None


def parse_month(text: str) -> date:
    from queries.options import month

    return month(text)


def month_problem(text: str) -> str | None:
    from queries.options import month

    return _problem(month, text)


def parse_fiscal_year(text: str) -> int:
    """`2025`, `FY2025` or `FY2024-25` -> 2025."""
    text = text.upper().removeprefix("FY")
    if "-" in text:
        start, _end = text.split("-")
        return int(start) + 1
    return int(text)


def fiscal_year_problem(text: str) -> str | None:
    from queries.options import fiscal_year

    try:
        year = parse_fiscal_year(text)
    except ValueError:
        return f"{text!r} is not a fiscal year; write 2025 for FY2024-25"
    return _problem(fiscal_year, year)


def as_of_problem(text: str) -> str | None:
    from queries.options import day

    return _problem(day, text) if text else None


def folder_problem(text: str) -> str | None:
    from queries.options import data_folder

    return _problem(data_folder, text)


def build_app(settings: DashboardSettings, **options) -> WrpApp:
    """The one factory: the CLI and the tests build the dashboard here."""
    return WrpApp(settings, **options)


__all__ = ["DashboardSettings", "WrpApp", "build_app"]
