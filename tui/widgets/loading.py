"""The loading state of a table: a still label, not Textual's animated
indicator. The animation redraws the screen many times a second on the UI
thread and so slows the worker computing the figures (they share the GIL):
a pane took twice as long to load with it."""

from __future__ import annotations

from textual.widgets import Static


class Loading(Static):
    DEFAULT_CSS = """
    Loading {
        width: 100%;
        height: 100%;
        content-align: center middle;
        color: $text-muted;
        text-style: italic;
    }
    """

    def __init__(self) -> None:
        super().__init__("loading…  esc cancels")
