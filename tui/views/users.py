"""Monthly users: the county x month matrix of a fiscal year and its drilldown
(level-of-care mix -> members -> one member's claim lines)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text

from queries import display
from queries.calendar import add_months, fiscal_year_months
from queries.months import latest_month_with_users
from queries.privacy import mask_member_id
from queries.reference import COUNTIES
from queries.reports import Filters, run_report
from tui.charts import users_chart
from tui.context import Context
from tui.presenting import Column, Figures, present, spark
from tui.views import Level, LevelResult, key_value, line, percent_of
from tui.views.console import asked, report_query

if TYPE_CHECKING:
    from queries.engine import Engine

REGION = "Region total"
TREND_MONTHS = 24


def county_rows(county: str | None) -> list[str]:
    return [county] if county else [c.code for c in COUNTIES]


# -- root: the matrix ---------------------------------------------------------
def users_matrix(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    """The users report for the fiscal year, pivoted to county x month."""
    users = run_report(engine, "users", ctx.filters())
    by_key = {(r["county_code"], r["month"]): r["users"] for r in users.iter_rows(named=True)}
    months = fiscal_year_months(ctx.fiscal_year)
    # Months after the last one with any user (region-wide) have no data yet: `—`, not 0.
    through = latest_month_with_users(engine, ctx.as_of)
    happened = [m for m in months if m <= ctx.as_of and through is not None and m <= through]
    rows = []
    for code in county_rows(ctx.county):
        cells = {m.isoformat(): (by_key.get((code, m), 0) if m in happened else None)
                 for m in months}  # fmt: skip
        rows.append({"county_code": code, "county": display.county_label(code), **cells,
                     "user_months": sum(v or 0 for v in cells.values())})  # fmt: skip
    if not ctx.county:
        totals = {m.isoformat(): (sum(r[m.isoformat()] for r in rows) if m in happened else None)
                  for m in months}  # fmt: skip
        rows.append({"county_code": None, "county": REGION, **totals,
                     "user_months": sum(v or 0 for v in totals.values())})  # fmt: skip
    schema = {"county_code": pl.String, "county": pl.String}
    schema |= {m.isoformat(): pl.Int64 for m in months} | {"user_months": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema)
    columns = [Column("county", "County")]
    columns += [Column(m.isoformat(), m.strftime("%b"), "count") for m in months]
    columns.append(Column("user_months", "User-months", "count"))
    notes = users_notes(engine, ctx)
    chart = users_chart(
        [(r["county_code"], [r[m.isoformat()] for m in months]) for r in rows if r["county_code"]],
        months, f"Users per county {display.fiscal_year_label(ctx.fiscal_year)}",
    )  # fmt: skip
    return LevelResult(present(frame, columns, mask_members=mask), notes, chart=chart)


def users_notes(engine: Engine, ctx: Context) -> tuple[Text, ...]:
    """Trend to the selected month, plan members vs not, level-of-care mix."""
    every_month = run_report(engine, "users", Filters(as_of=ctx.as_of, county=ctx.county))
    totals = every_month.group_by("month").agg(
        pl.col("users").sum(), pl.col("plan_member_users").sum(), pl.col("non_plan_users").sum()
    )
    by_month = {r["month"]: r for r in totals.iter_rows(named=True)}
    window = [add_months(ctx.month, -i) for i in reversed(range(TREND_MONTHS))]
    series = [by_month[m]["users"] if m in by_month else 0 for m in window]
    where = display.county_label(ctx.county) if ctx.county else "all counties"
    trend = Text.assemble(
        (f"Users {display.month_label(window[0])}…{display.month_label(ctx.month)} ", "dim"),
        (spark(series), "bold"),
        (f" low {min(series):,} high {max(series):,} · {where}", "dim"),
    )
    this = by_month.get(ctx.month, {"users": 0, "plan_member_users": 0, "non_plan_users": 0})
    share = percent_of(this["plan_member_users"], this["users"]) if this["users"] else None
    members = line(
        key_value(f"{display.month_label(ctx.month)} users", display.count(this["users"])),
        key_value("plan members", display.count(this["plan_member_users"])),
        key_value("not yet members", display.count(this["non_plan_users"])),
        key_value("plan share", display.percent(share)),
    )
    mix = engine.run("users_level_mix", as_of=ctx.as_of, county=ctx.county, month=ctx.month)
    parts = [key_value(r["level_of_care"], display.count(r["users"]))
             for r in mix.iter_rows(named=True)]  # fmt: skip
    levels = (
        line(Text("Level of care:", style="dim"), *parts)
        if parts
        else Text("No services in the month yet.", style="dim")
    )
    return (trend, members, levels)


def drill_from_matrix(figures: Figures, row: int, column: int, ctx: Context) -> Level | str:
    record = figures.row(row)
    name = figures.columns[column].name
    month = date.fromisoformat(name) if name[:2] == "20" else ctx.month
    return level_mix_level(record["county_code"], month)


def users_root(ctx: Context) -> Level:
    return Level(
        f"Monthly users {display.fiscal_year_label(ctx.fiscal_year)}",
        users_matrix,
        drill_from_matrix,
        enter_hint="level-of-care mix",
        query=report_query("users", Context.filters),
        start_column=ctx.month.isoformat(),  # the cursor starts on the context month
    )


# -- level of care mix ----------------------------------------------------------
MIX_COLUMNS = (
    Column("level_of_care", "Level"),
    Column("users", "Users", "count"),
    Column("plan_member_users", "Plan members", "count"),
    Column("non_plan_users", "Not plan", "count"),
    Column("services", "Services", "count"),
    Column("services_paid", "Paid", "money"),
    Column("level_name", "Name"),
)


def load_level_mix(county: str | None, month: date, engine: Engine, ctx: Context,
                   mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("users_level_mix", as_of=ctx.as_of, county=county, month=month)
    users = run_report(engine, "users", Filters(as_of=ctx.as_of, county=county, month=month))[
        "users"
    ].sum()
    note = line(
        key_value("Users in the month", display.count(users)),
        Text("a member who used several levels counts in each", style="dim"),
    )
    return LevelResult(present(frame, MIX_COLUMNS, mask_members=mask), (note,))


def drill_to_members(county: str | None, month: date, figures: Figures, row: int, _column: int,
                     _ctx: Context) -> Level | str:  # fmt: skip
    if county is None:
        return "Choose a county row to see its members."
    return members_level(county, month, figures.row(row)["level_of_care"])


def level_mix_level(county: str | None, month: date) -> Level:
    where = display.county_label(county) if county else REGION
    return Level(
        f"{where} {display.month_label(month)}: level of care",
        partial(load_level_mix, county, month),
        partial(drill_to_members, county, month),
        enter_hint="members using the level",
        query=asked("users_level_mix", "as_of", county=county, month=month),
    )


# -- members ------------------------------------------------------------------------
MEMBER_COLUMNS = (
    Column("member_id", "Member", "member"),
    Column("plan_member", "Plan member", "yes_no"),
    Column("fmap_group", "FMAP"),
    Column("levels", "Levels"),
    Column("services", "Services", "count"),
    Column("services_paid", "Paid", "money"),
    Column("first_service", "First", "date"),
    Column("last_service", "Last", "date"),
)


def load_members(county: str, month: date, level: str | None, engine: Engine, ctx: Context,
                 mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run(
        "county_month_members", as_of=ctx.as_of, county=county, month=month, level=level
    )
    note = Text("Member IDs are PHI (42 CFR Part 2): masked unless revealed with u.", style="dim")
    return LevelResult(present(frame, MEMBER_COLUMNS, mask_members=mask), (note,))


def drill_to_lines(month: date, figures: Figures, row: int, _column: int,
                   _ctx: Context) -> Level:  # fmt: skip
    return claim_lines_level(figures.row(row)["member_id"], month)


def members_level(county: str, month: date, level: str | None) -> Level:
    return Level(
        f"members{' using ' + level if level else ''}",
        partial(load_members, county, month, level),
        partial(drill_to_lines, month),
        enter_hint="the member's claim lines",
        query=asked("county_month_members", "as_of", county=county, month=month, level=level),
    )


# -- one member's claim lines -----------------------------------------------------------
LINE_COLUMNS = (
    Column("claim_id", "Claim"),
    Column("line_no", "Line", "count"),
    Column("service_date", "Service", "date"),
    Column("paid_date", "Paid on", "date"),
    Column("status", "Status"),
    Column("level_of_care", "Level"),
    Column("procedure_code", "Code"),
    Column("paid_amount", "Paid", "money"),
    Column("is_service", "Service?", "yes_no"),
    Column("provider_name", "Site"),
    Column("original_claim_id", "Reverses"),
    Column("billed_amount", "Billed", "money"),
)


def load_claim_lines(member_id: str, month: date, engine: Engine, ctx: Context,
                     mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("member_claim_lines", as_of=ctx.as_of, member_id=member_id, month=month)
    cost = frame.filter(pl.col("is_cost"))["paid_amount"].sum() if frame.height else 0
    note = line(
        key_value("Lines", display.count(frame.height)),
        key_value("services", display.count(int(frame["is_service"].sum() or 0))),
        key_value("claims cost", display.money(cost)),
        Text("reversals net out; denials are never services", style="dim"),
    )
    return LevelResult(present(frame, LINE_COLUMNS, mask_members=mask), (note,))


def claim_lines_level(member_id: str, month: date) -> Level:
    return Level(
        f"member {mask_member_id(member_id)} {display.month_label(month)}",
        partial(load_claim_lines, member_id, month),
        revealed_crumb=f"member {member_id} {display.month_label(month)}",  # after `u` only
    )
