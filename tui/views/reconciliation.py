"""Reconciliation: PUPM billed vs actual claims cost per county and fiscal
year, then the month-by-month running variance."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text

from queries import display
from queries.reports import run_report
from tui.charts import variance_chart
from tui.context import Context
from tui.presenting import ALERT_STYLE, NEGATIVE_STYLE, Column, Figures, present, signed_bars
from tui.views import Level, LevelResult, key_value, line, negative_style, percent_of
from tui.views.console import asked, report_query
from tui.views.invoices import total
from tui.views.users import claim_lines_level

if TYPE_CHECKING:
    from queries.engine import Engine

# In priority order: the variances (the pane's question) first after the
# pinned county, so 80 columns show every county's; the FY is the context's.
RECONCILIATION_COLUMNS = (
    Column("county_code", "County", "county"),
    # An open year reads first through its last invoiced month (contract v1.1).
    Column("variance_through_invoiced", "Var. to invoiced", "signed_money"),
    Column("invoiced_through", "Invoiced to", "month"),
    Column("variance", "Variance", "signed_money"),
    Column("variance_pct", "Var %", "signed_percent"),
    Column("pupm_billed", "PUPM billed", "money"),
    Column("actual_claims_cost", "Claims cost", "money"),
    Column("user_months", "User-months", "count"),
    Column("indicated_pupm", "Indicated PUPM", "money"),
    Column("cost_through_invoiced", "Cost to invoiced", "money"),
    Column("federal_match", "Federal match est.", "money"),
    Column("fiscal_year", "FY", "fiscal_year"),
    # the year-end projection (queries/projection.py), joined per county
    Column("year_end_cost", "YE cost", "money"),
    Column("year_end_user_months", "YE user-months", "count"),
    Column("year_end_pupm_billed", "YE PUPM billed", "money"),
    Column("year_end_variance", "YE variance", "signed_money"),
    Column("break_even_pupm", "Break-even PUPM", "money"),
)
# One line at 80 columns; pane 6 › Projection states the whole method.
YEAR_END_METHOD = "YE method: so far ÷ completion at its age in days, the rest at run rate (pane 6)"


def fiscal_year_totals(frame: pl.DataFrame) -> Text:
    """Billed, cost and variance of the rows; for a year still open, the
    variance through the last invoiced month comes first (contract v1.1)."""
    billed, cost = total(frame, "pupm_billed"), total(frame, "actual_claims_cost")
    variance = billed - cost
    through = [m for m in frame["invoiced_through"]] if frame.height else []
    open_year = any(m is None or m.month != 6 for m in through)
    if open_year:
        months = {m for m in through if m is not None}
        to = (f"to {display.month_label(next(iter(months)))} (last invoiced)"
              if len(months) == 1 else "to each last invoiced month")  # fmt: skip
        to_date = total(frame, "variance_through_invoiced")
        cost_to = total(frame, "cost_through_invoiced")
        pct = display.signed_percent(percent_of(to_date, cost_to))
        return line(
            key_value(f"Variance {to}", f"{display.signed_money(to_date)} ({pct})",
                      negative_style(to_date)),
            key_value("· all months so far", display.signed_money(variance),
                      negative_style(variance)),
            key_value("· billed", display.money(billed)),
        )  # fmt: skip
    return line(
        key_value("Billed", display.money(billed)),
        key_value("cost", display.money(cost)),
        key_value("variance", display.signed_money(variance), negative_style(variance)),
        key_value(
            "", display.signed_percent(percent_of(variance, cost)), negative_style(variance)
        ),  # fmt: skip
        key_value("federal match est.", display.money(total(frame, "federal_match"))),
    )


def running_chart(months: pl.DataFrame) -> list[Text]:
    """The running variance month by month as bars either side of zero."""
    if months.is_empty():
        return [Text("No months with figures yet.", style="dim")]
    running = [float(v) for v in months["running_variance"]]
    top, bottom = signed_bars(running)
    labels = "".join(m.strftime("%b")[0] for m in months["month"])
    last = months["running_variance"][-1]
    return [
        Text.assemble(("Running variance ", "dim"), (top, "green"),
                      ("  now ", "dim"), (display.signed_money(last), negative_style(last))),
        Text.assemble(("                 ", "dim"), (bottom, NEGATIVE_STYLE)),
        Text.assemble(("                 ", "dim"), (labels, "dim")),
    ]  # fmt: skip


def load_reconciliation(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "reconciliation", ctx.filters())
    months = engine.run(
        "reconciliation_months", as_of=ctx.as_of, county=ctx.county, fiscal_year=ctx.fiscal_year
    )
    frame, year_end = with_year_end(engine, ctx, frame)
    notes = (*running_chart(months), year_end_line(year_end))
    where = display.county_label(ctx.county) if ctx.county else "all counties"
    chart = variance_chart(months["month"], months["variance"],
                           f"Variance by month, {where} "
                           f"{display.fiscal_year_label(ctx.fiscal_year)}")  # fmt: skip
    return LevelResult(present(frame, RECONCILIATION_COLUMNS, mask_members=mask), notes,
                       chart=chart)  # fmt: skip


def with_year_end(engine: Engine, ctx: Context,
                  frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """The reconciliation with each county's projected year-end figures beside it."""
    year_end = run_report(engine, "projection", ctx.filters())
    projected = year_end.select(
        "county_code",
        pl.col("projected_cost").alias("year_end_cost"),
        pl.col("projected_user_months").alias("year_end_user_months"),
        pl.col("projected_pupm_billed").alias("year_end_pupm_billed"),
        pl.col("projected_variance").alias("year_end_variance"),
        "break_even_pupm",
    )
    return frame.join(projected, on="county_code", how="left", maintain_order="left"), year_end


