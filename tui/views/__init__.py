"""What each pane shows at each drilldown level, and how to get it.

The thin layer between the panes and `queries/`: plain functions run in the
panes' worker threads (engine, context) -> LevelResult. Nothing here imports
Textual; rich `Text` is used only to describe extra lines under a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from tui.context import Context
from tui.styles import ALERT_STYLE

if TYPE_CHECKING:
    import polars as pl

    from queries.engine import Engine
    from tui.charts import Chart
    from tui.presenting import Figures
    from tui.views.console import QuerySource


@dataclass(frozen=True)
class LevelResult:
    """A level's table and the lines shown under it (charts, totals, lists).
    `summary` are the totals of the rows shown: they follow the filter."""

    figures: Figures
    notes: tuple[Text, ...] = field(default_factory=tuple)
    summary: tuple[Text, ...] = field(default_factory=tuple)
    chart: Chart | None = None  # what `g` draws instead of the table

    @property
    def lines(self) -> tuple[Text, ...]:
        return (*self.summary, *self.notes)


Loader = Callable[["Engine", Context, bool], LevelResult]  # (engine, context, mask IDs)
Drill = Callable[["Figures", int, int, Context], "Level | str | None"]
Totals = Callable[["pl.DataFrame"], "tuple[Text, ...]"]  # the rows shown -> their totals


@dataclass(frozen=True)
class Level:
    """One step of a pane's drilldown: its breadcrumb, how to load it, and
    where Enter leads from a cell (a Level, or a str saying why not)."""

    crumb: str
    load: Loader
    drill: Drill | None = None
    enter_hint: str = ""
    fixed_columns: int = 1
    query: QuerySource | None = None  # the question behind the table, for `q` (drill to SQL)
    totals: Totals | None = None  # lines totalling the rows shown (after the filter)
    start_column: str | None = None  # the column the cursor starts on (the context month)
    revealed_crumb: str | None = None  # the crumb while member IDs are revealed

    def crumb_for(self, mask: bool) -> str:
        return self.crumb if mask or self.revealed_crumb is None else self.revealed_crumb

    def run(self, engine: Engine, ctx: Context, mask: bool,
            priority: tuple[str, ...] = ()) -> LevelResult:  # fmt: skip
        """Load the level in a worker: figures (the `priority` columns first,
        after the pinned ones), their totals, the grid's layout."""
        result = self.load(engine, ctx, mask)
        if priority:
            from tui.presenting import refigure

            columns = result.figures.columns
            pinned, rest = columns[: self.fixed_columns], columns[self.fixed_columns :]
            first = [c for name in priority for c in rest if c.name == name]
            ordered = (*pinned, *first, *(c for c in rest if c not in first))
            result = replace(result, figures=refigure(result.figures, columns=ordered))
        return self.summarized(result)

    def summarized(self, result: LevelResult, figures: Figures | None = None) -> LevelResult:
        """`result` with `figures` (another sort or filter) and their totals."""
        figures = figures or result.figures
        summary = self.totals(figures.raw) if self.totals is not None else ()
        figures.grid_data  # noqa: B018 (laid out here, off the UI thread)
        return replace(result, figures=figures, summary=tuple(summary))


def percent_of(part: Decimal | int, whole: Decimal | int) -> float | None:
    """part / whole x 100 rounded half-up to 2 places, like the SQL `pct` macro."""
    if not whole:
        return None
    ratio = Decimal(part) * 100 / Decimal(whole)
    return float(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def key_value(label: str, value: str, style: str = "bold") -> Text:
    return Text.assemble((f"{label} ", "dim"), (value, style))


def line(*parts: Text | str, separator: str = "  ") -> Text:
    out = Text()
    for i, part in enumerate(parts):
        if i:
            out.append(separator)
        out.append(part if isinstance(part, Text) else Text(part))
    return out


def negative_style(value: Decimal | float | int | None) -> str:
    return ALERT_STYLE if value is not None and value < 0 else "bold"
