"""The claim-facts cache: the claim lines and their rollups, built once per
extract version as parquet files outside the extracts folder, and shared
safely by every dashboard opened on the same extracts.

The version is a hash of the rules' SQL and of every extract file's path, size
and modification time, so any change to an extract (or to the rules) makes a
new version; versions of the same folder older than a day are pruned.

The cache holds member-level rows, and its files decide the figures, so it is
private and verified: folders 0700 and files 0600; a root that is not the
user's, or that group or others may write, is refused (figures are then
computed without it); each build writes a manifest of its files' sizes and
SHA-256, and a version whose files do not match it is built again, never
read; partial builds of processes that died are removed at the next start.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from queries.extracts import TableSource, extract_files, quote_literal
from queries.privacy import pseudonym_macro

PRUNE_AFTER_SECONDS = 24 * 3600
MANIFEST = "manifest.json"
HASHED = "hashed.json"  # in a version folder: its files' identities when last hashed whole
# Every connection the product opens: no extension is ever fetched or loaded
# behind the user's back (PRAGMA tpch(1) would download one).
LOCKED_CONFIG: dict[str, object] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class CacheRefused(OSError):
    """The cache folder is not safe to trust; figures are computed without it."""


def check_private(folder: Path) -> None:
    """`folder` (made 0700 if missing) must be the user's and writable by
    nobody else: whoever can write the cache can change the figures."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise CacheRefused(f"{folder} is not a plain folder")
    if info.st_uid != os.getuid():
        raise CacheRefused(f"{folder} belongs to another user")
    if info.st_mode & 0o022:
        raise CacheRefused(f"{folder} is writable by group or others (chmod 700 it)")


