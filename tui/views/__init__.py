"""What each pane shows at each drilldown level, and how to get it.

The thin layer between the panes and `queries/`: plain functions run in the
panes' worker threads (engine, context) -> LevelResult. Nothing here imports
Textual; rich `Text` is used only to describe extra lines under a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from tui.context import Context
from tui.styles import ALERT_STYLE

if TYPE_CHECKING:
    from queries.engine import Engine
    from tui.presenting import Figures
    from tui.views.console import QuerySource


@dataclass(frozen=True)
class LevelResult:
    """A level's table and the lines shown under it (charts, totals, lists)."""

    figures: Figures
    notes: tuple[Text, ...] = field(default_factory=tuple)


Loader = Callable[["Engine", Context, bool], LevelResult]  # (engine, context, mask IDs)
Drill = Callable[["Figures", int, int, Context], "Level | str | None"]


@dataclass(frozen=True)
class Level:
    """One step of a pane's drilldown: its breadcrumb, how to load it, and
    where Enter leads from a cell (a Level, or a str saying why not)."""

    crumb: str
    load: Loader
    drill: Drill | None = None
    enter_hint: str = ""
    fixed_columns: int = 1
    resets_on: tuple[str, ...] = ("county", "month")  # context changes that pop to the root
    query: QuerySource | None = None  # the question behind the table, for `q` (drill to SQL)


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
