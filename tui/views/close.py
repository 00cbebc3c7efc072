"""Month-end close (pane 6): the checklist, readiness per county, late changes
since each invoice, the supplemental invoices due, the claims lag triangle and
the year-end projection. Each is a section with its own drilldown.

The month being closed is the context's month; figures are as known on the
context's as-of date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.text import Text

from queries import display
from queries.calendar import first_of_month
from queries.close import CLOSE_CHECKS, checklist
from queries.lag import EXPECTED, LAGS, lag_label, month_by_county, triangle_on
from queries.projection import METHOD, months_between, project_fiscal_year
from queries.reports import Filters, run_report
from tui.context import Context
from tui.presenting import ALERT_STYLE, Column, Figures, present
from tui.views import Level, LevelResult, key_value, line, negative_style
from tui.views.close_notes import close_notes, mark_style
from tui.views.invoices import month_invoices_level, total

if TYPE_CHECKING:
    from queries.engine import Engine

PASS_STYLE = "dim"
MARKS = {"blocking": "✗", "warning": "!", "info": "i"}
MARK_STYLES = {"✗": ALERT_STYLE, "!": "bold yellow", "i": "bold blue", "✓": "green"}
VERDICT_STYLES = {"ready": "bold green", "invoiced": "", "blocked": ALERT_STYLE}


def verdict_line(result: Any, county: str | None) -> Text:
    """The month's verdict as queries/close.py words it (the CLI prints the same)."""
    style = "bold green" if result.ready(county) else ALERT_STYLE
    return Text(result.verdict(county), style=style)


def close_label(ctx: Context) -> str:
    return f"{display.month_label(ctx.month)} as of {ctx.as_of}"


# -- checklist ---------------------------------------------------------------------------
def _check_style(row: dict[str, Any]) -> str | None:
    if not row["count"]:
        return PASS_STYLE
    return ALERT_STYLE if row["severity"] == "blocking" else None


CHECK_COLUMNS = (
    Column("mark", " ", style=lambda r: MARK_STYLES[r["mark"]]),
    Column("severity", "Severity", style=_check_style),
    Column("check", "Check", style=_check_style),
    Column("count", "Count", "count", style=_check_style),
    Column("notes", "Notes", style=mark_style),
    Column("detail", "Detail", style=lambda r: None if r["count"] else PASS_STYLE),
)


def checklist_frame(engine: Engine, ctx: Context) -> tuple[pl.DataFrame, Any]:
    """Every check, blocking first, with a mark: ✗ ! i when open, ✓ when passing."""
    result = checklist(engine, ctx.month, ctx.as_of)
    rows = [
        dict(mark=MARKS[item.severity] if item.count else "✓", severity=item.severity,
             check=item.check, count=item.count, detail=item.detail,
             has_rows=item.check not in CLOSE_CHECKS)
        for severity, items in result.grouped().items()
        for item in items
    ]  # fmt: skip
    schema = {"mark": pl.String, "severity": pl.String, "check": pl.String, "count": pl.Int64,
              "detail": pl.String, "has_rows": pl.Boolean}  # fmt: skip
    return pl.DataFrame(rows, schema=schema), result


