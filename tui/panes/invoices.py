"""Pane 3. Expected vs billed per county for the context month (`v`: the
fiscal year month by month), paid, outstanding and aging."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class InvoicesPane(Pane):
    title = "Invoices"
    views = ("month", "fiscal year")

    def root(self, ctx: Context) -> Level:
        from tui.views.invoices import invoices_month_root, invoices_root  # polars loads later

        return invoices_month_root(ctx) if self.view == 0 else invoices_root(ctx)
