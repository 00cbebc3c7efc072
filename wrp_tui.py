"""wrp-tui: the command line. `wrp-tui` alone opens the dashboard."""

from __future__ import annotations

import csv
import json
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


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


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


def fail(title: str, message: str, code: int = 1) -> typer.Exit:
    stderr.print(Panel(message, title=title, border_style="red", expand=False))
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
        memory_limit=memory_limit,
        threads=threads,
    )
    build_app(settings).run()


@cli.command()
def check(
    data_dir: Annotated[Path, typer.Argument(help="Folder of parquet extracts.")],
) -> None:
    """Check extracts against the contract: tables, columns, types, readability."""
    from queries.engine import Engine, Settings
    from queries.extracts import scan_problems

    if not data_dir.is_dir():
        raise fail("No extracts", f"{data_dir} is not a folder")
    engine = Engine(Settings(data_dir))
    problems = list(engine.problems)
    for table in engine.usable_tables:
        problems.extend(scan_problems(engine.connection, engine.sources[table]))
    blocking = [p for p in problems if p.blocking]
    for problem in problems:
        mark = "[red]✗[/]" if problem.blocking else "[yellow]![/]"
        stdout.print(f"{mark} {problem.describe()}", highlight=False)
    if blocking:
        stdout.print(f"{len(blocking)} problem(s): {data_dir} breaks the extract contract.")
        raise typer.Exit(1)
    stdout.print(
        f"[green]✓[/] {data_dir}: all {len(engine.usable_tables)} tables follow the contract."
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
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(records(frame), indent=2) + "\n")
    elif output_format is OutputFormat.csv:
        rows = records(frame)
        writer = csv.DictWriter(sys.stdout, fieldnames=frame.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        shown = REPORTS[name.value].fields
        print_whole(rich_table(REPORTS[name.value].title, frame.select(shown)))


def print_whole(table: Table) -> None:
    """Print a table at its natural width: a money figure is never cut short."""
    natural = Measurement.get(stdout, stdout.options.update_width(10_000), table).maximum
    width = stdout.width
    stdout.width = max(width, natural)  # print() alone clamps to the terminal
    try:
        stdout.print(table, crop=False)
    finally:
        stdout.width = width


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
