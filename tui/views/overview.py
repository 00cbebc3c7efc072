"""Overview: the selected month at a glance."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text

from queries import display
from queries.billing import invoice_totals
from queries.calendar import add_months
from queries.close import checklist
from queries.engine import DataError
from queries.reports import Filters, run_report
from tui.clocks import Clocks
from tui.context import Context
from tui.freshness import age
from tui.presenting import ALERT_STYLE, Column, Figures, present, spark
from tui.views import Level, LevelResult, key_value, line, negative_style
from tui.views.adequacy import TIMELY_TARGET, flags
from tui.views.console import report_query
from tui.views.reconciliation import fiscal_year_totals
from tui.views.users import REGION, TREND_MONTHS, county_rows, level_mix_level

if TYPE_CHECKING:
    from queries.engine import Engine


def users_by_county(engine: Engine, ctx: Context) -> pl.DataFrame:
    every_month = run_report(engine, "users", Filters(as_of=ctx.as_of, county=ctx.county))
    by_key = {(r["county_code"], r["month"]): r["users"] for r in every_month.iter_rows(named=True)}
    window = [add_months(ctx.month, -i) for i in reversed(range(TREND_MONTHS))]
    previous = add_months(ctx.month, -1)
    rows = []
    codes = county_rows(ctx.county)
    for code in [*codes, None] if len(codes) > 1 else codes:
        series = [
            sum(by_key.get((c, m), 0) for c in codes) if code is None else by_key.get((code, m), 0)
            for m in window
        ]
        rows.append({
            "county_code": code,
            "county": display.county_label(code) if code else REGION,
            "users": series[-1],
            "previous": series[-2],
            "change": series[-1] - series[-2],
            "trend": spark(series),
        })  # fmt: skip
    schema = {"county_code": pl.String, "county": pl.String, "users": pl.Int64,
              "previous": pl.Int64, "change": pl.Int64, "trend": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema), previous, window[0]


def load_overview(clocks: Clocks, engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame, previous, first = users_by_county(engine, ctx)
    columns = (
        Column("county", "County"),
        Column("users", f"Users {display.month_label(ctx.month)}", "count"),
        Column("previous", display.month_label(previous), "count"),
        Column("change", "Change", "signed_count"),
        Column("trend", f"Trend since {display.month_label(first)}", "bars"),
    )
    notes = [
        invoice_note(engine, ctx),
        line(Text(f"{display.fiscal_year_label(ctx.fiscal_year)} to date", style="dim"),
             fiscal_year_totals(run_report(engine, "reconciliation", ctx.filters()))),
        adequacy_note(engine, ctx),
        close_note(engine, ctx),
        *freshness_notes(engine, clocks),
    ]  # fmt: skip
    return LevelResult(present(frame, columns, mask_members=mask), tuple(notes))


def invoice_note(engine: Engine, ctx: Context) -> Text:
    sums = invoice_totals(run_report(engine, "invoices", ctx.filters(month=True)))
    parts = [
        Text(f"Invoices {display.month_label(ctx.month)}", style="dim"),
        key_value("billed", display.money(sums.billed)),
        key_value("paid", display.money(sums.paid)),
        key_value("outstanding", display.money(sums.outstanding)),
        key_value("drift", display.signed_money(sums.drift), negative_style(sums.drift)),
    ]
    if sums.to_invoice_months:  # not drift: no ORIGINAL yet (contract v1.1)
        parts.append(key_value("to invoice", display.money(sums.to_invoice), "bold yellow"))
    unpaid = run_report(engine, "aging", Filters(as_of=ctx.as_of, county=ctx.county))
    if unpaid.height:  # oldest first
        oldest = unpaid.row(0, named=True)
        parts.append(key_value(
            "· oldest unpaid", f"{oldest['invoice_id']} {display.money(oldest['outstanding'])} "
            f"{oldest['age_days']:,} d", ALERT_STYLE if oldest["bucket"] == "over 90" else "bold",
        ))  # fmt: skip
    return line(*parts)


def adequacy_note(engine: Engine, ctx: Context) -> Text:
    distance, timely = flags(run_report(engine, "adequacy", ctx.filters(month=True)))
    return line(
        Text("Adequacy", style="dim"),
        key_value(
            "outside distance", display.count(len(distance)), ALERT_STYLE if distance else "bold"
        ),  # fmt: skip
        key_value(
            f"timely < {TIMELY_TARGET:.0f}%",
            display.count(len(timely)),
            ALERT_STYLE if timely else "bold",
        ),  # fmt: skip
        Text("county-levels (pane 4)", style="dim"),
    )


def close_note(engine: Engine, ctx: Context) -> Text:
    """The close's verdict for the month (as pane 6 and `wrp-tui close` give
    it) and how many of the checklist's checks are open (pane 6 lists them)."""
    result = checklist(engine, ctx.month, ctx.as_of)
    failing = sum(1 for i in result.items if i.count)
    blocking = len(result.blocking)
    style = "bold green" if result.ready(ctx.county) else ALERT_STYLE
    return line(
        Text(f"Close {display.month_label(ctx.month)}", style="dim"),
        Text(result.verdict(ctx.county), style=style),
        key_value("· checks open", display.count(failing)),
        key_value("blocking", display.count(blocking), ALERT_STYLE if blocking else "bold"),
    )


def freshness_notes(engine: Engine, clocks: Clocks) -> list[Text]:
    try:
        fresh = engine.run("extract_freshness").row(0, named=True)
    except DataError as exc:
        fresh = {}
        dates = Text(f"{exc.title}: {exc.message}", style=ALERT_STYLE)
    else:
        dates = line(
            Text("Extracts", style="dim"),
            key_value("latest paid", str(fresh["latest_paid_date"] or "—")),
            key_value("eligibility to", display.month_label(fresh["latest_eligibility_month"])),
            key_value("invoices to", str(fresh["latest_invoice_issued"] or "—")),
        )
    times = clocks.file_times(engine)
    if not times:
        return [dates]
    # File times are UTC; the user reads them in local time.
    newest, oldest = max(times.values()).astimezone(), min(times.values()).astimezone()
    files = line(
        Text("Files", style="dim"),
        key_value("newest", f"{newest:%Y-%m-%d %H:%M} ({age(newest, clocks.now())} ago)"),
        key_value("oldest", f"{oldest:%Y-%m-%d %H:%M}"),
        Text(f"{len(times)} tables", style="dim"),
    )
    return [dates, files]


def drill_to_mix(figures: Figures, row: int, _column: int, ctx: Context) -> Level:
    return level_mix_level(figures.row(row)["county_code"], ctx.month)


def overview_root(ctx: Context, clocks: Clocks) -> Level:
    return Level(
        f"Overview {display.month_label(ctx.month)}",
        partial(load_overview, clocks),
        drill_to_mix,
        enter_hint="level-of-care mix",
        query=report_query("users", lambda ctx: Filters(as_of=ctx.as_of, county=ctx.county)),
    )
