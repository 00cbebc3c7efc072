"""A pane's table: textual-fastdatatable over the formatted cells of `Figures`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget

from tui.widgets.loading import Loading

if TYPE_CHECKING:
    from tui.presenting import Figures


@cache
def grid_class() -> type:
    """fastdatatable's DataTable with Enter described as the drilldown.
    Built on first use: fastdatatable loads pyarrow and polars, which the
    first frame does not need."""
    from textual_fastdatatable import DataTable

    class Grid(DataTable):
        scroll_pending = False  # the cursor to be scrolled into view once laid out

        def watch_virtual_size(self) -> None:
            self.call_after_refresh(self.scroll_when_laid_out)

        def on_resize(self) -> None:
            self.call_after_refresh(self.scroll_when_laid_out)

        def scroll_when_laid_out(self) -> None:
            # A new grid learns its size and its columns' widths over its first
            # refreshes: only then can a cursor off to the right be scrolled to.
            if self.scroll_pending and self.max_scroll_x > 0:
                self.scroll_pending = False
                self.scroll_cursor_into_view()

        def scroll_cursor_into_view(self) -> None:
            """The cursor's column in view, right of the pinned columns. Set
            directly: scroll_to_region does nothing before the first paint."""
            region = self._get_cell_region(self.cursor_coordinate)
            left = self._get_fixed_offset().left
            x = self.scroll_x
            if region.right > x + self.size.width:
                x = region.right - self.size.width
            if region.x < x + left:
                x = region.x - left
            self.scroll_x = max(min(x, self.max_scroll_x), 0)

        BINDINGS = [
            Binding(
                "enter",
                "select_cursor",
                "Drill",
                show=False,  # the status line says ↵ what
                tooltip="Open what the cell is made of",
            ),
        ]

    return Grid


class FigureTable(Vertical):
    """Shows one `Figures` at a time; a new one replaces the grid (fastdatatable
    tables are immutable), keeping the cursor where the caller asks."""

    DEFAULT_CSS = """
    FigureTable { height: 1fr; }
    FigureTable > Grid { height: 1fr; scrollbar-size-horizontal: 1; }
    """

    class Selected(Message):
        """Enter on a cell: drill into it."""

        def __init__(self, table: FigureTable, row: int, column: int) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.column = column

        @property
        def control(self) -> FigureTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.figures: Figures | None = None

    def compose(self) -> ComposeResult:
        yield from ()

    def get_loading_widget(self) -> Widget:
        return Loading()

    @property
    def grid(self) -> Any:
        return self.children[0] if self.children else None

    @property
    def cursor(self) -> tuple[int, int]:
        grid = self.grid
        if grid is None:
            return (0, 0)
        return (grid.cursor_coordinate.row, grid.cursor_coordinate.column)

    async def show(self, figures: Figures, *, cursor: tuple[int, int] = (0, 0),
                   fixed_columns: int = 1, focus: bool = True) -> None:  # fmt: skip
        """Replace the table with `figures`, the cursor at `cursor` (clamped)."""
        if not self.is_attached:  # the app is closing: figures that arrive late are dropped
            self.figures = figures
            return
        if figures is self.figures and self.grid is not None:  # shown already: no remount
            self.place_cursor(figures, cursor, focus)
            return
        self.figures = figures
        await self.remove_children()
        grid = grid_class()(
            backend=figures.grid_data,
            column_labels=list(figures.labels),
            fixed_columns=min(fixed_columns, len(figures.labels)),
            cursor_type="cell",
            zebra_stripes=True,
            # 40 at 80 columns; a wide terminal shows more of a long text (a check's detail)
            max_column_content_width=max(40, self.app.size.width // 2 - 10),
            null_rep="—",
        )
        await self.mount(grid)
        self.place_cursor(figures, cursor, focus)

    def place_cursor(self, figures: Figures, cursor: tuple[int, int], focus: bool) -> None:
        row = min(cursor[0], max(figures.shown.height - 1, 0))
        column = min(cursor[1], max(len(figures.labels) - 1, 0))
        self.grid.move_cursor(row=row, column=column)
        # A grid just mounted has no size yet: it scrolls the cursor into view
        # once laid out (a sorted or start column stays on screen).
        self.grid.scroll_pending = column > 0
        if focus:
            self.grid.focus()


    def on_data_table_cell_selected(self, event: Any) -> None:
        event.stop()
        if self.figures is not None and self.figures.shown.height:
            row, column = event.coordinate
            self.post_message(self.Selected(self, row, column))

    def focus_grid(self) -> None:
        if self.grid is not None:
            self.grid.focus()
