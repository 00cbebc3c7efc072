"""Pane 7: the query console. A lead's own SELECT over the extracts and the
dashboard's derived views, run in a worker, cancellable, its result shown by
fastdatatable straight from Arrow (capped at DISPLAY_CAP rows on screen).

It runs on the pseudonymised engine (queries.adhoc): every member_id is a
pseudonym at the source and the engine cannot read the raw extracts, so no
query, error or export here can carry a CIN. Read-only twice over:
`refuse_unless_select` (on a locked connection) before the engine runs the SQL,
and the engine itself reads nothing but the pseudonymised copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static, TextArea, Tree

from tui.context import Context
from tui.panes.base import Pane
from tui.widgets.figure_table import FigureTable
from tui.widgets.notice import Notice

if TYPE_CHECKING:
    from tui.views.console import ConsoleResult, Relation

PLACEHOLDER = (
    "SELECT county_code, month, users FROM county_month_users($as_of)\n"
    "WHERE month = $month ORDER BY 1\n\n"
    "ctrl+r runs · f2 lists tables and views · ctrl+space completes a name"
)


def sql_language() -> str | None:
    """ "sql" when tree-sitter's SQL grammar is installed (textual[syntax])."""
    try:
        import tree_sitter_sql  # noqa: F401
    except ImportError:
        return None
    return "sql"


