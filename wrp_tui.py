"""wrp-tui: the command line. `wrp-tui` alone opens the dashboard."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import TyperException

from queries import options
from queries.display import money
from queries.reference import COUNTIES

DEMO_DATA = Path(__file__).resolve().parent / "sample_data" / "demo"


class GuardedGroup(TyperGroup):
    """Every command runs inside the outer guard (the tests invoke `cli` itself,
    the console script `main`): an unexpected error is one short message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):  # usage errors, exits: as they are
            raise
        except (SystemExit, KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # a Rust panic is a BaseException
            raise stopped(exc) from None


def stopped(exc: BaseException) -> typer.Exit:
    """Write the crash file, say so in one message on stderr, exit 1."""
    from queries.crash import short_message, write_crash_file

    crash_file = write_crash_file(exc, "command line")
    stderr.print(Text(short_message(exc, crash_file)), style="red", highlight=False, soft_wrap=True)
    return typer.Exit(1)


cli = typer.Typer(
    cls=GuardedGroup,
    help="Wellness and Recovery Program dashboard: users, invoices, reconciliation, "
    "network adequacy. With no command, opens the dashboard.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
stdout = Console()
stderr = Console(stderr=True)


class ReportName(StrEnum):
    users = "users"
    invoices = "invoices"
    reconciliation = "reconciliation"
    adequacy = "adequacy"
    exceptions = "exceptions"
    care = "care"
    access = "access"
    penetration = "penetration"
    supplementals = "supplementals"
    late_changes = "late-changes"
    aging = "aging"
    projection = "projection"
    projection_backtest = "projection-backtest"
    claims_lag = "claims-lag"
    lag_triangle = "lag-triangle"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class SqlFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


class Scale(StrEnum):
    demo = "demo"
    region = "region"
    state = "state"


# -- option parsing (the rules live in queries/options.py) -------------------
def checked(validate):
    """A Typer callback or parser from a queries.options validator: a bad
    value is a usage error (exit 2) naming the option."""
    from queries.options import OptionError

    def callback(value):
        if value is None:
            return None
        try:
            return validate(value)
        except OptionError as exc:
            raise typer.BadParameter(str(exc)) from None

    return callback


def _keep(validate):
    """Validate, but hand the command the value as typed (it parses it itself)."""
    return lambda value: validate(value) and value


def parse_county(value: str | None) -> str | None:
    if value is None:
        return None
    for county in COUNTIES:
        if value == county.code or value.lower() == county.name.lower():
            return county.code
    choices = ", ".join(f"{c.code} ({c.name})" for c in COUNTIES)
    raise typer.BadParameter(f"{value!r} is not a WRP county; use one of {choices}")


def parse_month(value: str | None) -> date | None:
    return checked(options.month)(value)


def parse_day(value: str | None) -> date | None:
    return checked(options.day)(value)


def parse_fiscal_year(value: int | None) -> int | None:
    return checked(options.fiscal_year)(value)


DataOption = Annotated[
    Path,
    typer.Option(
        "--data", "-d", help="Folder of parquet extracts (default: bundled demo).",
        show_default=False, parser=checked(options.data_folder),
    ),
]  # fmt: skip
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Figures as known on YYYY-MM-DD (default: latest paid date).",
                 callback=checked(_keep(options.day))),
]  # fmt: skip
CountyOption = Annotated[
    str | None,
    typer.Option("--county", "-c", help="County code or name, e.g. 25 or Modoc.",
                 callback=lambda value: parse_county(value) and value),
]  # fmt: skip
FiscalYearOption = Annotated[
    int | None,
    typer.Option("--fiscal-year", help="Ending year: 2025 is FY2024-25.",
                 callback=checked(options.fiscal_year)),
]  # fmt: skip
MonthOption = Annotated[
    str | None, typer.Option("--month", help="YYYY-MM.", callback=checked(_keep(options.month)))
]
MemoryOption = Annotated[
    str | None,
    typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 2GB.",
                 callback=checked(options.memory_limit)),
]  # fmt: skip
ThreadsOption = Annotated[
    int | None,
    typer.Option("--threads", help="DuckDB threads (1-256).", callback=checked(options.threads)),
]
RevealOption = Annotated[
    bool,
    typer.Option(
        "--reveal-phi",
        help="Show full member IDs (CINs). Writes a record to the audit log first.",
    ),
]
StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Notes and sign-off store shared by the team (default: "
                 "$WRP_TUI_STORE or ~/.local/state/wrp-tui/notes.sqlite).", dir_okay=False),
]  # fmt: skip
AuditLogOption = Annotated[
    Path | None,
    typer.Option("--audit-log", help="Audit log file (default: $WRP_TUI_AUDIT_LOG or "
                 "~/.local/state/wrp-tui/audit.log)."),
]  # fmt: skip


