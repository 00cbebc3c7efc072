"""Extracts broken at the edges: dates the rules cannot use, empty tables,
corrupt pages. Each helper changes one table of a folder in place."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from queries.extracts import quote_literal


def set_date(folder: Path, table: str, column: str, where: str, value: str) -> None:
    """Set `column` to the DATE literal `value` ('infinity', '10000-01-01') on
    the rows matching `where`. DuckDB writes it: pyarrow cannot hold infinity."""
    path = quote_literal(str(folder / f"{table}.parquet"))
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT * REPLACE (CASE WHEN {where} THEN DATE "
        f"{quote_literal(value)} ELSE \"{column}\" END AS \"{column}\") FROM read_parquet({path})"
    )
    con.execute(f"COPY t TO {path} (FORMAT parquet)")
    con.close()


def empty_table(folder: Path, table: str) -> None:
    path = folder / f"{table}.parquet"
    pq.write_table(pq.read_table(path).slice(0, 0), path)


def corrupt_middle(path: Path, size: int = 1024, seed: int = 0, copies: int = 400) -> None:
    """Random bytes over the middle of a parquet file's data pages (the footer,
    and so the schema, stays readable). The table is first repeated `copies`
    times, so that its middle is (compressed) data."""
    data = pq.read_table(path)
    pq.write_table(
        data.take([i % data.num_rows for i in range(data.num_rows * copies)]),
        path, row_group_size=data.num_rows * copies,
    )  # fmt: skip
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle - size // 2 : middle + size // 2] = random.Random(seed).randbytes(size)
    path.write_bytes(bytes(raw))
