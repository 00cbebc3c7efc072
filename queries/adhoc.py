"""Ad-hoc questions: a lead's own SELECT, on an engine that never sees a CIN.

`wrp-tui sql` and the console (pane 7) run on `AdhocEngine`: a DuckDB
connection of its own whose every table and view reads a pseudonymised copy
of the extracts (each member column replaced at the source by
`queries.privacy.pseudonym`), and which may read nothing else: not the
extracts folder, not the claim-facts cache, no other file, no network, no
extension. So no expression, error message or export of user SQL can carry a
CIN. The copy is built once per extract version (next to the fact cache, or
in a private temporary folder without one) on a separate build connection.

Statements are checked on a locked connection only (DuckDB's parser expands
IMPORT DATABASE and PRAGMA by reading files and loading extensions), after a
first look at the leading keyword that hands nothing to DuckDB at all.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

import duckdb
import polars as pl

from queries.cache import (
    CACHED_VIEWS,
    LOCKED_CONFIG,
    FactCache,
    Manifest,
    open_lock,
    private_temp_folder,
    remove_dead_partials,
)
from queries.contract import TABLES
from queries.engine import DataError, Engine, _rules_sql, default_memory_limit
from queries.extracts import quote_literal
from queries.privacy import SecretError, is_member_column, key_id, pseudonym_key, pseudonym_macro

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
# Statements refused before DuckDB sees any of the text (the locked parser
# refuses them too; this look needs no parser at all).
REFUSED_WORDS = frozenset({
    "import", "export", "pragma", "call", "install", "load", "force", "attach", "detach",
    "copy", "set", "reset", "use", "insert", "update", "delete", "merge", "truncate",
    "create", "drop", "alter", "comment", "checkpoint", "vacuum", "analyze", "begin",
    "commit", "rollback", "abort", "prepare", "execute", "deallocate", "update_extensions",
})  # fmt: skip
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


def refuse_unless_select(sql: str, connection: duckdb.DuckDBPyConnection) -> str:
    """The single SELECT statement in `sql`, or DataError saying why not.
    `connection` must be locked down (no file access, no extensions): the
    parser of an open connection would run IMPORT DATABASE's schema.sql."""
    start = _LEADING.match(sql).end()
    word = _FIRST_WORD.match(sql, start)
    if word is not None and word.group().lower() in REFUSED_WORDS:
        first = word.group().upper()
        raise DataError(
            "Read-only",
            f"{first} statements are refused: the console only reads "
            "(no COPY, INSERT, ATTACH, IMPORT, INSTALL, LOAD, CALL, SET or PRAGMA)",
        )
    try:
        statements = connection.extract_statements(sql)
    except duckdb.Error as exc:
        raise DataError("SQL does not parse", str(exc).splitlines()[0]) from None
    if len(statements) != 1:
        raise DataError("One statement only", f"found {len(statements)}; send one SELECT")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise DataError(
            "Read-only",
            f"{kind.name} statements are refused: the console only reads "
            "(no COPY, INSERT, ATTACH, IMPORT, INSTALL, LOAD, CALL, SET or PRAGMA)",
        )
    return statements[0].query


def run_adhoc(engine: Engine, sql: str, params: dict[str, object] | None = None) -> pl.DataFrame:
    """Run a lead's SELECT on the pseudonymised engine; `$as_of`, `$county`,
    `$month`... are bound from `params`."""
    return _run_exact(adhoc_engine(engine), sql, params)


def run_revealed(engine: Engine, sql: str, params: dict[str, object] | None = None):
    """Run a lead's SELECT over the raw extracts (only after the audit record
    of the reveal is written). Checked on the engine's own locked connection."""
    return _run_exact(engine, sql, params)


def _run_exact(target: Engine, sql: str, params: dict[str, object] | None) -> pl.DataFrame:
    """The SELECT checked on `target`'s locked connection and run there; values
    polars cannot hold exactly come back as text (queries.results)."""
    from queries.results import exact_select, safe_dates

    checked = refuse_unless_select(sql, target.connection)

    def describe(select: str) -> list[tuple[str, str]]:
        return target.run_sql(f"DESCRIBE {select}", params).select(pl.nth(0, 1)).rows()

    return safe_dates(target.run_sql(exact_select(describe, checked), params))


_building = threading.Lock()


def adhoc_engine(engine: Engine) -> AdhocEngine:
    """The pseudonymised engine of `engine`'s extracts, made on first use."""
    with _building:
        adhoc = getattr(engine, "adhoc", None)
        if adhoc is None:
            adhoc = AdhocEngine(engine)
            engine.adhoc = adhoc
        return adhoc


