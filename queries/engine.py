"""The data layer: DuckDB over a folder of parquet extracts.

Knows nothing of Textual. The CLI reports and the dashboard panes both call
`Engine.run(question, ...)`, so a pane and its report always agree.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from queries.cache import (
    CACHED_VIEWS,
    LOCKED_CONFIG,
    FactCache,
    Progress,
    default_cache_root,
    extract_version,
    private_temp_folder,
)
from queries.calendar import CALENDAR_SQL
from queries.contract import REQUIRED_ROWS, TABLES
from queries.crash import resource_advice
from queries.extracts import (
    Problem,
    TableSource,
    date_columns,
    empty_problem,
    find_sources,
    first_line,
    footer_facts,
    in_range,
    inspect_schema,
    out_of_range_problems,
    quote_literal,
    unreadable,
)  # fmt: skip
from queries.privacy import SecretError, key_id, mask_text, pseudonym_key, pseudonym_macro
from queries.reference import COUNTIES, DISTANCE_STANDARDS, LEVELS_OF_CARE, TIMELY_ACCESS_DAYS

QUERY_DIR = Path(__file__).parent
T = TypeVar("T")
REMEMBERED_ANSWERS = 256  # answers an engine keeps, least recently used dropped first
REMEMBERED_ROWS = 50_000  # larger answers (member lists of a big county) are not kept
_PARAMETER = re.compile(r"\$([a-z_]+)")
_COMMENT = re.compile(r"--[^\n]*")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_DEFINITION = re.compile(r"CREATE OR REPLACE (?:MACRO|VIEW) (\w+)", re.IGNORECASE)
# Part of the cache version: cached facts built before out-of-range dates were
# left out of the table views must not be reused.
_VIEW_RULES = "table views: dates outside 1900-2100 left out"
# Errors of a parquet file that does not read through (a corrupt page).
_CORRUPT = (
    "parquet", "thrift", "tprotocol", "invalid data", "don't know what type", "corrupt",
    "unexpected end", "snappy", "zstd", "decompress", "out of buffer",
)  # fmt: skip
# DuckDB types for the empty stand-in of an unusable table.
_STAND_IN_TYPES = {
    "text": "VARCHAR", "date": "DATE", "bool": "BOOLEAN", "int": "INTEGER",
    "money": "DECIMAL(12, 2)", "decimal": "DECIMAL(10, 2)", "float": "DOUBLE",
}  # fmt: skip


class DataError(Exception):
    """A problem with the extracts or a query, worded for the user. Any CIN in
    the message (a DuckDB error may quote a value) is masked."""

    def __init__(self, title: str, message: str) -> None:
        message = mask_text(message)
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


class QueryCancelled(Exception):
    """The query was interrupted on purpose (the user moved on)."""


MEMORY_CAP_MIB = 4096  # the default limit: a quarter of RAM, at most this


def default_memory_limit() -> str:
    """A quarter of the machine's memory, at most 4 GiB: DuckDB's own default
    (80%) lets one nightly build or pane take most of a shared server."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):  # not a POSIX system that says
        return f"{MEMORY_CAP_MIB}MiB"
    return f"{max(min(ram // 4 // 2**20, MEMORY_CAP_MIB), 256)}MiB"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    memory_limit: str | None = None  # e.g. "2GB"; None: default_memory_limit()
    threads: int | None = None
    cache_dir: Path | None = None  # None: default_cache_root(); the cache is optional
    use_cache: bool = True


