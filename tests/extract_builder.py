"""Write small hand-made extracts with the contract's exact parquet types."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from queries.contract import TABLES
from sample_data.generator import ARROW_TYPES


def schema(table: str) -> pa.Schema:
    return pa.schema([(c, ARROW_TYPES[k]) for c, k in TABLES[table].items()])


def _coerce(kind: str, value):
    if value is None:
        return None
    if kind in ("money", "decimal"):
        return Decimal(str(value))
    return value


def write_extracts(folder: Path, **tables: list[dict]) -> Path:
    """Write every contract table into `folder` (empty when not given).

    Rows are dicts; columns left out are NULL. Money may be given as str.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for table, columns in TABLES.items():
        rows = tables.get(table, [])
        data = {c: [_coerce(kind, row.get(c)) for row in rows] for c, kind in columns.items()}
        pq.write_table(pa.table(data, schema=schema(table)), folder / f"{table}.parquet")
    return folder
