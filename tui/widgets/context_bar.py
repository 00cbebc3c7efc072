"""The line at the top: data folder, county, fiscal year, month, as-of and
how fresh the extracts are. It always fits one line: when the terminal is
narrow the least needed words go first (the folder before the as-of date)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.context import Context
from tui.freshness import age

SEPARATOR = " │ "


def short_path(path: Path) -> str:
    """The folder's last part: `…/extracts/2026-11-22` reads `2026-11-22`."""
    return Path(path).name or str(path)


def short_age(then: datetime, now: datetime) -> str:
    """`5m`, `3h`, `2d`: how old the newest extract file is."""
    return age(then, now, short=True)


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
    data_age: reactive[str] = reactive("")  # age of the newest extract file, e.g. "3h"

    def render(self) -> Text:
        width = max(self.size.width, 20)  # the content width (padding excluded)
        variants = list(self.variants())
        for text in variants:
            if text.cell_len <= width:
                return text
        text = variants[-1]
        text.truncate(width, overflow="ellipsis")
        return text

    def variants(self):
        """The bar from its fullest to its most compact wording."""
        ctx = self.context
        if ctx is None:
            yield Text(self.status, style="dim italic")
            return
        labels = ctx.labels()
        county = labels["county"]
        short_county = "All" if ctx.county is None else county.split(" ")[0]
        folder = short_path(ctx.data_dir)
        latest = " latest" if ctx.as_of_is_default else ""
        # (county, folder, "latest", fiscal year, freshness mark): the as-of never goes
        for county_text, with_folder, with_latest, with_year, mark in (
            (county, True, True, True, "full"),
            (county, True, True, True, "short"),
            (county, False, True, True, "short"),
            (county, False, False, True, "short"),
            (short_county, False, False, True, "short"),
            (short_county, False, False, True, "dot"),
            (short_county, False, False, False, "dot"),  # the month says the year
        ):
            items = [("d", folder)] if with_folder else []
            items.append(("c", county_text))
            if with_year:
                items.append(("f", labels["fiscal_year"]))
            items += [("m", labels["month"]), ("a", labels["as_of"] + (latest if with_latest
                                                                        else ""))]  # fmt: skip
            yield self.assemble(items, mark)

    def assemble(self, items: list[tuple[str, str]], mark: str) -> Text:
        text = Text(no_wrap=True)
        for i, (key, value) in enumerate(items):
            if i:
                text.append(SEPARATOR, style="dim")
            text.append(key, style="bold reverse")
            text.append(f" {value}")
        if self.new_data:
            label = {"full": "● new data: r reloads", "short": "● new data r", "dot": "●"}[mark]
            text.append(f"  {label}", style="bold yellow")
        elif self.status:
            text.append(f"  {self.status}", style="dim italic")
        elif self.data_age:
            label = f"files {self.data_age} old" if mark == "full" else self.data_age
            text.append(f"  {label}", style="dim")
        return text
