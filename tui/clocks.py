"""Where the dashboard learns the time and the extracts' file times:
injectable, so that tests and screenshots read the same on every run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queries.engine import Engine


@dataclass(frozen=True)
class Clocks:
    now: Callable[[], datetime]
    file_times: Callable[[Engine], dict[str, datetime]]


def system_clocks() -> Clocks:
    from tui.freshness import file_times

    return Clocks(now=lambda: datetime.now().astimezone(),
                  file_times=lambda engine: file_times(engine.data_dir))  # fmt: skip
