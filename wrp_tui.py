"""wrp-tui: the command line. `wrp-tui` alone opens the dashboard."""

from __future__ import annotations

import csv
import json
import os
import sys
from contextlib import nullcontext
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

from queries.display import money
from queries.reference import COUNTIES

DEMO_DATA = Path(__file__).resolve().parent / "sample_data" / "demo"

cli = typer.Typer(
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


# -- option parsing ----------------------------------------------------------
def parse_county(value: str | None) -> str | None:
    if value is None:
        return None
    for county in COUNTIES:
        if value == county.code or value.lower() == county.name.lower():
            return county.code
    choices = ", ".join(f"{c.code} ({c.name})" for c in COUNTIES)
    raise typer.BadParameter(f"{value!r} is not a WRP county; use one of {choices}")


def parse_month(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a month; write YYYY-MM, e.g. 2025-03") from None


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def parse_fiscal_year(value: int | None) -> int | None:
    if value is not None and not 2000 <= value <= 2100:
        raise typer.BadParameter(
            f"{value} is not a fiscal year; name it by its ending year, e.g. 2025 for FY2024-25"
        )
    return value


DataOption = Annotated[
    Path,
    typer.Option(
        "--data", "-d", help="Folder of parquet extracts (default: bundled demo).",
        file_okay=False, show_default=False,
    ),
]  # fmt: skip
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Figures as known on YYYY-MM-DD (default: latest paid date)."),
]
CountyOption = Annotated[
    str | None, typer.Option("--county", "-c", help="County code or name, e.g. 25 or Modoc.")
]
MemoryOption = Annotated[
    str | None, typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 2GB.")
]
ThreadsOption = Annotated[int | None, typer.Option("--threads", help="DuckDB threads.")]
RevealOption = Annotated[
    bool,
    typer.Option(
        "--reveal-phi",
        help="Show full member IDs (CINs). Writes a record to the audit log first.",
    ),
]
AuditLogOption = Annotated[
    Path | None,
    typer.Option("--audit-log", help="Audit log file (default: $WRP_TUI_AUDIT_LOG or "
                 "~/.local/state/wrp-tui/audit.log)."),
]  # fmt: skip


def audit_reveal(action: str, scope: str, log: Path | None) -> None:
    """Record a disclosure before it happens; without a record, no disclosure."""
    from queries.audit import AuditError, record_disclosure

    try:
        record_disclosure(action, scope, log)
    except AuditError as exc:
        raise fail("Not revealed", str(exc)) from None


def fail(title: str, message: str, code: int = 1) -> typer.Exit:
    # folded, never cut: a long path in the message wraps at the terminal's edge
    text = Text.from_markup(message, overflow="fold")
    stderr.print(Panel(text, title=title, border_style="red", expand=False))
    return typer.Exit(code)


def open_engine(data: Path, memory_limit: str | None = None, threads: int | None = None):
    from queries.engine import DataError, Engine, Settings

    try:
        return Engine(Settings(data, memory_limit=memory_limit, threads=threads))
    except DataError as exc:
        raise fail(exc.title, exc.message) from None


# -- commands ----------------------------------------------------------------
@cli.callback(invoke_without_command=True)
def dashboard(
    ctx: typer.Context,
    data: DataOption = DEMO_DATA,
    county: CountyOption = None,
    as_of: AsOfOption = None,
    fiscal_year: Annotated[
        int | None, typer.Option("--fiscal-year", help="Ending year: 2025 is FY2024-25.")
    ] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM.")] = None,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Open the dashboard (when no command is given)."""
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
    )
    build_app(settings).run()


@cli.command()
def check(
    data_dir: Annotated[Path, typer.Argument(help="Folder of parquet extracts.")],
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
    blocking = [p for p in problems if p.blocking]
    for problem in problems:
        mark = "[red]✗[/]" if problem.blocking else "[yellow]![/]"
        stdout.print(f"{mark} {problem.describe()}", highlight=False)
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
    fiscal_year: Annotated[
        int | None, typer.Option("--fiscal-year", help="Ending year: 2025 is FY2024-25.")
    ] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM.")] = None,
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
    """Print a report: users, invoices, reconciliation, adequacy or exceptions."""
    from queries.engine import DataError
    from queries.reports import REPORTS, Filters, records, run_report

    filters = Filters(
        as_of=parse_day(as_of),
        county=parse_county(county),
        fiscal_year=parse_fiscal_year(fiscal_year),
        month=parse_month(month),
    )
    engine = open_engine(data, memory_limit, threads)
    try:
        frame = run_report(engine, name.value, filters)
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    if public:
        frame = public_release(name.value, frame)
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


def public_release(name: str, frame):
    """The report with small cells suppressed; refused for reports with no policy."""
    from queries.suppression import POLICIES, suppress

    if name not in POLICIES:
        raise fail("No public form", f"the {name} report has no suppression policy", code=2)
    return suppress(frame, POLICIES[name])


def print_whole(table: Table) -> None:
    """Print a table at its natural width: a money figure is never cut short."""
    natural = Measurement.get(stdout, stdout.options.update_width(10_000), table).maximum
    width = stdout.width
    stdout.width = max(width, natural)  # print() alone clamps to the terminal
    try:
        stdout.print(table, crop=False)
    finally:
        stdout.width = width


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

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
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
        str | None, typer.Option("--month", help="Month to close, YYYY-MM (default: last month).")
    ] = None,
    as_of: AsOfOption = None,
    show: Annotated[
        str | None,
        typer.Option("--show", help="List the rows behind one check, e.g. missing_rate."),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Month-end close checklist and verdict; exits 1 while the month is not ready."""
    from queries.close import check_names, checklist, month_to_close
    from queries.engine import DataError
    from queries.privacy import mask_frame

    if show is not None and show not in check_names():
        raise fail("Unknown check", f"{show!r} is not a check with rows; choose one of "
                   + ", ".join(check_names()), code=2)  # fmt: skip
    engine = open_engine(data, memory_limit, threads)
    as_of_day = parse_day(as_of) or engine.default_as_of()
    close_month = parse_month(month) or month_to_close(as_of_day)
    try:
        if show:
            lines = engine.run("exception_lines", as_of=as_of_day, month=close_month, check=show)
            if reveal_phi:
                scope = f"data={engine.data_dir} check={show} as_of={as_of_day}"
                audit_reveal("close --show --reveal-phi", scope, audit_log)
            else:
                lines = mask_frame(lines)
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


@cli.command()
def sql(
    query: Annotated[str, typer.Argument(help="One SELECT over the extracts and derived views.")],
    data: DataOption = DEMO_DATA,
    as_of: AsOfOption = None,
    output_format: Annotated[SqlFormat, typer.Option("--format", "-f")] = SqlFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows shown by --format table.")] = 100,
    reveal_phi: RevealOption = False,
    audit_log: AuditLogOption = None,
    memory_limit: MemoryOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Ask an ad-hoc question in SQL (read-only; member IDs masked).

    Tables: the contract's extracts. Derived views (table macros taking the
    as-of date): services($as_of), cost_lines($as_of), county_month_users($as_of),
    invoice_drift($as_of), reconciliation_rows($as_of)... $as_of is bound to
    --as-of (default: the latest paid date).
    """
    from queries.adhoc import run_adhoc
    from queries.engine import DataError
    from queries.privacy import mask_frame
    from queries.reports import records

    engine = open_engine(data, memory_limit, threads)
    if output is not None and output.resolve().is_relative_to(engine.data_dir):
        raise fail("Refused", "the extracts folder is never written to; choose another path")
    if output_format is SqlFormat.parquet and output is None:
        raise fail("Parquet needs a file", "add --output FILE.parquet", code=2)
    try:
        params = {"as_of": parse_day(as_of) or engine.default_as_of()}
        frame = run_adhoc(engine, query, params)
    except DataError as exc:
        raise fail(exc.title, exc.message) from None
    if reveal_phi:
        audit_reveal("sql --reveal-phi", f"data={engine.data_dir} query={query}", audit_log)
    else:
        frame = mask_frame(frame)
    if output_format is SqlFormat.parquet:
        frame.write_parquet(output)
        stderr.print(f"Wrote {frame.height:,} rows to {output}")
        return
    with open(output, "w", newline="") if output else nullcontext(sys.stdout) as out:
        if output_format is SqlFormat.json:
            out.write(json.dumps(records(frame), indent=2) + "\n")
        elif output_format is SqlFormat.csv:
            writer = csv.DictWriter(out, fieldnames=frame.columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records(frame))
        else:
            print_whole(rich_table("Ad-hoc query", frame.head(limit)))
            stdout.print(f"{min(limit, frame.height):,} of {frame.height:,} rows")
    if output:
        stderr.print(f"Wrote {frame.height:,} rows to {output}")


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


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
