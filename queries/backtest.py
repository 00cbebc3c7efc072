"""Back-test of the year-end projection (`wrp-tui report projection-backtest`).

Every month-end and mid-month (the 15th) of each fiscal year the data has
seen end is replayed as an as-of date: the year's cost and user-months are
projected as known then (queries/projection.py) and compared with the year's
final figures, as known on the latest date of the data (its default as-of).
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from queries.calendar import add_months, fiscal_year_end, fiscal_year_of, fiscal_year_start
from queries.engine import Engine
from queries.projection import projected_months

MID_MONTH = 15
CENT = Decimal("0.01")
SCHEMA = {
    "as_of": pl.Date, "kind": pl.String, "fiscal_year": pl.Int64,
    "projected_cost": pl.Decimal(38, 2), "final_cost": pl.Decimal(38, 2),
    "cost_error_pct": pl.Float64, "county_mean_abs_error_pct": pl.Float64,
    "projected_user_months": pl.Decimal(38, 1), "final_user_months": pl.Int64,
    "user_months_error_pct": pl.Float64,
}  # fmt: skip


def error_pct(projected: Decimal, final: Decimal | int) -> float | None:
    """(projected - final) / final x 100, rounded half-up to 2 places."""
    if not final:
        return None
    return float(((projected - final) / Decimal(final) * 100).quantize(CENT, ROUND_HALF_UP))


def replay_dates(fiscal_year: int) -> list[tuple[date, str]]:
    """The mid-month and month-end as-of dates of a fiscal year, in order."""
    dates, month = [], fiscal_year_start(fiscal_year)
    for _ in range(12):
        end = calendar.monthrange(month.year, month.month)[1]
        dates.append((month.replace(day=MID_MONTH), "mid-month"))
        dates.append((month.replace(day=end), "month-end"))
        month = add_months(month, 1)
    return dates


def completed_years(engine: Engine, final: date) -> list[int]:
    """Fiscal years that ended by `final` and whose first month is in the data."""
    lag = engine.run("claims_lag", as_of=final)
    if lag.is_empty():
        return []
    earliest = lag["service_month"].min()
    first = fiscal_year_of(earliest)
    first_full = first if earliest == fiscal_year_start(first) else first + 1
    return [y for y in range(first_full, fiscal_year_of(final) + 1) if fiscal_year_end(y) < final]


def backtest(engine: Engine, final: date | None = None) -> pl.DataFrame:
    """One row per replayed as-of date: the projection, the final figure and
    the error in per cent (region total, and the mean of the counties' errors)."""
    final = final or engine.default_as_of()
    outcome = engine.run("reconciliation", as_of=final)
    rows = []
    for year in completed_years(engine, final):
        actual = outcome.filter(pl.col("fiscal_year") == year)
        final_cost = dict(actual.select("county_code", "actual_claims_cost").iter_rows())
        final_cost_total = sum(final_cost.values(), Decimal("0.00"))
        final_users = int(actual["user_months"].sum() or 0)
        for as_of, kind in replay_dates(year):
            months = projected_months(engine, as_of, year)
            by_county = months.group_by("county_code").agg(pl.col("projected_cost").sum())
            errors = [
                abs(e) for county, cost in by_county.iter_rows()
                if (e := error_pct(cost, final_cost.get(county, 0))) is not None
            ]  # fmt: skip
            cost = sum(months["projected_cost"].to_list(), Decimal("0.00"))
            users = sum(months["projected_users"].to_list(), Decimal("0.0"))
            rows.append(dict(
                as_of=as_of, kind=kind, fiscal_year=year,
                projected_cost=cost, final_cost=final_cost_total,
                cost_error_pct=error_pct(cost, final_cost_total),
                county_mean_abs_error_pct=round(sum(errors) / len(errors), 2) if errors else None,
                projected_user_months=users, final_user_months=final_users,
                user_months_error_pct=error_pct(users, final_users),
            ))  # fmt: skip
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Mean (and worst) error by kind of as-of date, per fiscal year and over all."""
    measures = (
        pl.len().alias("as_of_dates"),
        pl.col("cost_error_pct").abs().mean().round(2).alias("mean_abs_cost_error_pct"),
        pl.col("cost_error_pct").mean().round(2).alias("mean_cost_error_pct"),
        pl.col("cost_error_pct").abs().max().round(2).alias("max_abs_cost_error_pct"),
        pl.col("county_mean_abs_error_pct").mean().round(2).alias("mean_county_abs_error_pct"),
        pl.col("user_months_error_pct").abs().mean().round(2)
        .alias("mean_abs_user_months_error_pct"),
    )  # fmt: skip
    by_year = frame.group_by("fiscal_year", "kind").agg(*measures)
    overall = (
        frame.group_by("kind").agg(*measures).with_columns(fiscal_year=pl.lit(None, dtype=pl.Int64))
    )
    return pl.concat([by_year, overall.select(by_year.columns)]).sort(
        "fiscal_year", "kind", nulls_last=True
    )
