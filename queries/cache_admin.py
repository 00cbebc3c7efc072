"""The cache as the nightly job and its operator see it: which versions are
cached, for which extracts, and which of them are current; removing the rest.

A version is current when it is the one an engine opened on its extracts
folder now would use (same extract files, same rules). A build in progress
(a `.partial` folder, its version's lock held) is shown and never removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from queries.cache import BUILD_NOTE, extract_version
from queries.extracts import find_sources


@dataclass(frozen=True)
class CachedVersion:
    folder: Path
    version: str
    extracts: Path | None  # None: built before versions said so
    size: int  # bytes
    built: datetime | None
    state: str  # "current", "stale", "building" or "abandoned" (its builder died)

    @property
    def current(self) -> bool:
        return self.state == "current"


def current_version(extracts: Path) -> str | None:
    """The version an engine on `extracts` would use now; None when the folder
    is gone or holds no extracts."""
    from queries.engine import cache_rules
    from queries.privacy import SecretError, pseudonym_key

    if not extracts.is_dir():
        return None
    sources = find_sources(extracts)
    try:
        key = pseudonym_key()
    except SecretError:  # no key, no cache an engine would use
        return None
    return extract_version(extracts, sources.values(), cache_rules(key)) if sources else None


def cached_versions(root: Path) -> list[CachedVersion]:
    """Every version under the cache root (and every build in progress), by
    extracts folder, then newest first."""
    if not root.is_dir():
        return []
    found: list[CachedVersion] = []
    for family in sorted(p for p in root.iterdir() if p.is_dir()):
        currents: dict[Path, str | None] = {}
        for folder in sorted(p for p in family.iterdir() if p.is_dir()):
            if folder.name.endswith(".partial"):
                found.append(_building(folder))
                continue
            note = _note(folder)
            extracts = Path(note["extracts"]) if "extracts" in note else None
            if extracts is not None and extracts not in currents:
                currents[extracts] = current_version(extracts)
            current = extracts is not None and currents[extracts] == folder.name
            found.append(CachedVersion(
                folder, folder.name, extracts, _size(folder), _when(note, folder),
                "current" if current else "stale",
            ))  # fmt: skip
    never = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda v: (str(v.extracts or ""), -(v.built or never).timestamp()))
    return found


def prune(root: Path) -> list[CachedVersion]:
    """Remove every version that is not current (with its lock file), unless
    its lock is held; builds in progress stay. The versions removed."""
    removed = []
    for cached in cached_versions(root):
        if cached.state == "abandoned":
            shutil.rmtree(cached.folder, ignore_errors=True)
            removed.append(cached)
        if cached.state != "stale":
            continue
        lock_path = cached.folder.with_name(f"{cached.version}.lock")
        with open(lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # being built or checked by an engine opening now
                continue
            shutil.rmtree(cached.folder)
            lock_path.unlink(missing_ok=True)
        removed.append(cached)
    return removed


def _building(folder: Path) -> CachedVersion:
    """A staging folder, `<version>.<pid>.partial`."""
    version, pid = folder.name.split(".")[:2]
    state = "building" if _alive(pid) else "abandoned"
    return CachedVersion(folder, version, None, _size(folder), None, state)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):  # another user's process, or not ours to judge
        return True
    return True


def _note(folder: Path) -> dict:
    try:
        note = json.loads((folder / BUILD_NOTE).read_text())
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _when(note: dict, folder: Path) -> datetime | None:
    try:
        return datetime.fromisoformat(note["built"])
    except (KeyError, TypeError, ValueError):
        try:  # the rename into place: about when the build finished
            return datetime.fromtimestamp(folder.stat().st_mtime, UTC)
        except OSError:
            return None


def _size(folder: Path) -> int:
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(base, name)).st_size
            except OSError:  # removed while we looked (a build's rename, a prune)
                continue
    return total
