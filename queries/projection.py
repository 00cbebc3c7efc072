"""Claims lag completion factors and the year-end projection of the open fiscal year.

Method (chain ladder by age in days, pooled over the seven counties so that
Modoc's few claims borrow Solano's run-out pattern):
1. Each service month's age on the as-of date D is counted in days from its
   first day, so a month is read exactly as far as it has run out — on the
   15th as on the 31st (a month-based lag would divide half a month's
   payments by a whole month's completion).
2. Development from the age of the month i months back to that of the month
   i + 1 back: over the service months at least that old, the cost (users)
   known at the older age divided by the cost (users) known at the younger.
3. Completion factor of the month i months back: 1 / product of the
   developments from i on (1 from MAX_LAG months) — the share of its final
   cost known on D.
4. A month's projected cost (users) = known so far / its completion factor.
5. The month of the as-of date (still being served) and the months not yet
   begun are projected at the run rate: the last three ended months (of any
   fiscal year), their known figures summed over their completions summed.
6. Year-end PUPM billed = billed so far + (projected user-months - users
   billed so far) x rate; variance = that - projected cost.

`wrp-tui report projection-backtest` replays every month-end and mid-month
as-of date of the data's completed fiscal years and prints each projection's
error against the year's final figure.

Factors are exact fractions; money is rounded half-up to cents at the end.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

from queries.calendar import add_months, fiscal_year_of, fiscal_year_start, months_between
from queries.engine import Engine

CENT = Decimal("0.01")
MAX_LAG = 24
RUN_RATE_MONTHS = 3
METHOD = (
    "Chain ladder by age in days, factors pooled over all counties: each ended month's "
    "cost and users so far ÷ its completion factor at its age on the as-of date; the "
    f"current month and those not yet begun at the run rate of the last {RUN_RATE_MONTHS} "
    "ended months (known ÷ completion); PUPM billed at year end = billed so far "
    "+ (projected user-months − users billed) × rate."
)


@dataclass(frozen=True)
class Completion:
    """Completion factor of the month `age` months back from the as-of
    month, at its age in days on the as-of date, per measure."""

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


def _run_out(lag_days: pl.DataFrame, measure: str) -> dict[date, tuple[list[int], list[Fraction]]]:
    """service month -> (lags in days ascending, cumulative measure at each)."""
    by_month: dict[date, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for month, lag, value in lag_days.select("service_month", "lag_days", measure).iter_rows():
        by_month[month][max(lag, 0)] += Fraction(value)
    run_out = {}
    for month, by_lag in by_month.items():
        lags = sorted(by_lag)
        running, cumulative = Fraction(0), []
        for lag in lags:
            running += by_lag[lag]
            cumulative.append(running)
        run_out[month] = (lags, cumulative)
    return run_out


def _known_at(run_out: tuple[list[int], list[Fraction]], age: int) -> Fraction:
    """The measure paid by `age` days after the month's first day."""
    lags, cumulative = run_out
    index = bisect_right(lags, age)
    return cumulative[index - 1] if index else Fraction(0)


def month_ages(as_of: date) -> dict[int, int]:
    """Age in days on as_of of the month i months back (i = 0 .. MAX_LAG)."""
    current = date(as_of.year, as_of.month, 1)
    return {i: (as_of - add_months(current, -i)).days for i in range(MAX_LAG + 1)}


def completion_factors(lag_days: pl.DataFrame, as_of: date, measure: str) -> dict[int, Fraction]:
    """Completion factor by months back, at each month's age in days on as_of,
    for `measure` ("paid" or "new_users") of `claims_lag_days.sql`."""
    run_out = _run_out(lag_days, measure)
    ages = month_ages(as_of)
    month_age = {m: (as_of - m).days for m in run_out}
    development: dict[int, Fraction] = {}
    for i in range(MAX_LAG):
        older = [m for m, a in month_age.items() if a >= ages[i + 1]]
        before = sum((_known_at(run_out[m], ages[i]) for m in older), Fraction(0))
        after = sum((_known_at(run_out[m], ages[i + 1]) for m in older), Fraction(0))
        development[i] = after / before if before and after else Fraction(1)
    factors: dict[int, Fraction] = {MAX_LAG: Fraction(1)}
    for age in range(MAX_LAG - 1, -1, -1):
        factors[age] = factors[age + 1] / development[age]
    return factors


