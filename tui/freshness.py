"""How fresh the extracts are, and whether they changed on disk.

Reads file metadata only (never the data), so the app can check it on a
timer without running a query. The files and their times (UTC) come from
queries.extracts; showing them in local time is the panes' choice.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from queries.extracts import ExtractFile, extract_files, newest_by_table


def signature(data_dir: Path) -> tuple[ExtractFile, ...]:
    """Differs whenever an extract file is added, removed, replaced or touched."""
    return extract_files(data_dir)


def file_times(data_dir: Path) -> dict[str, datetime]:
    """The newest modification time of each table's files, in UTC."""
    return newest_by_table(extract_files(data_dir))


def newest_file(files: tuple[ExtractFile, ...]) -> datetime | None:
    """When the newest of these extract files was written (UTC)."""
    return max((file.modified for file in files), default=None)


def age(then: datetime, now: datetime, *, short: bool = False) -> str:
    """`3 min`, `5 h`, `2 days` — how long ago, roughly (`3m`, `5h`, `2d` short)."""
    minutes, hours, days = ("m", "h", "d") if short else (" min", " h", " days")
    seconds = max((now - then).total_seconds(), 0)
    if seconds < 3600:
        return f"{int(seconds // 60)}{minutes}"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)}{hours}"
    return f"{int(seconds // 86400)}{days}"
