"""Close notes and month sign-offs, kept in a small SQLite store.

The store is its own audit trail: rows are only ever added (triggers refuse
UPDATE and DELETE), an edit or a status change adds a row, and the current
state of a subject is its latest row. Several dashboards and a CLI may write
at once: WAL mode, a busy timeout and `BEGIN IMMEDIATE` make each write wait
its turn instead of losing it.

Default: $XDG_STATE_HOME/wrp-tui/notes.sqlite (~/.local/state); a team shares
one with `--store PATH` or $WRP_TUI_STORE. A store that is missing, locked,
read-only or corrupt raises `NotesError` with a message for the user; readers
of a missing store see no notes (nothing is created by reading).
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

STATUSES = ("open", "explained", "accepted", "fixed")
KINDS = ("check", "county-month", "reconciliation")
BUSY_TIMEOUT_MS = 15_000  # a writer waits this long for another before giving up

SCHEMA = tuple(statement.strip() + ";" for statement in """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,               -- the subject's key, e.g. check/missing_rate/2024-07
    kind TEXT NOT NULL CHECK (kind IN ('check', 'county-month', 'reconciliation')),
    check_name TEXT,
    county_code TEXT,
    month TEXT,                          -- YYYY-MM
    fiscal_year INTEGER,
    status TEXT NOT NULL CHECK (status IN ('open', 'explained', 'accepted', 'fixed')),
    author TEXT NOT NULL,
    written_at TEXT NOT NULL,            -- UTC, ISO 8601
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_by_subject ON notes (subject, id);
CREATE TABLE IF NOT EXISTS signoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,                 -- YYYY-MM
    as_of TEXT NOT NULL,
    extract_version TEXT NOT NULL,
    data_dir TEXT NOT NULL,
    author TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    snapshot TEXT NOT NULL               -- JSON: the checklist and key figures then
);
CREATE TRIGGER IF NOT EXISTS notes_append_only_u BEFORE UPDATE ON notes
    BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS notes_append_only_d BEFORE DELETE ON notes
    BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS signoffs_append_only_u BEFORE UPDATE ON signoffs
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END;
CREATE TRIGGER IF NOT EXISTS signoffs_append_only_d BEFORE DELETE ON signoffs
    BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END
""".split(";\n") if statement.strip())


class NotesError(Exception):
    """The notes store cannot be read or written; worded for the user."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


def default_store_path() -> Path:
    """$WRP_TUI_STORE, else $XDG_STATE_HOME/wrp-tui/notes.sqlite (~/.local/state)."""
    if explicit := os.environ.get("WRP_TUI_STORE"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "wrp-tui" / "notes.sqlite"


def month_key(month: date) -> str:
    return month.strftime("%Y-%m")


@dataclass(frozen=True)
class Subject:
    """What a note is about: a check (in a month, or in every month), a
    county-month, or a reconciliation row (county x fiscal year)."""

    kind: str
    check: str | None = None
    county: str | None = None
    month: date | None = None
    fiscal_year: int | None = None

    def __post_init__(self) -> None:
        needs = {
            "check": self.check is not None and self.county is None and self.fiscal_year is None,
            "county-month": self.county is not None and self.month is not None
            and self.check is None and self.fiscal_year is None,
            "reconciliation": self.county is not None and self.fiscal_year is not None
            and self.check is None and self.month is None,
        }  # fmt: skip
        if self.kind not in needs:
            raise ValueError(f"{self.kind!r} is not a note subject; use one of {', '.join(KINDS)}")
        if not needs[self.kind]:
            raise ValueError(
                "a note is on a check (and optionally a month), a county and month, "
                "or a county and fiscal year"
            )

    @property
    def key(self) -> str:
        if self.kind == "check":
            return f"check/{self.check}" + (f"/{month_key(self.month)}" if self.month else "")
        if self.kind == "county-month":
            return f"county-month/{self.county}/{month_key(self.month)}"
        return f"reconciliation/{self.county}/FY{self.fiscal_year}"

    def label(self) -> str:
        if self.kind == "check":
            return self.check + (f" ({month_key(self.month)})" if self.month else "")
        if self.kind == "county-month":
            return f"county {self.county} {month_key(self.month)}"
        return f"county {self.county} FY{self.fiscal_year - 1}-{self.fiscal_year % 100:02d}"


@dataclass(frozen=True)
class Note:
    id: int
    subject: Subject
    status: str
    author: str
    written_at: str
    text: str

    def as_record(self) -> dict[str, Any]:
        s = self.subject
        return {
            "id": self.id, "subject": s.key, "kind": s.kind, "check": s.check,
            "county_code": s.county, "month": month_key(s.month) if s.month else None,
            "fiscal_year": s.fiscal_year, "status": self.status, "author": self.author,
            "written_at": self.written_at, "text": self.text,
        }  # fmt: skip


@dataclass(frozen=True)
class SignOff:
    id: int
    month: date
    as_of: date
    extract_version: str
    data_dir: str
    author: str
    signed_at: str
    snapshot: dict[str, Any]

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.id, "month": month_key(self.month), "as_of": self.as_of.isoformat(),
            "extract_version": self.extract_version, "data_dir": self.data_dir,
            "author": self.author, "signed_at": self.signed_at, "snapshot": self.snapshot,
        }  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _month(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text + "-01")


def _note(row: sqlite3.Row) -> Note:
    subject = Subject(row["kind"], row["check_name"], row["county_code"], _month(row["month"]),
                      row["fiscal_year"])  # fmt: skip
    return Note(row["id"], subject, row["status"], row["author"], row["written_at"], row["text"])


