"""The machine-readable reports of the contract, shared by the CLI and the panes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from queries.engine import DataError, Engine
from queries.projection import project_fiscal_year


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the figures to. None means "all" (or the default)."""

    as_of: date | None = None
    county: str | None = None
    fiscal_year: int | None = None
    month: date | None = None  # first day of the month


@dataclass(frozen=True)
class Report:
    name: str
    question: str  # queries/<question>.sql, or one of COMPUTED
    fields: tuple[str, ...]  # the contract's fields, in order
    filters: tuple[str, ...]  # which Filters the report honours
    title: str
    # Filters that change what is computed (the adequacy month), not just
    # which rows are shown; the others select rows (in the question's SQL).
    computing: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # the columns that name a row (one row per key)


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "users", "monthly_users",
            ("county_code", "month", "users"),
            ("county", "fiscal_year", "month"),
            "Monthly users by county of responsibility",
            key=("county_code", "month"),
        ),
        Report(
            "invoices", "invoices",
            ("county_code", "month", "computed_users", "billed_users", "expected_total",
             "billed_total", "drift_users", "drift_amount", "paid", "outstanding", "invoiced"),
            ("county", "fiscal_year", "month"),
            "Invoices: expected vs billed, paid and outstanding",
            key=("county_code", "month"),
        ),
        Report(
            "reconciliation", "reconciliation",
            ("county_code", "fiscal_year", "user_months", "pupm_billed", "actual_claims_cost",
             "variance", "variance_pct", "indicated_pupm", "invoiced_through",
             "cost_through_invoiced", "variance_through_invoiced"),
            ("county", "fiscal_year"),
            "Reconciliation: PUPM billed vs actual claims cost",
            key=("county_code", "fiscal_year"),
        ),
        Report(
            "adequacy", "adequacy",
            ("county_code", "level_of_care", "max_miles", "members", "members_within",
             "pct_within", "members_not_located", "referrals", "referrals_timely",
             "referrals_pending", "pct_timely"),
            ("county", "month"),
            "Network adequacy: distance and timely access",
            key=("county_code", "level_of_care"),
            computing=("month",),
        ),
        Report(
            "exceptions", "exceptions",
            ("check", "severity", "count", "detail"),
            ("month",),  # --county does not filter exceptions (contract)
            "Data-quality exceptions",
            key=("check",),
            computing=("month",),
        ),
        # Contract v1.1: care transitions, access and penetration.
        Report(
            "care", "care",
            ("county_code", "month", "residential_discharges", "followup_7_eligible",
             "followup_7", "pct_followup_7", "followup_30_eligible", "followup_30",
             "pct_followup_30", "wm_episodes", "wm_readmit_eligible", "wm_readmitted_30",
             "pct_wm_readmitted_30"),
            ("county", "fiscal_year", "month"),
            "Care transitions: follow-up after residential, WM readmissions",
            key=("county_code", "month"),
        ),
        Report(
            "access", "access",
            ("county_code", "month", "referrals", "offered", "median_business_days_to_offer",
             "served", "served_within_14", "median_days_to_service"),
            ("county", "fiscal_year", "month"),
            "Access: request to offer and to first service",
            key=("county_code", "month"),
        ),
        Report(
            "penetration", "penetration",
            ("county_code", "fiscal_year", "eligible_members", "users", "penetration_pct"),
            ("county", "fiscal_year"),
            "Penetration: users per eligible member",
            key=("county_code", "fiscal_year"),
        ),
        # Month-end close (beyond the contract's five).
        Report(
            "supplementals", "supplemental_proposal",
            ("county_code", "month", "additional_users", "pupm_rate", "additional_pupm",
             "proposed_amount"),
            ("county", "month"),
            "Supplemental invoices due (expected - billed)",
            key=("county_code", "month"),
        ),
        Report(
            "late-changes", "late_changes",
            ("county_code", "month", "invoiced_on", "users_then", "users_now", "users_added",
             "users_removed", "late_claims_paid", "reversed_since"),
            ("county", "fiscal_year", "month"),
            "Changes since each month's original invoice",
            key=("county_code", "month"),
        ),
        Report(
            "projection", "year_end_projection",
            ("county_code", "known_cost", "projected_cost", "projected_user_months",
             "pupm_rate", "projected_pupm_billed", "projected_variance",
             "projected_variance_pct", "break_even_pupm"),
            ("county", "fiscal_year"),
            "Year-end projection of the open fiscal year (chain ladder)",
            key=("county_code",),
        ),
        Report(
            "aging", "unpaid_invoices",
            ("invoice_id", "county_code", "month", "invoice_type", "issued_date",
             "total_amount", "paid", "outstanding", "age_days", "bucket"),
            ("county", "fiscal_year", "month"),
            "Unpaid invoices of every year, oldest first: days since issue and bucket",
            key=("invoice_id",),
        ),
        Report(
            "projection-backtest", "projection_backtest",
            ("as_of", "kind", "fiscal_year", "projected_cost", "final_cost", "cost_error_pct",
             "county_mean_abs_error_pct", "projected_user_months", "final_user_months",
             "user_months_error_pct"),
            (),
            "Year-end projection replayed at every month-end and mid-month of the completed "
            "fiscal years, against the final figures",
        ),
        Report(
            "lag-triangle", "lag_triangle",
            ("label", "service_month", "age_months", "paid", "cost_complete_pct",
             "projected_paid", "users", "users_complete_pct", "projected_users",
             *(f"lag_{k}" for k in range(13))),
            ("county", "month"),
            "Claims lag triangle: cumulative paid by lag as % of projected final cost",
            key=("label",),
            computing=("county", "month"),
        ),
        Report(
            "claims-lag", "claims_lag",
            ("county_code", "service_month", "lag_months", "paid", "new_users"),
            ("county",),
            "Claims paid by months of lag",
            key=("county_code", "service_month", "lag_months"),
        ),
    )
}  # fmt: skip


