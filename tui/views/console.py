"""The query console's logic (pane 7), with no Textual in it.

- the schema it lists: the contract's tables, the reference tables and the
  derived views, each with its columns;
- the parameters it binds (`$as_of`, `$county`, `$month`, `$fiscal_year`
  from the context bar);
- the SQL a pane hands to it ("drill to SQL"): the question that made the
  pane's table, with its parameters written in as SQL literals;
- a query's result (member IDs pseudonyms) capped for the screen;
- completion of table and column names.

Everything here runs in the console's worker threads or is pure string work.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queries.contract import TABLES
from queries.extracts import quote_literal

if TYPE_CHECKING:
    import polars as pl

    from queries.engine import Engine
    from queries.reports import Filters
    from tui.context import Context

DISPLAY_CAP = 100_000  # rows handed to the screen; the count and exports cover all
REFERENCE_TABLES = {
    "ref_counties": "the seven counties, size category and distance standard",
    "ref_levels": "levels of care, names and timely-access days",
}
_PARAMETER = re.compile(r"\$([a-z_]+)\b")


# -- parameters ---------------------------------------------------------------------------
def context_params(ctx: Context) -> dict[str, object]:
    """What `$as_of`, `$county`, `$month` and `$fiscal_year` are bound to."""
    return {"as_of": ctx.as_of, "county": ctx.county, "month": ctx.month,
            "fiscal_year": ctx.fiscal_year}  # fmt: skip


def describe_params(ctx: Context) -> str:
    """`$as_of 2025-04-10 · $county all · …` for the console's status line."""
    values = context_params(ctx)
    return " · ".join(f"${k} {'all' if v is None else v}" for k, v in values.items())


def sql_literal(value: object) -> str:
    """A Python value as a DuckDB literal: dates typed, text quoted, NULL for None."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return quote_literal(str(value))


def fill_parameters(sql: str, params: dict[str, object]) -> str:
    """`sql` with every `$name` written as the literal of `params[name]`
    (NULL when not given, as the engine binds it)."""
    return _PARAMETER.sub(lambda m: sql_literal(params.get(m.group(1))), sql)


# -- which question made a pane's table ------------------------------------------------------
QuerySource = Callable[["Context"], tuple[str, dict[str, object]]]


def asked(question: str, *from_context: str, **fixed: object) -> QuerySource:
    """A level's question: `queries/<question>.sql` with the named context
    values (`as_of`, `county`…) and fixed ones (the drilled row's keys)."""

    def source(ctx: Context) -> tuple[str, dict[str, object]]:
        values = context_params(ctx)
        return question, {name: values[name] for name in from_context} | fixed

    return source


def report_query(name: str, filters: Callable[[Context], Filters]) -> QuerySource:
    """The question behind `run_report(engine, name, filters(ctx))`, with the
    parameters run_report binds."""

    def source(ctx: Context) -> tuple[str, dict[str, object]]:
        from queries.reports import REPORTS, question_params

        report, chosen = REPORTS[name], filters(ctx)
        chosen = replace(chosen, as_of=chosen.as_of or ctx.as_of)
        if "month" in report.computing:
            chosen = replace(chosen, month=chosen.month or ctx.month)
        return report.question, question_params(name, chosen)

    return source


def question_text(question: str, params: dict[str, object], where: str) -> str:
    """The SQL a lead starts from: a header saying where it came from, then
    `queries/<question>.sql` with its parameters filled in."""
    from queries.engine import question_sql

    sql = fill_parameters(question_sql(question), params).strip()
    given = ", ".join(f"{k} = {sql_literal(v)}" for k, v in params.items())
    header = f"-- {where}: queries/{question}.sql\n-- {given}\n" if given else ""
    return header + sql + "\n"


# -- the schema -------------------------------------------------------------------------
@dataclass(frozen=True)
class Relation:
    """A table or view the console can read, as the schema list shows it."""

    name: str
    kind: str  # "table", "reference" or "view"
    columns: tuple[tuple[str, str], ...]  # (name, type)
    description: str = ""

    @property
    def call(self) -> str:
        """What to write in a FROM clause."""
        return f"{self.name}($as_of)" if self.kind == "view" else self.name


def load_schema(engine: Engine, as_of: date) -> list[Relation]:
    """Every table and derived view with its columns. The contract's tables come
    from the contract; the rest are described by DuckDB (binding only, no scan)."""
    from queries.adhoc import DERIVED_VIEWS, adhoc_engine
    from queries.contract import KINDS
    from queries.engine import DataError

    relations = [
        Relation(
            table,
            "table",
            tuple((c, KINDS[k].split()[0]) for c, k in columns.items()),
            "" if table in engine.usable_tables else "unusable: see the overview",
        )  # fmt: skip
        for table, columns in TABLES.items()
    ]
    described = [(n, "reference", d) for n, d in REFERENCE_TABLES.items()]
    described += [(n, "view", d) for n, d in DERIVED_VIEWS.items()]
    for name, kind, description in described:
        call = f"{name}(CAST($as_of AS DATE))" if kind == "view" else name
        try:
            frame = adhoc_engine(engine).run_sql(f"DESCRIBE SELECT * FROM {call}", {"as_of": as_of})
        except DataError as exc:
            relations.append(Relation(name, kind, (), f"{description} ({exc.title})"))
            continue
        columns = tuple(zip(frame["column_name"], frame["column_type"], strict=True))
        relations.append(Relation(name, kind, columns, description))
    return relations


def schema_names(relations: list[Relation]) -> list[str]:
    """Names worth completing: relations, then columns, each once, in order."""
    names = [r.name for r in relations]
    names += [c for r in relations for c, _type in r.columns]
    return list(dict.fromkeys(names))


# -- completion -----------------------------------------------------------------------------
_WORD_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*)?$")


