"""Pane 8. Care transitions and access: follow-up after residential
discharge, WM readmissions, request to service and penetration per county,
and the care coordinators' worklist (w)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.context import Context
from tui.panes.base import Pane, Step
from tui.views import Level


class CarePane(Pane):
    title = "Care"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "worklist", "Worklist", show=False,
                tooltip="Discharges of the last 7 days with no follow-up yet (care, pane 8)"),
    ]  # fmt: skip

    def root(self, ctx: Context) -> Level:
        from tui.views.care import care_root  # polars loads after the first frame

        return care_root(ctx)

    def action_worklist(self) -> None:
        """Open the worklist over the county summary (Escape goes back to it)."""
        from tui.views.care import worklist_level

        ctx = self.wrp.context
        if ctx is None or not self.stack:
            return
        self.cancel_load()
        self.stack = [self.stack[0], Step(worklist_level(ctx))]
        self.refresh_step()
        self.refresh_bindings()
