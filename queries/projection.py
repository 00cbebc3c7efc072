"""Claims lag completion factors and the year-end projection of the open fiscal year.

Method (chain ladder, pooled over the seven counties so that Modoc's few
claims borrow Solano's run-out pattern):
1. Cumulative paid cost and users known per service month at each lag
   (months from service month to paid month), from `claims_lag.sql`.
2. Age-to-age factor lag k -> k+1: the sum over service months old enough to
   have both of cumulative at k+1 divided by cumulative at k.
3. Completion factor of a month of age a: 1 / product of the factors from a on
   (1 once no later lag was ever seen) — the share of its final cost known now.
4. A month's projected cost (users) = known so far / its completion factor.
5. The open fiscal year's months not yet begun are projected at the mean of
   the last three projected months at least one month old (the run rate).
6. Year-end PUPM billed = billed so far + (projected user-months - users
   billed so far) x rate; variance = that - projected cost.

Factors are exact fractions; money is rounded half-up to cents at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

from queries.engine import Engine

CENT = Decimal("0.01")
MAX_LAG = 24
RUN_RATE_MONTHS = 3
METHOD = (
    "Chain ladder, factors pooled over all counties: each month's cost and users so far "
    "÷ its completion factor; months not yet begun at the mean of the last "
    f"{RUN_RATE_MONTHS} projected months aged 1+; PUPM billed at year end = billed so far "
    "+ (projected user-months − users billed) × rate."
)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Completion:
    """Completion factor by age (months since the service month), per measure."""

    cost: dict[int, Fraction]
    users: dict[int, Fraction]

    @staticmethod
    def at(factors: dict[int, Fraction], age: int) -> Fraction:
        return factors.get(min(age, MAX_LAG), Fraction(1)) if age >= 0 else Fraction(1)


def rounded(value: Fraction, places: int) -> Decimal:
    """An exact fraction rounded half away from zero to `places` decimals."""
    scaled = abs(value) * 10**places
    units = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return Decimal(-units if value < 0 else units).scaleb(-places)


def _cumulative(lag: pl.DataFrame, measure: str) -> dict[date, dict[int, Fraction]]:
    """service month -> lag -> cumulative measure, pooled over counties."""
    increments: dict[date, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for row in lag.iter_rows(named=True):
        k = min(max(row["lag_months"], 0), MAX_LAG)
        increments[row["service_month"]][k] += Fraction(row[measure])
    cumulative = {}
    for month, by_lag in increments.items():
        running, out = Fraction(0), {}
        for k in range(MAX_LAG + 1):
            running += by_lag.get(k, Fraction(0))
            out[k] = running
        cumulative[month] = out
    return cumulative


def completion_factors(lag: pl.DataFrame, as_of: date, measure: str) -> dict[int, Fraction]:
    """Completion factor by age for `measure` ("paid" or "new_users")."""
    cumulative = _cumulative(lag, measure)
    current = date(as_of.year, as_of.month, 1)
    ages = {m: months_between(m, current) for m in cumulative}
    development: dict[int, Fraction] = {}
    for k in range(MAX_LAG):
        old_enough = [m for m, a in ages.items() if a >= k + 1]
        before = sum((cumulative[m][k] for m in old_enough), Fraction(0))
        after = sum((cumulative[m][k + 1] for m in old_enough), Fraction(0))
        development[k] = after / before if before and after else Fraction(1)
    factors: dict[int, Fraction] = {MAX_LAG: Fraction(1)}
    for age in range(MAX_LAG - 1, -1, -1):
        factors[age] = factors[age + 1] / development[age]
    return factors


def completion(lag: pl.DataFrame, as_of: date) -> Completion:
    return Completion(
        cost=completion_factors(lag, as_of, "paid"),
        users=completion_factors(lag, as_of, "new_users"),
    )


def completion_table(factors: Completion) -> pl.DataFrame:
    """Completion by age, as percentages of the final figure (for display)."""
    ages = range(MAX_LAG + 1)
    return pl.DataFrame(
        {
            "age_months": list(ages),
            "cost_complete_pct": [float(factors.cost[a] * 100) for a in ages],
            "users_complete_pct": [float(factors.users[a] * 100) for a in ages],
        }
    )


def project_months(
    lag: pl.DataFrame, as_of: date, fiscal_year: int, factors: Completion
) -> pl.DataFrame:
    """Known and projected cost and users per county and month of `fiscal_year`."""
    current = date(as_of.year, as_of.month, 1)
    first, last = date(fiscal_year - 1, 7, 1), date(fiscal_year, 6, 1)
    known: dict[tuple[str, date], list[Fraction]] = defaultdict(lambda: [Fraction(0)] * 2)
    for row in lag.iter_rows(named=True):
        if first <= row["service_month"] <= last:
            entry = known[(row["county_code"], row["service_month"])]
            entry[0] += Fraction(row["paid"])
            entry[1] += Fraction(row["new_users"])
    counties = sorted({county for county, _ in known})
    rows = []
    for county in counties:
        projected: list[tuple[date, Fraction, Fraction]] = []
        month = first
        while month <= min(current, last):
            cost, users = known.get((county, month), (Fraction(0), Fraction(0)))
            age = months_between(month, current)
            rows.append(
                dict(
                    county_code=county, month=month, age_months=age, basis="lag-completed",
                    known_cost=cost, known_users=int(users),
                    projected_cost=cost / Completion.at(factors.cost, age),
                    projected_users=users / Completion.at(factors.users, age),
                )
            )  # fmt: skip
            projected.append((month, rows[-1]["projected_cost"], rows[-1]["projected_users"]))
            month = add_months(month, 1)
        mature = [p for p in projected if months_between(p[0], current) >= 1] or projected
        recent = mature[-RUN_RATE_MONTHS:]
        run_cost = sum((p[1] for p in recent), Fraction(0)) / len(recent)
        run_users = sum((p[2] for p in recent), Fraction(0)) / len(recent)
        while month <= last:
            rows.append(
                dict(
                    county_code=county, month=month, age_months=months_between(month, current),
                    basis="run rate", known_cost=Fraction(0), known_users=0,
                    projected_cost=run_cost, projected_users=run_users,
                )
            )  # fmt: skip
            month = add_months(month, 1)
    for row in rows:
        row["known_cost"] = rounded(row["known_cost"], 2)
        row["projected_cost"] = rounded(row["projected_cost"], 2)
        row["projected_users"] = rounded(row["projected_users"], 1)
    schema = {
        "county_code": pl.String, "month": pl.Date, "age_months": pl.Int64,
        "basis": pl.String, "known_cost": pl.Decimal(38, 2), "known_users": pl.Int64,
        "projected_cost": pl.Decimal(38, 2), "projected_users": pl.Decimal(38, 1),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def year_end(
    months: pl.DataFrame, billed: pl.DataFrame, rates: dict[str, Decimal | None]
) -> pl.DataFrame:
    """Projected year-end figures per county.

    `billed` has county_code, pupm_billed, billed_users for the fiscal year so
    far; `rates` maps county to the year's PUPM rate (None when missing).
    """
    so_far = {r["county_code"]: r for r in billed.iter_rows(named=True)}
    rows = []
    for (county,), group in months.group_by(["county_code"], maintain_order=True):
        cost = sum(group["projected_cost"].to_list(), Decimal(0))
        user_months = sum(group["projected_users"].to_list(), Decimal(0))
        done = so_far.get(county, {})
        billed_pupm = done.get("pupm_billed") or Decimal(0)
        billed_users = done.get("billed_users") or 0
        rate = rates.get(county)
        pupm = None if rate is None else billed_pupm + (user_months - billed_users) * rate
        pupm = None if pupm is None else pupm.quantize(CENT, ROUND_HALF_UP)
        variance = None if pupm is None else pupm - cost
        rows.append(
            dict(
                county_code=county,
                known_cost=sum(group["known_cost"].to_list(), Decimal(0)),
                projected_cost=cost,
                projected_user_months=user_months,
                pupm_rate=rate,
                projected_pupm_billed=pupm,
                projected_variance=variance,
                projected_variance_pct=None if variance is None or not cost
                else float((variance / cost * 100).quantize(CENT, ROUND_HALF_UP)),
                break_even_pupm=(cost / user_months).quantize(CENT, ROUND_HALF_UP)
                if user_months else None,
            )
        )  # fmt: skip
    schema = {
        "county_code": pl.String, "known_cost": pl.Decimal(38, 2),
        "projected_cost": pl.Decimal(38, 2), "projected_user_months": pl.Decimal(38, 1),
        "pupm_rate": pl.Decimal(38, 2), "projected_pupm_billed": pl.Decimal(38, 2),
        "projected_variance": pl.Decimal(38, 2), "projected_variance_pct": pl.Float64,
        "break_even_pupm": pl.Decimal(38, 2),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def fiscal_year_of(day: date) -> int:
    return day.year + (1 if day.month >= 7 else 0)


@dataclass(frozen=True)
class Projection:
    fiscal_year: int
    as_of: date
    factors: Completion
    months: pl.DataFrame  # per county and month of the fiscal year
    year_end: pl.DataFrame  # per county


def project_fiscal_year(
    engine: Engine, as_of: date, fiscal_year: int | None = None, county: str | None = None
) -> Projection:
    """The year-end projection of `fiscal_year` (default: the one open on as_of)."""
    year = fiscal_year or fiscal_year_of(as_of)
    every = engine.remember(("projection", as_of, year), lambda: _project(engine, as_of, year))
    if county is None:
        return every
    mine = pl.col("county_code") == county  # each county's rows are projected on their own
    return replace(every, months=every.months.filter(mine), year_end=every.year_end.filter(mine))


def _project(engine: Engine, as_of: date, year: int) -> Projection:
    lag = engine.run("claims_lag", as_of=as_of)  # every county: factors are pooled
    factors = completion(lag, as_of)
    months = project_months(lag, as_of, year, factors)
    invoices = engine.run("invoices", as_of=as_of, fiscal_year=year)
    billed = (
        engine.run("reconciliation", as_of=as_of, fiscal_year=year)
        .select("county_code", "pupm_billed")
        .join(
            invoices.group_by("county_code").agg(pl.col("billed_users").sum()),
            on="county_code",
            how="left",
        )
    )
    rates = {
        r["county_code"]: r["pupm_rate"]
        for r in engine.run("pupm_rates", fiscal_year=year).iter_rows(named=True)
    }
    return Projection(year, as_of, factors, months, year_end(months, billed, rates))
