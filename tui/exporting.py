"""Writing a table to CSV, Parquet or Excel, for any pane and the console.

No Textual here: the dialog asks, a worker calls `write_export`, the one
writer behind both `e` and `E`. Member columns (by name and by the pane's
column kind) are masked in every file, whatever the values look like, unless
the user, with IDs revealed on screen, confirmed the export of the IDs
themselves and its audit record was written first. A public export has
small cells suppressed, decided on the whole report. Files never go inside
the extracts folder; by default they go to $XDG_DATA_HOME/wrp-tui/exports.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from queries.privacy import is_member_column, mask_member_id

if TYPE_CHECKING:
    from tui.presenting import Figures

FORMATS = {"csv": "CSV", "parquet": "Parquet", "xlsx": "Excel (xlsx)"}
MONEY_FORMAT = "#,##0.00"
EXCEL_DIGITS = 15  # an Excel number is a double: 15 significant digits are exact


class ExportRefused(Exception):
    """The export cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str  # a key of FORMATS
    public: bool = False
    reveal: bool = False  # member IDs written in full (confirmed and audited)


@dataclass(frozen=True)
class ExportTable:
    """What a table exports: its rows (member IDs not yet masked), which
    columns are months (CSV writes them YYYY-MM), which hold member IDs, and
    how to compute its public form."""

    frame: pl.DataFrame
    month_columns: frozenset[str] = frozenset()
    member_columns: frozenset[str] = frozenset()
    report: str | None = None  # the report (queries.reports.REPORTS) the table is
    public_rows: Callable[[], pl.DataFrame] | None = None  # run_public_report of its filters
    pseudonymous: bool = False  # the console's rows: member columns hold pseudonyms

    @property
    def members(self) -> frozenset[str]:
        """The columns masked in a file: the pane's member columns and any
        column named like one (an ad-hoc alias is not trusted to be harmless)."""
        if self.pseudonymous:
            return frozenset()
        return self.member_columns | {n for n in self.frame.columns if is_member_column(n)}


def figures_table(figures: Figures, asked: tuple[str, dict] | None = None,
                  engine=None) -> ExportTable:  # fmt: skip
    """A pane's table as shown (sorted and filtered), its columns in screen
    order; `asked` is the question and parameters that made it (a report's,
    if it is one: its public form is then the public report of the same filters)."""
    from functools import partial

    from queries.reports import REPORTS, Filters, run_public_report

    names = [c.name for c in figures.columns]
    question, params = asked or (None, {})
    report = next((r.name for r in REPORTS.values() if r.question == question), None)
    public_rows = None
    if report is not None and engine is not None:
        chosen = {k: params.get(k) for k in ("as_of", "county", "fiscal_year", "month")}
        public_rows = partial(run_public_report, engine, report, Filters(**chosen))
    return ExportTable(
        figures.raw.select(names),
        frozenset(c.name for c in figures.columns if c.kind == "month"),
        frozenset(c.name for c in figures.columns if c.kind == "member"),
        report,
        public_rows,
    )


def default_export_dir() -> Path:
    """$XDG_DATA_HOME/wrp-tui/exports (~/.local/share/wrp-tui/exports): the
    user's own folder, never the extracts folder nor wherever wrp-tui started."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "wrp-tui" / "exports"


def default_path(folder: Path, stem: str, fmt: str) -> Path:
    """A file name in `folder` no export has taken yet (two exports within
    one second get `-2`, `-3`…: a default never replaces an earlier file)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80]
    path, n = folder / f"{safe}.{fmt}", 1
    while path.exists():
        n += 1
        path = folder / f"{safe}-{n}.{fmt}"
    return path


def with_format(path: Path, fmt: str) -> Path:
    """`path` with the extension of `fmt` (when it had one of ours or none)."""
    if path.suffix.lower().lstrip(".") in (*FORMATS, "") and path.name:
        return path.with_suffix(f".{fmt}")
    return path


def path_problem(path: Path, extracts: Path | None) -> str | None:
    """Why `path` cannot be written to, or None."""
    if not path.name or path.is_dir():
        return f"{path} is a folder; give a file name"
    if extracts is not None and path.expanduser().resolve().is_relative_to(extracts.resolve()):
        return "the extracts folder is never written to; choose another path"
    return None


def masked(table: ExportTable) -> pl.DataFrame:
    """Member columns masked whatever their values look like."""
    return table.frame.with_columns(
        pl.col(name).cast(pl.String).map_elements(mask_member_id, return_dtype=pl.String)
        for name in sorted(table.members)
    )


