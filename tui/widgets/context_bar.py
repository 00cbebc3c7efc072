"""The line at the top: data folder, county, fiscal year, month, as-of."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.context import Context


def short_path(path: Path, width: int = 24) -> str:
    text = str(path)
    return text if len(text) <= width else "…" + text[-(width - 1) :]


class ContextBar(Static):
    """Each item carries the key that changes it."""

    DEFAULT_CSS = """
    ContextBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    context: reactive[Context | None] = reactive(None)
    status: reactive[str] = reactive("opening the extracts…")
    new_data: reactive[bool] = reactive(False)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        ctx = self.context
        if ctx is not None:
            labels = ctx.labels()
            as_of = labels["as_of"] + (" latest" if ctx.as_of_is_default else "")
            items = [
                ("d", short_path(ctx.data_dir)),
                ("c", labels["county"]),
                ("f", labels["fiscal_year"]),
                ("m", labels["month"]),
                ("a", as_of),
            ]
            for i, (key, value) in enumerate(items):
                if i:
                    text.append(" │ ", style="dim")
                text.append(key, style="bold reverse")
                text.append(f" {value}")
        if self.new_data:
            text.append("  ● new data: r reloads", style="bold yellow")
        elif self.status:
            text.append(f"  {self.status}", style="dim italic")
        return text
