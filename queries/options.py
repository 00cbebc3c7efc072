"""What a user types for an option, checked once for every command and the
dashboard's prompts. Each function returns the value to use or raises
`OptionError` with a message that says what to write instead."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from queries.calendar import fiscal_years_touching
from queries.contract import DATE_CEILING, DATE_FLOOR, TABLES

MAX_THREADS = 256  # more is a typo (DuckDB then fails to spawn them)
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}  # fmt: skip
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
# The fiscal years with a day the figures cover.
FISCAL_YEARS = fiscal_years_touching(
    date.fromisoformat(DATE_FLOOR), date.fromisoformat(DATE_CEILING)
)


class OptionError(ValueError):
    """The value cannot be used; the message says what to write."""


def memory_limit(text: str) -> str:
    """`2GB`, `512MiB`, `1.5 GB`: a positive amount with a unit."""
    found = _MEMORY.fullmatch(text.strip())
    if not found:
        raise OptionError(
            f"{text!r} is not an amount of memory; write a number and a unit, e.g. 2GB"
        )
    if float(found.group(1)) * _UNITS[found.group(2).upper()] < 1:
        raise OptionError(f"{text!r} is no memory; give a positive amount, e.g. 2GB")
    return f"{found.group(1)}{found.group(2).upper().replace('IB', 'iB')}"


def threads(count: int) -> int:
    if not 1 <= count <= MAX_THREADS:
        cores = os.cpu_count() or 1
        raise OptionError(
            f"{count} is not a thread count; give 1 to {MAX_THREADS} "
            f"(this machine has {cores} cores)"
        )
    return count


def data_folder(text: str | Path) -> Path:
    """An existing folder holding at least one of the contract's extracts."""
    if str(text).strip() == "":
        raise OptionError("an empty path is not a folder; give the folder of parquet extracts")
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise OptionError(f"{folder} is not a folder")
    from queries.extracts import find_sources  # duckdb: imported only when needed

    if not find_sources(folder):
        expected = ", ".join(f"{t}.parquet" for t in TABLES)
        raise OptionError(f"{folder} holds no extracts (none of {expected})")
    return folder


def day(text: str) -> date:
    """Strictly YYYY-MM-DD, within the dates the rules can use."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        value = date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2025-03-31") from None
    if not date.fromisoformat(DATE_FLOOR) <= value <= date.fromisoformat(DATE_CEILING):
        raise OptionError(
            f"{text} is outside the dates the figures cover ({DATE_FLOOR[:4]}-{DATE_CEILING[:4]})"
        )
    return value


def month(text: str) -> date:
    """Strictly YYYY-MM: the first day of that month."""
    if not _MONTH.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
        raise OptionError(f"{text!r} is not a month; write YYYY-MM, e.g. 2025-03")
    return day(f"{text}-01")


def fiscal_year(year: int) -> int:
    if year not in FISCAL_YEARS:
        raise OptionError(
            f"{year} is not a fiscal year the figures cover "
            f"({FISCAL_YEARS[0]}-{FISCAL_YEARS[-1]}); "
            "name it by its ending year, e.g. 2025 for FY2024-25"
        )
    return year


def check_name(name: str) -> str:
    """One of the checks whose rows `close --show` can list."""
    from queries.checks import LINE_CHECKS

    if name not in LINE_CHECKS:
        raise OptionError(f"{name!r} is not a check; use one of {', '.join(LINE_CHECKS)}")
    return name


def limit(rows: int) -> int:
    if rows < 1:
        raise OptionError(f"{rows} rows cannot be shown; give 1 or more")
    return rows


def path_given(text: str | Path) -> Path:
    """Any path, but not an empty one (which would mean the current folder)."""
    if str(text).strip() == "":
        raise OptionError("an empty path is not a folder; give the folder of parquet extracts")
    return Path(text).expanduser()


def output_file(path: Path) -> Path:
    """A file that can be created or replaced: not a folder, in a folder that exists."""
    path = path.expanduser()
    if not path.name or path.is_dir():
        raise OptionError(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise OptionError(f"{path.parent} is not a folder; create it first")
    return path