def _signoff(row: sqlite3.Row) -> SignOff:
    return SignOff(row["id"], _month(row["month"]), date.fromisoformat(row["as_of"]),
                   row["extract_version"], row["data_dir"], row["author"], row["signed_at"],
                   json.loads(row["snapshot"]))  # fmt: skip


def _translate(path: Path, exc: sqlite3.Error) -> NotesError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return NotesError("Notes store busy", f"{path} is locked by another writer; try again")
    if "readonly" in text or "read-only" in text:
        return NotesError("Notes store is read-only", f"{path} cannot be written: {text}")
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return NotesError("Notes store unreadable", f"{path} is not a notes store ({text})")
    if "unable to open" in text:
        return NotesError("Notes store missing", f"cannot open {path} ({text})")
    return NotesError("Notes store error", f"{path}: {text}")


class NotesStore:
    """The notes and sign-offs at `path` (default: default_store_path())."""

    def __init__(self, path: Path | None = None, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.explicit = path is not None or "WRP_TUI_STORE" in os.environ
        self.timeout_ms = timeout_ms

    def _open_read_only(self) -> sqlite3.Connection:
        """mode=ro; on a folder the reader cannot write (a read-only share), WAL
        has nowhere for its index, so the file is read as immutable."""
        uri = self.path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=self.timeout_ms / 1000)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            db.close()
            if "unable to open" not in str(exc) and "readonly" not in str(exc):
                raise
            db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
        return db

    # -- connections ------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or None when there is no store yet."""
        if not self.path.exists():
            yield None
            return
        try:
            with closing(self._open_read_only()) as db:
                db.row_factory = sqlite3.Row
                db.execute(f"PRAGMA busy_timeout = {self.timeout_ms}")
                has = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
                if not has:  # an empty file (made for the team, not written yet)
                    yield None
                    return
                if not {"notes", "signoffs"} <= has:
                    raise NotesError("Not a notes store", f"{self.path} has no notes tables")
                yield db
        except sqlite3.Error as exc:
            raise _translate(self.path, exc) from None

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so that
        concurrent writers queue on the busy timeout instead of failing."""
        folder = self.path.parent
        if not folder.is_dir():
            if self.explicit:  # a shared path: a typo must not start a second store
                raise NotesError("Notes store missing", f"the folder {folder} does not exist")
            folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        if not self.path.exists():
            try:  # 0600 before the first byte: notes may name members' situations
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                message = f"cannot create {self.path}: {exc.strerror}"
                raise NotesError("Notes store missing", message) from None
        try:
            db = sqlite3.connect(self.path, timeout=self.timeout_ms / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(self.path, exc) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {self.timeout_ms}")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA:  # executescript would commit the transaction
                db.execute(statement)
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise _translate(self.path, exc) from None
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # -- notes ----------------------------------------------------------------------------
    def add_note(self, subject: Subject, status: str, text: str,
                 author: str | None = None) -> Note:  # fmt: skip
        """Append a note (an edit or status change is a new note on the subject)."""
        if status not in STATUSES:
            raise ValueError(f"{status!r} is not a status; use one of {', '.join(STATUSES)}")
        text = text.strip()
        if not text:
            raise ValueError("a note needs some text")
        s = subject
        values = (s.key, s.kind, s.check, s.county, month_key(s.month) if s.month else None,
                  s.fiscal_year, status, author or getpass.getuser(), _now(), text)  # fmt: skip
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO notes (subject, kind, check_name, county_code, month, fiscal_year,"
                " status, author, written_at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            row = db.execute("SELECT * FROM notes WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _note(row)

    def history(self, month: date | None = None, subject: Subject | None = None) -> list[Note]:
        """Every note, oldest first; of one subject, or of the subjects of a
        month (its checks, its county-months, checks of every month, and the
        reconciliation rows of its fiscal year)."""
        where, params = "", ()
        if subject is not None:
            where, params = " WHERE subject = ?", (subject.key,)
        elif month is not None:
            fiscal_year = month.year + (1 if month.month >= 7 else 0)
            where = (" WHERE month = ? OR (kind = 'check' AND month IS NULL)"
                     " OR (kind = 'reconciliation' AND fiscal_year = ?)")  # fmt: skip
            params = (month_key(month), fiscal_year)
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(f"SELECT * FROM notes{where} ORDER BY id", params).fetchall()
        return [_note(r) for r in rows]

    def current(self, month: date | None = None) -> dict[str, Note]:
        """The current state of each subject (its latest note), by subject key."""
        latest: dict[str, Note] = {}
        for note in self.history(month):
            latest[note.subject.key] = note
        return latest

    # -- sign-offs ---------------------------------------------------------------------------
    def sign_off(self, month: date, as_of: date, extract_version: str, data_dir: Path | str,
                 snapshot: dict[str, Any], author: str | None = None) -> SignOff:  # fmt: skip
        values = (month_key(month), as_of.isoformat(), extract_version, str(data_dir),
                  author or getpass.getuser(), _now(), json.dumps(snapshot, sort_keys=True))
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO signoffs (month, as_of, extract_version, data_dir, author,"
                " signed_at, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            row = db.execute("SELECT * FROM signoffs WHERE id = ?",
                             (cursor.lastrowid,)).fetchone()  # fmt: skip
        return _signoff(row)

    def sign_offs(self, month: date | None = None) -> list[SignOff]:
        """Every sign-off (of a month), oldest first; the last is the one that stands."""
        where, params = ("", ()) if month is None else (" WHERE month = ?", (month_key(month),))
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(f"SELECT * FROM signoffs{where} ORDER BY id", params).fetchall()
        return [_signoff(r) for r in rows]

    def latest_sign_off(self, month: date) -> SignOff | None:
        found = self.sign_offs(month)
        return found[-1] if found else None
