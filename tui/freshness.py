"""How fresh the extracts are, and whether they changed on disk.

Reads file metadata only (never the data), so the app can check it on a
timer without running a query.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from queries.contract import TABLES


def parquet_files(data_dir: Path) -> Iterator[Path]:
    """The contract tables' parquet files: `T.parquet` and `T/**/*.parquet`."""
    for table in TABLES:
        single = data_dir / f"{table}.parquet"
        if single.is_file():
            yield single
            continue
        folder = data_dir / table
        if folder.is_dir():
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    if name.endswith(".parquet"):
                        yield Path(root) / name


def signature(data_dir: Path) -> tuple:
    """Changes whenever an extract file is added, removed, replaced or touched."""
    entries = []
    for path in parquet_files(data_dir):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked: that is a change too
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


def file_times(data_dir: Path) -> dict[str, datetime]:
    """The newest modification time of each table's files, in local time."""
    times: dict[str, datetime] = {}
    for path in parquet_files(data_dir):
        table = path.relative_to(data_dir).parts[0].removesuffix(".parquet")
        stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        times[table] = max(times.get(table, stamp), stamp)
    return times


def age(then: datetime, now: datetime, *, short: bool = False) -> str:
    """`3 min`, `5 h`, `2 days` — how long ago, roughly (`3m`, `5h`, `2d` short)."""
    minutes, hours, days = ("m", "h", "d") if short else (" min", " h", " days")
    seconds = max((now - then).total_seconds(), 0)
    if seconds < 3600:
        return f"{int(seconds // 60)}{minutes}"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)}{hours}"
    return f"{int(seconds // 86400)}{days}"
