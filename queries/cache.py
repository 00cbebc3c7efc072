"""The claim-facts cache: the claim lines and their rollups, built once per
extract version as parquet files outside the extracts folder, and shared
safely by every dashboard opened on the same extracts.

The version is a hash of the rules' SQL and of every extract file's path, size
and modification time, so any change to an extract (or to the rules) makes a
new version; versions of the same folder older than a day are pruned.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from queries.extracts import TableSource, quote_literal

PRUNE_AFTER_SECONDS = 24 * 3600


def default_cache_root() -> Path:
    """$WRP_TUI_CACHE, else $XDG_CACHE_HOME/wrp-tui, else ~/.cache/wrp-tui."""
    if explicit := os.environ.get("WRP_TUI_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wrp-tui"


def source_files(sources: Iterable[TableSource]) -> list[Path]:
    files: list[Path] = []
    for source in sources:
        files += [source.path] if source.path.is_file() else source.path.rglob("*.parquet")
    return sorted(files)


def extract_version(data_dir: Path, sources: Iterable[TableSource], rules: str) -> str:
    digest = hashlib.sha256(rules.encode())
    for path in source_files(sources):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(data_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()[:20]


# Cached views in build order (each may read the ones before it), with the
# order their rows are written in. The whole views are built over every claim;
# the monthly ones a chunk of service months at a time (a file per chunk), so
# that the build's memory is bounded by a chunk of claims.
WHOLE_VIEWS = (
    ("claim_reversals", "claim_id, line_no"),
    ("reversal_targets", "claim_id, line_no"),
    ("repeated_claim_keys", "claim_id, line_no"),
    ("latest_dates", None),
    # Care transitions and penetration (contract v1.1).
    ("residential_days", "member_id, service_date"),
    ("eligible_by_year", "fiscal_year, county_code"),
)
MONTHLY_VIEWS = (
    # claim_facts first: the others read it. Its lines stay in the extract's
    # order (sorting a chunk would hold all of it in memory); the rollups are
    # small and written by month, so that month filters skip row groups.
    ("claim_facts", None),
    ("user_counts", "month, county_code, valid_from"),
    ("cost_by_paid_date", "month, county_code, paid_date"),
    ("exception_lines", "service_month, county_code, claim_id"),
    # Care transitions and penetration (contract v1.1) read these, not the lines.
    ("care_days", "member_id, service_date"),
    ("member_year_spans", "fiscal_year, county_code, member_id"),
)
CACHED_VIEWS = tuple(view for view, _ in WHOLE_VIEWS + MONTHLY_VIEWS)
CHUNK_LINES = 1_000_000  # claim lines per chunk, about 300 MB of DuckDB memory
BUILD_NOTE = "build.json"  # in a version folder: which extracts, when it was built


@dataclass(frozen=True)
class BuildProgress:
    """One step of a cache build, said before the step runs (`done` steps of
    `total` are finished; the last event has done == total). `months` names the
    chunk of service months a monthly view is built for. `interrupt` stops the
    step running now (DuckDB raises in the build's thread); a listener that
    raises stops the build before the next step. Either way the staging folder
    is removed and no version is left in place."""

    stage: str
    done: int
    total: int
    months: str | None = None
    interrupt: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


Progress = Callable[[BuildProgress], None]


class FactCache:
    """Where one extract version's cached views live, and how they are built."""

    def __init__(self, root: Path, data_dir: Path, version: str) -> None:
        folder_key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        self.family = root / folder_key
        self.folder = self.family / version
        self.data_dir = data_dir

    def path(self, view: str) -> Path:
        """A whole view's parquet file, or a monthly view's folder of them."""
        monthly = view in dict(MONTHLY_VIEWS)
        return self.folder / (view if monthly else f"{view}.parquet")

    def attach(self, connection: duckdb.DuckDBPyConnection, progress: Progress | None = None,
               ) -> bool:  # fmt: skip
        """Point each cached view at its parquet files, building the version
        first if it is missing (once: a second dashboard waits for the first's
        build, then reuses it), telling `progress` of each build step. True
        when this call built the version. Raises OSError or duckdb.Error when
        the cache cannot be written."""
        built = False
        if not self.folder.is_dir():
            self.family.mkdir(parents=True, exist_ok=True)
            with open(self.family / f"{self.folder.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not self.folder.is_dir():
                    self._build(connection, progress or (lambda _step: None))
                    built = True
            self._prune_old_versions()
        for view in CACHED_VIEWS:
            self._point(connection, view, self.path(view))
        return built

    def _build(self, connection: duckdb.DuckDBPyConnection, progress: Progress) -> None:
        """Build every cached view into a staging folder, then rename it into
        place: readers see a whole version or none."""
        staging = self.family / f"{self.folder.name}.{os.getpid()}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            say = _stepper(progress, connection.interrupt)
            say("counting claim lines by service month", total=1)
            chunks = service_month_chunks(connection, CHUNK_LINES)
            say.total = 1 + len(WHOLE_VIEWS) + len(chunks) * len(MONTHLY_VIEWS)
            for view, order in WHOLE_VIEWS:
                say(view)
                self._write(connection, f"{view}_build()", order, staging / f"{view}.parquet")
                self._point(connection, view, staging / f"{view}.parquet")
            for chunk, bounds, months in chunks:
                self.build_chunk(connection, staging, chunk, bounds, lambda v, m=months: say(v, m))
            (staging / BUILD_NOTE).write_text(json.dumps({
                "extracts": str(self.data_dir),
                "version": self.folder.name,
                "built": datetime.now(UTC).isoformat(timespec="seconds"),
            }))  # fmt: skip
            os.replace(staging, self.folder)
            say("done")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def build_chunk(self, connection, staging: Path, chunk: str, bounds: str,
                    say: Callable[[str], None] = lambda _view: None) -> None:  # fmt: skip
        """The claim facts of a chunk of service months (or of the undated
        lines), then the rollups of those facts alone."""
        for view, order in MONTHLY_VIEWS:
            say(view)
            target = staging / view / f"{chunk}.parquet"
            target.parent.mkdir(exist_ok=True)
            source = f"claim_facts_build({bounds})" if view == "claim_facts" else f"{view}_build()"
            self._write(connection, source, order, target)
            if view == "claim_facts":  # the rollups read this chunk's facts alone
                self._point(connection, "claim_facts", target)

    @staticmethod
    def _write(connection, source: str, order: str | None, target: Path) -> None:
        ordered = f" ORDER BY {order}" if order else ""
        connection.execute(
            f"COPY (SELECT * FROM {source}{ordered}) "
            f"TO {quote_literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )

    @staticmethod
    def _point(connection: duckdb.DuckDBPyConnection, view: str, source: Path | str) -> None:
        """Make `view` read a parquet file, a folder of them, or a table."""
        if isinstance(source, Path):
            files = source / "*.parquet" if source.is_dir() else source
            source = f"read_parquet({quote_literal(str(files))})"
        connection.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {source}")

    def _prune_old_versions(self) -> None:
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for sibling in self.family.iterdir():
            if sibling != self.folder and sibling.stat().st_mtime < cutoff:
                if sibling.is_dir():
                    shutil.rmtree(sibling, ignore_errors=True)
                else:
                    sibling.unlink(missing_ok=True)


class _stepper:
    """Counts a build's steps and tells the listener of each one."""

    def __init__(self, progress: Progress, interrupt: Callable[[], None]) -> None:
        self.progress, self.interrupt = progress, interrupt
        self.done, self.total = -1, 1

    def __call__(self, stage: str, months: str | None = None, total: int | None = None) -> None:
        self.done, self.total = self.done + 1, total or self.total
        self.progress(BuildProgress(stage, self.done, self.total, months, self.interrupt))


def service_month_chunks(
    connection: duckdb.DuckDBPyConnection, lines: int
) -> list[tuple[str, str, str]]:
    """(file name, claim_facts_build arguments, months) of chunks of consecutive
    service months with about `lines` claim lines each (a month is never
    split: identical rows must meet), and one chunk of the lines with no
    service date (always, so that every monthly view has a file)."""
    months = connection.execute(
        "SELECT CAST(month AS VARCHAR), CAST(CAST(month + INTERVAL 1 MONTH AS DATE) AS VARCHAR),"
        "       count(*)"
        " FROM (SELECT CAST(date_trunc('month', service_date) AS DATE) AS month FROM claims"
        "       WHERE service_date IS NOT NULL)"
        " GROUP BY month ORDER BY month"
    ).fetchall()
    chunks, first, size = [], None, 0
    for index, (month, after, count) in enumerate(months):
        first, size = first or month, size + count
        if size >= lines or index == len(months) - 1:
            bounds = f"DATE {quote_literal(first)}, DATE {quote_literal(after)}, false"
            chunks.append((f"chunk{len(chunks):04d}", bounds, f"{first[:7]} to {month[:7]}"))
            first, size = None, 0
    return [*chunks, ("undated", "DATE 'infinity', DATE 'infinity', true", "undated lines")]