def completion(lag_days: pl.DataFrame, as_of: date) -> Completion:
    return Completion(
        cost=completion_factors(lag_days, as_of, "paid"),
        users=completion_factors(lag_days, as_of, "new_users"),
    )


def project_months(
    lag: pl.DataFrame, as_of: date, fiscal_year: int, factors: Completion
) -> pl.DataFrame:
    """Known and projected cost and users per county and month of `fiscal_year`.

    Months whose service month has ended are lag-completed; the month of the
    as-of date (still being served) and the months not yet begun are at the
    run rate: the mean of the last RUN_RATE_MONTHS ended months, of whichever
    fiscal year, lag-completed (a month only days old says little).
    """
    current = date(as_of.year, as_of.month, 1)
    first = fiscal_year_start(fiscal_year)
    last = add_months(first, 11)
    known: dict[tuple[str, date], list[Fraction]] = defaultdict(lambda: [Fraction(0)] * 2)
    for county, month, paid, users in lag.select(
        "county_code", "service_month", "paid", "new_users"
    ).iter_rows():
        entry = known[(county, month)]
        entry[0] += Fraction(paid)
        entry[1] += Fraction(users)
    if not known:
        return pl.DataFrame(schema=PROJECTED_MONTH_SCHEMA)
    data_start = min(month for _, month in known)

    def completed(county: str, month: date) -> tuple[Fraction, Fraction, Fraction, Fraction]:
        """Known cost and users, and the completion of each, of a county-month."""
        cost, users = known.get((county, month), (Fraction(0), Fraction(0)))
        age = months_between(month, current)
        return cost, users, Completion.at(factors.cost, age), Completion.at(factors.users, age)

    counties = sorted({county for county, month in known if first <= month <= last})
    rows = []
    for county in counties:
        ended = [add_months(current, -k) for k in range(1, RUN_RATE_MONTHS + 1)]
        recent = [completed(county, m) for m in ended if m >= data_start]
        recent = recent or [completed(county, current)]
        # Known over completion, summed: each month weighs by how complete it
        # is, so a month two weeks past its end moves the run rate less.
        run_cost = sum((r[0] for r in recent), Fraction(0)) / sum(r[2] for r in recent)
        run_users = sum((r[1] for r in recent), Fraction(0)) / sum(r[3] for r in recent)
        month = first
        while month <= last:
            cost, users, cost_done, users_done = completed(county, month)
            basis = "lag-completed"
            projected_cost, projected_users = cost / cost_done, users / users_done
            if month >= current:
                basis = "run rate"
                projected_cost, projected_users = max(run_cost, cost), max(run_users, users)
            rows.append(
                dict(
                    county_code=county, month=month, age_months=months_between(month, current),
                    basis=basis, known_cost=cost, known_users=int(users),
                    projected_cost=projected_cost, projected_users=projected_users,
                )
            )  # fmt: skip
            month = add_months(month, 1)
    for row in rows:
        row["known_cost"] = rounded(row["known_cost"], 2)
        row["projected_cost"] = rounded(row["projected_cost"], 2)
        row["projected_users"] = rounded(row["projected_users"], 1)
    return pl.DataFrame(rows, schema=PROJECTED_MONTH_SCHEMA, orient="row")


PROJECTED_MONTH_SCHEMA = {
    "county_code": pl.String, "month": pl.Date, "age_months": pl.Int64,
    "basis": pl.String, "known_cost": pl.Decimal(38, 2), "known_users": pl.Int64,
    "projected_cost": pl.Decimal(38, 2), "projected_users": pl.Decimal(38, 1),
}  # fmt: skip


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


def factors_on(engine: Engine, as_of: date) -> Completion:
    """The pooled completion factors as known on as_of."""
    return engine.remember(
        ("completion", as_of), lambda: completion(engine.run("claims_lag_days", as_of=as_of), as_of)
    )


def projected_months(engine: Engine, as_of: date, year: int) -> pl.DataFrame:
    """Known and projected cost and users per county and month of `year`."""
    lag = engine.run("claims_lag", as_of=as_of)  # every county: known per county-month
    return project_months(lag, as_of, year, factors_on(engine, as_of))


def _project(engine: Engine, as_of: date, year: int) -> Projection:
    factors = factors_on(engine, as_of)
    months = projected_months(engine, as_of, year)
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
