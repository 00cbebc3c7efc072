"""The calendar rules, once: the fiscal year and month arithmetic.

A fiscal year runs from July 1 to June 30 and is named by the year it ends
(2025 is FY2024-25; contract, "Fiscal year"). The SQL rules use the same
rule through the macros of CALENDAR_SQL, which is written here from the same
constant and defined before queries/views/ (queries.engine.rules_sql), so
Python and SQL cannot disagree on where a year starts.
"""

from __future__ import annotations

from datetime import date, timedelta

FISCAL_YEAR_START_MONTH = 7  # July; the year is named by the calendar year it ends in


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (before, when negative) day's."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start's month to end's (negative when end is earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


def fiscal_year_of(day: date) -> int:
    return day.year + (1 if day.month >= FISCAL_YEAR_START_MONTH else 0)


def fiscal_year_start(year: int) -> date:
    """The first day of fiscal year `year` (July 1 of the year before)."""
    return date(year - 1, FISCAL_YEAR_START_MONTH, 1)


def fiscal_year_end(year: int) -> date:
    """The last day of fiscal year `year` (June 30)."""
    return date(year, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1)


def fiscal_year_months(year: int) -> list[date]:
    """The first days of the twelve months of fiscal year `year`, in order."""
    return [add_months(fiscal_year_start(year), i) for i in range(12)]


def month_in_fiscal_year(month: date, year: int) -> date:
    """The same calendar month as `month`, in fiscal year `year`."""
    return add_months(fiscal_year_start(year), (month.month - FISCAL_YEAR_START_MONTH) % 12)


def fiscal_year_name(year: int) -> str:
    """2025 -> FY2024-25."""
    return f"FY{year - 1}-{year % 100:02d}"


def fiscal_years_touching(first: date, last: date) -> range:
    """The fiscal years with at least one day from first to last."""
    return range(fiscal_year_of(first), fiscal_year_of(last) + 1)


# The same rules for the SQL (run before queries/views/*.sql, and part of the
# cache version with them).
CALENDAR_SQL = f"""-- queries/calendar.py: fiscal years start in month {FISCAL_YEAR_START_MONTH}.
CREATE OR REPLACE MACRO fiscal_year_of(d) AS
    CAST(year(d) + CASE WHEN month(d) >= {FISCAL_YEAR_START_MONTH} THEN 1 ELSE 0 END AS INTEGER);
CREATE OR REPLACE MACRO fiscal_year_start(fy) AS
    make_date(CAST(fy AS INTEGER) - 1, {FISCAL_YEAR_START_MONTH}, 1);
CREATE OR REPLACE MACRO fiscal_year_end(fy) AS
    CAST(make_date(CAST(fy AS INTEGER), {FISCAL_YEAR_START_MONTH}, 1) - 1 AS DATE);
CREATE OR REPLACE MACRO fiscal_year_name(fy) AS
    'FY' || (fy - 1) || '-' || lpad(CAST(fy % 100 AS VARCHAR), 2, '0');
"""