# Date columns that name a month ("YYYY-MM" in JSON) beside `month` and `*_month`.
MONTH_COLUMNS = frozenset(("invoiced_through",))


def _year_end(engine: Engine, filters: Filters) -> pl.DataFrame:
    return project_fiscal_year(
        engine, filters.as_of, fiscal_year=filters.fiscal_year, county=filters.county
    ).year_end


def _backtest(engine: Engine, filters: Filters) -> pl.DataFrame:
    from queries.backtest import backtest

    return backtest(engine, filters.as_of)


def _lag_triangle(engine: Engine, filters: Filters) -> pl.DataFrame:
    from queries.lag import triangle_on

    return triangle_on(engine, filters.as_of, filters.month, filters.county)


# Reports computed in Python (queries/projection.py, backtest.py, lag.py), not one SQL file.
COMPUTED = {
    "year_end_projection": _year_end,
    "projection_backtest": _backtest,
    "lag_triangle": _lag_triangle,
}


def resolve(engine: Engine, filters: Filters) -> Filters:
    """Fill in the default as-of: the latest paid date."""
    return replace(filters, as_of=filters.as_of or engine.default_as_of())


def question_params(name: str, filters: Filters) -> dict[str, Any]:
    """The report question's parameters, every filter it honours bound in its
    SQL: what `run_report` runs, and what the console (`q`) and the evidence
    pack show, as one query a lead can read and change."""
    report = REPORTS[name]
    return {"as_of": filters.as_of} | {key: getattr(filters, key) for key in report.filters}


def run_report(engine: Engine, name: str, filters: Filters) -> pl.DataFrame:
    """The report's rows as a polars frame: contract fields first, extras after."""
    if name not in REPORTS:
        raise DataError("Unknown report", f"{name!r}; choose one of {', '.join(REPORTS)}")
    report = REPORTS[name]
    filters = resolve(engine, filters)
    if report.question in COMPUTED:
        frame = COMPUTED[report.question](engine, filters)
    else:
        if "month" in report.computing and filters.month is None:
            # Adequacy and the exceptions are computed for a month: by default
            # the last month of eligibility.
            filters = replace(filters, month=engine.last_eligibility_month())
        # The filters are the question's own $county/$fiscal_year/$month
        # conditions, nowhere else.
        frame = engine.run(report.question, **question_params(name, filters))
    extras = [c for c in frame.columns if c not in report.fields]
    return frame.select(*report.fields, *extras)


def run_public_report(engine: Engine, name: str, filters: Filters) -> pl.DataFrame:
    """The report for release outside the team: small cells suppressed
    (queries.suppression), decided on the whole table of the as-of (every
    county, month and fiscal year); the filtered report then says which of
    its rows to show, matched by the report's key. Deciding after filtering
    would publish different cells per filter, and two runs subtracted would
    recover a suppressed one."""
    from queries.suppression import POLICIES, suppress

    if name not in POLICIES:
        raise DataError("No public form", f"the {name} report has no suppression policy")
    report = REPORTS[name]
    filters = resolve(engine, filters)
    whole = Filters(as_of=filters.as_of, **{k: getattr(filters, k) for k in report.computing})
    table = engine.remember(
        ("public report", name, whole),
        lambda: suppress(run_report(engine, name, whole), POLICIES[name]),
    )
    selecting = set(report.filters) - set(report.computing)
    if all(getattr(filters, k) is None for k in selecting):
        return table
    chosen = run_report(engine, name, filters).select(report.key)
    key = list(report.key)
    return chosen.join(
        table, on=key, how="left", validate="1:1", nulls_equal=True, maintain_order="left"
    ).select(table.columns)


def json_value(column: str, value: Any) -> Any:
    """One value as the contract's JSON wants it."""
    if value is None:
        return None
    if isinstance(value, bytes):  # a BLOB (ad-hoc SQL): hex, never a Python repr
        return value.hex()
    if isinstance(value, list):
        return [json_value("", v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(str(k), v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent == -2 else float(value)
    if isinstance(value, date):
        is_month = column == "month" or column.endswith("_month") or column in MONTH_COLUMNS
        return value.strftime("%Y-%m") if is_month else value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    return value


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: money as "1234.50", months as "YYYY-MM"."""
    return [{k: json_value(k, v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