def open_lock(path: Path):
    """A lock file opened without following a symlink and without truncating
    anything (a planted link cannot make us clobber another file)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    return os.fdopen(fd, "rb+")


def make_private(folder: Path) -> None:
    """Folders 0700 and files 0600 under `folder` (DuckDB writes by umask)."""
    os.chmod(folder, 0o700)
    for path in folder.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def remove_dead_partials(folder: Path) -> None:
    """`*.<pid>.partial` staging folders whose process is gone, whatever their
    age (a build killed with kill -9 leaves member-level rows there)."""
    if not folder.is_dir():
        return
    for partial in folder.glob("*.partial"):
        try:
            pid = int(partial.name.rsplit(".", 2)[-2])
        except (ValueError, IndexError):
            pid = None
        if pid is not None and pid != os.getpid() and process_alive(pid):
            continue
        if pid != os.getpid():
            shutil.rmtree(partial, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class Manifest:
    """`manifest.json` of a cache folder: each parquet file's size and SHA-256."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / MANIFEST

    def _files(self) -> list[Path]:
        """The folder's parquet files, not those of nested copies."""
        return sorted(
            p for p in self.folder.rglob("*.parquet")
            if not p.relative_to(self.folder).parts[0].startswith("pseudonymised-")
        )  # fmt: skip

    def write(self) -> None:
        make_private(self.folder)
        files = self._files()
        digests = _digests(files)
        entries = {
            str(p.relative_to(self.folder)): {"size": p.stat().st_size, "sha256": d}
            for p, d in zip(files, digests, strict=True)
        }
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"files": entries}, out, indent=1, sort_keys=True)

    def entries(self) -> dict[str, dict] | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd) as source:
                return json.load(source)["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def verified(self) -> bool:
        """True when every file is as the build wrote it and no file was added.
        The files are hashed once; later calls compare each file's identity
        (size, inode, modification and change times) with what it was when
        hashed: any write to a file changes its change time, which no one can
        set back, so a changed file is hashed (and refused) again."""
        entries = self.entries()
        if not entries or not self.folder.is_dir():
            return False
        files = self._files()
        names = [str(p.relative_to(self.folder)) for p in files]
        if names != sorted(entries):
            return False
        stats = [p.stat() for p in files]
        if any(st.st_size != entries[n]["size"] for n, st in zip(names, stats, strict=True)):
            return False
        seen = dict(zip(names, map(_identity, stats), strict=True))
        if self._hashed() == seen:
            return True
        digests = _digests(files)
        if any(d != entries[n]["sha256"] for n, d in zip(names, digests, strict=True)):
            return False
        self._note_hashed(seen)
        return True

    def _hashed(self) -> dict | None:
        """The files' identities when they were last hashed and found whole."""
        try:
            fd = os.open(self.folder / HASHED, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd) as source:
                return {name: list(v) for name, v in json.load(source).items()}
        except (OSError, ValueError, AttributeError):
            return None

    def _note_hashed(self, seen: dict) -> None:
        """Written whole or not at all (two dashboards may verify at once);
        a cache folder that cannot take it is hashed at every open, as before."""
        temporary = self.folder / f"{HASHED}.{os.getpid()}.{threading.get_ident()}"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(seen, out)
            os.replace(temporary, self.folder / HASHED)
        except OSError:
            temporary.unlink(missing_ok=True)

    def views(self) -> dict[str, list[Path]]:
        """The files of each view (or table), as the manifest lists them:
        views read these, never a glob that a planted file would join."""
        views: dict[str, list[Path]] = {}
        for name in sorted(self.entries() or {}):
            first = Path(name).parts[0]
            view = first[: -len(".parquet")] if first.endswith(".parquet") else first
            views.setdefault(view, []).append(self.folder / name)
        return views


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def _digests(files: list[Path]) -> list[str]:
    def digest(path: Path) -> str:
        with path.open("rb") as source:
            return hashlib.file_digest(source, "sha256").hexdigest()

    with ThreadPoolExecutor(4) as pool:  # hashlib releases the GIL
        return list(pool.map(digest, files))


# -- private temporary folders, removed however the process ends ----------------------------
_temp_folders: set[Path] = set()
_temp_lock = threading.Lock()


def private_temp_folder(prefix: str) -> Path:
    """A new 0700 temporary folder, removed at exit, and on SIGTERM/SIGHUP
    once `remove_temp_folders_on_signals` ran."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # mkdtemp makes it 0700
    with _temp_lock:
        _temp_folders.add(folder)
    return folder


def remove_temp_folders() -> None:
    with _temp_lock:
        folders = list(_temp_folders)
        _temp_folders.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(remove_temp_folders)
_signals_set = False


def remove_temp_folders_on_signals() -> None:
    """Remove the spill and copy folders on SIGTERM and SIGHUP too (a
    dashboard whose SSH session ended), then end as the signal would have.
    Called once from the main thread (engines are opened in workers)."""
    global _signals_set
    if _signals_set or threading.current_thread() is not threading.main_thread():
        return
    _signals_set = True
    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(signum)

        def handler(number, frame, previous=previous):
            remove_temp_folders()
            if callable(previous):
                previous(number, frame)
            else:
                signal.signal(number, signal.SIG_DFL)
                os.kill(os.getpid(), number)

        signal.signal(signum, handler)


def default_cache_root() -> Path:
    """$WRP_TUI_CACHE, else $XDG_CACHE_HOME/wrp-tui, else ~/.cache/wrp-tui."""
    if explicit := os.environ.get("WRP_TUI_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wrp-tui"


def extract_version(data_dir: Path, sources: Iterable[TableSource], rules: str) -> str:
    digest = hashlib.sha256(rules.encode())
    for file in extract_files(data_dir, sources):
        digest.update(f"{file.name}\0{file.size}\0{file.modified_ns}\n".encode())
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
    ("eligible_zips", "month, county_code"),  # network adequacy's distance figures
)
MONTHLY_VIEWS = (
    # claim_facts first: the others read it. Its lines stay in the extract's
    # order (sorting a chunk would hold all of it in memory); the rollups are
    # small and written by month, so that month filters skip row groups.
    ("claim_facts", None),
    ("user_counts", "month, county_code, valid_from"),
    ("cost_by_paid_date", "month, county_code, paid_date"),
    ("exception_lines", "service_month, county_code, claim_id"),
    ("paid_lines_by_date", "month, county_code, paid_date"),  # late changes
    ("reversed_user_spells", "month, county_code"),  # late changes
    # Care transitions and penetration (contract v1.1) read these, not the lines.
    ("care_days", "member_id, service_date"),
    ("member_year_spans", "fiscal_year, county_code, member_id"),
)
CACHED_VIEWS = tuple(view for view, _ in WHOLE_VIEWS + MONTHLY_VIEWS)
# Cached views whose member_id comes from the raw claims; the build writes
# their pseudonyms (the macro exists only while a build runs).
RAW_MEMBER_VIEWS = frozenset({"repeated_claim_keys", "claim_facts", "residential_days"})
PSEUDONYMISE = "pseudonymise_for_cache"
ALIASES = "member_aliases_for_cache"
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

    def __init__(self, root: Path, data_dir: Path, version: str, key: bytes) -> None:
        folder_key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        self.root = root
        self.key = key  # member IDs are written as its pseudonyms
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
        first if it is missing or does not match its manifest (once: a second
        dashboard waits for the first's build, then reuses it), telling
        `progress` of each build step. True when this call built the version.
        Raises OSError (CacheRefused for an unsafe root) or duckdb.Error when
        the cache cannot be used."""
        check_private(self.root)
        check_private(self.family)
        remove_dead_partials(self.family)
        manifest = Manifest(self.folder)
        built = False
        if not manifest.verified():
            with open_lock(self.family / f"{self.folder.name}.lock") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not manifest.verified():
                    shutil.rmtree(self.folder, ignore_errors=True)
                    self._build(connection, progress or (lambda _step: None))
                    built = True
            self._prune_old_versions()
        files = manifest.views()
        for view in CACHED_VIEWS:
            self._point(connection, view, files[view])
        return built

    def attach_built(self, connection: duckdb.DuckDBPyConnection) -> bool:
        """Point each cached view at its files when this version is built and
        matches its manifest; False, pointing nothing, otherwise (attach()
        builds it). Raises as attach() does."""
        check_private(self.root)
        check_private(self.family)
        remove_dead_partials(self.family)
        manifest = Manifest(self.folder)
        if not manifest.verified():
            return False
        files = manifest.views()
        for view in CACHED_VIEWS:
            self._point(connection, view, files[view])
        return True

    def _build(self, connection: duckdb.DuckDBPyConnection, progress: Progress) -> None:
        """Build every cached view into a private staging folder, write its
        manifest, then rename it into place: readers see a whole version or none."""
        staging = self.family / f"{self.folder.name}.{os.getpid()}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        # Each member's pseudonym once (not an HMAC per claim line), joined in.
        connection.execute(pseudonym_macro(self.key, PSEUDONYMISE))
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {ALIASES} AS SELECT member_id, "
            f"{PSEUDONYMISE}(member_id) AS alias FROM (SELECT DISTINCT member_id FROM claims) "
            "WHERE member_id IS NOT NULL"
        )
        try:
            say = _stepper(progress, connection.interrupt)
            say("counting claim lines by service month", total=1)
            chunks = service_month_chunks(connection, CHUNK_LINES)
            say.total = 1 + len(WHOLE_VIEWS) + len(chunks) * len(MONTHLY_VIEWS)
            for view, order in WHOLE_VIEWS:
                say(view)
                self._write(connection, f"{view}_build()", order, staging / f"{view}.parquet")
                self._point(connection, view, [staging / f"{view}.parquet"])
            for chunk, bounds, months in chunks:
                self.build_chunk(connection, staging, chunk, bounds, lambda v, m=months: say(v, m))
            note = staging / BUILD_NOTE
            note.write_text(json.dumps({
                "extracts": str(self.data_dir),
                "version": self.folder.name,
                "built": datetime.now(UTC).isoformat(timespec="seconds"),
            }))  # fmt: skip
            note.chmod(0o600)
            Manifest(staging).write()
            os.replace(staging, self.folder)
            say("done")
        finally:
            connection.execute(f"DROP MACRO IF EXISTS {PSEUDONYMISE}")
            connection.execute(f"DROP TABLE IF EXISTS {ALIASES}")
            shutil.rmtree(staging, ignore_errors=True)

    def build_chunk(self, connection, staging: Path, chunk: str, bounds: str,
                    say: Callable[[str], None] = lambda _view: None) -> None:  # fmt: skip
        """The claim facts of a chunk of service months (or of the undated
        lines), then the rollups of those facts alone."""
        for view, order in MONTHLY_VIEWS:
            say(view)
            target = staging / view / f"{chunk}.parquet"
            target.parent.mkdir(exist_ok=True, mode=0o700)
            source = f"claim_facts_build({bounds})" if view == "claim_facts" else f"{view}_build()"
            self._write(connection, source, order, target)
            if view == "claim_facts":  # the rollups read this chunk's facts alone
                self._point(connection, "claim_facts", [target])

    @staticmethod
    def _write(connection, source: str, order: str | None, target: Path) -> None:
        ordered = f" ORDER BY {order}" if order else ""
        # The views built from raw claims store each member_id as its
        # pseudonym (the others read these): the cache holds no CIN.
        query = f"SELECT * FROM {source}"
        if source.split("_build(")[0] in RAW_MEMBER_VIEWS:
            query = (f"SELECT f.* REPLACE (a.alias AS member_id) FROM {source} f "
                     f"LEFT JOIN {ALIASES} a ON a.member_id = f.member_id")  # fmt: skip
        connection.execute(
            f"COPY ({query}{ordered}) "
            f"TO {quote_literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )

    @staticmethod
    def scan(files: list[Path]) -> str:
        """read_parquet of exactly these files."""
        return f"read_parquet([{', '.join(quote_literal(str(f)) for f in files)}])"

    @classmethod
    def _point(cls, connection: duckdb.DuckDBPyConnection, view: str, files: list[Path]) -> None:
        """Make `view` read exactly these parquet files."""
        connection.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {cls.scan(files)}")

    def _prune_old_versions(self) -> None:
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for sibling in self.family.iterdir():
            if sibling.name.startswith(self.folder.name):
                continue  # this version, its lock and its partials
            if sibling.stat().st_mtime < cutoff:
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