def load_checklist(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame, result = checklist_frame(engine, ctx)
    signed = close_notes(engine, ctx, frame["check"].to_list())
    frame = frame.with_columns(
        notes=pl.Series([signed.marks.get(c, "") for c in frame["check"]], dtype=pl.String)
    )
    opened = {s: sum(1 for i in items if i.count) for s, items in result.grouped().items()}
    of = {s: len(items) for s, items in result.grouped().items()}
    notes = (
        verdict_line(result, ctx.county),
        line(
            key_value("Warnings", f"{opened['warning']} of {of['warning']}"),
            key_value("info", f"{opened['info']} of {of['info']}"),
            Text("(tab: Readiness, per county and why)", style="dim"),
        ),
    )  # fmt: skip
    return LevelResult(present(frame, CHECK_COLUMNS, mask_members=mask), (*notes, *signed.lines))


def check_detail(figures: Figures, row: int) -> Text | None:
    """The highlighted check's full description (the column is cut at 80 columns)."""
    if not 0 <= row < figures.row_count:
        return None
    record = figures.row(row)
    return Text.assemble(("▸ ", "dim"), (record["check"], "bold"), ": ", record["detail"])


def drill_to_check(figures: Figures, row: int, _column: int, ctx: Context) -> Level | str:
    record = figures.row(row)
    if not record["has_rows"]:
        return f"{record['check']}: {record['detail']}"
    if not record["count"]:
        return f"{record['check']} passes: no rows behind it"
    return check_lines_level(record["check"], ctx.month)


def checklist_root(ctx: Context) -> Level:
    return Level(f"Close {close_label(ctx)}: checklist", load_checklist, drill_to_check,
                 enter_hint="the rows behind the check")  # fmt: skip


# -- the rows behind a check (member IDs masked) -------------------------------------------
LINE_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("month", "Month", "month"),
    Column("reference", "Reference"),
    Column("member_id", "Member", "member"),
    Column("amount", "Amount", "signed_money"),
    Column("note", "Note"),
)


def lines_notes(frame: pl.DataFrame, mask: bool) -> tuple[Text, ...]:
    amounts = [v for v in frame["amount"] if v is not None]
    parts = [key_value("Rows", display.count(frame.height))]
    if amounts:
        parts.append(key_value("amount", display.signed_money(sum(amounts, Decimal(0)))))
    parts.append(Text("member IDs masked (u reveals)" if mask else "member IDs REVEALED (u masks)",
                      style="dim" if mask else ALERT_STYLE))  # fmt: skip
    return (line(*parts),)


def load_check_lines(check: str, month: date, engine: Engine, ctx: Context,
                     mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("exception_lines", as_of=ctx.as_of, month=month, check=check)
    columns = tuple(c for c in LINE_COLUMNS if frame[c.name].null_count() < frame.height)
    return LevelResult(present(frame, columns or LINE_COLUMNS, mask_members=mask),
                       lines_notes(frame, mask))  # fmt: skip


def check_lines_level(check: str, month: date) -> Level:
    return Level(f"{check}: rows", partial(load_check_lines, check, month))


# -- readiness per county ----------------------------------------------------------------
READINESS_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("verdict", "Verdict", style=lambda r: VERDICT_STYLES.get(r["verdict"])),
    Column("users", "Users", "count"),
    Column("pupm_rate", "Rate", "money"),
    Column("expected_total", "Expected", "money"),
    Column("reason", "Reason"),
    Column("admin_qa_monthly", "Admin/QA", "money"),
    Column("invoiced_on", "Invoiced", "date"),
)