class AdhocEngine(Engine):
    """An engine over the pseudonymised copy of `engine`'s extracts. It shares
    the Engine's query running (`run_sql`, `interrupt`, error translation) but
    none of its connection, files or cache."""

    def __init__(self, engine: Engine) -> None:  # noqa: PLR0915 (set-up in order)
        self.settings = engine.settings
        self.data_dir = engine.data_dir
        self.sources = {}
        self.problems = engine.problems
        self.usable_tables = set(engine.usable_tables)
        self.cache = None
        self.cache_note = engine.cache_note
        self._lock = threading.Lock()
        self._active: set[duckdb.DuckDBPyConnection] = set()
        self._answers: OrderedDict = OrderedDict()
        self._computing: dict = {}
        try:
            key = pseudonym_key()
        except SecretError as exc:
            raise DataError("No pseudonym key", str(exc)) from None
        self.spill_dir = private_temp_folder("wrp-tui-spill-")
        if engine.cache is not None:
            self.folder = engine.cache.folder / f"pseudonymised-{key_id(key)}"
        else:  # no cache: a private copy for this engine's life
            self.folder = private_temp_folder("wrp-tui-pseudonymised-") / "copy"
            weakref.finalize(self, shutil.rmtree, self.folder.parent, True)
        try:
            files = ensure_pseudonymised(engine, self.folder, key)
            self.connection = duckdb.connect(":memory:", config=self._config())
            self.connection.execute("SET enable_progress_bar = false")
            self._define_pseudonymised_tables(files)
            self._define_reference()
            for sql in _rules_sql():
                self.connection.execute(sql)
            for view in CACHED_VIEWS:
                if view in files:
                    self._point_at(view, files[view])
            self._lock_down()
        except (OSError, duckdb.Error) as exc:
            message = f"the pseudonymised copy failed: {exc}"
            raise DataError("Console unavailable", message) from None
        weakref.finalize(self, self.connection.close)

    def _config(self) -> dict[str, object]:
        config: dict[str, object] = dict(LOCKED_CONFIG, temp_directory=str(self.spill_dir))
        config["memory_limit"] = self.settings.memory_limit or default_memory_limit()
        if self.settings.threads:
            config["threads"] = self.settings.threads
        return config

    def _define_pseudonymised_tables(self, files: dict[str, list[Path]]) -> None:
        from queries.engine import _STAND_IN_TYPES

        for table, columns in TABLES.items():
            if table in self.usable_tables and table in files:
                self._point_at(table, files[table])
                continue
            self.usable_tables.discard(table)
            stand_in = ", ".join(
                f'CAST(NULL AS {_STAND_IN_TYPES[kind]}) AS "{column}"'
                for column, kind in columns.items()
            )
            self.connection.execute(f'CREATE VIEW "{table}" AS SELECT {stand_in} WHERE false')

    def _point_at(self, name: str, paths: list[Path]) -> None:
        listed = ", ".join(quote_literal(str(p)) for p in paths)
        self.connection.execute(
            f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listed}])'
        )

    def _lock_down(self) -> None:
        """Only the pseudonymised copy and the spill folder can be read."""
        folders = [str(self.folder) + "/", str(self.spill_dir) + "/"]
        listed = ", ".join(quote_literal(f) for f in folders)
        self.connection.execute(f"SET allowed_directories = [{listed}]")
        self.connection.execute("SET enable_external_access = false")
        self.connection.execute("SET lock_configuration = true")

    def default_as_of(self):
        raise NotImplementedError("ask the main engine")  # pragma: no cover

    def close(self) -> None:
        self.connection.close()


# -- building the pseudonymised copy ------------------------------------------------------
def ensure_pseudonymised(engine: Engine, folder: Path, key: bytes) -> dict[str, list[Path]]:
    """The copy's files per table or view, built once into `folder` (a
    second process waits for the first's build). A copy whose files do not
    match its manifest is built again."""
    manifest = Manifest(folder)
    if manifest.verified():
        return manifest.views()
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_dead_partials(folder.parent)
    with open_lock(folder.parent / f"{folder.name}.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest.verified():
            return manifest.views()
        shutil.rmtree(folder, ignore_errors=True)
        staging = folder.parent / f"{folder.name}.{os.getpid()}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        try:
            _write_copy(engine, staging, key)
            Manifest(staging).write()
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return Manifest(folder).views()


def _write_copy(engine: Engine, staging: Path, key: bytes) -> None:
    """Every usable table, and every cached view of the fact cache, with each
    member column replaced by its pseudonym. Runs on a connection of its own
    that may read the raw extracts and the cache and write `staging`, and is
    closed before any user SQL runs anywhere."""
    connection = duckdb.connect(":memory:", config=dict(LOCKED_CONFIG))
    try:
        connection.execute("SET enable_progress_bar = false")
        connection.execute(pseudonym_macro(key))
        # Each member's pseudonym computed once (HMAC per row of a 20M-row
        # eligibility would be most of the build), then joined in.
        members = {t: [c for c in TABLES[t] if is_member_column(c)] for t in engine.usable_tables}
        scans = [f'SELECT "{c}" AS m FROM {engine.sources[t].scan_sql()}'
                 for t, columns in members.items() for c in columns]  # fmt: skip
        if scans:
            connection.execute(
                "CREATE TEMP TABLE member_aliases AS SELECT m, pseudonym(m) AS alias "
                f"FROM ({' UNION '.join(scans)}) WHERE m IS NOT NULL"
            )
        queries: dict[str, str] = {}
        for table in engine.usable_tables:
            select = ", ".join(
                f'a{i}.alias AS "{c}"' if c in members[table] else f't."{c}"'
                for i, c in enumerate(TABLES[table])
            )
            joins = "".join(
                f' LEFT JOIN member_aliases a{i} ON a{i}.m = t."{c}"'
                for i, c in enumerate(TABLES[table]) if c in members[table]
            )  # fmt: skip
            queries[table] = f"SELECT {select} FROM {engine.sources[table].scan_sql()} t{joins}"
        if engine.cache is not None:  # its member columns hold pseudonyms already
            cached = Manifest(engine.cache.folder).views()
            for view in CACHED_VIEWS:
                queries[view] = f"SELECT * FROM {FactCache.scan(cached[view])}"
        for name, query in queries.items():
            target = staging / f"{name}.parquet"
            connection.execute(
                f"COPY ({query}) TO {quote_literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
            )
            os.chmod(target, 0o600)
    finally:
        connection.close()
