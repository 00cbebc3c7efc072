"""Pane 4. Distance and timely-access standards; credentials expiring soon."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class AdequacyPane(Pane):
    title = "Adequacy"
    # the two standards' answers beside county and level at 80 columns
    column_priority = ("pct_within", "pct_timely", "members", "members_within",
                       "members_not_located")  # fmt: skip

    def root(self, ctx: Context) -> Level:
        from tui.views.adequacy import adequacy_root  # polars loads after the first frame

        return adequacy_root(ctx)
