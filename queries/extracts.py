"""Finding the extracts in a data folder and checking them against the contract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from queries.contract import KINDS, TABLES

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_INTEGERS = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    table: str
    column: str | None
    message: str
    blocking: bool = True  # False: reported, but the table is still used

    def describe(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class TableSource:
    table: str
    path: Path
    partitioned: bool

    def scan_sql(self) -> str:
        """A read_parquet(...) call for this source. Paths are quoted literals:
        they come from the command line, never from SQL typed by a user."""
        if self.partitioned:
            glob = quote_literal(str(self.path / "**" / "*.parquet"))
            return f"read_parquet({glob}, hive_partitioning = true, union_by_name = true)"
        return f"read_parquet({quote_literal(str(self.path))})"


def quote_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def find_sources(data_dir: Path) -> dict[str, TableSource]:
    """Where each contract table lives: `T.parquet`, or parquet files under `T/`."""
    sources: dict[str, TableSource] = {}
    for table in TABLES:
        single = data_dir / f"{table}.parquet"
        folder = data_dir / table
        if single.is_file():
            sources[table] = TableSource(table, single, partitioned=False)
        elif folder.is_dir() and any(folder.rglob("*.parquet")):
            sources[table] = TableSource(table, folder, partitioned=True)
    return sources


def kind_matches(kind: str, duck_type: str) -> bool:
    decimal = _DECIMAL.fullmatch(duck_type)
    if kind == "money":
        return bool(decimal) and decimal.group(2) == "2"
    if kind == "decimal":
        return bool(decimal)
    if kind == "int":
        return duck_type in _INTEGERS
    if kind == "float":
        return duck_type in {"DOUBLE", "FLOAT"} or bool(decimal)
    return duck_type == KINDS[kind]


def inspect_schema(connection: duckdb.DuckDBPyConnection, source: TableSource) -> list[Problem]:
    """Problems with one table's schema (reads parquet metadata only)."""
    table = source.table
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {source.scan_sql()}").fetchall()
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        return [Problem(table, None, f"unreadable parquet ({first_line})")]
    found = {name: duck_type for name, duck_type, *_ in described}
    problems = []
    for column, kind in TABLES[table].items():
        if column not in found:
            problems.append(Problem(table, column, "missing column"))
        elif not kind_matches(kind, found[column]):
            problems.append(
                Problem(table, column, f"type {found[column]}, the contract says {KINDS[kind]}")
            )
    return problems


def scan_problems(connection: duckdb.DuckDBPyConnection, source: TableSource) -> list[Problem]:
    """Problems found by reading every row of a table (corrupt pages, no rows)."""
    columns = ", ".join(f'count("{c}")' for c in TABLES[source.table])
    try:
        rows, *_ = connection.execute(
            f"SELECT count(*), {columns} FROM {source.scan_sql()}"
        ).fetchone()
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        return [Problem(source.table, None, f"unreadable data ({first_line})")]
    if rows == 0:
        return [Problem(source.table, None, "empty: no rows", blocking=False)]
    return []
