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
        f'{quote_literal(value)} ELSE "{column}" END AS "{column}") FROM read_parquet({path})'
    )
    con.execute(f"COPY t TO {path} (FORMAT parquet)")
    con.close()


def empty_table(folder: Path, table: str) -> None:
    path = folder / f"{table}.parquet"
    pq.write_table(pq.read_table(path).slice(0, 0), path)


def corrupt_middle(path: Path, at: float = 0.1, size: int = 64, seed: int = 0) -> None:
    """Random bytes over part of a parquet file. The table is first repeated
    400 times in one row group, so that the first half of the file is its
    (compressed) data pages: `at` 0.1 breaks a page, the schema still reads;
    `at` 0.5 with 1 KB reaches the footer."""
    data = pq.read_table(path)
    rows = data.num_rows * 400
    pq.write_table(data.take([i % data.num_rows for i in range(rows)]), path, row_group_size=rows)
    raw = bytearray(path.read_bytes())
    start = int(len(raw) * at) - (size // 2 if at == 0.5 else 0)
    raw[start : start + size] = random.Random(seed).randbytes(size)
    path.write_bytes(bytes(raw))
