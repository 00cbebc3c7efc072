"""Pane 2. County × month users for the fiscal year, with its trend and mix."""

from __future__ import annotations

from tui.context import Context
from tui.panes.base import Pane
from tui.views import Level


class UsersPane(Pane):
    title = "Users"

    def root(self, ctx: Context) -> Level:
        from tui.views.users import users_root  # polars loads after the first frame

        return users_root(ctx)
