"""Charts of a pane's table (`g`): what to draw, built in the pane's worker
from the figures the table shows. No Textual here; tui/widgets/chart.py draws.

Readable without colour (NO_COLOR): each series has its own marker — a
digit per county line, full and shaded blocks for billed and paid — and the
legend names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from queries import display

BILLED_MARKER, PAID_MARKER, VARIANCE_MARKER = "█", "▒", "█"


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # None: no figure yet (the line stops)
    marker: str


@dataclass(frozen=True)
class Chart:
    title: str
    kind: str  # "lines" or "bars"
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    money: bool = False  # the y axis in dollars
    legend: bool = True  # plotext's legend box; lines name their markers in the title

    def y_ticks(self, count: int = 5) -> tuple[list[float], list[str]]:
        """A few round ticks over the values, labelled `$12k`, `-$3k`, `40`."""
        values = [v for s in self.series for v in s.values if v is not None] or [0.0]
        low, high = min(0.0, *values), max(0.0, *values)
        if high == low:
            high = low + 1
        if low < 0 < high:  # zero is a tick: bars rise and hang from a labelled line
            ticks = [low, low / 2, 0.0, high / 2, high]
        else:
            step = (high - low) / (count - 1)
            ticks = [low + i * step for i in range(count)]
        return ticks, [short_number(t, self.money) for t in ticks]


def short_number(value: float, money: bool) -> str:
    """`$12.3k`, `-$950`, `1.2M`: axis labels that fit a narrow margin."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1_000_000:
        text = f"{size / 1_000_000:.1f}M"
    elif size >= 10_000:
        text = f"{size / 1_000:.0f}k"
    elif size >= 1_000:
        text = f"{size / 1_000:.1f}k"
    else:
        text = f"{size:.0f}"
    return f"{sign}{'$' if money else ''}{text}"


def as_float(value: Decimal | int | None) -> float | None:
    """A figure as a bar or line height. Drawing only: the table, totals and
    exports keep the exact DECIMAL."""
    return None if value is None else float(value)


def short_county(code: str) -> str:
    """`12 Hum`: a county on a narrow x axis."""
    return display.county_label(code)[:6]


def users_chart(counties: Sequence[tuple[str, Sequence[int | None]]],
                months: Sequence[date], title: str) -> Chart:  # fmt: skip
    """Users per county over the fiscal year's months, a line each, drawn with
    the county's digit; the title says which digit is which (a legend box
    would hide the lines at 80x24)."""
    series = tuple(
        Series(display.county_label(code), tuple(as_float(v) for v in values), str(i % 9 + 1))
        for i, (code, values) in enumerate(counties)
    )  # fmt: skip
    key = " ".join(f"{s.marker} {display.county_label(code)[3:6]}"
                   for s, (code, _v) in zip(series, counties, strict=True))  # fmt: skip
    return Chart(f"{title} · {key}", "lines", tuple(m.strftime("%b") for m in months), series,
                 legend=False)  # fmt: skip


def billed_paid_chart(labels: Sequence[str], billed: Sequence[Decimal],
                      paid: Sequence[Decimal], title: str) -> Chart:  # fmt: skip
    # the totals in the legend: an all-zero series draws no marker there
    total_billed = sum(billed, Decimal("0.00"))
    total_paid = sum(paid, Decimal("0.00"))
    return Chart(title, "bars", tuple(labels), (
        Series(f"billed {display.money(total_billed)}", tuple(as_float(v) for v in billed),
               BILLED_MARKER),
        Series(f"paid {display.money(total_paid)}", tuple(as_float(v) for v in paid),
               PAID_MARKER),
    ), money=True)  # fmt: skip


def variance_chart(months: Sequence[date], variance: Sequence[Decimal], title: str) -> Chart:
    return Chart(title, "bars", tuple(m.strftime("%b") for m in months),
                 (Series("variance", tuple(as_float(v) for v in variance), VARIANCE_MARKER),),
                 money=True)  # fmt: skip
