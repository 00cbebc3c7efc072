"""The evidence pack of a month's close, for county and DHCS auditors.

A folder (and a zip of it) that opens on any machine: every report of the
month and its fiscal year as CSV and JSON, the SQL of each question with its
parameters, the checklist with its notes and sign-off, a manifest of the
extract files (name, size, SHA-256), the tool's version, and SHA256SUMS over
the pack. Built from the same functions as `wrp-tui report` and `close`.

Re-running on the same inputs writes the same bytes, except `generated_at.txt`
(when and by whom): nothing else holds a clock, the zip's entries are sorted
and dated 1980-01-01. Member IDs appear only in the rows behind the checks,
masked unless revealed (the caller audits first); the public form suppresses
small cells and leaves out what has no suppression policy.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import json
import platform
import shutil
import zipfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from queries.calendar import fiscal_year_of
from queries.close import checklist
from queries.engine import DataError, Engine, question_sql
from queries.extracts import extract_files
from queries.notes import NotesError, NotesStore
from queries.privacy import mask_members
from queries.projection import METHOD
from queries.reports import (
    COMPUTED,
    REPORTS,
    Filters,
    question_params,
    records,
    run_public_report,
    run_report,
)
from queries.signoff import check_note, extract_version_of, signoff_state, state_record
from queries.suppression import POLICIES, suppress

TIMESTAMP_FILE = "generated_at.txt"
SUMS_FILE = "SHA256SUMS"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the zip format's first day: the same on every run
# Which rows of each report belong to the month's close: its fiscal year, the
# month itself, or everything known on the as-of date.
REPORT_SCOPE = {
    "users": "fiscal_year", "invoices": "fiscal_year", "reconciliation": "fiscal_year",
    "projection": "fiscal_year", "adequacy": "month", "exceptions": "month",
    "supplementals": "all", "late-changes": "all", "claims-lag": "all",
    "care": "fiscal_year", "access": "fiscal_year", "penetration": "fiscal_year",
    "aging": "all", "lag-triangle": "month",
}  # fmt: skip
# Left out of the pack: the back-test replays every as-of date of the data (minutes
# at state scale) and says nothing about this month's figures.
NOT_IN_PACK = frozenset(("projection-backtest",))
# The checklist's own questions, beside the reports'.
CLOSE_QUESTIONS = ("close_readiness", "exception_lines")


def report_filters(name: str, month: date, as_of: date) -> Filters:
    scope = REPORT_SCOPE[name]
    if scope == "fiscal_year":
        return Filters(as_of=as_of, fiscal_year=fiscal_year_of(month))
    if scope == "month":
        return Filters(as_of=as_of, month=month)
    return Filters(as_of=as_of)


def tool_version() -> dict[str, str]:
    """wrp-tui's version (pyproject.toml when not installed) and its engines'."""
    try:
        version = metadata.version("wrp-tui")
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        version = tomllib.loads(pyproject.read_text())["project"]["version"]
    found = {"wrp-tui": version, "python": platform.python_version()}
    for package in ("duckdb", "polars", "textual"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_manifest(engine: Engine) -> list[dict[str, Any]]:
    """Every extract file the figures were read from: name, size, SHA-256."""
    return [
        {"name": file.name, "size": file.size, "sha256": sha256_file(file.path)}
        for file in extract_files(engine.data_dir, engine.sources.values())
    ]


def csv_bytes(rows: list[dict[str, Any]], fields: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def frame_files(stem: str, frame: pl.DataFrame) -> dict[str, bytes]:
    """A frame as `stem.csv` and `stem.json`, as `wrp-tui report` prints them."""
    rows = records(frame)
    return {f"{stem}.csv": csv_bytes(rows, frame.columns), f"{stem}.json": json_bytes(rows)}


def _sql_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def sql_file(question: str, params: Mapping[str, Any], used_by: str) -> bytes:
    """The question's SQL as run, its parameters written above it."""
    head = [f"-- {used_by}: queries/{question}.sql", "-- parameters (NULL: no filter):"]
    head += [f"--   ${k} = {_sql_value(v) if v is not None else 'NULL'}" for k, v in params.items()]
    return ("\n".join(head) + "\n\n" + question_sql(question)).encode()


