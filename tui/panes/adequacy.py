"""Pane 4. Distance and timely-access standards; credentials expiring soon."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class AdequacyPane(Pane):
    title = "Adequacy"

    def root(self, ctx: Context) -> Level:
        from tui.views.adequacy import adequacy_root  # polars loads after the first frame

        return adequacy_root(ctx)
