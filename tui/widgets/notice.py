"""A message shown in place of a pane's table: an error, or why it is empty."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Notice(Static):
    DEFAULT_CSS = """
    Notice {
        display: none;
        height: auto;
        padding: 1 2;
        margin: 1 2;
        border: round $error;
    }
    Notice.-shown { display: block; }
    """

    def show_error(self, title: str, message: str) -> None:
        hint = ("r reloads the extracts · d opens another folder", "dim")
        self.update(Text.assemble((title, "bold"), "\n", message, "\n\n", hint))
        self.add_class("-shown")

    def clear(self) -> None:
        self.remove_class("-shown")


class Breadcrumb(Static):
    """Where the drilldown is: `Users FY2024-25 › 25 Modoc 2025-03 › members`.
    When it does not fit, the first steps give way to `…`."""

    DEFAULT_CSS = """
    Breadcrumb { height: 1; padding: 0 1; color: $accent; }
    """

    def __init__(self) -> None:
        super().__init__("")
        self.crumbs: list[str] = []
        self.filter_text = ""

    def set_crumbs(self, crumbs: list[str], filter_text: str = "") -> None:
        self.crumbs = crumbs
        self.filter_text = filter_text
        self.refresh()

    def render(self) -> Text:
        shown = f" / “{self.filter_text}”" if self.filter_text else ""
        width = max(self.size.width - 2 - len(shown), 10)
        crumbs = list(self.crumbs)
        # drop the oldest steps (the last one always stays) until it fits
        while len(" › ".join(crumbs)) > width and len(crumbs) > (2 if crumbs[0] == "…" else 1):
            crumbs = ["…", *crumbs[2:]] if crumbs[0] == "…" else ["…", *crumbs[1:]]
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, crumb in enumerate(crumbs):
            if i:
                text.append(" › ", style="dim")
            text.append(crumb, style="bold" if i == len(crumbs) - 1 else "")
        if shown:
            text.append(shown, style="bold reverse")
        return text
