"""Query results as the dashboard's tables show them.

Pure Python and polars, no Textual: runs in the workers, so formatting
thousands of cells never blocks the screen. Every figure is formatted with
queries/display.py, the same functions as the CLI's tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import polars as pl
from rich.cells import cell_len
from rich.markup import escape

from queries import display
from queries.privacy import mask_member_id
from tui.styles import ALERT_STYLE, NEGATIVE_STYLE  # noqa: F401  (re-exported)

MAX_ROWS = 20_000  # rows formatted for the screen; export writes them all


def _yes_no(value: Any) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def _day(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": _text,
    "county": display.county_label,
    "month": display.month_label,
    "date": _day,
    "fiscal_year": display.fiscal_year_label,
    "count": display.count,
    "signed_count": display.signed_count,
    "money": display.money,
    "signed_money": display.signed_money,
    "percent": display.percent,
    "signed_percent": display.signed_percent,
    "miles": display.miles,
    "days": display.days,
    "yes_no": _yes_no,
    "member": mask_member_id,
    "bars": _text,  # pre-drawn unicode bars
}
NUMERIC = {"count", "signed_count", "money", "signed_money", "percent", "signed_percent", "miles",
           "days"}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column of a pane table: which frame column, its header, its kind."""

    name: str
    label: str
    kind: str = "text"
    # The style of a cell, from its whole row (e.g. a failing check in red);
    # None leaves the cell as it is.
    style: Callable[[dict[str, Any]], str | None] | None = None
    # Words shown instead of the figure, from the whole row (a month not yet
    # invoiced reads "to invoice" where its drift would be); None keeps it.
    words: Callable[[dict[str, Any]], str | None] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True)
class Figures:
    """A table ready for the screen.

    `raw` keeps the query's values (all rows, every column: drilldowns read
    their keys from it, export writes it); `shown` holds the formatted cells of
    the first MAX_ROWS rows, numbers padded so they line up on the right.
    """

    source: pl.DataFrame  # as the query returned it
    raw: pl.DataFrame  # sorted and filtered as shown
    columns: tuple[Column, ...]
    shown: pl.DataFrame
    labels: tuple[str, ...]
    mask_members: bool = True
    sort: tuple[str, bool] | None = None  # (column name, descending)
    filter_text: str = ""
    total_rows: int = 0  # rows before the filter

    @property
    def row_count(self) -> int:
        return self.raw.height

    @cached_property
    def grid_data(self) -> Any:
        """The grid's backend over `shown`, its column widths measured: a pass
        over every cell, made in the worker that built the figures rather than
        on the UI thread when the grid first draws."""
        from textual_fastdatatable.backend import create_backend

        backend = create_backend(self.shown, has_header=False)
        backend.render_markup = True  # cells are escaped rich markup, as the grid reads them
        backend.column_content_widths  # noqa: B018 (measured now, remembered by the backend)
        return backend

    def row(self, index: int) -> dict[str, Any]:
        return self.raw.row(index, named=True)

    def cell_text(self, row: int, column: int) -> str:
        """A cell as the user reads it, without padding or markup."""
        spec = self.columns[column]
        if spec.words is not None and (words := spec.words(self.row(row))) is not None:
            return words
        return self.format_value(spec, self.raw[spec.name][row])

    def format_value(self, spec: Column, value: Any) -> str:
        if spec.kind == "member" and not self.mask_members:
            return _text(value)
        return FORMATS[spec.kind](value)


