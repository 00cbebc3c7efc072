"""The lines under a pane's table (totals, trends, lists), folded so that the
table keeps its rows on a small terminal: what does not fit gives way to one
line saying how much more there is and that `n` shows it."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text
from textual.widgets import Static


def wrapped_height(line: Text, width: int, console: Console) -> int:
    """How many screen lines `line` takes at `width` columns."""
    return max(len(line.wrap(console, max(width, 1))), 1)


def fold(lines: Sequence[Text], width: int, max_height: int,
         console: Console) -> tuple[list[Text], int]:  # fmt: skip
    """The whole lines that fit in `max_height` screen lines, with room for
    the fold line when some are left out; and how many were left out."""
    heights = [wrapped_height(line, width, console) for line in lines]
    if sum(heights) <= max_height:
        return list(lines), 0
    kept, used = [], 0
    for line, height in zip(lines, heights, strict=True):
        if used + height > max_height - 1:  # the last screen line says what is folded
            break
        kept.append(line)
        used += height
    return kept, len(lines) - len(kept)


class Notes(Static):
    """Shows `lines`, folded to `max_height` unless expanded (`n`)."""

    def __init__(self, *, classes: str = "notes") -> None:
        super().__init__("", classes=classes)
        self.lines: list[Text] = []
        self.max_height: int | None = None
        self.expanded = False

    def show_lines(self, lines: Sequence[Text]) -> None:
        self.lines = list(lines)
        self.display = bool(self.lines)
        self.redraw()

    def fold_to(self, max_height: int | None) -> None:
        if max_height != self.max_height:
            self.max_height = max_height
            self.redraw()

    def toggle(self) -> bool:
        """Show every line, or fold them again; True when something is folded now."""
        self.expanded = not self.expanded
        self.redraw()
        return self.is_folded

    @property
    def is_folded(self) -> bool:
        return self.folded_count > 0

    @property
    def folded_count(self) -> int:
        if self.expanded or self.max_height is None or not self.lines:
            return 0
        return fold(self.lines, self.content_width, self.max_height, self.app.console)[1]

    @property
    def content_width(self) -> int:
        return max(self.size.width - 2, 10)  # padding 0 1

    def redraw(self) -> None:
        lines = self.lines
        if not self.expanded and self.max_height is not None and lines:
            lines, left_out = fold(lines, self.content_width, self.max_height, self.app.console)
            if left_out:
                more = f"… {left_out} more line{'s' if left_out != 1 else ''} · n shows all"
                lines = [*lines, Text(more, style="dim italic")]
        elif self.expanded and self.lines:
            lines = [*lines, Text("n folds these lines again", style="dim italic")]
        self.update(Text("\n").join(lines))
