"""Finding the extracts in a data folder and checking them against the contract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from queries.contract import CODES, KEYS, KINDS, PATTERNS, TABLES
from queries.privacy import is_member_column, mask_member_id, mask_text
from queries.reference import COUNTIES, LEVELS_OF_CARE

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


def _examples(values: list[object], column: str | None = None) -> str:
    """Up to three example values; a member column's masked whatever their
    shape (a malformed ID such as 091765177L is a CIN all the same)."""
    mask = mask_member_id if column and is_member_column(column) else mask_text
    shown = ", ".join(mask(str(v)) for v in values[:3])
    return f" (e.g. {shown})" if shown else ""


def _key_example(key: tuple[str, ...], values: dict[str, object]) -> str:
    return "/".join(
        mask_member_id(str(values[c])) if is_member_column(c) else str(values[c]) for c in key
    )


def content_checks(table: str) -> list[tuple[str | None, str, str, str]]:
    """(column, what, SQL condition per row, SQL value to show) for one table."""
    columns = TABLES[table]
    checks = []
    key = KEYS[table]
    checks.append(
        (
            None,
            "rows with a null key " + "/".join(key),
            " OR ".join(f'"{c}" IS NULL' for c in key),
            "'row'",
        )
    )
    for column, kind in columns.items():
        if kind == "date":
            checks.append(
                (
                    column,
                    "dates after 2100 or before 2000",
                    f"\"{column}\" > DATE '2100-01-01' OR \"{column}\" < DATE '2000-01-01'",
                    f'"{column}"',
                )
            )
        codes = None
        if column == "county_code":
            codes = tuple(c.code for c in COUNTIES)
        elif column == "level_of_care":
            codes = tuple(LEVELS_OF_CARE)
        elif (table, column) in CODES:
            codes = CODES[(table, column)]
        if codes:
            listed = ", ".join(quote_literal(c) for c in codes)
            checks.append(
                (
                    column,
                    "values outside the contract's codes",
                    f'"{column}" NOT IN ({listed})',
                    f'"{column}"',
                )
            )
        if column in PATTERNS:
            checks.append(
                (
                    column,
                    "values not shaped like the contract says",
                    f'NOT regexp_full_match("{column}", {quote_literal(PATTERNS[column])})',
                    f'"{column}"',
                )
            )
    return checks


def content_problems(connection: duckdb.DuckDBPyConnection, source: TableSource) -> list[Problem]:
    """Warnings about a readable table's rows: null or duplicate keys, dates far
    off, unknown codes, malformed identifiers. The table is still used."""
    table, scan = source.table, source.scan_sql()
    problems = []
    for column, what, condition, shown in content_checks(table):
        count, examples = connection.execute(
            f"SELECT count(*), list(DISTINCT {shown}) FILTER (WHERE {shown} IS NOT NULL)[1:3] "
            f"FROM {scan} WHERE {condition}"
        ).fetchone()
        if count:
            problems.append(
                Problem(table, column, f"{count:,} {what}{_examples(examples, column)}",
                        blocking=False)  # fmt: skip
            )
    key = ", ".join(f'"{c}"' for c in KEYS[table])
    count, examples = connection.execute(
        f"SELECT count(*), list(struct_pack({key}))[1:3] FROM "
        f"(SELECT {key} FROM {scan} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    if count:
        shown = ", ".join(_key_example(KEYS[table], e) for e in examples)
        problems.append(
            Problem(
                table,
                None,
                f"{count:,} duplicate keys {'/'.join(KEYS[table])} (e.g. {shown})",
                blocking=False,
            )
        )
    return problems
