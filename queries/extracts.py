"""Finding the extracts in a data folder and checking them against the contract."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from queries.contract import (
    CODES,
    DATE_CEILING,
    DATE_FLOOR,
    FIGURE_DATES,
    KEYS,
    KINDS,
    PATTERNS,
    REQUIRED_ROWS,
    TABLES,
)  # fmt: skip
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
            return f"read_parquet({self.pattern()}, hive_partitioning = true, union_by_name = true)"
        return f"read_parquet({self.pattern()})"

    def pattern(self) -> str:
        """The file or glob, as a SQL literal."""
        return quote_literal(str(self.path / "**" / "*.parquet" if self.partitioned else self.path))

    def files(self) -> list[Path]:
        return sorted(self.path.rglob("*.parquet")) if self.partitioned else [self.path]

    def where(self) -> str:
        """`T.parquet` or `T/` as the user would look for it."""
        return f"{self.path.name}/" if self.partitioned else self.path.name


@dataclass(frozen=True)
class ExtractFile:
    """One parquet file of an extract as the file system has it now. A tuple
    of these (`extract_files`) is the extracts' signature: it differs when a
    file is added, removed, replaced, resized or touched."""

    table: str
    name: str  # relative to the data folder: `claims.parquet`, `claims/2024/part-0.parquet`
    path: Path
    size: int
    modified_ns: int  # st_mtime_ns

    @property
    def modified(self) -> datetime:
        """When the file was last written, in UTC."""
        return datetime.fromtimestamp(self.modified_ns / 1e9, UTC)


def extract_files(data_dir: Path, sources: Iterable[TableSource] | None = None,
                  ) -> tuple[ExtractFile, ...]:  # fmt: skip
    """Every file of the contract tables (of `sources`, else those found in
    `data_dir`), by name. Reads file metadata only, never the data; a file
    removed while we look is left out (the signature differs all the same)."""
    found = []
    for source in find_sources(data_dir).values() if sources is None else sources:
        for path in source.files():
            try:
                info = path.stat()
            except OSError:
                continue
            name = str(path.relative_to(data_dir))
            found.append(ExtractFile(source.table, name, path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(found, key=lambda f: f.path))


def newest_by_table(files: Iterable[ExtractFile]) -> dict[str, datetime]:
    """The time (UTC) each table's newest file was written."""
    times: dict[str, datetime] = {}
    for file in files:
        times[file.table] = max(times.get(file.table, file.modified), file.modified)
    return times


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
        return [unreadable(connection, source, first_line(exc), "parquet")]
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


def _read_all(connection: duckdb.DuckDBPyConnection, scan: str, table: str) -> int:
    """Read every value of the contract's columns (a corrupt page fails here;
    count(column) alone is answered from the footers, a hash is not)."""
    columns = ", ".join(f'bit_xor(hash("{c}"))' for c in TABLES[table])
    rows, *_ = connection.execute(f"SELECT count(*), {columns} FROM {scan}").fetchone()
    return rows


def broken_file(connection: duckdb.DuckDBPyConnection, source: TableSource) -> Path | None:
    """The first file of a table that cannot be read through (None: all read)."""
    for path in source.files():
        try:
            _read_all(connection, f"read_parquet({quote_literal(str(path))})", source.table)
        except duckdb.Error:
            return path
    return None


