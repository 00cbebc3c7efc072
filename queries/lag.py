"""The claims lag triangle and a service month's run-out by county, as pane
6 shows them and `wrp-tui report lag-triangle` prints them.

Rows are service months (newest first), columns lags in whole months (paid
month - service month): cumulative paid as a % of the month's projected
final cost. The first row holds the completion factors (at each age in days
on the as-of date, queries/projection.py), so that the newest months sit
right under what they should reach.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate

import polars as pl

from queries import display
from queries.engine import Engine
from queries.projection import (
    Completion,
    add_months,
    factors_on,
    months_between,
    rounded,
)

LAGS = 13  # lag 0 .. 11, then 12+
TRIANGLE_MONTHS = 12  # service months shown before the month being closed
EXPECTED = "Expected"  # the completion-factor row


def lag_label(k: int) -> str:
    return f"Lag {k}+" if k == LAGS - 1 else f"Lag {k}"


def _percent(value: Fraction) -> float:
    return float(rounded(value * 100, 2))


TRIANGLE_SCHEMA = {
    "label": pl.String, "service_month": pl.Date, "age_months": pl.Int64,
    "paid": pl.Decimal(38, 2), "cost_complete_pct": pl.Float64,
    "projected_paid": pl.Decimal(38, 2), "users": pl.Int64,
    "users_complete_pct": pl.Float64, "projected_users": pl.Decimal(38, 1),
    **{f"lag_{k}": pl.Float64 for k in range(LAGS)},
}  # fmt: skip


def lag_triangle(lag: pl.DataFrame, factors: Completion, as_of: date,
                 first: date) -> pl.DataFrame:  # fmt: skip
    """The triangle of `lag` (claims_lag.sql rows, of one county or all) for
    the service months from `first` to the as-of month."""
    current = date(as_of.year, as_of.month, 1)
    paid: dict[date, list[Fraction]] = {}
    users: dict[date, int] = {}
    for row in lag.iter_rows(named=True):
        month = row["service_month"]
        if not first <= month <= current:
            continue
        k = min(max(row["lag_months"], 0), LAGS - 1)
        paid.setdefault(month, [Fraction(0)] * LAGS)[k] += Fraction(row["paid"])
        users[month] = users.get(month, 0) + row["new_users"]
    rows = [
        {
            "label": EXPECTED,
            **{f"lag_{k}": _percent(Completion.at(factors.cost, k)) for k in range(LAGS)},
        }
    ]
    month = current
    while month >= first:
        age = months_between(month, current)
        cumulative = list(accumulate(paid.get(month, [Fraction(0)] * LAGS)))
        known, people = cumulative[-1], users.get(month, 0)
        cost_done = Completion.at(factors.cost, age)
        users_done = Completion.at(factors.users, age)
        rows.append({
            "label": display.month_label(month), "service_month": month, "age_months": age,
            "paid": rounded(known, 2), "cost_complete_pct": _percent(cost_done),
            "projected_paid": rounded(known / cost_done, 2),
            "users": people, "users_complete_pct": _percent(users_done),
            "projected_users": rounded(people / users_done, 1),
            **{f"lag_{k}": _percent(cumulative[k] * cost_done / known)
               if known and k <= age else None for k in range(LAGS)},
        })  # fmt: skip
        month = add_months(month, -1)
    return pl.DataFrame(rows, schema=TRIANGLE_SCHEMA)


def triangle_on(engine: Engine, as_of: date, month: date | None = None,
                county: str | None = None) -> pl.DataFrame:  # fmt: skip
    """The triangle as known on as_of: TRIANGLE_MONTHS service months before
    `month` (default: the as-of month) up to the as-of month."""
    lag = engine.run("claims_lag", as_of=as_of)
    if county:
        lag = lag.filter(pl.col("county_code") == county)
    current = date(as_of.year, as_of.month, 1)
    first = add_months(min(month or current, current), -TRIANGLE_MONTHS)
    return lag_triangle(lag, factors_on(engine, as_of), as_of, first)


COUNTY_SCHEMA = {
    "county_code": pl.String, "service_month": pl.Date, "age_months": pl.Int64,
    "paid": pl.Decimal(38, 2), "cost_complete_pct": pl.Float64,
    "projected_paid": pl.Decimal(38, 2), "users": pl.Int64, "users_complete_pct": pl.Float64,
    "projected_users": pl.Decimal(38, 1),
}  # fmt: skip


def month_by_county(engine: Engine, as_of: date, month: date,
                    county: str | None = None) -> pl.DataFrame:  # fmt: skip
    """One service month's paid so far and projection per county (pooled factors)."""
    lag = engine.run("claims_lag", as_of=as_of)
    factors = factors_on(engine, as_of)
    age = months_between(month, date(as_of.year, as_of.month, 1))
    cost_done, users_done = Completion.at(factors.cost, age), Completion.at(factors.users, age)
    rows = []
    for (code,), group in lag.filter(pl.col("service_month") == month).group_by(
        ["county_code"], maintain_order=True
    ):
        if county and code != county:
            continue
        known = Fraction(sum(group["paid"].to_list(), Decimal(0)))
        people = int(group["new_users"].sum())
        rows.append({"county_code": code, "service_month": month, "age_months": age,
                     "paid": rounded(known, 2), "cost_complete_pct": _percent(cost_done),
                     "projected_paid": rounded(known / cost_done, 2), "users": people,
                     "users_complete_pct": _percent(users_done),
                     "projected_users": rounded(people / users_done, 1)})  # fmt: skip
    return pl.DataFrame(rows, schema=COUNTY_SCHEMA).sort("county_code")
