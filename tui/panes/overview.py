"""Pane 1. The selected month at a glance."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class OverviewPane(Pane):
    title = "Overview"

    def root(self, ctx: Context) -> Level:
        from tui.views.overview import overview_root  # polars loads after the first frame

        return overview_root(ctx, self.wrp.clocks)
