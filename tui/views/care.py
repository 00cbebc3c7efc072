"""Care transitions and access (pane 8): per county for the fiscal year,
follow-up after residential discharge, WM readmissions, request to service
and penetration, each with its trend over the months; drill county -> month
-> the discharges without a 7-day follow-up -> the member's services around
the stay. The worklist (w) lists the discharges of the last 7 days with no
follow-up yet."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text

from queries import display
from queries.calendar import first_of_month, fiscal_year_months
from queries.privacy import mask_member_id
from queries.reports import Filters, run_report
from tui.context import Context
from tui.presenting import ALERT_STYLE, Column, Figures, present, spark
from tui.views import Level, LevelResult, key_value, line
from tui.views.console import asked

if TYPE_CHECKING:
    from queries.engine import Engine

# Per-month series drawn beside each county's figure: (trend column, column
# of the care_months question it draws).
TRENDS = {
    "trend_7": "pct_followup_7",
    "trend_30": "pct_followup_30",
    "trend_wm": "pct_wm_readmitted_30",
    "trend_days": "median_days_to_service",
    "trend_14": "pct_served_within_14",
}

SUMMARY_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("residential_discharges", "Discharges", "count"),
    Column("pct_followup_7", "7-day f/u", "percent"),
    Column("trend_7", "by month", "bars"),
    Column("pct_followup_30", "30-day f/u", "percent"),
    Column("trend_30", "by month", "bars"),
    Column("wm_episodes", "WM eps", "count"),
    Column("pct_wm_readmitted_30", "WM readmit", "percent"),
    Column("trend_wm", "by month", "bars"),
    Column("referrals", "Referrals", "count"),
    Column("median_days_to_service", "Median to svc", "days"),
    Column("trend_days", "by month", "bars"),
    Column("pct_served_within_14", "Served ≤14 d", "percent"),
    Column("trend_14", "by month", "bars"),
    Column("eligible_members", "Eligible", "count"),
    Column("users", "Users", "count"),
    Column("penetration_pct", "Penetration", "percent"),
    Column("trend_users", "users by month", "bars"),
)


def trend_columns(summary: pl.DataFrame, months: pl.DataFrame, users: pl.DataFrame,
                  fiscal_year: int, as_of: date) -> pl.DataFrame:  # fmt: skip
    """Each county's row with a spark line per measure over the fiscal year's
    months up to the as-of month (gaps where a month has no figure)."""
    shown = [m for m in fiscal_year_months(fiscal_year) if m <= first_of_month(as_of)]
    by_month = {(r["county_code"], r["month"]): r for r in months.iter_rows(named=True)}
    users_by = {(r["county_code"], r["month"]): r["users"] for r in users.iter_rows(named=True)}
    series: dict[str, list[str]] = {name: [] for name in (*TRENDS, "trend_users")}
    for county in summary["county_code"]:
        for trend, column in TRENDS.items():
            values = [(by_month.get((county, m)) or {}).get(column) for m in shown]
            series[trend].append(spark(values))
        series["trend_users"].append(spark([users_by.get((county, m)) for m in shown]))
    return summary.with_columns(
        pl.Series(name, values, dtype=pl.String) for name, values in series.items()
    )


def load_summary(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    params = {"as_of": ctx.as_of, "fiscal_year": ctx.fiscal_year}
    summary = engine.run("care_summary", **params, county=ctx.county)
    months = engine.run("care_months", **params, county=ctx.county)
    users = run_report(
        engine, "users", Filters(as_of=ctx.as_of, county=ctx.county, fiscal_year=ctx.fiscal_year)
    )
    frame = trend_columns(summary, months, users, ctx.fiscal_year, ctx.as_of)
    waiting = engine.run("care_worklist", as_of=ctx.as_of, county=ctx.county)
    notes = (
        line(
            key_value(
                "Worklist",
                f"{waiting.height} discharge(s) of the last 7 days with no follow-up",
                ALERT_STYLE if waiting.height else "bold",
            ),  # fmt: skip
            Text("w opens it", style="dim"),
        ),
        Text(
            "Follow-up: a 1.0/2.1/OTP/RS/CM service within 7 or 30 days of discharge, of "
            "discharges whose window has closed. Served ≤14 d: of referrals requested.",
            style="dim",
        ),
    )
    return LevelResult(present(frame, SUMMARY_COLUMNS, mask_members=mask), notes)


def drill_to_months(figures: Figures, row: int, _column: int, ctx: Context) -> Level:
    return months_level(figures.row(row)["county_code"], ctx.fiscal_year)


def care_root(ctx: Context) -> Level:
    return Level(
        f"Care transitions and access {display.fiscal_year_label(ctx.fiscal_year)}",
        load_summary,
        drill_to_months,
        enter_hint="the county month by month",
        query=asked("care_summary", "as_of", "fiscal_year", "county"),
    )


# -- one county, month by month -----------------------------------------------------------
MONTH_COLUMNS = (
    Column("month", "Month", "month"),
    Column("residential_discharges", "Discharges", "count"),
    Column("followup_7_eligible", "7-d due", "count"),
    Column("followup_7", "7-d f/u", "count"),
    Column("pct_followup_7", "7-day %", "percent"),
    Column("followup_30_eligible", "30-d due", "count"),
    Column("followup_30", "30-d f/u", "count"),
    Column("pct_followup_30", "30-day %", "percent"),
    Column("wm_episodes", "WM eps", "count"),
    Column("wm_readmitted_30", "Readmitted", "count"),
    Column("pct_wm_readmitted_30", "Readmit %", "percent"),
    Column("referrals", "Referrals", "count"),
    Column("served", "Served", "count"),
    Column("median_days_to_service", "Median to svc", "days"),
    Column("pct_served_within_14", "≤14 d %", "percent"),
    Column("median_business_days_to_offer", "Median to offer", "days"),
)


def load_months(county: str, fiscal_year: int, engine: Engine, ctx: Context,
                mask: bool) -> LevelResult:  # fmt: skip
    months = engine.run("care_months", as_of=ctx.as_of, fiscal_year=fiscal_year, county=county)
    note = Text(
        "Counted in the month of discharge / WM episode end, in the county of that day.",
        style="dim",
    )
    return LevelResult(present(months, MONTH_COLUMNS, mask_members=mask), (note,))


def drill_to_discharges(county: str, figures: Figures, row: int, _column: int,
                        _ctx: Context) -> Level | str:  # fmt: skip
    record = figures.row(row)
    if not record["residential_discharges"]:
        return "No residential discharges that month"
    return discharges_level(county, record["month"])


def months_level(county: str, fiscal_year: int) -> Level:
    return Level(
        f"{display.county_label(county)} {display.fiscal_year_label(fiscal_year)} by month",
        partial(load_months, county, fiscal_year),
        partial(drill_to_discharges, county),
        enter_hint="discharges without a 7-day follow-up",
        query=asked("care_months", "as_of", county=county, fiscal_year=fiscal_year),
    )


# -- the discharges of a month without a 7-day follow-up ------------------------------------
DISCHARGE_COLUMNS = (
    Column("member_id", "Member", "member"),
    Column("admitted", "Admitted", "date"),
    Column("discharged", "Discharged", "date"),
    Column("stay_days", "Days", "count"),
    Column("window_7_closed", "7-d closed", "yes_no"),
    Column("first_follow_up", "First f/u ≤30 d", "date"),
    Column("days_to_follow_up", "After", "count"),
    Column("window_30_closed", "30-d closed", "yes_no"),
)


def load_discharges(county: str, month: date, engine: Engine, ctx: Context,
                    mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("care_discharges", as_of=ctx.as_of, county=county, month=month)
    note = Text("Member IDs are PHI (42 CFR Part 2): masked unless revealed with u.", style="dim")
    return LevelResult(present(frame, DISCHARGE_COLUMNS, mask_members=mask), (note,))


def drill_to_services(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    record = figures.row(row)
    return services_level(record["member_id"], record["admitted"], record["discharged"])


def discharges_level(county: str, month: date) -> Level:
    return Level(
        f"{display.month_label(month)} discharges without 7-day follow-up",
        partial(load_discharges, county, month),
        drill_to_services,
        enter_hint="the member's services around the stay",
        query=asked("care_discharges", "as_of", county=county, month=month),
    )


# -- one member's services around a stay -------------------------------------------------
SERVICE_COLUMNS = (
    Column("service_date", "Service", "date"),
    Column("days_after_discharge", "Day", "signed_count"),
    Column("level_of_care", "Level"),
    Column("care", "Counts as"),
    Column("status", "Status"),
    Column("is_service", "Service?", "yes_no"),
    Column("provider_name", "Site"),
    Column("procedure_code", "Code"),
    Column("paid_date", "Paid on", "date"),
    Column("claim_id", "Claim"),
)


def load_services(member_id: str, admitted: date, discharged: date, engine: Engine,
                  ctx: Context, mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run(
        "member_care_services", as_of=ctx.as_of, member_id=member_id, admitted=admitted,
        discharged=discharged,
    )  # fmt: skip
    note = line(
        key_value("Stay", f"{admitted} – {discharged}"),
        Text("30 days either side; day 0 = discharge; reversed and denied lines are not "
             "services", style="dim"),
    )  # fmt: skip
    return LevelResult(present(frame, SERVICE_COLUMNS, mask_members=mask), (note,))


def services_level(member_id: str, admitted: date, discharged: date) -> Level:
    return Level(
        f"member {mask_member_id(member_id)} around {discharged}",
        partial(load_services, member_id, admitted, discharged),
    )


# -- the worklist -----------------------------------------------------------------------
WORKLIST_COLUMNS = (
    Column("member_id", "Member", "member"),
    Column("county_code", "County", "county"),
    Column("admitted", "Admitted", "date"),
    Column("discharged", "Discharged", "date"),
    Column("stay_days", "Days", "count"),
    Column("days_since_discharge", "Since", "count"),
    Column("follow_up_due", "Follow-up due", "date"),
)


def load_worklist(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = engine.run("care_worklist", as_of=ctx.as_of, county=ctx.county)
    note = line(
        key_value("To follow up", display.count(frame.height)),
        Text("oldest first · follow-ups as paid by the as-of date · e exports", style="dim"),
    )
    return LevelResult(present(frame, WORKLIST_COLUMNS, mask_members=mask), (note,))


def drill_from_worklist(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    record = figures.row(row)
    return services_level(record["member_id"], record["admitted"], record["discharged"])


def worklist_level(ctx: Context) -> Level:
    return Level(
        f"Worklist {ctx.as_of}: discharged in the last 7 days, no follow-up yet",
        load_worklist,
        drill_from_worklist,
        enter_hint="the member's services around the stay",
        query=asked("care_worklist", "as_of", "county"),
    )