def year_end_line(year_end: pl.DataFrame) -> Text:
    variance = total(year_end, "projected_variance")
    return Text.assemble(
        line(
            Text("Year end", style="dim"),
            key_value("cost", display.money(total(year_end, "projected_cost"))),
            key_value("PUPM billed", display.money(total(year_end, "projected_pupm_billed"))),
            key_value("variance", display.signed_money(variance), negative_style(variance)),
        ),
        "\n",
        (YEAR_END_METHOD, "dim"),
    )


def drill_to_months(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    record = figures.row(row)
    return months_level(record["county_code"], record["fiscal_year"])


def reconciliation_root(ctx: Context) -> Level:
    return Level(
        f"Reconciliation {display.fiscal_year_label(ctx.fiscal_year)}",
        load_reconciliation,
        drill_to_months,
        enter_hint="month-by-month breakdown",
        query=report_query("reconciliation", Context.filters),
        totals=lambda frame: (fiscal_year_totals(frame),),
    )


# -- month by month ----------------------------------------------------------------------
MONTH_COLUMNS = (
    Column("month", "Month", "month"),
    Column("users", "Users", "count"),
    Column("pupm_billed", "PUPM billed", "money"),
    Column("actual_claims_cost", "Claims cost", "money"),
    Column("variance", "Variance", "signed_money"),
    Column("running_variance", "Running", "signed_money"),
    Column("running_variance_pct", "Run %", "signed_percent"),
    Column("bar", "", "bars"),
    Column("federal_match", "Federal match est.", "money"),
)


def load_months(county: str, fiscal_year: int, engine: Engine, ctx: Context,
                mask: bool) -> LevelResult:  # fmt: skip
    months = engine.run(
        "reconciliation_months", as_of=ctx.as_of, county=county, fiscal_year=fiscal_year
    )
    scale = max((abs(v) for v in months["running_variance"]), default=0) or 1
    bars = [("+" if v > 0 else "-" if v < 0 else "") + "█" * round(abs(v) / scale * 10)
            for v in months["running_variance"]]  # fmt: skip
    months = months.with_columns(pl.Series("bar", bars, dtype=pl.String))
    return LevelResult(
        present(months, MONTH_COLUMNS, mask_members=mask), tuple(running_chart(months))
    )


def drill_to_levels(county: str, fiscal_year: int, figures: Figures, row: int, _column: int,
                    _ctx: Context) -> Level:  # fmt: skip
    return levels_level(county, fiscal_year, figures.row(row)["month"])


def months_level(county: str, fiscal_year: int) -> Level:
    return Level(
        f"{display.county_label(county)} {display.fiscal_year_label(fiscal_year)} by month",
        partial(load_months, county, fiscal_year),
        partial(drill_to_levels, county, fiscal_year),
        enter_hint="the month's cost by level of care",
        query=asked("reconciliation_months", "as_of", county=county, fiscal_year=fiscal_year),
    )


# -- what the cost went on: levels of care, then the members who cost most ------------------
LEVEL_COLUMNS = (
    Column("level_of_care", "Level"),
    Column("level_name", "Name"),
    Column("claims_cost", "Claims cost", "money"),
    Column("cost_share_pct", "Share", "percent"),
    Column("users", "Users", "count"),
    Column("cost_per_user", "Per user", "money"),
    Column("lines", "Lines", "count"),
)


def load_levels(county: str, fiscal_year: int, month: date | None, engine: Engine, ctx: Context,
                mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("cost_by_level", as_of=ctx.as_of, county=county,
                       fiscal_year=fiscal_year, month=month)  # fmt: skip
    note = line(
        key_value("Claims cost", display.money(total(frame, "claims_cost"))),
        Text("= the month's claims cost in reconciliation; ↵ the members who cost most",
             style="dim"),
    )  # fmt: skip
    return LevelResult(present(frame, LEVEL_COLUMNS, mask_members=mask), (note,))


def drill_to_top_members(county: str, fiscal_year: int, month: date | None, figures: Figures,
                         row: int, _column: int, _ctx: Context) -> Level:  # fmt: skip
    level = figures.row(row)["level_of_care"]
    return top_members_level(county, fiscal_year, month, level)


def levels_level(county: str, fiscal_year: int, month: date | None) -> Level:
    period = display.month_label(month) if month else display.fiscal_year_label(fiscal_year)
    return Level(
        f"{period} by level of care",
        partial(load_levels, county, fiscal_year, month),
        partial(drill_to_top_members, county, fiscal_year, month),
        enter_hint="the members who cost most at that level",
        query=asked("cost_by_level", "as_of", county=county, fiscal_year=fiscal_year,
                    month=month),
    )  # fmt: skip


TOP_MEMBER_COLUMNS = (
    Column("member_id", "Member", "member"),
    Column("claims_cost", "Claims cost", "money"),
    Column("cost_share_pct", "Share", "percent"),
    Column("lines", "Lines", "count"),
    Column("months", "Months", "count"),
    Column("levels", "Levels"),
)


def load_top_members(county: str, fiscal_year: int, month: date | None, level: str | None,
                     engine: Engine, ctx: Context, mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("top_cost_members", as_of=ctx.as_of, county=county,
                       fiscal_year=fiscal_year, month=month, level=level)  # fmt: skip
    note = line(
        key_value("Top", display.count(frame.height)),
        key_value("claims cost", display.money(total(frame, "claims_cost"))),
        Text("member IDs masked (u reveals)" if mask else "member IDs REVEALED (u masks)",
             style="dim" if mask else ALERT_STYLE),
    )  # fmt: skip
    return LevelResult(present(frame, TOP_MEMBER_COLUMNS, mask_members=mask), (note,))


def drill_to_member_lines(month: date | None, figures: Figures, row: int, _column: int,
                          _ctx: Context) -> Level | str:  # fmt: skip
    if month is None:
        return "Pick a month (one level up) to see a member's claim lines"
    return claim_lines_level(figures.row(row)["member_id"], month)


def top_members_level(county: str, fiscal_year: int, month: date | None,
                      level: str | None) -> Level:  # fmt: skip
    return Level(
        f"top members{' at ' + level if level else ''}",
        partial(load_top_members, county, fiscal_year, month, level),
        partial(drill_to_member_lines, month),
        enter_hint="the member's claim lines",
        query=asked("top_cost_members", "as_of", county=county, fiscal_year=fiscal_year,
                    month=month, level=level),
    )  # fmt: skip
