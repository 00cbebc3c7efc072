"""The claim-facts cache: one parquet build per extract version, outside the
extracts folder, shared safely by every dashboard opened on the same extracts.

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


class FactCache:
    """Where one extract version's claim facts live, and how they are built."""

    def __init__(self, root: Path, data_dir: Path, version: str) -> None:
        folder_key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        self.family = root / folder_key
        self.folder = self.family / version
        self.path = self.folder / "claim_facts.parquet"
        self.spill = self.folder / "spill"

    def ensure(self, connection: duckdb.DuckDBPyConnection) -> Path:
        """The cached file, built first if no process has built it yet.
        Raises OSError or duckdb.Error when the cache cannot be written."""
        if self.path.exists():
            return self.path
        self.spill.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second dashboard waits, then reuses
            if not self.path.exists():
                partial = self.folder / f"claim_facts.{os.getpid()}.partial"
                connection.execute(
                    "COPY (SELECT * FROM claim_facts_build()) "
                    f"TO {quote_literal(str(partial))} (FORMAT parquet, COMPRESSION zstd)"
                )
                os.replace(partial, self.path)  # atomic: readers never see a half file
        self._prune_old_versions()
        return self.path

    def _prune_old_versions(self) -> None:
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for sibling in self.family.iterdir():
            if sibling != self.folder and sibling.is_dir() and sibling.stat().st_mtime < cutoff:
                shutil.rmtree(sibling, ignore_errors=True)