def suppressed(table: ExportTable) -> pl.DataFrame:
    """The report's public form for the pane's filters (CalHHS guidelines):
    the report's fields and `suppressed`, suppression decided on the whole
    report, whatever the screen filters or sorts."""
    from queries.reports import REPORTS
    from queries.suppression import POLICIES

    if table.public_rows is None or (table.report or "") not in POLICIES:
        raise ExportRefused(
            "only a report's table (the top level of panes 2-5) has a small-cell rule; "
            "export this one for internal use"
        )
    return table.public_rows().select(*REPORTS[table.report].fields, "suppressed")


def write_export(table: ExportTable, request: ExportRequest, extracts: Path | None = None) -> int:
    """Write the table; the number of rows written. OSError if the file
    cannot be written, ExportRefused if it may not be. `request.reveal` writes
    member IDs in full: the caller has confirmed it and written its audit record."""
    path = request.path.expanduser()
    if problem := path_problem(path, extracts):
        raise ExportRefused(problem)
    if request.public:
        table = ExportTable(suppressed(table))  # months are named "month" in reports
    from queries.results import replaced_on_success

    if request.fmt not in FORMATS:
        raise ExportRefused(f"unknown format {request.fmt!r}")
    frame = exportable(table.frame if request.reveal else masked(table), request.fmt)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written aside and renamed when complete: a failure leaves no broken file.
    with replaced_on_success(path) as partial:
        if request.fmt == "csv":
            write_csv(frame, partial, table.month_columns)
        elif request.fmt == "parquet":
            frame.write_parquet(partial)
        else:
            write_xlsx(frame, partial)
    return frame.height


def exportable(frame: pl.DataFrame, fmt: str) -> pl.DataFrame:
    """The frame with every column in a type the format holds exactly: dates
    Python cannot hold as text everywhere; for Excel (numbers are doubles,
    cells are scalars) lists, structs, bytes, durations, decimals of more
    than 15 digits and integers beyond 2^53 as text. Refused: Python objects."""
    from queries.results import csv_value, safe_dates

    frame = safe_dates(frame)
    if objects := [n for n, t in frame.schema.items() if t == pl.Object]:
        raise ExportRefused(f"columns {', '.join(objects)} hold values no file format can hold")
    if fmt != "xlsx":
        return frame
    as_text = [name for name, dtype in frame.schema.items() if not _excel_holds(frame[name], dtype)]

    def text(name: str, value) -> str | None:
        return None if value is None else str(csv_value(name, value))

    return frame.with_columns(
        pl.Series(name, [text(name, v) for v in frame[name].to_list()], pl.String)
        for name in as_text
    )


def _excel_holds(column: pl.Series, dtype: pl.DataType) -> bool:
    if isinstance(dtype, pl.List | pl.Array | pl.Struct) or dtype in (pl.Binary, pl.Duration):
        return False
    if isinstance(dtype, pl.Decimal) and (dtype.precision or 38) > EXCEL_DIGITS:
        return all(len(v.as_tuple().digits) <= EXCEL_DIGITS for v in column.drop_nulls())
    if dtype.is_integer() and column.drop_nulls().len():
        return max(abs(int(column.min())), abs(int(column.max()))) <= 2**53
    return True


def write_csv(frame: pl.DataFrame, path: Path, month_columns: frozenset[str]) -> None:
    """The report JSON conventions: money "1234.50", months "YYYY-MM", dates ISO;
    other decimals exact, bytes as \\x.. text, lists and structs as JSON."""
    from queries.reports import json_value
    from queries.results import csv_value

    names = frame.columns
    keys = ["month" if n in month_columns else n for n in names]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for row in frame.iter_rows():
            exact = (Decimal, bytes, list, dict)
            values = (
                csv_value(k, v) if isinstance(v, exact) else json_value(k, v)
                for k, v in zip(keys, row, strict=True)
            )
            writer.writerow("" if v is None else v for v in values)


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """One sheet; money (DECIMAL scale 2) as numbers shown with two decimals.
    Text is never taken for a formula or a link."""
    from xlsxwriter import Workbook

    money = {n: MONEY_FORMAT for n, t in frame.schema.items()
             if isinstance(t, pl.Decimal) and t.scale == 2}  # fmt: skip
    dates = {n: "yyyy-mm-dd" for n, t in frame.schema.items() if t == pl.Date}
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}  # fmt: skip
    with Workbook(str(path), options) as workbook:
        frame.write_excel(workbook, worksheet="wrp", column_formats=money | dates or None,
                          autofit=True)  # fmt: skip


def export_stem(*parts: str) -> str:
    """`<parts>-<YYYYmmdd-HHMMSS>`, e.g. `invoices-2025-06-20261201-070612`:
    short, and a new name for every export."""
    return "-".join([*(p for p in parts if p), datetime.now().strftime("%Y%m%d-%H%M%S")])