def word_before(line: str) -> tuple[str | None, str]:
    """The word the cursor is at the end of, and its qualifier: `c.coun` ->
    ("c", "coun"); `sel` -> (None, "sel")."""
    match = _WORD_BEFORE.search(line)
    qualifier = match.group(1)[:-1] if match and match.group(1) else None
    return qualifier, (match.group(2) or "") if match else ""


def completions(relations: list[Relation], line: str) -> tuple[str, list[str]]:
    """(prefix typed, names starting with it). After `table.` only that
    table's columns are offered; an alias offers every column."""
    qualifier, prefix = word_before(line)
    if qualifier is not None:
        owner = next((r for r in relations if r.name == qualifier.lower()), None)
        names = (
            [c for c, _ in owner.columns] if owner else schema_names(relations)[len(relations) :]
        )
    else:
        names = schema_names(relations)
    low = prefix.lower()
    return prefix, [n for n in names if n.lower().startswith(low) and n != prefix]


def common_prefix(names: list[str]) -> str:
    if not names:
        return ""
    first, last = min(names), max(names)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


# -- running a query -------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsoleResult:
    """A query's rows (pseudonymised): `frame` holds them all (exports write it),
    `shown` the first DISPLAY_CAP for the screen."""

    sql: str
    frame: pl.DataFrame
    seconds: float
    shown: Any = field(repr=False, default=None)  # a fastdatatable backend, built off-screen

    @property
    def total_rows(self) -> int:
        return self.frame.height

    @property
    def shown_rows(self) -> int:
        return min(self.frame.height, DISPLAY_CAP)

    def summary(self) -> str:
        rows = self.total_rows
        if rows > self.shown_rows:
            counted = f"{self.shown_rows:,} of {rows:,} rows shown"
        else:
            counted = "1 row" if rows == 1 else f"{rows:,} rows"
        return f"{counted} · {self.frame.width} columns · {self.seconds:.2f} s"


def run_console_query(engine: Engine, sql: str, ctx: Context) -> ConsoleResult:
    """Run a lead's SELECT with the context's parameters on the pseudonymised
    engine (member IDs are pseudonyms at the source, so nothing needs masking).
    Raises DataError (refused, failed) or QueryCancelled."""
    from textual_fastdatatable.backend import create_backend

    from queries.adhoc import run_adhoc

    started = time.perf_counter()
    frame = run_adhoc(engine, sql, context_params(ctx))
    shown = create_backend(frame.head(DISPLAY_CAP).to_arrow())
    return ConsoleResult(sql, frame, time.perf_counter() - started, shown)


# -- history ---------------------------------------------------------------------------------
HISTORY_KEPT = 500  # queries read back at start


def history_path() -> Path:
    """$XDG_STATE_HOME/wrp-tui/history (default ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "wrp-tui" / "history"


@dataclass
class History:
    """The queries run, newest last; browsing keeps the unsent draft. With a
    `path`, each query is appended to it (one JSON string a line, folder 0700,
    file 0600) with any CIN-looking literal masked, and read back next time."""

    entries: list[str] = field(default_factory=list)
    position: int | None = None  # index being shown, None: the draft
    draft: str = ""
    path: Path | None = None
    problem: str | None = None  # why the file could not be read or written

    @classmethod
    def load(cls, path: Path) -> History:
        history = cls(path=path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return history
        except OSError as exc:
            history.problem = f"cannot read the history {path}: {exc.strerror}"
            return history
        for text in lines[-HISTORY_KEPT:]:
            try:
                sql = json.loads(text)
            except ValueError:
                continue  # a line cut short by a crash: the others still count
            if isinstance(sql, str) and sql.strip():
                history.remember(sql.strip())
        return history

    def remember(self, sql: str) -> bool:
        if sql and (not self.entries or self.entries[-1] != sql):
            self.entries.append(sql)
            return True
        return False

    def add(self, sql: str) -> None:
        sql = sql.strip()
        if self.remember(sql) and self.path is not None:
            self.write(sql)
        self.position = None

    def write(self, sql: str) -> None:
        from queries.privacy import mask_text

        path = self.path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(json.dumps(mask_text(sql), ensure_ascii=False) + "\n")
        except OSError as exc:
            self.problem = f"cannot write the history {path}: {exc.strerror}"

    def previous(self, current: str) -> str | None:
        if not self.entries:
            return None
        if self.position is None:
            self.draft = current
            self.position = len(self.entries) - 1
        elif self.position > 0:
            self.position -= 1
        else:
            return None
        return self.entries[self.position]

    def next(self) -> str | None:
        if self.position is None:
            return None
        if self.position < len(self.entries) - 1:
            self.position += 1
            return self.entries[self.position]
        self.position = None
        return self.draft