def report_files(engine: Engine, month: date, as_of: date,
                 public: bool) -> tuple[dict[str, bytes], dict[str, Any], list[str]]:  # fmt: skip
    """Every report (CSV, JSON), its SQL, the parameters of each, and the
    reports left out of a public pack (no suppression policy)."""
    files: dict[str, bytes] = {}
    parameters: dict[str, Any] = {}
    left_out = []
    for name, report in REPORTS.items():
        if name in NOT_IN_PACK:
            continue
        if public and name not in POLICIES:
            left_out.append(name)
            continue
        filters = report_filters(name, month, as_of)
        # Public: suppression decided on the whole report, then the pack's rows
        # selected (deciding on the month's rows alone could be differenced).
        frame = (run_public_report if public else run_report)(engine, name, filters)
        files |= frame_files(f"reports/{name}", frame)
        params = question_params(name, filters)
        if "month" in report.computing and params.get("month") is None:
            params["month"] = month
        parameters[name] = {"question": report.question,
                            **{k: _sql_value(v) for k, v in params.items()}}  # fmt: skip
        if report.question == "year_end_projection":
            files["sql/year_end_projection.txt"] = (
                "projection: computed in Python (queries/projection.py) from the claims-lag "
                f"report.\nparameters: {json.dumps(parameters[name])}\nmethod: {METHOD}\n"
            ).encode()
        elif report.question in COMPUTED:
            files[f"sql/{report.question}.txt"] = (
                f"{name}: computed in Python (queries/reports.py, COMPUTED) from the questions "
                f"it asks.\nparameters: {json.dumps(parameters[name])}\n"
            ).encode()
        else:
            files[f"sql/{report.question}.sql"] = sql_file(report.question, params,
                                                           f"report {name}")  # fmt: skip
    close_params = {"as_of": as_of, "month": month, "county": None, "check": None}
    for question in CLOSE_QUESTIONS:
        params = {k: v for k, v in close_params.items() if f"${k}" in question_sql(question)}
        files[f"sql/{question}.sql"] = sql_file(question, params, "close checklist")
        parameters[question] = {"question": question,
                                **{k: _sql_value(v) for k, v in params.items()}}  # fmt: skip
    files["sql/parameters.json"] = json_bytes(parameters)
    return files, parameters, left_out


def close_files(engine: Engine, month: date, as_of: date, store: NotesStore, *,
                public: bool, reveal_phi: bool) -> tuple[dict[str, bytes], str]:  # fmt: skip
    """The checklist with each check's current note, the notes' history, the
    sign-off, and (not in public) the rows behind the checks. Returns the files
    and what became of the notes store ('' when it read)."""
    result = checklist(engine, month, as_of)
    store_problem = ""
    try:
        notes, history = store.current(month), store.history(month)
        state = signoff_state(store, engine, month)
    except NotesError as exc:
        notes, history, state = {}, [], None
        store_problem = f"{exc.title}: {exc.message}"
    rows = []
    for item in result.items:
        note = check_note(notes, item.check, month)
        rows.append({
            "check": item.check, "severity": item.severity, "count": item.count,
            "detail": item.detail,
            "note_status": note.status if note else None,
            "note_author": note.author if note else None,
            "note_written_at": note.written_at if note else None,
            "note": None if note is None or public else note.text,
        })  # fmt: skip
    text_columns = ("detail", "note_status", "note_author", "note_written_at", "note")
    schema = {"check": pl.String, "severity": pl.String, "count": pl.Int64,
              **dict.fromkeys(text_columns, pl.String)}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema)
    if public:
        frame = suppress(frame, POLICIES["exceptions"])
    files = frame_files("close/checklist", frame)
    if not result.readiness.is_empty() and not public:  # its user counts have no policy
        files |= frame_files("close/readiness", result.readiness)
    kept = [n.as_record() | ({"text": None} if public else {}) for n in history]
    files["close/notes.json"] = json_bytes({"store": str(store.path), "problem": store_problem
                                            or None, "notes": kept})  # fmt: skip
    signed = state_record(state)
    if public and state is not None:  # who signed and when; the figures are in the reports
        signed["sign_off"]["snapshot"] = {"month": signed["sign_off"]["snapshot"]["month"]}
        signed["moved"] = None
    files["close/signoff.json"] = json_bytes(signed)
    if not public:
        try:
            lines = engine.run("exception_lines", as_of=as_of, month=month)
        except DataError:
            lines = None  # the checklist says which extract is unusable
        if lines is not None:
            files |= frame_files("close/check_rows", lines if reveal_phi else mask_members(lines))
    return files, store_problem


