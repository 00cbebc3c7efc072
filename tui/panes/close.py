"""Pane 6. Month-end close for the context's month: checklist, readiness,
late changes, supplementals, claims lag and year-end projection, one section
at a time (tab / shift+tab), each with its own drilldown."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from tui.commands import CommandList
from tui.context import Context
from tui.panes.base import Pane, Step
from tui.panes.close_notes import NOTE_BINDINGS, NotesKeys
from tui.views import Level
from tui.widgets.figure_table import FigureTable
from tui.widgets.notes import Notes
from tui.widgets.section_bar import SectionBar

if TYPE_CHECKING:
    from tui.app import WrpApp

# The section names, here so that the first frame needs no polars (tui/views/close.py
# holds the sections themselves, in this order).
SECTION_LABELS = ("Checklist", "Readiness", "Late changes", "Supplementals", "Lag", "Projection")


def sections() -> tuple[Any, ...]:
    from tui.views.close import SECTIONS  # polars loads after the first frame

    return SECTIONS


class ClosePane(NotesKeys, Pane):
    title = "Close"
    prefetches = False  # its checks read every claim line: loaded when asked for
    # Priority: the table would take tab to move its cursor (→ does that already).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "section(1)", "Section", show=False, tooltip="Next section of the close",
                priority=True),
        Binding("shift+tab", "section(-1)", "Prev section", show=False,
                tooltip="Previous section of the close", priority=True),
        *NOTE_BINDINGS,
    ]  # fmt: skip

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.section = 0
        self.saved: dict[int, list[Step]] = {}  # other sections' drilldowns, kept for tab back

    def compose(self) -> ComposeResult:
        yield SectionBar(SECTION_LABELS, hint="tab ⇥")
        yield from super().compose()

    def root(self, ctx: Context) -> Level:
        return sections()[self.section].root(ctx)

    # -- sections --------------------------------------------------------------------------
    def action_section(self, delta: int) -> None:
        self.show_section((self.section + delta) % len(SECTION_LABELS))

    def show_section(self, index: int) -> None:
        """Switch to section `index`, where it was left (reloaded if stale)."""
        ctx = self.wrp.context
        if index == self.section or ctx is None:
            return
        if self.loading_now:
            self.cancel_load()  # its result belongs to the section we leave
        self.saved[self.section] = self.stack
        self.section = index
        self.stack = self.saved.pop(index, None) or [Step(self.root(ctx))]
        self.query_one(SectionBar).current = index
        self.refresh_step()
        self.refresh_bindings()

    def context_changed(self, old: Context | None, new: Context, active: bool) -> None:
        self.saved.clear()  # the other sections start again from their root
        super().context_changed(old, new, active)

    # -- the highlighted row, described in full --------------------------------------------
    async def show_result(self, step: Step) -> None:
        await super().show_result(step)
        self.show_row_detail(self.query_one(FigureTable).cursor[0])

    def on_data_table_cell_highlighted(self, event: Any) -> None:
        self.show_row_detail(event.coordinate.row)

    def show_row_detail(self, row: int) -> None:
        step, figures = self.step, self.figures
        if step is None or step.result is None or figures is None or len(self.stack) != 1:
            return
        detail = sections()[self.section].detail
        if detail is None:
            return
        described = detail(figures, row)
        lines = step.result.lines
        self.query_one(Notes).show_lines([described, *lines] if described else lines)
        self.fold_notes()
        self.call_after_refresh(self.fold_notes)  # again once the new lines are laid out


class CloseCommands(CommandList):
    """The close's sections by name in the command palette."""

    def commands(self) -> Iterator[tuple[str, str, partial]]:
        app: WrpApp = self.app  # type: ignore[assignment]
        for index, label in enumerate(SECTION_LABELS):
            yield (f"Close: {label}", f"Pane 6, the month-end close: {label.lower()}",
                   partial(open_section, app, index))  # fmt: skip


def open_section(app: WrpApp, index: int) -> None:
    app.action_pane("close")
    app.query_one(ClosePane).show_section(index)