class SqlEditor(TextArea):
    """The SQL being written. Escape leaves it (TextArea's code-editor habit).
    It grows with its text up to half the pane; f3 makes it tall."""

    DEFAULT_CSS = """
    SqlEditor { height: 4; border: none; padding: 0; }
    SqlEditor:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+a", "select_all", "Select all", show=False, tooltip="Select all the SQL"),
    ]
    MIN_HEIGHT: ClassVar[int] = 4

    def on_text_area_changed(self) -> None:
        self.fit_height()

    def on_resize(self) -> None:
        self.fit_height()

    def fit_height(self) -> None:
        """As many lines as the SQL has (wrapped), from 4 to half the pane;
        70% of it while tall (f3)."""
        if self.has_class("-tall"):
            self.styles.height = "70%"
            return
        pane = self.parent.parent if self.parent is not None else None
        room = max(self.MIN_HEIGHT, (pane.size.height // 2) if pane is not None else 8)
        wrapped = getattr(self, "wrapped_document", None)
        lines = wrapped.height if wrapped is not None else self.document.line_count
        if not self.text:
            lines = self.placeholder.count("\n") + 1 if isinstance(self.placeholder, str) else 1
        self.styles.height = min(max(lines, self.MIN_HEIGHT), room)

    def action_grow(self) -> None:
        self.toggle_class("-tall")
        self.fit_height()

    def line_before_cursor(self) -> str:
        row, column = self.cursor_location
        return self.document.get_line(row)[:column]


class SchemaTree(Tree[str]):
    """Tables, reference tables and derived views with their columns; Enter on
    a column (or `i` on any name) writes it into the editor."""

    DEFAULT_CSS = """
    SchemaTree { width: 32; height: 1fr; display: none; border-left: vkey $foreground 20%; }
    SchemaTree.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "insert", "Insert", tooltip="Write the name into the SQL"),
        Binding("escape,f2", "close", "Close"),
    ]

    class Insert(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__("schema", classes="schema")
        self.show_root = False
        self.guide_depth = 2

    def show_relations(self, relations: list[Relation]) -> None:
        self.clear()
        self.root.expand()
        groups = {"table": "Extracts", "reference": "Reference", "view": "Derived views ($as_of)"}
        for kind, label in groups.items():
            group = self.root.add(label, expand=True)
            for relation in (r for r in relations if r.kind == kind):
                node = group.add(relation.name, data=relation.call)
                if relation.description:
                    node.add_leaf(Text(relation.description, style="dim italic"))
                for column, sql_type in relation.columns:
                    node.add_leaf(Text.assemble(column, (f" {sql_type.lower()}", "dim")),
                                  data=column)  # fmt: skip

    def action_insert(self) -> None:
        node = self.cursor_node
        if node is not None and node.data:
            self.post_message(self.Insert(node.data))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data and not event.node.children:
            self.post_message(self.Insert(event.node.data))

    def action_close(self) -> None:
        self.remove_class("-shown")
        self.app.query_one(SqlEditor).focus()


class ResultsTable(FigureTable, can_focus=True):
    """The result grid: fastdatatable over the Arrow backend the worker built.
    Focusable itself only while empty, so that Escape from the editor always
    lands somewhere the number keys and `?` work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "write_sql", "Write SQL", show=False, tooltip="Into the SQL editor"),
    ]

    def render(self) -> Text:
        from tui.panes import PANES  # the registry imports this module

        if self.children:
            return Text("")
        return Text(f" Results show here · i or enter: write SQL · 1-{len(PANES)} panes · ? keys",
                    style="dim italic")  # fmt: skip

    def action_write_sql(self) -> None:
        self.screen.query_one(SqlEditor).focus()

    async def clear(self) -> None:
        """No result (it failed or was cancelled): the hint again."""
        self.figures = None
        await self.remove_children()
        self.can_focus = True
        self.refresh()

    async def show_result(self, result: ConsoleResult, *, focus: bool = False) -> None:
        from textual_fastdatatable import DataTable

        self.figures = None
        await self.remove_children()
        grid = DataTable(
            backend=result.shown,
            cursor_type="cell",
            zebra_stripes=True,
            max_column_content_width=40,
            null_rep="NULL",
            render_markup=False,  # the data's own brackets are text, not styles
        )
        await self.mount(grid)
        self.can_focus = False
        if focus:
            grid.focus()

    def focus_grid(self) -> None:
        """Coming to the console: the results if there are some, else the hint
        (so that a pane key pressed next switches panes, not types)."""
        if self.grid is not None:
            self.grid.focus()
        else:
            self.focus()


class ConsolePane(Pane):
    """Pane 7. Not a drilldown: the base class's stack stays empty."""

    prefetches = False  # no levels: it runs what the user types

    title = "Query"
    DEFAULT_CSS = """
    ConsolePane > .console { height: 1fr; }
    ConsolePane ResultsTable:focus { background: $boost; }
    ConsolePane .work { height: 1fr; }
    ConsolePane .params { height: 1; padding: 0 1; background: $panel; }
    ConsolePane .sql-error {
        display: none; height: auto; max-height: 6; padding: 0 1; color: $text-error;
    }
    ConsolePane .sql-error.-shown { display: block; }
    ConsolePane .status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_query", "Cancel", priority=True, tooltip="Stop the query"),
        Binding("ctrl+r,f5", "run", "Run", tooltip="Run the SQL", key_display="^r/f5"),
        # listed on the status line: the footer keeps room for the pane keys and ?
        Binding("f2", "schema", "Tables", show=False, tooltip="Tables, views and their columns"),
        Binding("f3", "grow", "Taller", show=False, tooltip="A tall SQL editor, or back"),
        Binding(
            "ctrl+space,ctrl+@",
            "complete",
            "Complete",
            show=False,
            tooltip="The name at the cursor",
            key_display="ctrl+space",
        ),
        Binding("ctrl+up", "history(-1)", "Older", show=False, tooltip="The previous query"),
        Binding("ctrl+down", "history(1)", "Newer", show=False, tooltip="The next query"),
        Binding(
            "ctrl+o",
            "history_list",
            "History",
            show=False,
            tooltip="Pick one of the session's queries",
        ),
        Binding(
            "escape,i",
            "edit",
            "Edit SQL",
            show=False,
            tooltip="Back to the SQL",
            key_display="esc/i",
        ),
    ]

    class Ran(Message):
        def __init__(self, generation: int, result: ConsoleResult) -> None:
            super().__init__()
            self.generation = generation
            self.result = result

    class QueryFailed(Message):
        def __init__(self, generation: int, title: str, message: str) -> None:
            super().__init__()
            self.generation = generation
            self.title = title
            self.message = message

    class QueryStopped(Message):
        def __init__(self, generation: int) -> None:
            super().__init__()
            self.generation = generation

    class SchemaLoaded(Message):
        def __init__(self, key: tuple, relations: list[Relation]) -> None:
            super().__init__()
            self.key = key
            self.relations = relations

    def __init__(self, *, id: str) -> None:
        from tui.views.console import History, Relation, history_path

        super().__init__(id=id)
        self.result: ConsoleResult | None = None
        self.history = History.load(history_path())  # the queries of earlier sessions too
        # the contract's tables until the engine describes everything
        from queries.contract import KINDS, TABLES

        self.relations: list[Relation] = [
            Relation(t, "table", tuple((c, KINDS[k].split()[0]) for c, k in cols.items()))
            for t, cols in TABLES.items()
        ]
        self.schema_key: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Notice()
        with Horizontal(classes="console"):
            with Vertical(classes="work"):
                # Highlighting is switched on at the first visit (on_show):
                # loading the SQL grammar would delay the dashboard's first frame.
                yield SqlEditor.code_editor(
                    "", language=None, soft_wrap=True, placeholder=PLACEHOLDER,
                    show_line_numbers=False,
                )  # fmt: skip
                yield Static("", classes="params")
                yield Static("", classes="sql-error")
                yield ResultsTable()
                yield Static("", classes="status")
            yield SchemaTree()

    @property
    def editor(self) -> SqlEditor:
        return self.query_one(SqlEditor)

    def on_show(self) -> None:
        if self.editor.language is None and (language := sql_language()):
            self.editor.language = language

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_query":
            return self.loading_now
        if action in ("back", "filter", "sort", "open_sql", "unfold"):
            return False
        if action in ("export", "export_as", "copy"):
            return self.result is not None
        if action == "edit":
            return not self.editor.has_focus
        return True

    # -- following the app (the base class's hooks) ------------------------------------------
    def context_changed(self, old: Context | None, new: Context, active: bool) -> None:
        self.show_params(new)
        if active:
            self.refresh_step()

    def refresh_step(self) -> None:
        ctx, engine = self.wrp.context, self.wrp.engine
        if ctx is None or engine is None:
            return
        self.show_params(ctx)
        key = (ctx.data_dir, ctx.version, ctx.as_of)
        if self.schema_key != key:
            self.schema_key = key
            self.load_schema(key, engine, ctx)
        if self.result is None and not self.loading_now:
            self.set_status("")
            self.show_keys()

    def remask(self, mask: bool) -> None:
        """The console shows pseudonyms whatever `u` does: it reveals IDs in the
        panes only (the raw IDs of ad-hoc SQL: `wrp-tui sql --reveal-phi`)."""

    def cancel_load(self) -> None:
        if self.loading_now and self.wrp.engine is not None:
            self.wrp.engine.interrupt()

    def show_params(self, ctx: Context) -> None:
        from tui.views.console import describe_params

        self.query_one(".params", Static).update(Text(describe_params(ctx), style="dim"))

    def show_keys(self) -> None:
        text = Text("ctrl+r run · f2 tables · ctrl+space complete · ctrl+↑↓ history",
                    style="dim")  # fmt: skip
        self.query_one(".status", Static).update(text)

    # -- the schema ---------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="schema")
    def load_schema(self, key: tuple, engine, ctx: Context) -> None:
        from tui.views.console import load_schema

        try:
            relations = load_schema(engine, ctx.as_of)
        except Exception as exc:  # the list is a help: say so in the log, keep the contract's
            self.log.error("schema", exc)
            return
        self.post_message(self.SchemaLoaded(key, relations))

    @on(SchemaLoaded)
    def _schema_loaded(self, message: SchemaLoaded) -> None:
        if message.key == self.schema_key:
            self.relations = message.relations
            self.query_one(SchemaTree).show_relations(message.relations)

    def action_schema(self) -> None:
        tree = self.query_one(SchemaTree)
        if tree.has_class("-shown") and tree.has_focus:
            tree.action_close()
            return
        if not tree.root.children:
            tree.show_relations(self.relations)
        tree.add_class("-shown")
        tree.focus()

    @on(SchemaTree.Insert)
    def _insert(self, message: SchemaTree.Insert) -> None:
        self.editor.insert(message.text)

    # -- completion ---------------------------------------------------------------------
    def action_complete(self) -> None:
        from tui.screens.pickers import ChoiceScreen
        from tui.views.console import common_prefix, completions

        editor = self.editor
        if not editor.has_focus:
            return
        typed, names = completions(self.relations, editor.line_before_cursor())
        if not names:
            self.notify(f"No table or column starts with {typed!r}", timeout=2)
            return
        shared = common_prefix(names)
        if len(names) == 1 or len(shared) > len(typed):
            editor.insert((names[0] if len(names) == 1 else shared)[len(typed) :])
            return

        def chosen(name: str | None) -> None:
            if name:
                editor.insert(name[len(typed) :])
            editor.focus()

        choices = [(n, n) for n in names[:200]]
        self.app.push_screen(ChoiceScreen(f"Complete {typed!r}", choices, names[0]), chosen)

    # -- history ------------------------------------------------------------------------
    def action_history(self, step: int) -> None:
        text = self.history.previous(self.editor.text) if step < 0 else self.history.next()
        if text is not None:
            self.set_sql(text, remember=False)

    def action_history_list(self) -> None:
        from tui.screens.pickers import ChoiceScreen

        entries = self.history.entries
        if not entries:
            self.notify("No queries run yet in this session", timeout=2)
            return
        choices = [(str(i), " ".join(sql.split())[:70]) for i, sql in enumerate(entries)]
        choices.reverse()

        def chosen(index: str | None) -> None:
            if index is not None:
                self.set_sql(entries[int(index)], remember=False)
            self.editor.focus()

        self.app.push_screen(ChoiceScreen("The session's queries", choices, choices[0][0]), chosen)

    def set_sql(self, sql: str, *, remember: bool = True) -> None:
        """Put `sql` in the editor; what was there goes to the history."""
        editor = self.editor
        if remember:
            self.history.add(editor.text)
        editor.load_text(sql)
        editor.move_cursor((0, 0))

    def focus_editor(self) -> None:
        self.editor.focus()

    def action_edit(self) -> None:
        self.query_one(SchemaTree).remove_class("-shown")
        self.editor.focus()

    def action_grow(self) -> None:
        self.editor.action_grow()

    # -- running ----------------------------------------------------------------------------
    def action_run(self) -> None:
        engine, ctx = self.wrp.engine, self.wrp.context
        sql = self.editor.text.strip()
        if engine is None or ctx is None:
            self.notify("The extracts are not open yet", severity="warning")
            return
        if not sql:
            self.show_error("Nothing to run", "write a SELECT first")
            return
        if self.loading_now:
            engine.interrupt()
        self.history.add(sql)
        if self.history.problem:
            self.notify(self.history.problem, title="History not saved", severity="warning")
            self.history.problem = None
        self.generation += 1
        self.loading_now = True
        self.query_one(ResultsTable).loading = True
        self.clear_error()
        self.set_status("running… esc cancels")
        self.refresh_bindings()
        self.run_query(self.generation, sql, engine, ctx)

    @work(thread=True, exclusive=True, exit_on_error=False, group="console")
    def run_query(self, generation: int, sql: str, engine, ctx: Context) -> None:
        from queries.engine import DataError, QueryCancelled
        from tui.views.console import run_console_query

        try:
            result = run_console_query(engine, sql, ctx)
        except QueryCancelled:
            self.post_message(self.QueryStopped(generation))
        except DataError as exc:
            self.post_message(self.QueryFailed(generation, exc.title, exc.message))
        except Exception as exc:  # a bug must still read as a message, never a traceback
            self.log.error("console query failed", exc)
            self.post_message(
                self.QueryFailed(generation, "Unexpected error", f"{type(exc).__name__}: {exc}")
            )
        else:
            self.post_message(self.Ran(generation, result))

    def action_cancel_query(self) -> None:
        if self.loading_now and self.wrp.engine is not None:
            self.wrp.engine.interrupt()

    def done_running(self) -> None:
        self.loading_now = False
        self.query_one(ResultsTable).loading = False
        self.refresh_bindings()

    @on(Ran)
    async def _ran(self, message: Ran) -> None:
        if message.generation != self.generation:
            return
        self.result = message.result
        await self.query_one(ResultsTable).show_result(message.result)
        self.done_running()
        self.show_status()

    @on(QueryFailed)
    async def _query_failed(self, message: QueryFailed) -> None:
        if message.generation == self.generation:
            self.done_running()
            await self.clear_result()  # the rows on screen would answer the old SQL
            self.show_error(message.title, message.message)
            self.set_status(message.title)

    @on(QueryStopped)
    async def _query_stopped(self, message: QueryStopped) -> None:
        if message.generation == self.generation:
            self.done_running()
            await self.clear_result()
            self.set_status("cancelled")

    async def clear_result(self) -> None:
        self.result = None
        await self.query_one(ResultsTable).clear()
        self.refresh_bindings()

    def show_error(self, title: str, message: str) -> None:
        error = self.query_one(".sql-error", Static)
        error.update(Text.assemble((title, "bold"), ": ", message))
        error.add_class("-shown")

    def clear_error(self) -> None:
        self.query_one(".sql-error", Static).remove_class("-shown")

    def show_status(self, extra: str = "") -> None:
        result = self.result
        if result is None:
            return
        text = Text(result.summary(), style="italic")
        if extra:
            text.append(f" · {extra}", style="italic")
        else:
            text.append("   e csv · E export as · ctrl+↑ history", style="dim")
        self.query_one(".status", Static).update(text)

    # -- export and copy ------------------------------------------------------------------------
    def export_table(self) -> Any:
        from tui.exporting import ExportTable

        if self.result is None:
            return None
        # The console's rows hold pseudonyms, never a CIN: nothing to mask.
        return ExportTable(self.result.frame, pseudonymous=True)

    def default_export(self, fmt: str) -> Path:
        from tui.exporting import default_path, export_stem

        return default_path(self.wrp.export_dir, export_stem("query"), fmt)

    def action_export(self) -> None:
        from tui.exporting import ExportRequest

        if self.result is not None:
            self.start_export(self.export_table(), ExportRequest(self.default_export("csv"), "csv"))

    def action_export_as(self) -> None:
        from tui.screens.export import ExportScreen

        if self.result is None:
            return
        table = self.export_table()
        extracts = self.wrp.engine.data_dir if self.wrp.engine else None

        def chosen(request) -> None:
            if request is not None:
                self.start_export(table, request)

        screen = ExportScreen("query result", self.default_export("csv"), extracts,
                              rows=self.result.total_rows, pseudonyms=True)  # fmt: skip
        self.app.push_screen(screen, chosen)

    def action_copy(self) -> None:
        grid = self.query_one(ResultsTable).grid
        if self.result is None or grid is None or not self.result.total_rows:
            return
        row, column = grid.cursor_coordinate
        value = self.result.frame[row, column]
        text = "NULL" if value is None else str(value)
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {text}", timeout=2)
