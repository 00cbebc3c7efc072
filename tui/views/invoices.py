"""Invoices: expected vs billed per county-month, then the month's invoices,
then one invoice's payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text

from queries import display
from queries.billing import invoice_totals, is_to_invoice
from queries.reference import COUNTIES
from queries.reports import Filters, run_report
from tui.charts import billed_paid_chart, short_county
from tui.context import Context
from tui.presenting import ALERT_STYLE, Column, Figures, present
from tui.views import Level, LevelResult, key_value, line, negative_style
from tui.views.console import asked, report_query

if TYPE_CHECKING:
    from queries.engine import Engine

TO_INVOICE_STYLE = "bold yellow"


def _to_invoice_style(row: dict) -> str | None:
    return TO_INVOICE_STYLE if is_to_invoice(row) else None


def invoice_status(row: dict) -> str:
    """Contract v1.1: `invoiced` once the ORIGINAL is issued; a month with users
    and no ORIGINAL is `to invoice`."""
    if row["invoiced"]:
        return "invoiced"
    if is_to_invoice(row):
        return "to invoice"
    return "no users" if not row["computed_users"] else "—"


# In priority order: the money that answers "what was billed, what is owed"
# comes right after the pinned county (and month), where 80 columns show it.
FIGURE_COLUMNS = (
    Column("expected_total", "Expected", "money", style=_to_invoice_style),
    Column("billed_total", "Billed", "money"),
    Column("paid", "Paid", "money"),
    Column("outstanding", "Outstanding", "money"),
    Column("invoiced", "Status", style=_to_invoice_style, words=invoice_status),
    # A month with no ORIGINAL yet has nothing to drift from (contract v1.1).
    Column(
        "drift_amount",
        "Drift",
        "signed_money",
        style=_to_invoice_style,
        words=lambda r: "to invoice" if is_to_invoice(r) else None,
    ),
    Column("computed_users", "Users", "count"),
    Column("billed_users", "Billed users", "count"),
    Column(
        "drift_users",
        "Drift users",
        "signed_count",
        words=lambda r: "—" if is_to_invoice(r) else None,
    ),
)
MONTH_VIEW_COLUMNS = (Column("county_code", "County", "county"), *FIGURE_COLUMNS)
INVOICE_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("month", "Month", "month"),
    *FIGURE_COLUMNS,
)

AGING_BUCKETS = (
    ("days_0_30", "0–30 d"),
    ("days_31_60", "31–60 d"),
    ("days_61_90", "61–90 d"),
    ("days_over_90", "over 90 d"),
)


def total(frame: pl.DataFrame, column: str) -> Decimal:
    """Exact sum of a money column (nulls left out)."""
    return sum((v for v in frame[column] if v is not None), Decimal("0.00"))


def load_invoices(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "invoices", ctx.filters())
    notes = tuple(aging_notes(engine, ctx))
    by_month = frame.group_by("month", maintain_order=True).agg(
        pl.col("billed_total").sum(), pl.col("paid").sum()).sort("month")  # fmt: skip
    where = display.county_label(ctx.county) if ctx.county else "all counties"
    chart = billed_paid_chart(
        [m.strftime("%b") for m in by_month["month"]], by_month["billed_total"], by_month["paid"],
        f"Billed vs paid by month, {where} {display.fiscal_year_label(ctx.fiscal_year)}",
    )  # fmt: skip
    return LevelResult(present(frame, INVOICE_COLUMNS, mask_members=mask), notes, chart=chart)


def load_month_view(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    """The context month's invoice of every county: the close's first question."""
    frame = with_every_county(run_report(engine, "invoices", ctx.filters(month=True)), ctx)
    notes = tuple(aging_notes(engine, ctx))
    chart = billed_paid_chart(
        [short_county(c) for c in frame["county_code"]], frame["billed_total"], frame["paid"],
        f"Billed vs paid {display.month_label(ctx.month)}",
    )  # fmt: skip
    return LevelResult(present(frame, MONTH_VIEW_COLUMNS, mask_members=mask), notes,
                       chart=chart)  # fmt: skip


def with_every_county(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """The report has no row for a county-month with neither users nor an
    invoice; the month view lists it anyway, as the contract reads it: no
    users, nothing billed, paid or outstanding ("0.00"), nothing expected."""
    wanted = [ctx.county] if ctx.county else [c.code for c in COUNTIES]
    have = set(frame["county_code"])
    missing = [code for code in wanted if code not in have]
    if not missing:
        return frame
    zero = Decimal("0.00")
    rows = [{"county_code": code, "month": ctx.month, "computed_users": 0, "billed_users": 0,
             "billed_total": zero, "paid": zero, "outstanding": zero, "invoiced": False}
            for code in missing]  # fmt: skip
    filler = pl.DataFrame(rows, schema={k: frame.schema[k] for k in rows[0]})
    return pl.concat([frame, filler], how="diagonal_relaxed").sort("county_code")


def invoice_total_lines(frame: pl.DataFrame) -> tuple[Text, ...]:
    """Totals of the rows shown (they follow the filter)."""
    sums = invoice_totals(frame)
    totals = line(
        key_value("Billed", display.money(sums.billed)),
        key_value("drift", display.signed_money(sums.drift), negative_style(sums.drift)),
        key_value("paid", display.money(sums.paid)),
        key_value("outstanding", display.money(sums.outstanding)),
    )
    return (totals, to_invoice_line(sums))


def to_invoice_line(sums) -> Text:
    """The months with users and no ORIGINAL invoice yet, and what to bill."""
    if not sums.to_invoice_months:
        return Text("Every month with users has its ORIGINAL invoice.", style="dim")
    return line(
        key_value("To invoice", display.money(sums.to_invoice), TO_INVOICE_STYLE),
        Text(f"{sums.to_invoice_months} month(s) with users and no ORIGINAL yet "
             "(not drift)", style="dim"),
    )  # fmt: skip


def aging_notes(engine: Engine, ctx: Context) -> list[Text]:
    """Unpaid invoices of the fiscal year by days since issue, per county."""
    aging = engine.run(
        "invoice_aging", as_of=ctx.as_of, county=ctx.county, fiscal_year=ctx.fiscal_year
    )
    if aging.is_empty():
        return [Text("No unpaid invoices in the fiscal year.", style="dim")]
    header = line(
        Text("Unpaid by age", style="dim"),
        *(
            key_value(label, display.money(total(aging, column))) for column, label in AGING_BUCKETS
        ),  # fmt: skip
    )
    oldest = aging.sort("oldest_days", descending=True).row(0, named=True)
    worst = Text.assemble(
        ("Oldest unpaid: ", "dim"),
        (display.county_label(oldest["county_code"]), "bold"),
        (f" {oldest['oldest_days']:,} days", "bold"),
        (f" · {int(aging['unpaid_invoices'].sum()):,} unpaid invoices", "dim"),
    )
    return [header, worst]


# -- every unpaid invoice of every year, oldest first -----------------------------------------
AGING_COLUMNS = (
    Column("invoice_id", "Invoice"),
    Column("county_code", "County", "county"),
    Column("month", "Month", "month"),
    Column("age_days", "Age d", "count"),
    Column("bucket", "Bucket", style=lambda r: ALERT_STYLE if r["bucket"] == "over 90" else None),
    Column("outstanding", "Outstanding", "money"),
    Column("total_amount", "Total", "money"),
    Column("paid", "Paid", "money"),
    Column("invoice_type", "Type"),
    Column("issued_date", "Issued", "date"),
)
BUCKETS = ("0-30", "31-60", "61-90", "over 90")


def load_aging(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "aging", Filters(as_of=ctx.as_of, county=ctx.county))
    by_bucket = line(
        Text("Unpaid", style="dim"),
        *(key_value(f"{b} d", display.money(total(frame.filter(pl.col("bucket") == b),
                                                   "outstanding"))) for b in BUCKETS),
    )  # fmt: skip
    notes = (
        line(key_value("Unpaid invoices", display.count(frame.height)),
             key_value("outstanding", display.money(total(frame, "outstanding"))),
             Text("every fiscal year, oldest first", style="dim")),
        by_bucket,
    )  # fmt: skip
    return LevelResult(present(frame, AGING_COLUMNS, mask_members=mask), notes)


def aging_level() -> Level:
    return Level(
        "Unpaid invoices by age",
        load_aging,
        drill_to_payments,
        enter_hint="the invoice's payments",
        query=report_query("aging", lambda ctx: Filters(as_of=ctx.as_of, county=ctx.county)),
    )


def drill_to_month(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    record = figures.row(row)
    return month_invoices_level(record["county_code"], record["month"])


def drill_to_county_month(figures: Figures, row: int, _column: int, ctx: Context) -> Level:
    return month_invoices_level(figures.row(row)["county_code"], ctx.month)


def invoices_root(ctx: Context) -> Level:
    """The fiscal year, county by county and month by month (`v` from the month)."""
    return Level(
        f"Invoices {display.fiscal_year_label(ctx.fiscal_year)}",
        load_invoices,
        drill_to_month,
        enter_hint="the month's invoices",
        fixed_columns=2,
        query=report_query("invoices", Context.filters),
        totals=invoice_total_lines,
    )


def invoices_month_root(ctx: Context) -> Level:
    """The pane opens here: the context month, one row per county."""
    return Level(
        f"Invoices {display.month_label(ctx.month)}",
        load_month_view,
        drill_to_county_month,
        enter_hint="the month's invoices",
        fixed_columns=1,
        query=report_query("invoices", partial(Context.filters, month=True)),
        totals=invoice_total_lines,
    )


# -- one county-month's invoices --------------------------------------------------------
MONTH_COLUMNS = (
    Column("invoice_id", "Invoice"),
    Column("invoice_type", "Type"),
    Column("issued_date", "Issued", "date"),
    Column("user_count", "Users", "count"),
    Column("pupm_rate", "Rate", "money"),
    Column("pupm_amount", "PUPM", "money"),
    Column("admin_qa_amount", "Admin/QA", "money"),
    Column("total_amount", "Total", "money"),
    Column("paid", "Paid", "money"),
    Column("outstanding", "Outstanding", "money"),
    Column("days_since_issued", "Age d", "count"),
)


def load_month_invoices(county: str, month: date, engine: Engine, ctx: Context,
                        mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run("county_month_invoices", as_of=ctx.as_of, county=county, month=month)
    wrong = [
        r["invoice_id"] for r in frame.iter_rows(named=True)
        if r["pupm_amount"] != r["user_count"] * r["pupm_rate"]
        or r["total_amount"] != r["pupm_amount"] + r["admin_qa_amount"]
    ]  # fmt: skip
    notes = [line(
        key_value("Invoices", display.count(frame.height)),
        key_value("total", display.money(total(frame, "total_amount"))),
        key_value("paid", display.money(total(frame, "paid"))),
        key_value("outstanding", display.money(total(frame, "outstanding"))),
    )]  # fmt: skip
    if wrong:
        notes.append(Text(f"Arithmetic does not tie on {', '.join(wrong)}: "
                          "users × rate + admin ≠ total", style=ALERT_STYLE))  # fmt: skip
    return LevelResult(present(frame, MONTH_COLUMNS, mask_members=mask), tuple(notes))


def drill_to_payments(figures: Figures, row: int, _column: int, _ctx: Context) -> Level:
    return payments_level(figures.row(row))


def month_invoices_level(county: str, month: date) -> Level:
    return Level(
        f"{display.county_label(county)} {display.month_label(month)}",
        partial(load_month_invoices, county, month),
        drill_to_payments,
        enter_hint="the invoice's payments",
        query=asked("county_month_invoices", "as_of", county=county, month=month),
    )


# -- one invoice's payments ----------------------------------------------------------------
PAYMENT_COLUMNS = (
    Column("payment_id", "Payment"),
    Column("received_date", "Received", "date"),
    Column("amount", "Amount", "money"),
)


def load_payments(invoice: dict, engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = engine.run("invoice_payment_lines", as_of=ctx.as_of, invoice_id=invoice["invoice_id"])
    paid = total(frame, "amount")
    outstanding = invoice["total_amount"] - paid
    summary = line(
        key_value(invoice["invoice_type"].title(), f"issued {invoice['issued_date']}"),
        key_value("total", display.money(invoice["total_amount"])),
        key_value("paid", display.money(paid)),
        key_value("outstanding", display.money(outstanding), negative_style(outstanding)),
    )
    return LevelResult(present(frame, PAYMENT_COLUMNS, mask_members=mask), (summary,))


def payments_level(invoice: dict) -> Level:
    return Level(f"invoice {invoice['invoice_id']}", partial(load_payments, invoice),
                 query=asked("invoice_payment_lines", "as_of",
                             invoice_id=invoice["invoice_id"]))  # fmt: skip
