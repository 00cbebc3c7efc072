"""Ad-hoc results made safe to show and exact to write.

A lead's SELECT may return any DuckDB type. Those polars cannot hold exactly
(HUGEINT, UHUGEINT: wrapped or rounded through DECIMAL(38)) or at all
(INTERVAL, UNION, BIGNUM, BIT), and nested values holding dates, are
returned as DuckDB's own text; a top-level date Python cannot hold
('infinity', year 10000) becomes text too. JSON and CSV then write every
exact number exactly: DECIMAL as a string, as the reports write money.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from queries.reports import json_value

# DuckDB types (as DESCRIBE names them) returned as text, wherever they occur.
_AS_TEXT = ("HUGEINT", "INTERVAL", "UNION", "BIGNUM", "VARINT", "BIT", "TIME WITH TIME ZONE")
_TEMPORAL = ("DATE", "TIMESTAMP")
_NESTED = ("[]", "STRUCT", "MAP", "[")
# Days since 1970-01-01 that Python's date can hold (0001-01-01..9999-12-31).
_FIRST_DAY, _LAST_DAY = -719_162, 2_932_896
_INFINITY_DAYS = 2**31 - 1  # DuckDB's 'infinity'::DATE; -_INFINITY_DAYS is '-infinity'


def needs_text(duck_type: str) -> bool:
    """Whether a column of this DuckDB type is returned as text."""
    upper = duck_type.upper()
    if any(name in upper for name in _AS_TEXT):
        return True
    nested = any(mark in upper for mark in _NESTED)
    if nested and any(name in upper for name in _TEMPORAL):
        return True
    # Timestamps: DuckDB's 'infinity' is silently clamped or overflows on the
    # way to polars; as text it reads as DuckDB prints it.
    return upper.startswith("TIMESTAMP")


def exact_select(describe, sql: str) -> str:
    """`sql` (one SELECT) with the columns `needs_text` names cast to VARCHAR;
    `describe(sql)` gives (name, type) pairs. Columns are taken by position,
    so duplicate or odd names stay as they are."""
    columns = describe(sql)
    if not any(needs_text(duck_type) for _name, duck_type in columns):
        return sql
    shown = []
    for position, (name, duck_type) in enumerate(columns, start=1):
        alias = '"' + name.replace('"', '""') + '"'
        value = f"CAST(#{position} AS VARCHAR)" if needs_text(duck_type) else f"#{position}"
        shown.append(f"{value} AS {alias}")
    return f"SELECT {', '.join(shown)} FROM ({sql.rstrip().rstrip(';')})"


def safe_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Date columns holding a day Python cannot (infinity, year 10000) as
    ISO text, every other value of the column too ("2024-07-01")."""
    changed = {}
    for name, dtype in frame.schema.items():
        if dtype != pl.Date:
            continue
        days = frame[name].to_physical()
        if days.is_between(_FIRST_DAY, _LAST_DAY).fill_null(True).all():
            continue
        changed[name] = pl.Series(name, [_day_text(d) for d in days.to_list()], pl.String)
    return frame.with_columns(**changed) if changed else frame


def _day_text(days: int | None) -> str | None:
    """A DuckDB day number as DuckDB writes it, for any year."""
    if days is None:
        return None
    if abs(days) == _INFINITY_DAYS:
        return "infinity" if days > 0 else "-infinity"
    if _FIRST_DAY <= days <= _LAST_DAY:
        return (date(1970, 1, 1) + timedelta(days=days)).isoformat()
    # Howard Hinnant's civil_from_days: the proleptic Gregorian date of any day.
    z = days + 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    return f"{year:04d}-{month:02d}-{day:02d}" if year >= 0 else f"{year:05d}-{month:02d}-{day:02d}"


def exact_value(column: str, value: Any) -> Any:
    """One value for JSON: exact numbers exact (DECIMAL as "1234.50" or
    "1.234", never a float), bytes as \\x.. text, lists and structs as JSON."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return "".join(f"\\x{byte:02X}" for byte in value)
    if isinstance(value, list | tuple):
        return [exact_value(column, v) for v in value]
    if isinstance(value, dict):
        return {str(k): exact_value(column, v) for k, v in value.items()}
    if isinstance(value, datetime | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return json_value(column, value)


def exact_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (see `exact_value`)."""
    return [{k: exact_value(k, v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def csv_value(column: str, value: Any) -> Any:
    """One value for CSV: as for JSON, nested values as JSON text."""
    value = exact_value(column, value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@contextmanager
def replaced_on_success(path: Path) -> Iterator[Path]:
    """A temporary file next to `path`, renamed onto it only when the block
    ends without an error (removed otherwise): no half-written file is left
    under the name asked for."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