@cache
def question_sql(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise DataError("Unknown question", f"there is no query named {name!r}")
    return path.read_text()


@lru_cache(maxsize=512)
def parameter_names(sql: str) -> tuple[str, ...]:
    """The named parameters ($name) of a query, in order of first use."""
    return tuple(dict.fromkeys(_PARAMETER.findall(sql)))


@cache
def _rule_files() -> tuple[str, ...]:
    """The rules, in the order they are defined: the calendar's macros
    (queries/calendar.py), then queries/views/*.sql."""
    return (CALENDAR_SQL,) + tuple(
        p.read_text() for p in sorted((QUERY_DIR / "views").glob("*.sql"))
    )


def _cached_view_definition() -> re.Pattern:
    return re.compile(rf"CREATE OR REPLACE VIEW (?:{'|'.join(CACHED_VIEWS)}) AS[^;]*;", re.I)


@cache
def _rules_without_cached_views() -> tuple[str, ...]:
    """The rule files less their definitions of the views the cache holds (each
    such definition is one statement, `CREATE OR REPLACE VIEW v AS SELECT * FROM
    v_build(...);`)."""
    pattern = _cached_view_definition()
    return tuple(pattern.sub("", sql) for sql in _rule_files())


def _rules_sql(skip_cached: bool = False) -> list[str]:
    return list(_rules_without_cached_views() if skip_cached else _rule_files())


def cache_rules(key: bytes) -> str:
    """What, besides the extracts, makes a cache version: the rules' SQL, and
    the pseudonym key (a new key, new pseudonyms: a new build)."""
    return "".join(_rules_sql()) + _VIEW_RULES + key_id(key)


def _words(sql: str) -> set[str]:
    return set(_WORD.findall(_COMMENT.sub("", sql).lower()))


@cache
def _macro_words() -> dict[str, set[str]]:
    """Each rule macro's (or view's) name -> the words of its body."""
    bodies: dict[str, set[str]] = {}
    for sql in _rules_sql():
        parts = _DEFINITION.split(sql)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            bodies[name.lower()] = _words(body)
    return bodies


def tables_used(sql: str) -> set[str]:
    """Contract tables a query reads, directly or through the rule macros."""
    macros = _macro_words()
    seen: set[str] = set()
    todo = _words(sql)
    while todo:
        word = todo.pop()
        if word in seen:
            continue
        seen.add(word)
        todo |= macros.get(word, set()) - seen
    return seen & set(TABLES)


def _literal(value: object) -> str:
    """A reference constant as SQL: NULL, an integer or a string."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return quote_literal(str(value))


class Engine:
    """One read-only DuckDB database over the extracts of `settings.data_dir`.

    Each table of the contract becomes a view selecting the contract's columns;
    a table that is missing or breaks the contract gets no view, and a
    question that needs it raises `DataError` naming the problem.
    """

    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        """`progress` hears of each step when opening builds the cache (it
        may stop the build: see queries.cache.BuildProgress)."""
        self.settings = settings
        self.data_dir = Path(settings.data_dir).resolve()
        if not self.data_dir.is_dir():
            raise DataError("No extracts", f"{self.data_dir} is not a folder")
        config: dict[str, object] = dict(LOCKED_CONFIG)
        # Each engine spills into a private folder of its own (DuckDB's
        # default, ./.tmp, is shared by every process started in the same folder).
        self.spill_dir = private_temp_folder("wrp-tui-spill-")
        weakref.finalize(self, shutil.rmtree, self.spill_dir, True)
        config["temp_directory"] = str(self.spill_dir)
        config["memory_limit"] = settings.memory_limit or default_memory_limit()
        if settings.threads:
            config["threads"] = settings.threads
        self._lock = threading.Lock()
        self._active: set[duckdb.DuckDBPyConnection] = set()
        self._answers: OrderedDict[tuple, object] = OrderedDict()
        self._computing: dict[tuple, Future] = {}
        self.sources: dict[str, TableSource] = find_sources(self.data_dir)
        self.problems: list[Problem] = []
        self.usable_tables: set[str] = set()
        # Date columns whose rows outside 1900-2100 are left out of the views.
        self.date_suspects: dict[str, tuple[str, ...]] = {}
        self.cache: FactCache | None = None
        self.cache_note = "cache off"
        self.cache_built = False  # this open built the cache version
        try:
            self.connection = duckdb.connect(":memory:", config=config)
            # Binding the rules and every query re-reads the parquet footers
            # otherwise (each file of a hive-partitioned table).
            self.connection.execute("SET parquet_metadata_cache = true")
            # DuckDB draws a progress bar on the terminal for a long query: over
            # the dashboard's screen. Cursors inherit this.
            self.connection.execute("SET enable_progress_bar = false")
            self._define_tables()
            self._define_reference()
            root = settings.cache_dir or default_cache_root()
            # A version already built: its views are pointed at first, and the
            # rule files' own definitions of them (which bind against the raw
            # extracts, every file of a partitioned table) are not run at all.
            warm = settings.use_cache and self._attach_built_cache(root)
            for sql in _rules_sql(skip_cached=warm):
                self.connection.execute(sql)
            if settings.use_cache and not warm:
                self._use_fact_cache(root, progress)
            self._define_pseudonym()
            self._lock_down()
        except duckdb.Error as exc:
            raise self._translate(exc) from None

    # -- set-up -----------------------------------------------------------
    def _define_tables(self) -> None:
        readable = []
        for table in TABLES:
            source = self.sources.get(table)
            if source is None:
                self.problems.append(
                    Problem(table, None, f"missing: no {table}.parquet or {table}/ folder")
                )
                continue
            problems = inspect_schema(self.connection, source)
            self.problems.extend(problems)
            if not any(p.blocking for p in problems):
                readable.append(source)
        try:
            facts = footer_facts(self.connection, readable)
        except duckdb.Error:  # footers that DESCRIBE read but this cannot: filter every date
            facts = {s.table: (1, tuple(date_columns(s.table))) for s in readable}
        for source in readable:
            table, columns = source.table, TABLES[source.table]
            rows, suspects = facts[table]
            if table in REQUIRED_ROWS and not rows:
                self.problems.append(empty_problem(table))
                continue
            select = ", ".join(f'"{c}"' for c in columns)
            where = " WHERE " + " AND ".join(map(in_range, suspects)) if suspects else ""
            if suspects:
                self.date_suspects[table] = suspects
            self.connection.execute(
                f'CREATE VIEW "{table}" AS SELECT {select} FROM {source.scan_sql()}{where}'
            )
            self.usable_tables.add(table)
        # Unusable tables get an empty stand-in so that the rule macros can be
        # defined; run() refuses any question that reads one.
        for table in TABLES.keys() - self.usable_tables:
            stand_in = ", ".join(
                f'CAST(NULL AS {_STAND_IN_TYPES[kind]}) AS "{column}"'
                for column, kind in TABLES[table].items()
            )
            self.connection.execute(f'CREATE VIEW "{table}" AS SELECT {stand_in} WHERE false')

    def _define_reference(self) -> None:
        counties = [(c.code, c.name, c.size, *DISTANCE_STANDARDS[c.size]) for c in COUNTIES]
        levels = [
            (code, name, TIMELY_ACCESS_DAYS.get(code), i)
            for i, (code, name) in enumerate(LEVELS_OF_CARE.items())
        ]
        self._reference_table(
            "ref_counties (county_code VARCHAR, county_name VARCHAR, size_category VARCHAR,"
            " max_miles INTEGER, max_minutes INTEGER)",
            counties,
        )
        self._reference_table(
            "ref_levels (level_of_care VARCHAR, level_name VARCHAR, timely_days INTEGER,"
            " sort_order INTEGER)",
            levels,
        )

    def _reference_table(self, definition: str, rows: list[tuple]) -> None:
        """One INSERT of literals for all rows: the rows are the product's own
        constants (queries.reference), and binding Python parameters makes
        DuckDB look for pandas, numpy and others on first use (a fifth of a
        warm open)."""
        self.connection.execute(f"CREATE TABLE {definition}")
        values = ", ".join("(" + ", ".join(map(_literal, row)) + ")" for row in rows)
        self.connection.execute(f"INSERT INTO {definition.split()[0]} VALUES {values}")

    def _fact_cache(self, root: Path) -> FactCache | None:
        """This extract version's cache (built or not), or None when there can be none."""
        if not {"claims", "eligibility"} <= self.usable_tables:
            return None
        try:
            key = pseudonym_key()
        except SecretError as exc:  # no pseudonyms, no cache: it would hold CINs
            self.cache_note = f"cache off ({exc})"
            return None
        version = extract_version(self.data_dir, self.sources.values(), cache_rules(key))
        return FactCache(root.resolve(), self.data_dir, version, key)

    def _attach_built_cache(self, root: Path) -> bool:
        """Point the cached views at this version's files when it is built and
        verified; False (nothing changed) when it needs building or cannot be used."""
        cache = self._fact_cache(root)
        try:
            if cache is None or not cache.attach_built(self.connection):
                return False
        except (OSError, duckdb.Error):
            return False  # said by _use_fact_cache, which tries again
        self.cache = cache
        self.cache_note = f"cache {cache.folder}"
        return True

    def _use_fact_cache(self, root: Path, progress: Progress | None) -> None:
        """Read claim facts from the cache, building it once per extract version.
        Without a writable cache the facts are computed per query: slower, same."""
        cache = self._fact_cache(root)
        if cache is None:
            return
        try:
            self.cache_built = cache.attach(self.connection, progress)
        except (OSError, duckdb.Error) as exc:
            self.cache_note = f"cache unavailable ({str(exc).splitlines()[0]})"
            for sql in _rules_sql():  # back to the on-the-fly views
                self.connection.execute(sql)
            return
        self.cache = cache
        self.cache_note = f"cache {cache.folder}"

    def _define_pseudonym(self) -> None:
        """`pseudonym(member_id)`, for the few questions that list members:
        the cached facts hold pseudonyms, and those questions map them back
        to CINs through the raw extracts (the screen then masks them). This
        connection never runs user SQL except after a reveal was audited
        (`sql --reveal-phi`), which sees the CINs anyway."""
        try:
            # Not TEMP: queries run on cursors, which see no temporary object.
            self.connection.execute(pseudonym_macro(pseudonym_key(), temp=False))
        except SecretError:  # no key, no cache: the facts hold the CINs themselves
            self.connection.execute("CREATE OR REPLACE MACRO pseudonym(m) AS m")

    def _lock_down(self) -> None:
        """From here on DuckDB may read only inside the extracts folder (and its
        own cache): no other files, no network, no extension installs, no
        settings changes."""
        folders = [str(self.data_dir) + "/", str(self.spill_dir) + "/"]
        if self.cache is not None:
            folders.append(str(self.cache.folder) + "/")
        listed = ", ".join(quote_literal(f) for f in folders)
        self.connection.execute(f"SET allowed_directories = [{listed}]")
        self.connection.execute("SET enable_external_access = false")
        self.connection.execute("SET lock_configuration = true")

    # -- questions --------------------------------------------------------
    def run(self, question: str, **params: object) -> pl.DataFrame:
        """Run `queries/<question>.sql` with its named parameters bound.

        Parameters the SQL names but the caller leaves out are bound to NULL
        (meaning "no filter"). Safe to call from several threads at once.
        The extracts an engine reads never change under it (new extracts make
        a new engine), so answers are remembered: a pane revisited, or a
        figure two panes share, costs no query.
        """
        sql = question_sql(question)
        key = (question, *((name, params.get(name)) for name in parameter_names(sql)))
        return self.remember(key, lambda: self.run_sql(sql, params))

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """compute(), or the answer it gave for `key` before (answers of more
        than REMEMBERED_ROWS rows are not kept). A thread asking what another
        is computing waits for that answer (a pane visited while the
        background load asks the same question)."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            pending = self._computing.get(key)
            if pending is None:
                self._computing[key] = Future()
        if pending is not None:
            try:
                return pending.result()
            except Exception:  # noqa: S110 (cancelled or failed there: ask it here)
                pass
            return compute()
        try:
            answer = compute()
        except BaseException as exc:
            with self._lock:
                self._computing.pop(key).set_exception(exc)
            raise
        with self._lock:
            if not isinstance(answer, pl.DataFrame) or answer.height <= REMEMBERED_ROWS:
                self._answers[key] = answer
                while len(self._answers) > REMEMBERED_ANSWERS:
                    self._answers.popitem(last=False)
            self._computing.pop(key).set_result(answer)
        return answer

    def run_sql(self, sql: str, params: dict[str, object] | None = None) -> pl.DataFrame:
        params = params or {}
        self._refuse_unusable(sql)
        bound = {name: params.get(name) for name in parameter_names(sql)}
        cursor = self.connection.cursor()
        with self._lock:
            self._active.add(cursor)
        try:
            return cursor.execute(sql, bound).pl()
        except duckdb.InterruptException as exc:
            raise QueryCancelled(str(exc)) from exc
        except duckdb.Error as exc:
            raise self._translate(exc, sql) from exc
        finally:
            with self._lock:
                self._active.discard(cursor)
            cursor.close()

    def interrupt(self) -> None:
        """Cancel every query running now."""
        with self._lock:
            active = list(self._active)
        for cursor in active:
            cursor.interrupt()
        if (adhoc := getattr(self, "adhoc", None)) is not None:
            adhoc.interrupt()  # the console's pseudonymised engine

    def _refuse_unusable(self, sql: str) -> None:
        for table in sorted(tables_used(sql) - self.usable_tables):
            reasons = "; ".join(p.describe() for p in self.problems if p.table == table)
            raise DataError(f"Extract {table!r} is unusable", reasons)

    def _translate(self, exc: duckdb.Error, sql: str | None = None) -> DataError:
        text = str(exc)
        line = first_line(exc)
        if sql is not None and any(word in text.lower() for word in _CORRUPT):
            if (broken := self._unreadable_source(sql, line)) is not None:
                return DataError(f"Extract {broken.table!r} is unreadable", broken.describe())
        if isinstance(exc, duckdb.PermissionException):
            return DataError("Read-only", "reading files outside the extracts folder is refused")
        if isinstance(exc, duckdb.OutOfMemoryException):
            return DataError(
                "Out of memory",
                "the query needed more memory than the limit allows; raise --memory-limit",
            )
        if (advice := resource_advice(exc)) is not None:  # the machine, not the extracts
            return DataError("Not enough resources", advice)
        if isinstance(exc, duckdb.IOException):
            return DataError("Unreadable extract", line)
        return DataError("Query failed", line)

    def _unreadable_source(self, sql: str, error: str) -> Problem | None:
        """Which table (and file) of those `sql` reads does not read through."""
        from queries.extracts import broken_file

        cursor = self.connection.cursor()
        try:
            # (the console's engine reads a pseudonymised copy: no sources of its own)
            for table in sorted(tables_used(sql) & self.usable_tables & self.sources.keys()):
                source = self.sources[table]
                if broken_file(cursor, source) is not None:
                    return unreadable(cursor, source, error)
        except duckdb.Error:
            return None
        finally:
            cursor.close()
        return None

    def dates_left_out(self) -> list[Problem]:
        """Rows the table views leave out for a date the rules cannot use, by
        table and column (blocking where it changes an invoice). Counted once."""

        def count() -> list[Problem]:
            cursor = self.connection.cursor()
            found: list[Problem] = []
            try:
                for table, columns in sorted(self.date_suspects.items()):
                    source = self.sources[table]
                    try:
                        found += out_of_range_problems(cursor, source, columns)
                    except duckdb.Error as exc:  # a corrupt page: said, not raised
                        found.append(unreadable(cursor, source, first_line(exc)))
            finally:
                cursor.close()
            return found

        return self.remember(("dates_left_out",), count) if self.date_suspects else []

    # -- facts about the extracts -----------------------------------------
    def default_as_of(self) -> date:
        """The latest paid_date in claims (contract default), else today."""
        if "claims" in self.usable_tables:
            latest = self.run_sql(self._latest("latest_paid_date", "max(paid_date) FROM claims"))
            if latest.item() is not None:
                return latest.item()
        return date.today()

    def last_eligibility_month(self) -> date | None:
        if "eligibility" not in self.usable_tables:
            return None
        return self.run_sql(
            self._latest("latest_eligibility_month", "max(month) FROM eligibility")
        ).item()

    def _latest(self, cached: str, scanned: str) -> str:
        """Read a latest date from the cache when there is one (a scan of the
        whole extract otherwise)."""
        return f"SELECT {cached} FROM latest_dates" if self.cache else f"SELECT {scanned}"

    def close(self) -> None:
        if (adhoc := getattr(self, "adhoc", None)) is not None:
            adhoc.close()
        self.connection.close()