def present(
    frame: pl.DataFrame,
    columns: Sequence[Column],
    *,
    mask_members: bool = True,
    sort: tuple[str, bool] | None = None,
    filter_text: str = "",
) -> Figures:
    """Format `frame` for a pane table, sorted and filtered as asked."""
    columns = tuple(c for c in columns if c.name in frame.columns)
    source, total = frame, frame.height
    if sort is not None and sort[0] in frame.columns:
        frame = sorted_frame(frame, sort[0], sort[1])
    figures = Figures(source, frame, columns, pl.DataFrame(), (), mask_members, sort, filter_text,
                      total)  # fmt: skip
    cells = {c.name: [figures.format_value(c, v) for v in frame[c.name]] for c in columns}
    for c in columns:
        if c.words is not None:
            cells[c.name] = [w if (w := c.words(r)) is not None else t
                             for t, r in zip(cells[c.name], frame.iter_rows(named=True),
                                             strict=True)]  # fmt: skip
    if filter_text:
        needle = filter_text.casefold()
        keep = [
            any(needle in cells[c.name][i].casefold() for c in columns) for i in range(frame.height)
        ]
        frame = frame.filter(pl.Series(keep, dtype=pl.Boolean))
        cells = {name: [v for v, k in zip(values, keep, strict=True) if k]
                 for name, values in cells.items()}  # fmt: skip
    shown: dict[str, list[str]] = {}
    labels: list[str] = []
    for c in columns:
        texts = cells[c.name][:MAX_ROWS]
        label = c.label + _sort_mark(c, sort)
        if c.numeric:
            # fastdatatable left-aligns text; padding to one width right-aligns
            width = max([cell_len(label), *map(cell_len, texts)])
            label = " " * (width - cell_len(label)) + label
            texts = [_right(t, width) for t in texts]
        elif c.kind == "bars":
            texts = [f"[{NEGATIVE_STYLE}]{t}[/]" if t.startswith("-") else t for t in texts]
        else:
            texts = [escape(t) for t in texts]
        if c.style is not None:
            records = frame.head(MAX_ROWS).iter_rows(named=True)
            texts = [f"[{s}]{t}[/]" if (s := c.style(r)) else t
                     for t, r in zip(texts, records, strict=True)]  # fmt: skip
        shown[f"c{len(shown)}"] = texts
        labels.append(escape(label))
    shown_frame = pl.DataFrame(shown, schema={k: pl.String for k in shown})
    return Figures(source, frame, columns, shown_frame, tuple(labels), mask_members, sort,
                   filter_text, total)  # fmt: skip


_RUNS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple:
    """`C01/10` after `C01/2`: digit runs compare as numbers, the rest as text."""
    if text is None:
        return ()
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in _RUNS.split(text) if part)  # fmt: skip


def sorted_frame(frame: pl.DataFrame, column: str, descending: bool) -> pl.DataFrame:
    """Rows by `column`, nulls last; text in natural order (claim/line references)."""
    if frame.schema[column] != pl.String:
        return frame.sort(column, descending=descending, nulls_last=True, maintain_order=True)
    values = frame[column].to_list()
    present_rows = sorted((i for i, v in enumerate(values) if v is not None),
                          key=lambda i: natural_key(values[i]), reverse=descending)  # fmt: skip
    order = present_rows + [i for i, v in enumerate(values) if v is None]
    return frame[order] if order else frame


def refigure(figures: Figures, **changes: Any) -> Figures:
    """The same query result with another sort, filter or masking."""
    columns = changes.pop("columns", figures.columns)  # another order of the same columns
    options = {"mask_members": figures.mask_members, "sort": figures.sort,
               "filter_text": figures.filter_text} | changes  # fmt: skip
    return present(figures.source, columns, **options)


def _sort_mark(column: Column, sort: tuple[str, bool] | None) -> str:
    if sort is None or sort[0] != column.name:
        return ""
    return " ▼" if sort[1] else " ▲"


def _right(text: str, width: int) -> str:
    padding = " " * (width - cell_len(text))
    if text.startswith("-"):
        return f"{padding}[{NEGATIVE_STYLE}]{text}[/]"
    return padding + text


BLOCKS = " ▁▂▃▄▅▆▇█"


def spark(values: Sequence[float | None]) -> str:
    """One line of bars, the lowest value one eighth high (▁) and the highest
    full (█); gaps for missing values."""
    present_values = [v for v in values if v is not None]
    if not present_values:
        return ""
    low, high = min(present_values), max(present_values)
    span = high - low
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif span == 0:
            out.append(BLOCKS[4] if high else BLOCKS[1])
        else:
            out.append(BLOCKS[1 + round((v - low) / span * 7)])
    return "".join(out)


def signed_bars(values: Sequence[float]) -> tuple[str, str]:
    """Two lines for values either side of zero: bars rise from the middle for
    positive values (top line) and hang from it for negative ones (bottom)."""
    scale = max((abs(v) for v in values), default=0) or 1
    top, bottom = [], []
    for v in values:
        eighths = round(abs(v) / scale * 8)
        if v > 0:
            top.append(BLOCKS[max(eighths, 1)])
            bottom.append(" ")
        elif v < 0:
            top.append(" ")
            bottom.append("█" if eighths >= 8 else "▀" if eighths >= 4 else "▔")
        else:
            top.append("▁")
            bottom.append(" ")
    return "".join(top), "".join(bottom)