def load_readiness(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    result = checklist(engine, ctx.month, ctx.as_of)
    frame = result.counties(ctx.county)
    ready = frame.filter(pl.col("verdict") == "ready") if frame.height else frame
    notes = [verdict_line(result, ctx.county)]
    if ready.height:
        notes.append(key_value(f"Ready to invoice {display.month_label(ctx.month)}: expected",
                               display.money(total(ready, "expected_total"))))  # fmt: skip
    notes.append(Text("invoiced: an ORIGINAL exists, late claims go on a supplemental · "
                      "blocked: a blocking check open or no PUPM rate", style="dim"))  # fmt: skip
    return LevelResult(present(frame, READINESS_COLUMNS, mask_members=mask), tuple(notes))


def drill_to_findings(figures: Figures, row: int, _column: int, ctx: Context) -> Level:
    return county_findings_level(figures.row(row)["county_code"], ctx.month)


def readiness_root(ctx: Context) -> Level:
    return Level(f"Close {close_label(ctx)}: readiness", load_readiness, drill_to_findings,
                 enter_hint="the county's findings")  # fmt: skip


FINDING_COLUMNS = (Column("check", "Check"), *LINE_COLUMNS[1:])


def load_county_findings(county: str, month: date, engine: Engine, ctx: Context,
                         mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("exception_lines", as_of=ctx.as_of, month=month)
    frame = frame.filter(pl.col("county_code") == county)
    return LevelResult(present(frame, FINDING_COLUMNS, mask_members=mask),
                       lines_notes(frame, mask))  # fmt: skip


def county_findings_level(county: str, month: date) -> Level:
    return Level(f"{display.county_label(county)} findings",
                 partial(load_county_findings, county, month))  # fmt: skip


# -- late changes since each original invoice ---------------------------------------------
LATE_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("month", "Month", "month"),
    Column("users_then", "Users then", "count"),
    Column("users_now", "now", "count"),
    Column("users_added", "+users", "count"),
    Column("users_removed", "−users", "count"),
    Column("late_claims_paid", "Late claims", "money"),
    Column("reversed_since", "Reversed", "signed_money"),
    Column("net_change", "Net $", "signed_money"),
    Column("invoiced_on", "Invoiced", "date"),
    Column("late_claim_lines", "Late lines", "count"),
    Column("reversal_lines", "Rev. lines", "count"),
)


def load_late_changes(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "late-changes", ctx.filters()).with_columns(
        net_change=pl.col("late_claims_paid") + pl.col("reversed_since")
    )
    changed = frame.filter(
        (pl.col("users_added") != 0) | (pl.col("users_removed") != 0)
        | (pl.col("late_claims_paid") != 0) | (pl.col("reversed_since") != 0)
    )  # fmt: skip
    net = total(frame, "net_change")
    notes = (
        line(
            Text(f"{display.fiscal_year_label(ctx.fiscal_year)} invoiced county-months",
                 style="dim"),
            key_value("", display.count(frame.height)),
            key_value("changed since invoiced", display.count(changed.height)),
            key_value("users", f"+{int(frame['users_added'].sum() or 0):,} "
                               f"−{int(frame['users_removed'].sum() or 0):,}"),
        ),
        line(
            key_value("Late claims", display.money(total(frame, "late_claims_paid"))),
            key_value("reversed", display.signed_money(total(frame, "reversed_since")),
                      negative_style(total(frame, "reversed_since"))),
            key_value("net", display.signed_money(net), negative_style(net)),
            Text("(tab: Supplementals turns them into invoices)", style="dim"),
        ),
    )  # fmt: skip
    return LevelResult(present(frame, LATE_COLUMNS, mask_members=mask), notes)


def drill_to_invoices(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    record = figures.row(row)
    return month_invoices_level(record["county_code"], record["month"])


def late_changes_root(ctx: Context) -> Level:
    return Level(f"Close {close_label(ctx)}: late changes "
                 f"{display.fiscal_year_label(ctx.fiscal_year)}", load_late_changes,
                 drill_to_invoices, enter_hint="the month's invoices", fixed_columns=2)  # fmt: skip


# -- supplemental invoices due -------------------------------------------------------------
# The report's fields in its order, so that `e` writes the report's CSV.
SUPPLEMENTAL_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("month", "Month", "month"),
    Column("additional_users", "Add. users", "signed_count"),
    Column("pupm_rate", "Rate", "money"),
    Column("additional_pupm", "Users × rate", "signed_money"),
    Column("proposed_amount", "Proposed", "signed_money"),
    Column("fiscal_year", "FY", "fiscal_year"),
    Column("computed_users", "Users now", "count"),
    Column("billed_users", "Billed users", "count"),
    Column("other_adjustment", "Other adj.", "signed_money"),
    Column("expected_total", "Expected", "money"),
    Column("billed_total", "Billed", "money"),
)


def load_supplementals(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    filters = Filters(as_of=ctx.as_of, county=ctx.county)
    frame = run_report(engine, "supplementals", filters)
    due = frame.filter(pl.col("proposed_amount") > 0)
    credits = frame.filter(pl.col("proposed_amount") < 0)
    net, credited = total(frame, "proposed_amount"), total(credits, "proposed_amount")
    notes = [
        line(
            key_value("Due", f"{display.money(total(due, 'proposed_amount'))} ({due.height})"),
            key_value("credits", f"{display.signed_money(credited)} ({credits.height})",
                      negative_style(credited)),
            key_value("net", display.signed_money(net), negative_style(net)),
            Text("e writes the CSV for billing", style="dim"),
        )
    ]  # fmt: skip
    # The proposal is the invoices report's drift; say so when it ties, loudly when not.
    drift = run_report(engine, "invoices", filters)
    drift_by = {(r["county_code"], r["month"]): r["drift_amount"]
                for r in drift.iter_rows(named=True)}  # fmt: skip
    untied = [r for r in frame.iter_rows(named=True)
              if drift_by.get((r["county_code"], r["month"])) != r["proposed_amount"]]  # fmt: skip
    if untied:
        notes.append(Text(f"{len(untied)} proposal(s) differ from the invoices report's drift: "
                          + ", ".join(f"{r['county_code']} {display.month_label(r['month'])}"
                                      for r in untied), style=ALERT_STYLE))  # fmt: skip
    elif frame.height:
        notes.append(Text("Each proposal = expected − billed, the invoices report's drift "
                          "(pane 3) ✓", style="dim"))  # fmt: skip
    else:
        notes.append(Text("No supplemental invoices due: every invoiced month ties.", style="dim"))
    return LevelResult(present(frame, SUPPLEMENTAL_COLUMNS, mask_members=mask), tuple(notes))


def supplementals_root(ctx: Context) -> Level:
    return Level(f"Supplementals as of {ctx.as_of}", load_supplementals, drill_to_invoices,
                 enter_hint="the month's invoices", fixed_columns=2)  # fmt: skip


# -- claims lag triangle (computed in queries/lag.py) ---------------------------------------
def _lag_row_style(row: dict[str, Any]) -> str | None:
    return "italic" if row["label"] == EXPECTED else None


LAG_COLUMNS = (
    Column("label", "Month", style=_lag_row_style),
    Column("age_months", "Age", "count"),
    Column("paid", "Paid so far", "money"),
    Column("cost_complete_pct", "Complete", "percent"),
    Column("projected_paid", "Projected", "money"),
    Column("users", "Users", "count"),
    Column("users_complete_pct", "Users compl.", "percent"),
    Column("projected_users", "Proj. users", "count"),
    *(Column(f"lag_{k}", lag_label(k), "percent", style=_lag_row_style) for k in range(LAGS)),
)


def load_lag(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = triangle_on(engine, ctx.as_of, ctx.month, ctx.county)
    closing = frame.filter(pl.col("service_month") == ctx.month)
    notes = []
    if closing.height:
        row = closing.row(0, named=True)
        notes.append(line(
            Text(f"{display.month_label(ctx.month)}", style="bold"),
            key_value("paid so far", display.money(row["paid"])),
            key_value("about", display.percent(row["cost_complete_pct"])),
            key_value("of its final cost; projected", display.money(row["projected_paid"])),
            key_value("users", f"{row['users']:,} ≈ {display.percent(row['users_complete_pct'])}"),
        ))  # fmt: skip
    notes.append(
        Text(
            "Cells: paid by that lag as % of the month's projected final cost. Expected: the "
            "completion of a month that age on this day of the month (chain ladder by age in "
            "days, pooled over all counties).",
            style="dim",
        )
    )
    return LevelResult(present(frame, LAG_COLUMNS, mask_members=mask), tuple(notes))


def drill_to_lag_counties(figures: Figures, row: int, _column: int, _ctx: Context) -> Level | str:
    month = figures.row(row)["service_month"]
    if month is None:
        return "Expected: completion factors by age, pooled over all counties"
    return lag_counties_level(month)


def lag_root(ctx: Context) -> Level:
    return Level(f"Claims lag as of {ctx.as_of}", load_lag, drill_to_lag_counties,
                 enter_hint="the month by county")  # fmt: skip


LAG_COUNTY_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("paid", "Paid so far", "money"),
    Column("projected_paid", "Projected", "money"),
    Column("users", "Users", "count"),
    Column("projected_users", "Proj. users", "count"),
)


def load_lag_counties(month: date, engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = month_by_county(engine, ctx.as_of, month, ctx.county)
    age = months_between(month, first_of_month(ctx.as_of))
    done = frame.row(0, named=True) if frame.height else {}
    note = line(
        Text(f"Age {age}", style="dim"),
        key_value("cost complete", display.percent(done.get("cost_complete_pct"))),
        key_value("users complete", display.percent(done.get("users_complete_pct"))),
        Text("(pooled factors)", style="dim"),
    )
    return LevelResult(present(frame, LAG_COUNTY_COLUMNS, mask_members=mask), (note,))


def lag_counties_level(month: date) -> Level:
    return Level(f"{display.month_label(month)} by county", partial(load_lag_counties, month))


# -- year-end projection ----------------------------------------------------------------------
PROJECTION_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("projected_cost", "Projected cost", "money"),
    Column("projected_pupm_billed", "PUPM billed", "money"),
    Column("projected_variance", "Variance", "signed_money"),
    Column("projected_variance_pct", "Var %", "signed_percent"),
    Column("projected_user_months", "User-months", "count"),
    Column("break_even_pupm", "Break-even PUPM", "money"),
    Column("pupm_rate", "Rate", "money"),
    Column("known_cost", "Known so far", "money"),
)


def projection_totals(frame: pl.DataFrame, fiscal_year: int) -> Text:
    variance = total(frame, "projected_variance")
    return line(
        Text(f"{display.fiscal_year_label(fiscal_year)} at year end", style="dim"),
        key_value("cost", display.money(total(frame, "projected_cost"))),
        key_value("PUPM billed", display.money(total(frame, "projected_pupm_billed"))),
        key_value("variance", display.signed_money(variance), negative_style(variance)),
    )


def load_projection(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "projection", ctx.filters())
    notes = (projection_totals(frame, ctx.fiscal_year),
             Text.assemble(("Method: ", "bold"), (METHOD, "dim")))  # fmt: skip
    return LevelResult(present(frame, PROJECTION_COLUMNS, mask_members=mask), notes)


def drill_to_projected_months(figures: Figures, row: int, _column: int, ctx: Context) -> Level:
    return projected_months_level(figures.row(row)["county_code"], ctx.fiscal_year)


def projection_root(ctx: Context) -> Level:
    return Level(f"Year-end projection {display.fiscal_year_label(ctx.fiscal_year)}",
                 load_projection, drill_to_projected_months,
                 enter_hint="month by month")  # fmt: skip


PROJECTED_MONTH_COLUMNS = (
    Column("month", "Month", "month"),
    Column("age_months", "Age", "count"),
    Column("basis", "Basis"),
    Column("known_cost", "Known cost", "money"),
    Column("projected_cost", "Projected cost", "money"),
    Column("known_users", "Known users", "count"),
    Column("projected_users", "Proj. users", "count"),
)


def load_projected_months(county: str, fiscal_year: int, engine: Engine, ctx: Context,
                          mask: bool) -> LevelResult:  # fmt: skip
    months = project_fiscal_year(engine, ctx.as_of, fiscal_year, county).months
    run_rate = months.filter(pl.col("basis") == "run rate").height
    note = line(
        key_value("Known", display.money(total(months, "known_cost"))),
        key_value("projected", display.money(total(months, "projected_cost"))),
        Text(f"{months.height - run_rate} months lag-completed, {run_rate} at the run rate",
             style="dim"),
    )  # fmt: skip
    return LevelResult(present(months, PROJECTED_MONTH_COLUMNS, mask_members=mask), (note,))


def projected_months_level(county: str, fiscal_year: int) -> Level:
    return Level(f"{display.county_label(county)} {display.fiscal_year_label(fiscal_year)} "
                 "by month", partial(load_projected_months, county, fiscal_year))  # fmt: skip


# -- the sections ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """One view of the close: its name on the section bar, its root level and,
    optionally, a line describing the highlighted row."""

    label: str
    root: Callable[[Context], Level]
    detail: Callable[[Figures, int], Text | None] | None = None


SECTIONS = (
    Section("Checklist", checklist_root, check_detail),
    Section("Readiness", readiness_root),
    Section("Late changes", late_changes_root),
    Section("Supplementals", supplementals_root),
    Section("Lag", lag_root),
    Section("Projection", projection_root),
)
