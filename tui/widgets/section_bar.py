"""A one-line list of a pane's sections, the current one highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class SectionBar(Static):
    """`Checklist · Readiness · …`: tab and shift+tab move along it."""

    DEFAULT_CSS = """
    SectionBar { height: 1; padding: 0 1; background: $boost; }
    """

    current: reactive[int] = reactive(0)

    def __init__(self, labels: tuple[str, ...], hint: str = "") -> None:
        super().__init__("")
        self.labels = labels
        self.hint = hint

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, label in enumerate(self.labels):
            if i:
                text.append(" · ", style="dim")
            text.append(f" {label} " if i == self.current else label,
                        style="bold reverse" if i == self.current else "")  # fmt: skip
        if self.hint and text.cell_len + len(self.hint) + 2 <= self.size.width - 2:
            text.append(f"  {self.hint}", style="dim")
        return text
