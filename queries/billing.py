"""Totals of the invoices report as the close reads them (contract v1.1).

A county-month with users and no ORIGINAL invoice is *to invoice*: its
expected total is what is still to bill, never drift, so drift totals leave
it out. The CLI and the panes both total the report's rows here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

ZERO = Decimal("0.00")


def is_to_invoice(row: dict[str, Any]) -> bool:
    """A month with users and no ORIGINAL invoice issued yet."""
    return not row["invoiced"] and (row["computed_users"] or 0) > 0


def money_sum(frame: pl.DataFrame, column: str) -> Decimal:
    """Exact sum of a money column (nulls left out)."""
    return sum((v for v in frame[column] if v is not None), ZERO)


@dataclass(frozen=True)
class InvoiceTotals:
    expected: Decimal
    billed: Decimal
    drift: Decimal  # invoiced months only (and months with no users)
    to_invoice: Decimal  # expected total of the months to invoice
    to_invoice_months: int
    paid: Decimal
    outstanding: Decimal


def invoice_totals(frame: pl.DataFrame) -> InvoiceTotals:
    """Totals of invoices-report rows, drift without the months to invoice."""
    pending = pl.col("invoiced").not_() & (pl.col("computed_users") > 0)
    waiting, billed = frame.filter(pending), frame.filter(pending.not_())
    return InvoiceTotals(
        expected=money_sum(frame, "expected_total"),
        billed=money_sum(frame, "billed_total"),
        drift=money_sum(billed, "drift_amount"),
        to_invoice=money_sum(waiting, "expected_total"),
        to_invoice_months=waiting.height,
        paid=money_sum(frame, "paid"),
        outstanding=money_sum(frame, "outstanding"),
    )
