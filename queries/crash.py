"""What the user sees of an unexpected error, and the crash file behind it.

An error nobody foresaw ends as one short message; its details go to a file
under $XDG_STATE_HOME/wrp-tui/crash/ (folder 0700, file 0600) for whoever
fixes it. The file holds the traceback without local variables (they may
hold rows of the extracts), with every member ID in it masked.
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from queries.privacy import mask_text

# Words of errors that mean the machine, not the program, ran short.
_THREADS = ("could not spawn thread", "can't start new thread", "resource temporarily unavailable",
            "failed to spawn", "thread pool")  # fmt: skip
_MEMORY = ("out of memory", "outofmemory", "cannot allocate memory", "memory allocation",
           "failed to allocate", "bad_alloc")  # fmt: skip


def crash_folder() -> Path:
    """$XDG_STATE_HOME/wrp-tui/crash (default ~/.local/state/wrp-tui/crash)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "wrp-tui" / "crash"


def resource_advice(exc: BaseException) -> str | None:
    """What to change when the error is the machine running short, else None."""
    text = f"{type(exc).__name__}: {exc}".lower()
    if isinstance(exc, MemoryError) or any(word in text for word in _MEMORY):
        return (
            "the machine ran out of memory: run again with a lower --memory-limit "
            "(e.g. --memory-limit 2GB, so that DuckDB spills to disk) and fewer --threads"
        )
    if any(word in text for word in _THREADS):
        return "the machine could not start more threads: run again with fewer, e.g. --threads 2"
    return None


def write_crash_file(exc: BaseException, where: str, folder: Path | None = None) -> Path | None:
    """The crash file for `exc` (None when it cannot be written: the short
    message is still shown)."""
    folder = folder or crash_folder()
    stamp = datetime.now(UTC)
    lines = [
        f"wrp-tui crash at {stamp.isoformat(timespec='seconds')}",
        f"where: {where}",
        f"command: {' '.join(sys.argv)}",
        f"python {platform.python_version()} on {platform.platform()}",
        "",
        *traceback.format_exception(exc),  # frames and source lines, never locals
    ]
    path = folder / f"crash-{stamp:%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask; an old folder is tightened
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(mask_text("\n".join(line.rstrip("\n") for line in lines)) + "\n")
    except OSError:
        return None
    return path


def short_message(exc: BaseException, crash_file: Path | None) -> str:
    """One or two lines for stderr or a pane: what happened, what to do."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = mask_text(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)
    advice = resource_advice(exc)
    head = f"stopped: {advice}" if advice else f"stopped on an unexpected error ({what})"
    saved = f"details in {crash_file}" if crash_file else "no crash file could be written"
    return f"wrp-tui {head}. The extracts were not changed; {saved}."


def unexpected(exc: BaseException, where: str) -> tuple[str, str]:
    """Title and message for an error no one foresaw that the program survives
    (a pane's query): shown in place, the details in a crash file."""
    crash_file = write_crash_file(exc, where)
    advice = resource_advice(exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = advice or mask_text(f"{type(exc).__name__}: {first}")
    saved = f"details in {crash_file}" if crash_file else "no crash file could be written"
    return ("Not enough resources" if advice else "Unexpected error"), f"{what} ({saved})"
