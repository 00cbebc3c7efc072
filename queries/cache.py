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
import os
import shutil
import time
from collections.abc import Iterable
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
# order their rows are written in: by month first, so that the drilldowns'
# month filters skip most row groups.
CACHED_VIEWS = (
    ("claim_facts", "service_month, county_code, member_id"),
    ("user_spans", "month, county_code"),
    ("cost_by_paid_date", "month, county_code"),
    ("repeated_claim_keys", "claim_id, line_no"),
)


class FactCache:
    """Where one extract version's cached views live, and how they are built."""

    def __init__(self, root: Path, data_dir: Path, version: str) -> None:
        folder_key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        self.family = root / folder_key
        self.folder = self.family / version

    def path(self, view: str) -> Path:
        return self.folder / f"{view}.parquet"

    def attach(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Point each cached view at its parquet file, building what is missing
        first (once: a second dashboard waits for the first's build, then reuses
        it). Raises OSError or duckdb.Error when the cache cannot be written."""
        if not all(self.path(view).exists() for view, _ in CACHED_VIEWS):
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / "build.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                for view, order in CACHED_VIEWS:
                    if not self.path(view).exists():
                        self._build(connection, view, order)
                    self._point(connection, view)
            self._prune_old_versions()
        for view, _ in CACHED_VIEWS:
            self._point(connection, view)

    def _build(self, connection: duckdb.DuckDBPyConnection, view: str, order: str) -> None:
        partial = self.folder / f"{view}.{os.getpid()}.partial"
        try:
            connection.execute(
                f"COPY (SELECT * FROM {view}_build() ORDER BY {order}) "
                f"TO {quote_literal(str(partial))} (FORMAT parquet, COMPRESSION zstd)"
            )
            os.replace(partial, self.path(view))  # atomic: readers never see a half file
        finally:
            partial.unlink(missing_ok=True)
            (self.folder / f"tmp_{partial.name}").unlink(missing_ok=True)  # DuckDB's own

    def _point(self, connection: duckdb.DuckDBPyConnection, view: str) -> None:
        cached = f"read_parquet({quote_literal(str(self.path(view)))})"
        connection.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {cached}")

    def _prune_old_versions(self) -> None:
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for sibling in self.family.iterdir():
            if sibling != self.folder and sibling.is_dir() and sibling.stat().st_mtime < cutoff:
                shutil.rmtree(sibling, ignore_errors=True)
