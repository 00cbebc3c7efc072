"""Pane 3. Expected vs billed per county for the context month (`v`: the
fiscal year month by month), paid, outstanding and aging."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.context import Context
from tui.panes.base import Pane, Step
from tui.views import Level


class InvoicesPane(Pane):
    title = "Invoices"
    views = ("month", "fiscal year")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "aging", "Aging", tooltip="Every unpaid invoice of every year, by age"),
    ]

    def action_aging(self) -> None:
        """Drill to the unpaid invoices list (esc comes back)."""
        from tui.views.invoices import aging_level

        level = aging_level()
        if self.wrp.context is None or (self.step and self.step.level.crumb == level.crumb):
            return
        self.stack.append(Step(level))
        self.refresh_step()
        self.refresh_bindings()

    def root(self, ctx: Context) -> Level:
        from tui.views.invoices import invoices_month_root, invoices_root  # polars loads later

        return invoices_month_root(ctx) if self.view == 0 else invoices_root(ctx)
