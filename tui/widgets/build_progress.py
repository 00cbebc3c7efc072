"""One line under the context bar while the extracts open: what is happening
(opening, building the cache for a new extract version, reloading), the time so
far, an estimate of the time left and the build's stage, in that order (at 80
columns the stage is what gives way). Hidden otherwise."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from queries.cache import BuildProgress


def clock_text(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class BuildProgressLine(Static):
    clock = staticmethod(time.monotonic)  # the snapshot test stops it
    DEFAULT_CSS = """
    BuildProgressLine {
        display: none;
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    BuildProgressLine.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="build-progress")
        self.what = ""
        self.previous = False  # the figures on screen are the previous version's
        self.step: BuildProgress | None = None
        self.started = 0.0  # monotonic, when the opening began
        self.first_step = 0.0  # when the build's first step began (the estimate's base)
        self.timer = None

    def start(self, what: str, previous: bool = False) -> None:
        """Show the line: `what` is happening, no build step yet."""
        self.what, self.previous, self.step = what, previous, None
        self.started = self.clock()
        self.add_class("-shown")
        if self.timer is None:  # the elapsed time moves once a second
            self.timer = self.set_interval(1.0, self.refresh)
        self.refresh()

    def stepped(self, step: BuildProgress) -> None:
        if self.step is None:
            self.first_step = self.clock()
        self.step = step
        self.refresh()

    def finish(self) -> None:
        self.remove_class("-shown")
        self.step = None
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def render(self) -> Text:
        now = self.clock()
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.previous:
            text.append("previous version, dimmed", style="bold yellow")
            text.append(" · ")
        step = self.step
        if step is None:
            text.append(self.what, style="bold")
        else:
            text.append(f"cache build {step.done}/{step.total}", style="bold")
        text.append(f" · {clock_text(now - self.started)} so far")
        if step is not None and step.done and step.total > 1:
            per_step = (now - self.first_step) / step.done
            text.append(f" · about {clock_text(per_step * (step.total - step.done))} left")
        elif step is not None:
            text.append(" · estimating the time left")
        if step is not None:
            text.append(f" · {step.stage}, {step.months}" if step.months else f" · {step.stage}")
        return text