def first_line(exc: BaseException) -> str:
    """An error's first line, printable (a corrupt file's bytes may be quoted)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def unreadable(
    connection: duckdb.DuckDBPyConnection, source: TableSource, error: str, what: str = "data"
) -> Problem:
    """A table that fails to read, naming the file that breaks."""
    path = broken_file(connection, source) if source.partitioned else source.path
    where = path.relative_to(source.path.parent) if path else source.where()
    return Problem(source.table, None, f"unreadable {what} in {where} ({error})")


def empty_problem(table: str) -> Problem:
    """No rows: blocking for the tables every figure needs, a warning otherwise."""
    if table in REQUIRED_ROWS:
        return Problem(table, None, "empty: no rows, and the figures need them")
    return Problem(table, None, "empty: no rows", blocking=False)


def scan_problems(connection: duckdb.DuckDBPyConnection, source: TableSource) -> list[Problem]:
    """Problems found by reading every row of a table (corrupt pages, no rows)."""
    try:
        rows = _read_all(connection, source.scan_sql(), source.table)
    except duckdb.Error as exc:
        return [unreadable(connection, source, first_line(exc))]
    if rows == 0:
        return [empty_problem(source.table)]
    return []


def date_columns(table: str) -> list[str]:
    return [c for c, kind in TABLES[table].items() if kind == "date"]


def in_range(column: str) -> str:
    """SQL: the column is NULL or a date the rules can use."""
    return (
        f'("{column}" IS NULL OR "{column}" BETWEEN '
        f"DATE '{DATE_FLOOR}' AND DATE '{DATE_CEILING}')"
    )


def footer_facts(
    connection: duckdb.DuckDBPyConnection, sources: list[TableSource]
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Per table, from the parquet footers of all its files in one query (no
    data is read): its rows, and the date columns whose statistics allow a
    date outside DATE_FLOOR..DATE_CEILING (only those need a row filter)."""
    if not sources:
        return {}
    listed = ", ".join(source.pattern() for source in sources)
    low, high = (f"TRY_CAST(stats_{end}_value AS DATE)" for end in ("min", "max"))
    found = connection.execute(
        f"SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, "
        f"num_values > coalesce(stats_null_count, 0) AND ({low} IS NULL OR {high} IS NULL "
        f"OR {low} < DATE '{DATE_FLOOR}' OR {high} > DATE '{DATE_CEILING}') "
        f"FROM parquet_metadata([{listed}])"
    ).fetchall()
    owners = {str(s.path): s.table for s in sources if not s.partitioned}
    folders = [(str(s.path) + "/", s.table) for s in sources if s.partitioned]
    groups: dict[str, dict[tuple[str, int], int]] = {s.table: {} for s in sources}
    outside: dict[str, set[str]] = {s.table: set() for s in sources}
    for file_name, group, group_rows, column, out_of_range in found:
        table = owners.get(file_name) or next(
            (t for folder, t in folders if file_name.startswith(folder)), None
        )
        if table is None:
            continue
        groups[table][(file_name, group)] = group_rows
        if out_of_range and TABLES[table].get(column) == "date":
            outside[table].add(column)
    return {
        table: (sum(rows.values()), tuple(c for c in date_columns(table) if c in outside[table]))
        for table, rows in groups.items()
    }


def out_of_range_problems(
    connection: duckdb.DuckDBPyConnection, source: TableSource, columns: tuple[str, ...]
) -> list[Problem]:
    """Rows left out of the figures for a date the rules cannot use, by column,
    with up to three rows named by their key (member IDs masked)."""
    problems = []
    key = KEYS[source.table]
    for column in columns:
        shown = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in (*key, column))
        count, examples = connection.execute(
            f"SELECT count(*), list(DISTINCT [{shown}] ORDER BY [{shown}])[1:3] "
            f"FROM {source.scan_sql()} WHERE NOT {in_range(column)}"
        ).fetchone()
        if not count:
            continue
        shown = ", ".join(_row_example(key, values) for values in examples)
        rows = "row" if count == 1 else "rows"
        problems.append(
            Problem(
                source.table, column,
                f"{count:,} {rows} with a date outside {DATE_FLOOR}..{DATE_CEILING}, "
                f"left out of the figures (e.g. {shown})",
                blocking=(source.table, column) in FIGURE_DATES,
            )
        )  # fmt: skip
    return problems


def _row_example(key: tuple[str, ...], values: list[str | None]) -> str:
    *ids, value = values
    pairs = zip(key, ids, strict=True)
    named = [mask_member_id(v) if is_member_column(k) else str(v) for k, v in pairs]
    return f"{'/'.join(named)}: {value}"


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
        if kind == "date":  # outside 1900-2100: out_of_range_problems
            checks.append(
                (
                    column,
                    "dates before 2000",
                    f"\"{column}\" BETWEEN DATE '{DATE_FLOOR}' AND DATE '1999-12-31'",
                    f'CAST("{column}" AS VARCHAR)',
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
