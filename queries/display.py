"""How figures read on screen (CLI tables and dashboard panes alike)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from queries.calendar import fiscal_year_name
from queries.reference import COUNTY_NAMES


def money(value: Decimal | None) -> str:
    """`$12,345.67`, `-$1,200.00`; blank for missing."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}%"


def month_label(value: date | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m")


def fiscal_year_label(year: int | None) -> str:
    """2025 -> FY2024-25."""
    return "—" if year is None else fiscal_year_name(year)


def county_label(code: str | None) -> str:
    if code is None:
        return "—"
    name = COUNTY_NAMES.get(code)
    return f"{code} {name}" if name else code


def cell(column: str, value: Any) -> str:
    """A value as text for a table cell, chosen by its type and column name."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        # Money has two places; other decimals (projected user-months) are plain.
        return money(value) if value.as_tuple().exponent == -2 else f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return fiscal_year_label(value) if column == "fiscal_year" else count(value)
    if isinstance(value, float):
        return (
            percent(value)
            if column.startswith("pct") or column.endswith("_pct")
            else f"{value:,.2f}"
        )
    if isinstance(value, date):
        is_month = column in ("month", "service_month", "invoiced_through")
        return month_label(value) if is_month else value.isoformat()
    if column == "county_code":
        return county_label(value)
    return str(value)


def signed_money(value: Decimal | None) -> str:
    """Money whose sign matters (variance, drift): `+$1,200.00`, `-$35.10`, `$0.00`."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + money(value)


def signed_count(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:+,}" if value else "0"


def signed_percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+,.2f}%" if value else "0.00%"


def miles(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} mi"


def days(value: float | int | None) -> str:
    """A number of days, to the report's 1 decimal: `9.5 d`."""
    return "—" if value is None else f"{value:,.1f} d"
