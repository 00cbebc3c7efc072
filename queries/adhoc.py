"""Ad-hoc questions: a lead's own SELECT over the extracts and derived views.

Read-only by two locks: the statement must be a single SELECT (so no COPY,
INSERT, ATTACH, INSTALL, LOAD, SET or PRAGMA), and the engine itself may read
only inside the extracts folder (see `Engine._lock_down`).
"""

from __future__ import annotations

import duckdb
import polars as pl

from queries.engine import DataError, Engine

# Derived views the console offers next to the contract's tables, as
# table macros of queries/views/*.sql called with the as-of date.
DERIVED_VIEWS = {
    "services": "PAID lines not reversed, with county of responsibility (NULL: unattributed)",
    "attributed_lines": "every claim line with its county of responsibility",
    "cost_lines": "attributed PAID and REVERSED lines: claims cost",
    "county_month_users": "monthly users per county of responsibility",
    "county_month_cost": "claims cost and federal match per county and month",
    "invoice_drift": "expected vs billed, paid, outstanding per county-month",
    "reconciliation_rows": "reconciliation per county and fiscal year",
}


def refuse_unless_select(sql: str) -> str:
    """The single SELECT statement in `sql`, or DataError saying why not."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise DataError("SQL does not parse", str(exc).splitlines()[0]) from None
    if len(statements) != 1:
        raise DataError("One statement only", f"found {len(statements)}; send one SELECT")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise DataError(
            "Read-only",
            f"{kind.name} statements are refused: the console only reads "
            "(no COPY, INSERT, ATTACH, INSTALL, LOAD, SET or PRAGMA)",
        )
    return statements[0].query


def run_adhoc(engine: Engine, sql: str, params: dict[str, object] | None = None) -> pl.DataFrame:
    """Run a lead's SELECT; `$as_of`, `$county`, `$month`... are bound from
    `params`. Reads outside the extracts folder are refused by the engine.
    Values polars cannot hold exactly come back as text (queries.results)."""
    from queries.results import exact_select, safe_dates

    def describe(select: str) -> list[tuple[str, str]]:
        return engine.run_sql(f"DESCRIBE {select}", params).select(pl.nth(0, 1)).rows()

    return safe_dates(engine.run_sql(exact_select(describe, refuse_unless_select(sql)), params))
