"""The calendar rules (queries/calendar.py) and the SQL macros written from them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb

from queries.calendar import (
    CALENDAR_SQL,
    add_months,
    fiscal_year_end,
    fiscal_year_months,
    fiscal_year_name,
    fiscal_year_of,
    fiscal_year_start,
    month_in_fiscal_year,
    months_between,
)
from queries.engine import QUERY_DIR, _rules_sql


def test_the_fiscal_year_runs_july_to_june_named_by_its_end():
    assert fiscal_year_of(date(2024, 6, 30)) == 2024
    assert fiscal_year_of(date(2024, 7, 1)) == 2025
    assert fiscal_year_of(date(2025, 1, 15)) == 2025
    assert fiscal_year_start(2025) == date(2024, 7, 1)
    assert fiscal_year_end(2025) == date(2025, 6, 30)
    assert fiscal_year_months(2025)[0] == date(2024, 7, 1)
    assert fiscal_year_months(2025)[-1] == date(2025, 6, 1)
    assert len(fiscal_year_months(2025)) == 12
    assert fiscal_year_name(2025) == "FY2024-25"
    assert fiscal_year_name(2100) == "FY2099-00"


def test_month_arithmetic():
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 1)
    assert add_months(date(2024, 1, 31), -1) == date(2023, 12, 1)
    assert add_months(date(2024, 3, 1), -15) == date(2022, 12, 1)
    assert months_between(date(2023, 11, 1), date(2025, 2, 28)) == 15
    # The same calendar month in another fiscal year: March 2025 (FY2025) in FY2024
    # is March 2024; September 2024 (FY2025) in FY2026 is September 2025.
    assert month_in_fiscal_year(date(2025, 3, 1), 2024) == date(2024, 3, 1)
    assert month_in_fiscal_year(date(2024, 9, 1), 2026) == date(2025, 9, 1)
    assert month_in_fiscal_year(date(2024, 7, 1), 2025) == date(2024, 7, 1)


def test_sql_and_python_agree_on_every_day_and_year():
    con = duckdb.connect()
    con.execute(CALENDAR_SQL)
    first, days = date(2018, 1, 1), 366 * 9
    by_day = con.execute(
        "SELECT d, fiscal_year_of(d) FROM (SELECT CAST(range AS DATE) AS d FROM "
        "range(DATE '2018-01-01', DATE '2018-01-01' + to_days(?), INTERVAL 1 DAY)) ORDER BY d",
        [days],
    ).fetchall()
    assert len(by_day) == days
    assert by_day == [(first + timedelta(i), fiscal_year_of(first + timedelta(i)))
                      for i in range(days)]  # fmt: skip
    by_year = con.execute(
        "SELECT fy, fiscal_year_start(fy), fiscal_year_end(fy), fiscal_year_name(fy) "
        "FROM range(1900, 2102) t(fy) ORDER BY fy"
    ).fetchall()
    assert by_year == [(y, fiscal_year_start(y), fiscal_year_end(y), fiscal_year_name(y))
                       for y in range(1900, 2102)]  # fmt: skip


def test_the_engine_defines_the_calendar_once_before_the_views():
    assert _rules_sql()[0] == CALENDAR_SQL
    macro = re.compile(r"MACRO\s+fiscal_year", re.IGNORECASE)
    for path in QUERY_DIR.rglob("*.sql"):
        text = path.read_text()
        assert not macro.search(text), f"{path.name} defines a fiscal-year macro of its own"
        # A fiscal year's bounds come from the macros, not a hand-written July.
        assert not re.search(r"make_date\([^)]*,\s*7\s*,\s*1\)", text), path.name
        assert not re.search(r"month\([^)]*\)\s*>=\s*7", text), path.name
