"""Pane 3. Expected vs billed per county-month, paid, outstanding and aging."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class InvoicesPane(Pane):
    title = "Invoices"

    def root(self, ctx: Context) -> Level:
        from tui.views.invoices import invoices_root  # polars loads after the first frame

        return invoices_root(ctx)
