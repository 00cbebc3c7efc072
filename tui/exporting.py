"""Writing a table to CSV, Parquet or Excel, for any pane and the console.

No Textual here: the dialog asks, a worker calls `write_export`. Every file
is masked (a file leaves the screen, so member IDs are masked even while the
screen reveals them), and a public export has small cells suppressed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from queries.privacy import mask_frame, mask_member_id

if TYPE_CHECKING:
    from tui.presenting import Figures

FORMATS = {"csv": "CSV", "parquet": "Parquet", "xlsx": "Excel (xlsx)"}
MONEY_FORMAT = "#,##0.00"


class ExportRefused(Exception):
    """The export cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str  # a key of FORMATS
    public: bool = False


@dataclass(frozen=True)
class ExportTable:
    """What a table exports: its rows (member IDs not yet masked), which
    columns are months (CSV writes them YYYY-MM), and its suppression rule."""

    frame: pl.DataFrame
    month_columns: frozenset[str] = frozenset()
    member_columns: frozenset[str] = frozenset()
    report: str | None = None  # the report (queries.reports.REPORTS) the table is
    source: pl.DataFrame | None = None  # the report's whole frame, for a public export


def figures_table(figures: Figures, question: str | None = None) -> ExportTable:
    """A pane's table as shown (sorted and filtered), its columns in screen
    order; `question` is the query that made it (the report, if it is one)."""
    from queries.reports import REPORTS

    names = [c.name for c in figures.columns]
    report = next((r.name for r in REPORTS.values() if r.question == question), None)
    return ExportTable(
        figures.raw.select(names),
        frozenset(c.name for c in figures.columns if c.kind == "month"),
        frozenset(c.name for c in figures.columns if c.kind == "member"),
        report,
        figures.source,
    )


def default_path(folder: Path, stem: str, fmt: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80]
    return folder / f"{safe}.{fmt}"


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
    """Member ID columns masked whatever their shape, and every CIN in text."""
    frame = table.frame
    if table.member_columns:
        frame = frame.with_columns(
            pl.col(name).map_elements(mask_member_id, return_dtype=pl.String)
            for name in table.member_columns
        )
    return mask_frame(frame)


def suppressed(table: ExportTable) -> pl.DataFrame:
    """The whole report with small cells suppressed (CalHHS guidelines): the
    report's fields and `suppressed`, whatever the screen filters or sorts,
    since complementary suppression needs every row of a line."""
    from queries.reports import REPORTS
    from queries.suppression import POLICIES, suppress

    policy = POLICIES.get(table.report or "")
    source = table.source
    if (
        policy is None
        or source is None
        or not set(REPORTS[table.report].fields) <= set(source.columns)
    ):
        raise ExportRefused(
            "only a report's table (the top level of panes 2-5) has a small-cell rule; "
            "export this one for internal use"
        )
    return suppress(source, policy).select(*REPORTS[table.report].fields, "suppressed")


def write_export(table: ExportTable, request: ExportRequest) -> int:
    """Write the table; the number of rows written. OSError if the file
    cannot be written, ExportRefused if it may not be."""
    if request.public:
        table = ExportTable(suppressed(table))  # months are named "month" in reports
    frame = masked(table)
    path = request.path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if request.fmt == "csv":
        write_csv(frame, path, table.month_columns)
    elif request.fmt == "parquet":
        frame.write_parquet(path)
    elif request.fmt == "xlsx":
        write_xlsx(frame, path)
    else:
        raise ExportRefused(f"unknown format {request.fmt!r}")
    return frame.height


def write_csv(frame: pl.DataFrame, path: Path, month_columns: frozenset[str]) -> None:
    """The report JSON conventions: money "1234.50", months "YYYY-MM", dates ISO."""
    from queries.reports import json_value

    names = frame.columns
    keys = ["month" if n in month_columns else n for n in names]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for row in frame.iter_rows():
            values = (json_value(k, v) for k, v in zip(keys, row, strict=True))
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