def pack_files(engine: Engine, month: date, as_of: date, store: NotesStore, *,
               public: bool = False, reveal_phi: bool = False) -> dict[str, bytes]:  # fmt: skip
    """Every file of the pack but the pictures, the sums and the timestamp, by path."""
    files, _parameters, left_out = report_files(engine, month, as_of, public)
    close, store_problem = close_files(engine, month, as_of, store, public=public,
                                       reveal_phi=reveal_phi)  # fmt: skip
    files |= close
    manifest = extract_manifest(engine)
    files["extracts/manifest.csv"] = csv_bytes(manifest, ["name", "size", "sha256"])
    files["tool.json"] = json_bytes(tool_version())
    files["pack.json"] = json_bytes({
        "month": month.strftime("%Y-%m"), "fiscal_year": fiscal_year_of(month),
        "as_of": as_of.isoformat(), "data_dir": str(engine.data_dir),
        "extract_version": extract_version_of(engine),
        "form": "public (small cells suppressed)" if public else "internal",
        "member_ids": "revealed (audited)" if reveal_phi else "masked",
        "left_out": left_out + (["close/readiness", "close/check_rows", "screens"]
                                if public else []),  # fmt: skip
        "notes_store_problem": store_problem or None,
        "report_scope": REPORT_SCOPE,
    })  # fmt: skip
    return files


def readme(files: Mapping[str, bytes]) -> bytes:
    listed = "\n".join(f"  {name}" for name in sorted(files))
    return (
        "Evidence pack of a WRP month-end close (wrp-tui evidence).\n\n"
        "Check it:  sha256sum -c SHA256SUMS   (every file but generated_at.txt)\n"
        "pack.json says which month, as-of date, extracts and form; tool.json the versions;\n"
        "extracts/manifest.csv the extract files read; sql/ each question with its parameters;\n"
        "reports/ every report as CSV and JSON; close/ the checklist, notes and sign-off;\n"
        "screens/ the dashboard panes as SVG pictures (open in a web browser).\n\n"
        f"Files:\n{listed}\n"
    ).encode()


def sums(files: Mapping[str, bytes]) -> bytes:
    """SHA256SUMS in `sha256sum -c` form, sorted by path."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n"
                   for name in sorted(files)).encode()  # fmt: skip


class PackRefused(Exception):
    """The pack cannot be written where asked."""


def write_pack(files: Mapping[str, bytes], out: Path, *, extracts: Path,
               overwrite: bool = False) -> Path:  # fmt: skip
    """Write the folder `out` and `out`.zip (sorted entries, fixed dates, 0600);
    returns the zip's path."""
    out = out.resolve()
    if out.is_relative_to(extracts.resolve()):
        raise PackRefused("the extracts folder is never written to; choose another path")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not (overwrite and (out / SUMS_FILE).is_file()):
            raise PackRefused(f"{out} exists and is not empty (--overwrite replaces an "
                              "earlier pack)")  # fmt: skip
        shutil.rmtree(out)
    everything = dict(files)
    everything["README.txt"] = readme(files | {SUMS_FILE: b"", TIMESTAMP_FILE: b""})
    everything[SUMS_FILE] = sums(everything)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    everything[TIMESTAMP_FILE] = f"{stamp} {getpass.getuser()}\n".encode()
    out.mkdir(parents=True, mode=0o700, exist_ok=True)
    for name, content in sorted(everything.items()):
        path = out / name
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(content)
    archive = out.with_name(out.name + ".zip")
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in sorted(everything.items()):
            entry = zipfile.ZipInfo(f"{out.name}/{name}", date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # unix, so the mode below is read
            entry.external_attr = 0o600 << 16
            zipped.writestr(entry, content)
    archive.chmod(0o600)
    return archive