def audit_reveal(action: str, scope: str, log: Path | None, statement: str | None = None) -> None:
    """Record a disclosure before it happens; without a record, no disclosure."""
    from queries.audit import AuditError, record_disclosure

    try:
        record_disclosure(action, scope, log, statement=statement)
    except AuditError as exc:
        raise fail("Not revealed", str(exc)) from None


def fail(title: str, message: str, code: int = 1) -> typer.Exit:
    # Text: a message quoting SQL or data is never read as markup, and a long
    # path folds onto the next line rather than being cut short.
    body = Text(message, overflow="fold")
    stderr.print(Panel(body, title=title, border_style="red", expand=False))
    return typer.Exit(code)


def open_engine(data: Path, memory_limit: str | None = None, threads: int | None = None):
    """The engine over `data`; rows it leaves out (dates the rules cannot use)
    are said on stderr, so that no figure is printed without that warning."""
    from queries.engine import DataError, Engine, Settings

    try:
        engine = Engine(Settings(data, memory_limit=memory_limit, threads=threads))
        left_out = engine.dates_left_out()
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    for problem in left_out:
        stderr.print("[yellow]![/]", Text(problem.describe()), highlight=False, soft_wrap=True)
    return engine


# -- commands ----------------------------------------------------------------
@cli.callback(invoke_without_command=True)
def dashboard(
    ctx: typer.Context,
    data: DataOption = DEMO_DATA,
    county: CountyOption = None,
    as_of: AsOfOption = None,
    fiscal_year: FiscalYearOption = None,
    month: MonthOption = None,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    store: StoreOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Open the dashboard (when no command is given)."""
    from queries.cache import remove_temp_folders_on_signals

    remove_temp_folders_on_signals()  # spill folders go with a closed SSH session too
    if ctx.invoked_subcommand is not None:
        return
    from tui.app import DashboardSettings, build_app

    settings = DashboardSettings(
        data_dir=data,
        county=parse_county(county),
        as_of=parse_day(as_of),
        fiscal_year=parse_fiscal_year(fiscal_year),
        month=parse_month(month),
        memory_limit=memory_limit,
        threads=threads,
        reveal_phi=reveal_phi,
        audit_log=audit_log,
        store=store,
    )
    app = build_app(settings)
    app.run()
    if app.return_code:  # the app said why on the way out (and wrote a crash file)
        raise typer.Exit(app.return_code)


@cli.command()
def check(
    data_dir: Annotated[
        Path,
        typer.Argument(help="Folder of parquet extracts.", parser=checked(options.path_given)),
    ],
) -> None:
    """Check extracts against the contract: tables, columns, types, readability."""
    from queries.engine import Engine, Settings
    from queries.extracts import content_problems, scan_problems

    if not data_dir.is_dir():
        raise fail("No extracts", f"{data_dir} is not a folder")
    engine = Engine(Settings(data_dir))
    problems = list(engine.problems)
    for table in sorted(engine.usable_tables):
        found = scan_problems(engine.connection, engine.sources[table])
        if not found:
            found = content_problems(engine.connection, engine.sources[table])
        problems.extend(found)
    unread = {p.table for p in problems if p.message.startswith("unreadable")}
    problems.extend(p for p in engine.dates_left_out() if p.table not in unread)
    blocking = [p for p in problems if p.blocking]
    for problem in problems:
        mark = "[red]✗[/]" if problem.blocking else "[yellow]![/]"
        stdout.print(mark, Text(problem.describe()), highlight=False, soft_wrap=True)
    if blocking:
        stdout.print(f"{len(blocking)} problem(s): {data_dir} breaks the extract contract.")
        raise typer.Exit(1)
    warnings = len(problems) - len(blocking)
    note = f" ({warnings} warning(s) above)" if warnings else ""
    stdout.print(
        f"[green]✓[/] {data_dir}: all {len(engine.usable_tables)} tables follow the contract{note}."
    )


@cli.command()
def report(
    name: Annotated[ReportName, typer.Argument(help="Which report.")],
    data: DataOption = DEMO_DATA,
    as_of: AsOfOption = None,
    county: CountyOption = None,
    fiscal_year: FiscalYearOption = None,
    month: MonthOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="For release outside the team: suppress counts of 1-10 and every figure "
            "that would reveal them (CalHHS guidelines).",
        ),
    ] = False,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Print a report: users, invoices, reconciliation, adequacy, exceptions, care, access,
    penetration (and the close's supplementals, late-changes, projection, claims-lag)."""
    from queries.engine import DataError
    from queries.reports import REPORTS, Filters, records, run_public_report, run_report

    filters = Filters(
        as_of=parse_day(as_of),
        county=parse_county(county),
        fiscal_year=parse_fiscal_year(fiscal_year),
        month=parse_month(month),
    )
    engine = open_engine(data, memory_limit, threads)
    try:
        if public:  # suppression decided on the whole table, then filtered
            frame = run_public_report(engine, name.value, filters)
        else:
            frame = run_report(engine, name.value, filters)
    except DataError as exc:
        raise fail(exc.title, exc.message, code=2 if exc.title == "No public form" else 1) from None
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(records(frame), indent=2) + "\n")
    elif output_format is OutputFormat.csv:
        rows = records(frame)
        writer = csv.DictWriter(sys.stdout, fieldnames=frame.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        shown = REPORTS[name.value].fields + (("suppressed",) if public else ())
        print_fitted(REPORTS[name.value].title, frame.select(shown))
        if name is ReportName.projection_backtest:
            from queries.backtest import summary

            print_fitted("Mean error by kind of as-of date", summary(frame))


def print_whole(table: Table, console: Console = stdout) -> None:
    """Print a table at its natural width: a money figure is never cut short."""
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    width = console.width
    console.width = max(width, natural)  # print() alone clamps to the terminal
    try:
        console.print(table, crop=False)
    finally:
        console.width = width


# Columns that say what a row is: repeated in each part of a table split to fit.
KEY_COLUMNS = ("county_code", "month", "fiscal_year", "level_of_care", "check")
HEADER_WORD = 9  # a header word longer than its column and this is abbreviated


def fold_header(column: str, width: int) -> str:
    """`billed_total` -> `billed\ntotal`, words packed into lines of `width`,
    a word longer than the column abbreviated (`outstanding` -> `outstand.`)."""
    lines: list[str] = []
    for word in column.split("_"):
        if len(word) > width:
            word = word[: max(width - 1, 1)] + "."
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def print_fitted(title: str, frame) -> None:
    """A report as a table that fits the terminal: headers folded, and when
    the columns are still too wide, the table in parts one under the other,
    each repeating the row's key columns. A figure is
    never cut or wrapped. Piped output (no terminal width) stays whole."""
    from queries.display import cell

    env_columns = os.environ.get("COLUMNS", "")
    if not stdout.is_terminal and not env_columns.isdigit():
        print_whole(rich_table(title, frame))
        return
    # the width as it is now (the console read COLUMNS once, at import)
    width = int(env_columns) if env_columns.isdigit() else stdout.width
    texts = {c: [cell(c, v) for v in frame[c]] for c in frame.columns}
    widths = {}
    for c in frame.columns:
        longest_word = max(len(w) for w in c.split("_"))
        values = max((len(t) for t in texts[c]), default=1)
        widths[c] = min(values, 60) if c == "detail" else max(values, min(longest_word,
                                                                          HEADER_WORD))
    keys = [c for c in frame.columns if c in KEY_COLUMNS]
    rest = [c for c in frame.columns if c not in KEY_COLUMNS]

    def part_table(columns: list[str], heading: str) -> Table:
        table = Table(title=heading, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for c in columns:
            numeric = frame.schema[c].is_numeric() and c != "fiscal_year"
            table.add_column(fold_header(c, widths[c]), justify="right" if numeric else "left",
                             no_wrap=c != "detail", width=widths[c])  # fmt: skip
        for row in range(frame.height):
            table.add_row(*(texts[c][row] for c in columns))
        return table

    def fits(columns: list[str]) -> bool:
        options = stdout.options.update_width(10_000)
        return Measurement.get(stdout, options, part_table(columns, "")).maximum <= width

    parts: list[list[str]] = []
    for column in rest:
        if parts and fits(keys + parts[-1] + [column]):
            parts[-1].append(column)
        else:
            parts.append([column])
    for i, part in enumerate(parts or [[]]):
        print_whole(part_table(keys + part, title if i == 0 else f"{title} (continued)"))


def rich_table(title: str, frame) -> Table:
    from queries.display import cell

    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
        min_width=len(title),  # a one-column answer keeps its title on one line
    )  # fmt: skip
    for column, dtype in frame.schema.items():
        numeric = dtype.is_numeric() and column != "fiscal_year"
        table.add_column(
            column.replace("_", "\n"),
            justify="right" if numeric else "left",
            no_wrap=column != "detail",
            max_width=60 if column == "detail" else None,
        )
    for row in frame.iter_rows(named=True):
        table.add_row(*(cell(k, v) for k, v in row.items()))
    return table


@cli.command()
def close(
    data: DataOption = DEMO_DATA,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="Month to close, YYYY-MM (default: last month).",
            callback=checked(_keep(options.month)),
        ),
    ] = None,
    as_of: AsOfOption = None,
    show: Annotated[
        str | None,
        typer.Option(
            "--show",
            help="List the rows behind one check, e.g. missing_rate.",
            callback=checked(options.check_name),
        ),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    store: StoreOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Month-end close checklist and verdict; exits 1 while the month is not ready."""
    from queries.close import check_names, checklist, month_to_close
    from queries.engine import DataError
    from queries.privacy import mask_members

    if show is not None and show not in check_names():
        raise fail("Unknown check", f"{show!r} is not a check with rows; choose one of "
                   + ", ".join(check_names()), code=2)  # fmt: skip
    engine = open_engine(data, memory_limit, threads)
    as_of_day = parse_day(as_of) or engine.default_as_of()
    close_month = parse_month(month) or month_to_close(as_of_day)
    try:
        if show:
            if reveal_phi:  # the record before the rows are read
                scope = f"data={engine.data_dir} check={show} as_of={as_of_day}"
                audit_reveal("close --show --reveal-phi", scope, audit_log)
            lines = engine.run("exception_lines", as_of=as_of_day, month=close_month, check=show)
            if not reveal_phi:  # by column: a malformed ID is masked too
                lines = mask_members(lines)
            write_frame(lines, output_format, f"{show}: {lines.height} row(s) as of {as_of_day}")
            return
        result = checklist(engine, close_month, as_of_day)
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    if output_format is not OutputFormat.table:
        write_close(result, output_format)
        raise typer.Exit(0 if result.ready() else 1)
    print_checklist(result, data)
    try:
        supplementals = engine.run("supplemental_proposal", as_of=as_of_day)
    except DataError:
        supplementals = None  # the checklist already says which extract is unusable
    if supplementals is not None and not supplementals.is_empty():
        total = supplementals["proposed_amount"].drop_nulls().sum()
        stdout.print(
            f"Supplementals due: {supplementals.height} county-month(s), net {money(total)} "
            f"— wrp-tui report supplementals --as-of {as_of_day} --format csv",
            highlight=False,
        )
    print_notes_and_signoff(engine, close_month, as_of_day, store)
    style = "green" if result.ready() else "red"
    # One line, never wrapped: scripts and people grep for it.
    stdout.print(f"[{style}]{result.verdict()}[/]", highlight=False, soft_wrap=True)
    if not result.ready():
        raise typer.Exit(1)


def write_frame(frame, output_format: OutputFormat, title: str) -> None:
    """A frame on stdout as a table, CSV or JSON (the report conventions)."""
    from queries.reports import records

    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(records(frame), indent=2) + "\n")
    elif output_format is OutputFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=frame.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records(frame))
    else:
        print_whole(rich_table(title, frame))


def write_close(result, output_format: OutputFormat) -> None:
    from queries.close import CSV_FIELDS, close_records, close_rows

    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(close_records(result), indent=2) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(close_rows(result))


def print_checklist(result, data: Path) -> None:
    stdout.print(
        f"Month-end close for {result.month:%Y-%m}, as known on {result.as_of}", style="bold"
    )
    marks = {"blocking": "[red]✗[/]", "warning": "[yellow]![/]", "info": "[blue]i[/]"}
    for severity, items in result.grouped().items():
        open_count = sum(1 for i in items if i.count)
        table = Table(
            title=f"{severity.upper()}: {open_count} open of {len(items)}",
            title_justify="left", box=None, show_header=False, pad_edge=False,
        )  # fmt: skip
        table.add_column(width=1)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(ratio=1)
        for item in items:
            mark = marks[severity] if item.count else "[green]✓[/]"
            table.add_row(mark, item.check, f"{item.count:,}", item.detail)
        stdout.print(table)
    stdout.print(
        f"Rows behind a check: wrp-tui close --data {data} --month {result.month:%Y-%m} "
        f"--as-of {result.as_of} --show CHECK",
        style="dim", highlight=False,
    )  # fmt: skip
    if not result.readiness.is_empty():
        columns = ("county_code", "verdict", "users", "pupm_rate", "expected_total", "reason")
        title = f"Ready to invoice {result.month:%Y-%m}?"
        print_whole(rich_table(title, result.readiness.select(columns)))


def print_notes_and_signoff(engine, month: date, as_of: date, store_path: Path | None) -> None:
    """The close's notes and the month's sign-off, after the checklist. A store
    that cannot be read is said once; the checklist stands without it."""
    from queries.notes import NotesError, NotesStore
    from queries.signoff import signoff_state

    store = NotesStore(store_path)
    try:
        notes = store.current(month)
        state = signoff_state(store, engine, month)
    except NotesError as exc:
        stdout.print(f"[yellow]![/] {exc.title}: {exc.message} (notes and sign-off not shown)",
                     highlight=False, soft_wrap=True)  # fmt: skip
        return
    if notes:
        print_whole(notes_table(f"Notes on {month:%Y-%m}: {len(notes)} subject(s)",
                                list(notes.values())))  # fmt: skip
    if state is None:
        stdout.print(f"Not signed off. wrp-tui signoff --month {month:%Y-%m} --as-of {as_of}",
                     highlight=False, soft_wrap=True)  # fmt: skip
        return
    style = "red" if state.moved else "green"
    # soft_wrap: one line each, whatever the terminal's width (grep, logs)
    stdout.print(f"[{style}]{state.summary()}[/]", highlight=False, soft_wrap=True)
    for change in state.moved:
        stdout.print(f"  moved: {change.describe()}", highlight=False, soft_wrap=True)


def notes_table(title: str, notes) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("subject", "status", "author", "written (UTC)", "note"):
        wraps = column == "note"
        table.add_column(column, no_wrap=not wraps, max_width=60 if wraps else None)
    for note in notes:
        table.add_row(note.subject.label(), note.status, note.author,
                      note.written_at[:16].replace("T", " "), note.text)  # fmt: skip
    return table


class NoteStatus(StrEnum):
    open = "open"
    explained = "explained"
    accepted = "accepted"
    fixed = "fixed"


note_cli = typer.Typer(
    help="Notes on a check, a county-month or a reconciliation row (county x fiscal year).",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
cli.add_typer(note_cli, name="note")


@note_cli.command("add")
def note_add(
    text: Annotated[str, typer.Argument(help="What you found or decided.")],
    check: Annotated[
        str | None, typer.Option("--check", help="A check of the close, e.g. missing_rate.")
    ] = None,
    county: CountyOption = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM.")] = None,
    fiscal_year: Annotated[
        int | None, typer.Option("--fiscal-year", help="Ending year: 2025 is FY2024-25.")
    ] = None,
    status: Annotated[NoteStatus, typer.Option("--status", "-s")] = NoteStatus.open,
    store: StoreOption = None,
) -> None:
    """Add a note (an edit or a status change is a new note: history is kept).

    On a check: --check NAME [--month M]; on a county-month: --county C --month M;
    on a reconciliation row: --county C --fiscal-year Y.
    """
    from queries.notes import NotesError, NotesStore, Subject
    from queries.signoff import known_checks

    county_code, close_month = parse_county(county), parse_month(month)
    year = parse_fiscal_year(fiscal_year)
    if check is not None:
        if check not in known_checks():
            raise fail("Unknown check", f"{check!r}; use one of {', '.join(known_checks())}", 2)
        if county_code or year:
            raise fail("One subject", "a check note takes --month only, not --county or "
                       "--fiscal-year", 2)  # fmt: skip
        subject = Subject("check", check=check, month=close_month)
    elif county_code and close_month and not year:
        subject = Subject("county-month", county=county_code, month=close_month)
    elif county_code and year and not close_month:
        subject = Subject("reconciliation", county=county_code, fiscal_year=year)
    else:
        raise fail("What is the note on?", "give --check NAME [--month M], --county C --month M, "
                   "or --county C --fiscal-year Y", 2)  # fmt: skip
    try:
        note = NotesStore(store).add_note(subject, status.value, text)
    except NotesError as exc:
        raise fail(exc.title, exc.message) from None
    except ValueError as exc:
        raise fail("Not added", str(exc), 2) from None
    stdout.print(f"Noted on {subject.label()}: {note.status} (#{note.id}, {note.author})",
                 highlight=False, soft_wrap=True)  # fmt: skip


@note_cli.command("list")
def note_list(
    month: Annotated[
        str | None, typer.Option("--month", help="Notes of a month's close (YYYY-MM).")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every row, not only each subject's latest.")
    ] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    store: StoreOption = None,
) -> None:
    """List notes: each subject's current state (its latest note), or --history."""
    from queries.notes import NotesError, NotesStore

    close_month = parse_month(month)
    try:
        notes_store = NotesStore(store)
        notes = (notes_store.history(close_month) if history
                 else list(notes_store.current(close_month).values()))  # fmt: skip
    except NotesError as exc:
        raise fail(exc.title, exc.message) from None
    rows = [n.as_record() for n in notes]
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif output_format is OutputFormat.csv:
        fields = list(rows[0]) if rows else ["id", "subject", "status", "author", "text"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        scope = f"{close_month:%Y-%m}" if close_month else "every month"
        print_whole(notes_table(f"Notes ({scope}): {len(notes)}", notes))


@cli.command()
def signoff(
    month: Annotated[str, typer.Option("--month", help="Month to sign off, YYYY-MM.")],
    data: DataOption = DEMO_DATA,
    as_of: AsOfOption = None,
    store: StoreOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Sign off a month's close: records the as-of date, the extract version and
    the checklist with each county's figures. Refused while a blocking check is
    open without a note that explains, accepts or fixes it."""
    from queries.engine import DataError
    from queries.notes import NotesError, NotesStore
    from queries.signoff import sign_off_month

    close_month = parse_month(month)
    engine = open_engine(data, memory_limit, threads)
    as_of_day = parse_day(as_of) or engine.default_as_of()
    try:
        signed = sign_off_month(NotesStore(store), engine, close_month, as_of_day)
    except (DataError, NotesError) as exc:
        raise fail(exc.title, exc.message) from None
    except ValueError as exc:
        raise fail("Not signed off", str(exc)) from None
    counties = len(signed.snapshot["counties"])
    stdout.print(
        f"Signed off {close_month:%Y-%m} as of {as_of_day} by {signed.author}: extract version "
        f"{signed.extract_version}, {len(signed.snapshot['checks'])} checks and "
        f"{counties} counties recorded.", highlight=False, soft_wrap=True,
    )  # fmt: skip


@cli.command()
def evidence(
    out: Annotated[Path, typer.Argument(help="Folder to write; OUT.zip is written beside it.")],
    month: Annotated[str, typer.Option("--month", help="Month of the close, YYYY-MM.")],
    data: DataOption = DEMO_DATA,
    as_of: AsOfOption = None,
    public: Annotated[
        bool,
        typer.Option("--public", help="The suppressed form, for release outside the team."),
    ] = False,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    store: StoreOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier pack in OUT.")
    ] = False,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Write the evidence pack of a month's close: reports, SQL, checklist with
    notes and sign-off, extract manifest, pane pictures, SHA256SUMS; a folder
    and a zip. Member IDs masked unless --reveal-phi (audited)."""
    from queries.engine import DataError
    from queries.evidence import PackRefused, pack_files, write_pack
    from queries.notes import NotesStore

    if public and reveal_phi:
        raise fail("Pick one", "--public and --reveal-phi cannot be combined", 2)
    close_month = parse_month(month)
    engine = open_engine(data, memory_limit, threads)
    as_of_day = parse_day(as_of) or engine.default_as_of()
    if reveal_phi:
        scope = f"data={engine.data_dir} evidence month={close_month:%Y-%m} out={out}"
        audit_reveal("evidence --reveal-phi", scope, audit_log)
    try:
        files = pack_files(engine, close_month, as_of_day, NotesStore(store), public=public,
                           reveal_phi=reveal_phi)  # fmt: skip
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    if not public:  # the panes have no suppressed form
        from tui.evidence_screens import pane_screens

        for name, svg in pane_screens(data, close_month, as_of_day, store).items():
            files[f"screens/{name}.svg"] = svg.encode()
    try:
        archive = write_pack(files, out, extracts=engine.data_dir, overwrite=overwrite)
    except PackRefused as exc:
        raise fail("Not written", str(exc), 2) from None
    except OSError as exc:
        raise fail("Not written", f"{exc.filename}: {exc.strerror}") from None
    stdout.print(f"Wrote {len(files) + 3} files to {out} and {archive}", highlight=False)


@cli.command()
def sql(
    query: Annotated[str, typer.Argument(help="One SELECT over the extracts and derived views.")],
    data: DataOption = DEMO_DATA,
    as_of: AsOfOption = None,
    output_format: Annotated[SqlFormat, typer.Option("--format", "-f")] = SqlFormat.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE instead of stdout.",
            callback=checked(options.output_file),
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(help="Rows shown by --format table.", callback=checked(options.limit))
    ] = 100,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Ask an ad-hoc question in SQL (read-only; member IDs are pseudonyms).

    Tables: the contract's extracts. Derived views (table macros taking the
    as-of date): services($as_of), cost_lines($as_of), county_month_users($as_of),
    invoice_drift($as_of), reconciliation_rows($as_of)... $as_of is bound to
    --as-of (default: the latest paid date). member_id is a pseudonym
    (M- and 12 hex, the same member always the same on this computer);
    --reveal-phi runs on the raw extracts after writing an audit record.
    """
    from queries.adhoc import run_adhoc, run_revealed
    from queries.engine import DataError
    from queries.results import replaced_on_success

    engine = open_engine(data, memory_limit, threads)
    if output is not None and output.resolve().is_relative_to(engine.data_dir):
        raise fail("Refused", "the extracts folder is never written to; choose another path")
    if output_format is SqlFormat.parquet and output is None:
        raise fail("Parquet needs a file", "add --output FILE.parquet", code=2)
    try:
        params = {"as_of": parse_day(as_of) or engine.default_as_of()}
        if reveal_phi:
            # The record first, with the statement as typed: no record, no reveal.
            audit_reveal("sql --reveal-phi", f"data={engine.data_dir}", audit_log, query)
            frame = run_revealed(engine, query, params)
        else:  # member IDs are pseudonyms at the source: nothing to mask
            frame = run_adhoc(engine, query, params)
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    try:
        if output is None:
            write_sql_result(frame, output_format, sys.stdout, stdout, limit)
        else:
            with replaced_on_success(output) as partial:
                if output_format is SqlFormat.parquet:
                    frame.write_parquet(partial)
                else:
                    with partial.open("w", newline="") as out:
                        to_file = Console(file=out, color_system=None, width=200)
                        write_sql_result(frame, output_format, out, to_file, limit)
    except OSError as exc:
        raise fail("Not written", f"cannot write {output}: {exc.strerror or exc}") from None
    if output:
        shown = min(limit, frame.height) if output_format is SqlFormat.table else frame.height
        stderr.print(f"Wrote {shown:,} rows to {output}")


def write_sql_result(frame, output_format: SqlFormat, out, console: Console, limit: int) -> None:
    """JSON and CSV with exact numbers (queries.results); a table of `limit` rows."""
    from queries.results import csv_value, exact_records

    if output_format is SqlFormat.json:
        out.write(json.dumps(exact_records(frame), indent=2, ensure_ascii=False) + "\n")
    elif output_format is SqlFormat.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.iter_rows():
            writer.writerow(csv_value(k, v) for k, v in zip(frame.columns, row, strict=True))
    else:
        print_whole(rich_table("Ad-hoc query", frame.head(limit)), console)
        console.print(f"{min(limit, frame.height):,} of {frame.height:,} rows")


@cli.command()
def sample(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the extracts into.")],
    scale: Annotated[
        Scale, typer.Option(help="demo (small), region (real size), state (15x).")
    ] = Scale.demo,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing non-empty folder.")] = False,
) -> None:
    """Generate sample extracts that follow the contract."""
    from sample_data.generator import generate

    try:
        counts = generate(out_dir, scale.value, seed=seed, overwrite=overwrite)
    except ValueError as exc:
        raise fail("Cannot generate", str(exc)) from None
    for table, rows in counts.items():
        stdout.print(f"{table:>18}  {rows:>12,} rows")
    stdout.print(f"Wrote {scale.value} extracts to {out_dir}")

# -- the cache, for the nightly job ------------------------------------------
cache_cli = typer.Typer(
    help="The claim-facts cache: build it after the nightly extract lands, see and prune "
    "its versions. Kept under $WRP_TUI_CACHE, else $XDG_CACHE_HOME/wrp-tui.",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
cli.add_typer(cache_cli, name="cache")


@cache_cli.command("build")
def cache_build(
    data: DataOption = DEMO_DATA,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Build the cache for the extracts now (exit 0 when built or already current), so
    that the first dashboard of the day opens at once."""
    import time

    from queries.engine import DataError, Engine, Settings

    started = time.monotonic()
    try:
        with build_progress(stderr) as progress:
            engine = Engine(Settings(data, memory_limit=memory_limit, threads=threads), progress)
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    if engine.cache is None:
        if not {"claims", "eligibility"} <= engine.usable_tables:
            reasons = "; ".join(p.describe() for p in engine.problems if p.blocking)
            raise fail("No cache built", f"claims and eligibility must be usable: {reasons}")
        raise fail("No cache built", engine.cache_note)
    from queries.cache_admin import _size

    folder = engine.cache.folder
    size = f"{_size(folder) / 2**20:,.1f} MiB"
    if engine.cache_built:
        took = time.monotonic() - started
        stdout.print(Text(f"Built the cache of {data} in {took:.1f} s ({size}): {folder}"))
    else:
        stdout.print(Text(f"The cache of {data} is already current ({size}): {folder}"))


class build_progress:
    """The cache build's steps as a rich progress bar on a terminal, else (a
    cron or systemd log) one line per step with the time so far."""

    def __init__(self, console: Console) -> None:
        import time

        from rich import progress as bars

        self.console, self.clock, self.started = console, time.monotonic, time.monotonic()
        self.bar = bars.Progress(
            bars.TextColumn("{task.description:<40}"), bars.BarColumn(), bars.MofNCompleteColumn(),
            bars.TimeElapsedColumn(), bars.TextColumn("left"), bars.TimeRemainingColumn(),
            console=console, transient=True,
        ) if console.is_terminal else None  # fmt: skip
        self.task = None

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, step) -> None:
        label = f"{step.stage}, {step.months}" if step.months else step.stage
        if self.bar is None:
            elapsed = self.clock() - self.started
            self.console.print(Text(f"[{elapsed:7.1f} s] {label} ({step.done}/{step.total} done)"),
                               highlight=False, soft_wrap=True)  # fmt: skip
        elif self.task is None:
            self.task = self.bar.add_task(label, total=step.total, completed=step.done)
        else:
            self.bar.update(self.task, description=label, total=step.total, completed=step.done)


@cache_cli.command("status")
def cache_status() -> None:
    """Each cached version: its extracts folder, version, size, when it was built, and
    whether it is current (what a dashboard opened now would use) or stale."""
    from queries.cache import default_cache_root
    from queries.cache_admin import cached_versions

    root = default_cache_root()
    versions = cached_versions(root)
    if not versions:
        stdout.print(Text(f"No cached versions in {root}"))
        return
    table = Table(title=f"Cache {root}", box=box.SIMPLE_HEAD)
    for column in ("extracts", "version", "size", "built", "state"):
        table.add_column(column, justify="right" if column == "size" else "left",
                         overflow="fold")  # fmt: skip
    for v in versions:
        built = v.built.astimezone().strftime("%Y-%m-%d %H:%M") if v.built else "-"
        extracts = str(v.extracts) if v.extracts else "(not recorded)"
        table.add_row(extracts, v.version, f"{v.size / 2**20:,.1f} MiB", built, v.state)
    print_whole(table)


@cache_cli.command("prune")
def cache_prune() -> None:
    """Remove the cached versions that are not current, and builds whose process died;
    a build in progress is never touched. A dashboard still showing an older version
    reads it again on r."""
    from queries.cache import default_cache_root
    from queries.cache_admin import prune

    root = default_cache_root()
    removed = prune(root)
    for v in removed:
        stdout.print(Text(f"removed {v.state} {v.version} ({v.size / 2**20:,.1f} MiB) {v.folder}"))
    freed = sum(v.size for v in removed) / 2**20
    stdout.print(Text(f"Pruned {len(removed)} version(s), {freed:,.1f} MiB freed, in {root}"))


def main() -> None:
    """The console script: the CLI inside the outer guard (errors raised before
    a command runs, such as an import, are caught here)."""
    try:
        cli()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        raise SystemExit(stopped(exc).exit_code) from None


if __name__ == "__main__":
    main()
