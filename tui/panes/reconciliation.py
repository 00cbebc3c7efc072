"""Pane 5. PUPM billed vs actual claims cost, and the running variance."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class ReconciliationPane(Pane):
    title = "Reconciliation"

    def root(self, ctx: Context) -> Level:
        from tui.views.reconciliation import (
            reconciliation_root,  # polars loads after the first frame
        )

        return reconciliation_root(ctx)
